import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SessionStoreUnavailableError } from '@podsafe/core';
import { create, newId } from '@podsafe/testkit';
import { RedisStore } from './index.js';
import { startRedis, type ServerProcess } from '@podsafe/test-support/servers';
import { TcpRelay } from '@podsafe/test-support/tcp-relay';

/**
 * When Redis answers, but says no (no password given, a wrong one, protected mode,
 * maxmemory reached), the error names Redis's answer and what to change: it is a
 * configuration to fix, not an outage to wait out. Real redis-servers started so.
 */

const servers: ServerProcess[] = [];
const closers: (() => Promise<unknown>)[] = [];
let locked: ServerProcess & { url: string };
let full: ServerProcess & { url: string };
let guarded: ServerProcess & { url: string };
beforeAll(async () => {
  [locked, full, guarded] = await Promise.all([
    startRedis({ args: ['--requirepass', 'correct-horse'] }),
    startRedis({ args: ['--maxmemory', '1mb', '--maxmemory-policy', 'noeviction'] }),
    // Protected mode refuses clients that are not on 127.0.0.1 or ::1; the relay below connects from 127.0.0.2.
    startRedis({ args: ['--protected-mode', 'yes', '--bind', '127.0.0.1', '127.0.0.2'] }),
  ]);
  servers.push(locked, full, guarded);
});
afterAll(async () => {
  for (const close of closers.splice(0).reverse()) await close().catch(() => undefined);
  await Promise.all(servers.map((server) => server.stop()));
});

function store(options: ConstructorParameters<typeof RedisStore>[0]): RedisStore {
  const created = new RedisStore(options);
  closers.push(() => created.close());
  return created;
}

/** The errors of `times` calls in a row, each after the last settled: the first and the ones during reconnects. */
async function failures(call: () => Promise<unknown>, times = 3): Promise<Error[]> {
  const errors: Error[] = [];
  for (let i = 0; i < times; i++) {
    const outcome = await call().then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(outcome, `call ${i + 1}`).toBeInstanceOf(SessionStoreUnavailableError);
    errors.push(outcome as Error);
    // Spread over the reconnect backoff, as readiness probes are.
    await new Promise((resolve) => setTimeout(resolve, 150));
  }
  return errors;
}

describe('RedisStore when Redis refuses', () => {
  it('NOAUTH (Redis has a password, the store none): every failure names it and says where the password goes', async () => {
    const subject = store({ url: locked.url });
    for (const operation of [() => subject.ping(), () => subject.get(newId())]) {
      for (const error of await failures(operation)) {
        expect(error.message).toContain('NOAUTH');
        expect(error.message).toContain('redisOptions.password');
        expect(error.message).not.toMatch(/did not answer|in time/);
      }
    }
  });

  it('WRONGPASS: names it and says to check the credentials', async () => {
    const subject = store({ url: `redis://:wrong-horse@127.0.0.1:${locked.port}` });
    for (const error of await failures(() => subject.ping())) {
      expect(error.message).toContain('WRONGPASS');
      expect(error.message).toMatch(/password or username is wrong/);
      expect(error.message).not.toContain('wrong-horse');
    }
  });

  it('DENIED (protected mode, the client not on loopback): names it and says how to fix Redis', async () => {
    const relay = await TcpRelay.start({ host: '127.0.0.2', port: guarded.port, localAddress: '127.0.0.2' });
    closers.push(() => relay.close());
    const subject = store({ url: `redis://127.0.0.1:${relay.port}` });
    for (const error of await failures(() => subject.ping())) {
      expect(error.message).toContain('DENIED');
      expect(error.message).toMatch(/protected mode/);
      expect(error.message).toMatch(/set a password on Redis/);
    }
  });

  it('OOM (maxmemory reached with noeviction): a new session is refused, naming it, not written past the limit', async () => {
    const subject = store({ url: full.url });
    const value = 'x'.repeat(200_000);
    let refused: unknown;
    // 1 MiB holds a few of these at most; before, new sessions were written past maxmemory.
    for (let i = 0; i < 20 && refused === undefined; i++) {
      refused = await subject.save(newId(), create({ value }), 600).then(
        () => undefined,
        (error: unknown) => error,
      );
    }
    expect(refused).toBeInstanceOf(SessionStoreUnavailableError);
    expect((refused as Error).message).toContain('OOM');
    expect((refused as Error).message).toMatch(/maxmemory/);
  });
});
