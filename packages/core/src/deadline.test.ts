import { describe, expect, it } from 'vitest';
import { withDeadline } from './deadline.js';
import { SessionStoreUnavailableError } from './errors.js';
import { storeErrors } from './store-errors.js';

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
