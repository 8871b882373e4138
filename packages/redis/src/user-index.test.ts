import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { Redis } from 'ioredis';
import { nowSeconds } from '@podsafe/core/store';
import { SessionEngine, type SessionContext } from '@podsafe/core/adapter';
import { create, describeUserIndex, newId } from '@podsafe/testkit';
import { RedisStore } from './index.js';
import { userIndexKeys } from './user-index.js';
import { startRedis, type ServerProcess } from '@podsafe/test-support/servers';

const run = `${process.pid}-${Date.now().toString(36)}`;
const prefixFor = (name: string) => `podsafe:test:${run}:${name}:`;

describeUserIndex('RedisStore', () => new RedisStore({ url: inject('redisUrl'), prefix: prefixFor('users-suite') }), {
  anotherPod: (store) => new RedisStore({ url: inject('redisUrl'), prefix: store.prefix }),
});

const SECRET = 'redis-user-index-secret-0123456789abcdef';

/** One request of a browser that keeps its cookie, on the pod `engine`. */
async function visit(engine: SessionEngine, jar: { cookie?: string }, handler: (context: SessionContext) => unknown) {
  const context = await engine.load({ cookieHeader: jar.cookie, secure: false });
  const result = await handler(context);
  const set = await engine.commit(context);
  if (set !== undefined) jar.cookie = set.includes('Max-Age=0') ? undefined : set.split(';')[0];
  return result;
}
const login = (userId: string) => async (context: SessionContext) => {
  await context.session.regenerate();
  (context.session as unknown as Record<string, unknown>).userId = userId;
};
const whoami = (context: SessionContext) => (context.session as unknown as Record<string, unknown>).userId;

describe('sessions per user on Redis, through the engine, across pods', () => {
  let podA: RedisStore;
  let podB: RedisStore;
  beforeAll(() => {
    podA = new RedisStore({ url: inject('redisUrl'), prefix: prefixFor('users-engine') });
    podB = new RedisStore({ url: inject('redisUrl'), prefix: prefixFor('users-engine') });
  });
  afterAll(async () => {
    await podA.close();
    await podB.close();
  });

  it('a user signed in on pod A is listed and signed out everywhere else from pod B', async () => {
    const a = new SessionEngine({ store: podA, secret: SECRET, userKey: 'userId' });
    const b = new SessionEngine({ store: podB, secret: SECRET, userKey: 'userId' });
    const user = `alice-${run}`;
    const laptop = {};
    const phone = {};
    await visit(a, laptop, login(user));
    await visit(a, phone, login(user));
    const listed = await visit(b, laptop, (context) => context.session.listUserSessions());
    expect((listed as { current: boolean }[]).map((s) => s.current).sort()).toEqual([false, true]);

    expect(await visit(b, laptop, (context) => context.session.destroyUserSessions({ keepCurrent: true }))).toBe(1);
    expect(await visit(a, phone, whoami)).toBeUndefined();
    expect(await visit(a, laptop, whoami)).toBe(user);
    expect(await a.listUserSessions(user)).toHaveLength(1);
  });
});

describe("a user's index on a private Redis leaves nothing behind", () => {
  let redis: ServerProcess & { url: string };
  let store: RedisStore;
  let admin: Redis;
  let events: Redis;
  beforeAll(async () => {
    redis = await startRedis();
    // 10 000 writes at once on a shared 2-core machine: a patient timeout, not the 1 s default.
    store = new RedisStore({ url: redis.url, prefix: 'expiry:', timeout: 30 });
    admin = new Redis(redis.url);
    events = new Redis(redis.url);
    // Redis announces each key it expires: the test waits on that, not on a clock.
    await admin.config('SET', 'notify-keyspace-events', 'Ex');
    await events.subscribe('__keyevent@0__:expired');
  });
  afterAll(async () => {
    events?.disconnect();
    await admin?.quit();
    await store?.close();
    await redis?.stop();
  });

  /**
   * Resolves once none of `keys` exists (after `check()` is called), checked again on
   * every expiry Redis announces: no clock involved. (An index whose every entry
   * expired while it was still being written is deleted by the script, not expired.)
   */
  function allGone(keys: string[]): { check: () => void; done: Promise<void> } {
    let resolve!: () => void;
    const done = new Promise<void>((r) => (resolve = r));
    let armed = false;
    const look = () => {
      if (!armed) return;
      void admin.exists(...keys).then((count) => {
        if (count !== 0) return;
        events.off('message', look);
        resolve();
      });
    };
    events.on('message', look);
    const check = () => {
      armed = true;
      return look();
    };
    return { check, done };
  }

  /** Resolves once Redis has expired every key of `keys`. */
  function expired(keys: string[]): Promise<void> {
    const waiting = new Set(keys);
    return new Promise((resolve) => {
      const onMessage = (_channel: string, key: string) => {
        waiting.delete(key);
        if (waiting.size > 0) return;
        events.off('message', onMessage);
        resolve();
      };
      events.on('message', onMessage);
    });
  }

  const idsFor = (count: number) => Array.from({ length: count }, () => newId());
  async function seed(userId: string, ids: string[], ttl: number) {
    const now = nowSeconds();
    // Each chunk is issued at once: ioredis writes the commands back to back on one connection.
    let indexed = 0;
    for (let i = 0; i < ids.length; i += 5000) {
      const chunk = ids.slice(i, i + 5000);
      const [, results] = await Promise.all([
        Promise.all(chunk.map((id) => store.save(id, create({ userId }, now), ttl))),
        Promise.all(chunk.map((id) => store.indexUser(userId, { id, createdAt: now, lastSeenAt: now }, now + ttl))),
      ]);
      indexed += results.filter(Boolean).length;
    }
    expect(indexed).toBe(ids.length);
  }

  it('10 000 sessions of one user expire and leave 0 index entries and 0 keys behind, with no read to prune them', {
    timeout: 120_000,
  }, async () => {
    const user = 'ten-thousand';
    const [z, h] = userIndexKeys(store.prefix, user);
    const ids = idsFor(10_000);
    const sessionsGone = expired(ids.map((id) => store.prefix + id));
    const indexGone = allGone([z, h]);
    await seed(user, ids, 5);
    indexGone.check();
    await Promise.all([sessionsGone, indexGone.done]);
    expect(await admin.exists(z, h)).toBe(0);
    expect(await store.listByUser(user, 1000)).toEqual([]);
    expect(await admin.exists(z, h)).toBe(0);
  });

  it('expired entries of a user who stays signed in elsewhere are pruned on read and on write', async () => {
    const user = 'stays';
    const [z, h] = userIndexKeys(store.prefix, user);
    const now = nowSeconds();
    const short = idsFor(1000);
    const shortGone = expired(short.map((id) => store.prefix + id));
    await seed(user, short, 1);
    const keeper = newId();
    await store.save(keeper, create({ userId: user }, now), 600);
    await store.indexUser(user, { id: keeper, createdAt: now, lastSeenAt: now }, now + 600);
    await shortGone;

    expect((await store.listByUser(user, 1000)).map((e) => e.id)).toEqual([keeper]);
    expect(await admin.zcard(z)).toBe(1);
    expect(await admin.hlen(h)).toBe(1);
    expect(await admin.pttl(z)).toBeGreaterThan(590_000);

    // On write too: an index call after more expiries drops them, without any list.
    const later = idsFor(100);
    const laterGone = expired(later.map((id) => store.prefix + id));
    await seed(user, later, 1);
    await laterGone;
    await store.unindexUser(user, newId());
    expect(await admin.zcard(z)).toBe(1);
    expect(await admin.hlen(h)).toBe(1);
  });

  it('a sign-out everywhere leaves only the cutoff, which expires after ttl', async () => {
    const user = 'signed-out';
    const [z, h] = userIndexKeys(store.prefix, user);
    await seed(user, idsFor(50), 600);
    const gone = expired([h]);
    const taken = await store.destroyByUser(user, { before: nowSeconds(), ttl: 1 });
    expect(taken).toHaveLength(50);
    expect(await admin.exists(z)).toBe(0);
    expect(Object.keys(await admin.hgetall(h)).sort()).toEqual(['!before', '!until']);
    await gone;
    expect(await admin.exists(z, h)).toBe(0);
  });

  it('keeps user ids out of key names and away from session ids, ids() and count()', async () => {
    const user = 'carol@example.com';
    await seed(user, idsFor(3), 600);
    const keys = await admin.keys('expiry:user:*');
    expect(keys.length).toBeGreaterThan(0);
    for (const key of keys) expect(key).not.toContain('carol');
    const listed: string[] = [];
    for await (const id of store.ids()) listed.push(id);
    expect(listed.every((id) => !id.startsWith('user:'))).toBe(true);
  });
});
