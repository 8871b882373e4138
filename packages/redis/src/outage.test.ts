import { afterEach, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { SessionStoreUnavailableError, type SessionStoreStatus } from '@podsafe/core';
import { create, newId, update } from '@podsafe/testkit';
import { RedisStore } from './index.js';
import { nextStatus } from '../test/status.js';
import { startRedis, type ServerProcess } from '@podsafe/test-support/servers';

/**
 * Outages against private redis-servers that the tests stop, freeze and restart.
 * No timing thresholds: a call that hung would hit the test timeout and fail it.
 */

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => undefined);
});

async function privateRedis(): Promise<ServerProcess & { url: string }> {
  const redis = await startRedis();
  cleanups.push(() => redis.stop());
  return redis;
}

function track<T extends { close(): Promise<unknown> }>(closeable: T): T {
  cleanups.push(() => closeable.close());
  return closeable;
}

/** Every store call, each expected to reject while Redis is unavailable. */
function everyCall(store: RedisStore, id: string): [string, () => Promise<unknown>][] {
  return [
    ['get', () => store.get(id)],
    ['save (new)', () => store.save(id, create({ a: 1 }), 600)],
    ['save (update)', () => store.save(id, update({ a: 1 }, { b: 2 }), 600)],
    ['touch', () => store.touch(id, Date.now() / 1000, 600)],
    ['destroy', () => store.destroy(id)],
    ['ping', () => store.ping()],
    ['count', () => store.count()],
    ['clear', () => store.clear()],
    [
      'ids',
      async () => {
        for await (const _ of store.ids()) break;
      },
    ],
  ];
}

async function expectAllUnavailable(store: RedisStore, id: string, address: string): Promise<void> {
  const outcomes = await Promise.all(
    everyCall(store, id).map(
      async ([name, call]) =>
        [
          name,
          await call().then(
            () => 'resolved',
            (error: unknown) => error,
          ),
        ] as const,
    ),
  );
  for (const [name, outcome] of outcomes) {
    expect(outcome, name).toBeInstanceOf(SessionStoreUnavailableError);
    expect(outcome, name).toMatchObject({ code: 'ERR_SESSION_STORE_UNAVAILABLE', statusCode: 503 });
    expect((outcome as Error).message, name).toContain(address);
  }
}

describe('RedisStore when Redis goes away', () => {
  it('rejects every call with SessionStoreUnavailableError while Redis is down, and serves again by itself once it is back', async () => {
    const redis = await privateRedis();
    const store = track(new RedisStore({ url: redis.url }));
    const statuses: SessionStoreStatus[] = [];
    store.subscribe((status) => statuses.push(status));

    const before = newId();
    expect(await store.save(before, create({ user: 'alice' }), 600)).toBe(true);
    expect((await store.get(before))?.data).toEqual({ user: 'alice' });

    const down = nextStatus(store, 'down');
    await redis.stop();
    await down;
    await expectAllUnavailable(store, newId(), `127.0.0.1:${redis.port}`);

    const ready = nextStatus(store, 'ready');
    await redis.start(); // same port; no persistence, so an empty Redis
    await ready;
    const after = newId();
    expect(await store.save(after, create({ user: 'bob' }), 600)).toBe(true);
    expect((await store.get(after))?.data).toEqual({ user: 'bob' });
    await expect(store.ping()).resolves.toBeUndefined();

    expect(statuses.slice(-2)).toEqual(['down', 'ready']);
    for (const [i, status] of statuses.entries()) expect(status, 'no repeated status').not.toBe(statuses[i - 1]);
  });

  it('a call made the instant Redis dies rejects instead of waiting for it', async () => {
    const redis = await privateRedis();
    const store = track(new RedisStore({ url: redis.url }));
    await store.ping();
    const stopping = redis.stop('SIGKILL');
    // Settled from the start: with the offline queue dropped on the first failed reconnect, they may reject before the kill is done.
    const calls = Promise.allSettled([store.get(newId()), store.save(newId(), create({ a: 1 }), 600)]);
    await stopping;
    for (const outcome of await calls) {
      // Either it got through before the kill, or it fails as unavailable: never a hang, never another error.
      if (outcome.status === 'rejected') expect(outcome.reason).toBeInstanceOf(SessionStoreUnavailableError);
    }
    await expect(store.get(newId())).rejects.toBeInstanceOf(SessionStoreUnavailableError);
  });

  it('rejects while Redis is frozen (SIGSTOP: connected but silent), also on a client passed in without any timeout', async () => {
    const redis = await privateRedis();
    const store = track(new RedisStore({ url: redis.url }));
    const bare = new Redis(redis.url); // no commandTimeout: only the store's own timer bounds the call
    cleanups.push(async () => bare.disconnect());
    const given = track(new RedisStore({ client: bare }));
    await Promise.all([store.ping(), given.ping()]);

    const info = await bare.info('server');
    const pid = Number(/process_id:(\d+)/.exec(info)?.[1]);
    expect(pid).toBeGreaterThan(0);
    // Also on a timeout of this test: a stopped redis-server would ignore the SIGTERM of cleanup.
    cleanups.push(async () => process.kill(pid, 'SIGCONT'));
    process.kill(pid, 'SIGSTOP');
    try {
      await Promise.all(
        [store, given].flatMap((subject) => [
          expect(subject.get(newId())).rejects.toMatchObject({ code: 'ERR_SESSION_STORE_UNAVAILABLE' }),
          expect(subject.save(newId(), create({ a: 1 }), 600)).rejects.toMatchObject({ code: 'ERR_SESSION_STORE_UNAVAILABLE' }),
        ]),
      );
    } finally {
      process.kill(pid, 'SIGCONT');
    }
    // The connection survived the freeze: the next calls are served at once.
    const id = newId();
    expect(await store.save(id, create({ a: 1 }), 600)).toBe(true);
    expect((await given.get(id))?.data).toEqual({ a: 1 });
  });

  it('starts while Redis is down: calls reject, and it connects by itself when Redis starts', async () => {
    const redis = await privateRedis();
    await redis.stop();
    const store = track(new RedisStore({ url: redis.url }));
    await expectAllUnavailable(store, newId(), `127.0.0.1:${redis.port}`);

    const ready = nextStatus(store, 'ready');
    await redis.start();
    await ready;
    const id = newId();
    expect(await store.save(id, create({ a: 1 }), 600)).toBe(true);
    expect((await store.get(id))?.data).toEqual({ a: 1 });
  });

  it('names the address and the last connection error, never the password', async () => {
    const redis = await privateRedis();
    await redis.stop();
    const store = track(new RedisStore({ url: `redis://:hunter2@127.0.0.1:${redis.port}/0` }));
    const error = (await store.get(newId()).catch((e: unknown) => e)) as Error;
    expect(error).toBeInstanceOf(SessionStoreUnavailableError);
    expect(error.message).toContain(`redis://127.0.0.1:${redis.port}`);
    expect(error.message).toMatch(/ECONNREFUSED|not connected|did not answer/);
    expect(error.message).not.toContain('hunter2');
  });
});
