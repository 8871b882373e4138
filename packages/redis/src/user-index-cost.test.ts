import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SessionOptions } from '@podsafe/core';
import { generateSessionId } from '@podsafe/core/store';
import { SessionEngine, type SessionContext } from '@podsafe/core/adapter';
import { RedisStore } from './index.js';
import { CommandCounter } from '@podsafe/test-support/redis-monitor';
import { startRedis, type ServerProcess } from '@podsafe/test-support/servers';

const SECRET = 'user-index-cost-secret-0123456789abcdef';
type Data = Record<string, unknown>;

/**
 * What `userKey` adds to each kind of request, in Redis commands sent (MONITOR on a
 * private Redis): the same requests run on an engine without the index and on one
 * with it.
 */
describe('the per-user index: Redis commands added per login, request and logout', () => {
  let redis: ServerProcess & { url: string };
  let store: RedisStore;
  let counter: CommandCounter;

  beforeAll(async () => {
    redis = await startRedis();
    store = new RedisStore({ url: redis.url, prefix: 'cost:' });
    counter = new CommandCounter(redis.url);
    // Warm-up: ioredis sends each script's source once per connection (EVAL after a NOSCRIPT), then EVALSHA.
    const id = generateSessionId();
    const now = Date.now() / 1000;
    await store.save(id, { isNew: true, set: {}, unset: [], data: {}, meta: { createdAt: now, lastSeenAt: now } }, 60);
    await store.touch(id, now, 60);
    await store.indexUser('warm-up', { id, createdAt: now, lastSeenAt: now }, now + 60);
    await store.listByUser('warm-up', 10);
    await store.unindexUser('warm-up', id);
    await store.destroyByUser('warm-up', { before: now, ttl: 1 });
  });
  afterAll(async () => {
    counter?.close();
    await store?.close();
    await redis?.stop();
  });

  /** The commands each step of a signed-in visit sends, with the given engine options. */
  async function visit(options: Partial<SessionOptions>) {
    const engine = new SessionEngine({ store, secret: SECRET, touchAfter: 3600, ...options });
    let cookie: string | undefined;
    const request = async (handler: (context: SessionContext) => unknown) => {
      const context = await engine.load({ cookieHeader: cookie, secure: false });
      await handler(context);
      const set = await engine.commit(context);
      if (set !== undefined) cookie = set.split(';')[0];
    };
    const login = (context: SessionContext) => {
      (context.session as unknown as Data).userId = 'alice';
    };
    return {
      login: await counter.during(() => request(login)),
      unchanged: await counter.during(() => request(() => undefined)),
      change: await counter.during(() =>
        request((context) => {
          (context.session as unknown as Data).cart = ['book'];
        }),
      ),
      touch: await counter.during(() => request((context) => context.session.touch())),
      logout: await counter.during(() => request((context) => context.session.destroy())),
    };
  }

  it('login +1 EVALSHA, a request that changes nothing +0, a save or touch +1 EVALSHA, logout +1 EVALSHA', async () => {
    const without = await visit({});
    const withIndex = await visit({ userKey: 'userId' });

    expect(without).toEqual({
      login: { evalsha: 1 },
      unchanged: { hgetall: 1 },
      change: { hgetall: 1, evalsha: 1 },
      touch: { hgetall: 1, evalsha: 1 },
      logout: { hgetall: 1, unlink: 1 },
    });
    expect(withIndex).toEqual({
      login: { evalsha: 2 },
      unchanged: { hgetall: 1 },
      change: { hgetall: 1, evalsha: 2 },
      touch: { hgetall: 1, evalsha: 2 },
      logout: { hgetall: 1, unlink: 1, evalsha: 1 },
    });
  });

  it('listing costs one EVALSHA plus one HGETALL per session; signing out everywhere one EVALSHA plus one UNLINK per session', async () => {
    const engine = new SessionEngine({ store, secret: SECRET, userKey: 'userId' });
    for (let i = 0; i < 3; i++) {
      const context = await engine.load({ cookieHeader: undefined, secure: false });
      (context.session as unknown as Data).userId = 'bob';
      await engine.commit(context);
    }
    expect(await counter.during(() => engine.listUserSessions('bob'))).toEqual({ evalsha: 1, hgetall: 3 });
    expect(await counter.during(() => engine.destroyUserSessions('bob'))).toEqual({ evalsha: 1, unlink: 3 });
  });
});
