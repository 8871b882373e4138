/**
 * The legacy sessions as session()'s legacyCookie sees them (RedisStore.legacy.store)
 * in 'dual' mode: concurrent changes from new pods, and whole writes from old pods in
 * between, are merged into the legacy JSON rather than overwritten.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { nowSeconds } from '@podsafe/core/store';
import { RedisStore } from '@podsafe/redis';
import { startRedis } from '@podsafe/test-support/servers';

let redis: Awaited<ReturnType<typeof startRedis>>;
let admin: Redis;
let pods: RedisStore[];

beforeAll(async () => {
  redis = await startRedis();
  admin = new Redis(redis.url);
  pods = [0, 1, 2].map(() => new RedisStore({ url: redis.url, legacy: { format: 'connect-redis', mode: 'dual' } }));
});

afterAll(async () => {
  await Promise.all(pods.map((pod) => pod.close()));
  admin.disconnect();
  await redis.stop();
});

const cookie = { originalMaxAge: 60_000, expires: new Date(Date.now() + 60_000).toISOString(), httpOnly: true, path: '/' };
const meta = () => ({ createdAt: nowSeconds(), lastSeenAt: nowSeconds() });

describe("RedisStore legacy 'dual', the legacyCookie view", () => {
  it('merges concurrent changes of different keys from several pods: none is lost', async () => {
    const id = 'merge-test-id-000000000001';
    await admin.set(`sess:${id}`, JSON.stringify({ cookie, user: 'ned' }), 'EX', 60);
    const writes = Array.from({ length: 12 }, (_, i) => {
      const view = pods[i % pods.length]!.legacy!.store;
      return view.save(id, { isNew: false, set: { [`k${i}`]: i }, unset: [], data: {}, meta: meta() }, 60);
    });
    expect(await Promise.all(writes)).toEqual(Array(12).fill(true));
    const stored = JSON.parse((await admin.get(`sess:${id}`))!);
    expect(stored).toMatchObject({ user: 'ned', cookie });
    for (let i = 0; i < 12; i++) expect(stored[`k${i}`]).toBe(i);
    // What session() sees: the data without express-session's cookie.
    expect((await pods[0]!.legacy!.store.get(id))?.data).not.toHaveProperty('cookie');
  });

  it('refuses an update to a session an old pod destroyed, and a key named cookie', async () => {
    const view = pods[0]!.legacy!.store;
    const id = 'gone-test-id-0000000000001';
    expect(await view.save(id, { isNew: false, set: { a: 1 }, unset: [], data: {}, meta: meta() }, 60)).toBe(false);
    expect(await admin.exists(`sess:${id}`)).toBe(0);
    await admin.set(`sess:${id}`, JSON.stringify({ cookie }), 'EX', 60);
    await expect(view.save(id, { isNew: false, set: { cookie: 'x' }, unset: [], data: {}, meta: meta() }, 60)).rejects.toThrow(
      /express-session's own/,
    );
    expect(JSON.parse((await admin.get(`sess:${id}`))!)).toEqual({ cookie });
  });
});
