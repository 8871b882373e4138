import { afterEach, describe, expect, it, vi } from 'vitest';
import { withDeadline } from './deadline.js';
import { InvalidSessionIdError, SessionStoreUnavailableError } from './errors.js';
import { storeErrors } from './store-errors.js';
import { storeCall } from './timeout.js';

describe('withDeadline', () => {
  it('settles like the work when it settles in time', async () => {
    await expect(withDeadline(Promise.resolve(7), 1, () => new Error('late'))).resolves.toBe(7);
    const failure = new Error('refused');
    await expect(withDeadline(Promise.reject(failure), 1, () => new Error('late'))).rejects.toBe(failure);
  });

  it('rejects with onTimeout() when the work never settles', async () => {
    const late = new Error('late');
    await expect(withDeadline(new Promise(() => undefined), 0.01, () => late)).rejects.toBe(late);
  });

  it('takes a function, and turns its synchronous throw into a rejection', async () => {
    await expect(
      withDeadline(
        async () => 'ok',
        1,
        () => new Error('late'),
      ),
    ).resolves.toBe('ok');
    const thrown = new Error('sync');
    await expect(
      withDeadline(
        () => {
          throw thrown;
        },
        1,
        () => new Error('late'),
      ),
    ).rejects.toBe(thrown);
  });

  it('makes the timeout error only when the timer fires', async () => {
    let made = 0;
    await withDeadline(Promise.resolve(1), 1, () => new Error(`late ${++made}`));
    expect(made).toBe(0);
  });

  it('hands every rejection, the timeout too, to onRejected, which may answer or throw', async () => {
    const recover = (error: unknown) => {
      if (error instanceof Error && error.message === 'refused') return 'recovered';
      throw new Error(`mapped: ${(error as Error).message}`);
    };
    await expect(withDeadline(Promise.reject(new Error('refused')), 1, () => new Error('late'), recover)).resolves.toBe('recovered');
    await expect(withDeadline(new Promise<string>(() => undefined), 0.01, () => new Error('late'), recover)).rejects.toThrow(
      'mapped: late',
    );
    const thrown = () => {
      throw new Error('sync');
    };
    await expect(withDeadline(thrown, 1, () => new Error('late'), recover)).rejects.toThrow('mapped: sync');
    await expect(withDeadline(Promise.resolve('fine'), 1, () => new Error('late'), recover)).resolves.toBe('fine');
  });
});

describe('storeCall', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('bounds a call that never answers by its own deadline', async () => {
    vi.useFakeTimers();
    const call = storeCall('get', 2, 3, () => new Promise(() => undefined));
    expect(vi.getTimerCount()).toBe(1);
    vi.advanceTimersByTime(2000);
    await expect(call).rejects.toThrow(/get did not answer within 2 s/);
    await expect(call).rejects.toMatchObject({ retryAfter: 3 });
  });

  it('sets no timer when the store bounds the call itself within the deadline (capabilities.callTimeout)', async () => {
    vi.useFakeTimers();
    void storeCall('get', 2, 3, () => new Promise(() => undefined), 1);
    void storeCall('get', 2, 3, () => new Promise(() => undefined), 2);
    expect(vi.getTimerCount()).toBe(0);
  });

  it("keeps its own deadline when the store's bound is longer", async () => {
    vi.useFakeTimers();
    const call = storeCall('get', 2, 3, () => new Promise(() => undefined), 5);
    expect(vi.getTimerCount()).toBe(1);
    vi.advanceTimersByTime(2000);
    await expect(call).rejects.toThrow(/get did not answer within 2 s/);
  });

  it("maps failures the same way with and without the store's bound", async () => {
    for (const bound of [undefined, 1]) {
      const cause = new Error('ECONNRESET');
      const failed = storeCall('save', 2, 3, () => Promise.reject(cause), bound);
      await expect(failed).rejects.toBeInstanceOf(SessionStoreUnavailableError);
      await expect(failed).rejects.toMatchObject({ cause, retryAfter: 3 });
      const thrown = storeCall(
        'save',
        2,
        3,
        () => {
          throw cause;
        },
        bound,
      );
      await expect(thrown).rejects.toMatchObject({ cause });
      // podsafe's own refusals pass through unchanged.
      const invalid = new InvalidSessionIdError('x');
      await expect(storeCall('get', 2, 3, () => Promise.reject(invalid), bound)).rejects.toBe(invalid);
      await expect(storeCall('get', 2, 3, () => Promise.resolve(4), bound)).resolves.toBe(4);
    }
  });
});

describe('storeErrors', () => {
  const errors = storeErrors('TestStore', { retryAfter: 5, advice: 'check the servers' });

  it("makes SessionStoreUnavailableError with the store's retryAfter and advice", () => {
    const cause = new Error('ECONNREFUSED');
    const error = errors.unavailable('get failed', cause);
    expect(error).toBeInstanceOf(SessionStoreUnavailableError);
    expect(error.retryAfter).toBe(5);
    expect(error.headers['Retry-After']).toBe('5');
    expect(error.cause).toBe(cause);
    expect(error.message).toMatch(/^Session store unavailable: get failed \(check the servers\)\. Check that the store is running/);
  });

  it('closed and timeout name the store and the operation', () => {
    expect(errors.closed('save').message).toMatch(/TestStore\.save was called after close\(\); create a new store/);
    expect(errors.timeout('get', 1, 'cache-0:11211').message).toMatch(
      /TestStore\.get on cache-0:11211 did not answer within 1 s \(check the servers\)/,
    );
    expect(storeErrors('X').timeout('ping', 0.5).retryAfter).toBe(2);
  });
});
