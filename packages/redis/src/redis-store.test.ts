import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { Redis } from 'ioredis';
import { SessionStoreUnavailableError } from '@podsafe/core';
import { create, describeSessionStore, newId, update } from '@podsafe/testkit';
import { RedisStore } from './index.js';
import { freePort } from '@podsafe/test-support/servers';

const run = `${process.pid}-${Date.now().toString(36)}`;
/** A prefix no other test (or run) shares, so tests never see each other's keys. */
const prefixFor = (name: string) => `podsafe:test:${run}:${name}:`;

describeSessionStore('RedisStore', () => new RedisStore({ url: inject('redisUrl'), prefix: prefixFor('suite') }), {
  // A string where a session hash belongs: HGETALL answers WRONGTYPE.
  writeCorrupt: async (store, id) => {
    await store.client.set(store.prefix + id, 'a string where a session hash belongs');
  },
});

describe('RedisStore on the shared Redis', () => {
  let store: RedisStore;
  let admin: Redis;
  beforeAll(() => {
    store = new RedisStore({ url: inject('redisUrl'), prefix: prefixFor('specific') });
    admin = new Redis(inject('redisUrl'));
  });
  afterAll(async () => {
    await store.close();
    await admin.quit();
  });

  it("a caller's bad ttl or time is refused as such (RangeError), never reported as Redis being unavailable", async () => {
    const id = newId();
    await expect(store.save(id, create({ a: 1 }), Number.NaN)).rejects.toThrow(RangeError);
    await store.save(id, create({ a: 1 }), 600);
    await expect(store.touch(id, Number.POSITIVE_INFINITY, 600)).rejects.toThrow(RangeError);
    await expect(store.touch(id, Date.now() / 1000, Number.NaN)).rejects.toThrow(/ttl must be a finite number/);
    expect((await store.get(id))?.data).toEqual({ a: 1 });
  });

  it('keeps one hash per session: a d: field per data key (JSON) and m: meta fields', async () => {
    const id = newId();
    await store.save(id, create({ views: 2, user: { id: 'u1' }, 'm:v': 'data, not meta' }, 1_700_000_000.25), 600);
    expect(await admin.type(store.prefix + id)).toBe('hash');
    expect(await admin.hgetall(store.prefix + id)).toEqual({
      'd:views': '2',
      'd:user': '{"id":"u1"}',
      'd:m:v': '"data, not meta"',
      'm:c': '1700000000.25',
      'm:l': '1700000000.25',
      'm:v': '1',
    });
    const ttl = await admin.pttl(store.prefix + id);
    expect(ttl).toBeGreaterThan(590_000);
    expect(ttl).toBeLessThanOrEqual(600_000);
  });

  it('stores fractional times exactly and sets the TTL from seconds on touch', async () => {
    const id = newId();
    const createdAt = 1_732_000_000.123456;
    await store.save(id, create({ a: 1 }, createdAt), 60);
    await store.touch(id, createdAt + 10.654321, 3600);
    const record = await store.get(id);
    expect(record?.meta.createdAt).toBe(createdAt);
    expect(record?.meta.lastSeenAt).toBe(createdAt + 10.654321);
    expect(record?.meta.version).toBe(1);
    expect(await admin.pttl(store.prefix + id)).toBeGreaterThan(3_590_000);
  });

  it.each([
    ['no meta at all', { 'd:a': '1' }],
    ['no version', { 'd:a': '1', 'm:c': '1', 'm:l': '1' }],
    ['a version that is not a number', { 'm:c': '1', 'm:l': '1', 'm:v': 'abc' }],
    ['a fractional version', { 'm:c': '1', 'm:l': '1', 'm:v': '1.5' }],
    ['a version of 0', { 'm:c': '1', 'm:l': '1', 'm:v': '0' }],
    ['an empty createdAt', { 'm:c': '', 'm:l': '1', 'm:v': '1' }],
    ['a createdAt of "nan"', { 'm:c': 'nan', 'm:l': 'nan', 'm:v': '1' }],
    ['an infinite version', { 'm:c': '1', 'm:l': '1', 'm:v': 'inf' }],
    ['an overflowing createdAt', { 'm:c': '1e999', 'm:l': '1e999', 'm:v': '1' }],
    ['an overflowing version', { 'm:c': '1', 'm:l': '1', 'm:v': '1e999' }],
    ['a hex createdAt', { 'm:c': '0x10', 'm:l': '20', 'm:v': '1' }],
    ['a createdAt with a leading space', { 'm:c': ' 1', 'm:l': '1', 'm:v': '1' }],
    ['lastSeenAt before createdAt', { 'm:c': '10', 'm:l': '5', 'm:v': '1' }],
    ['a foreign hash', { name: 'someone else', __proto__: 'x' }],
  ])('reads a hash with %s as no session; updates and touches leave it alone', async (_label, fields) => {
    const id = newId();
    const key = store.prefix + id;
    await admin.hset(key, fields);
    expect(await store.get(id)).toBeNull();
    expect(await store.save(id, update({}, { b: 2 }), 600)).toBe(false);
    await store.touch(id, Date.now() / 1000, 600);
    expect(await admin.hgetall(key)).toEqual(fields);
    expect(await admin.pttl(key)).toBe(-1);
  });

  it('reads a record with a data field that is not JSON as no session, and an update does not make it readable', async () => {
    const id = newId();
    await admin.hset(store.prefix + id, { 'd:a': '{nope', 'm:c': '1', 'm:l': '1', 'm:v': '1' });
    expect(await store.get(id)).toBeNull();
    await store.save(id, update({}, { b: 2 }), 600);
    expect(await store.get(id)).toBeNull();
  });

  it.each([
    ['a list', (key: string) => admin.rpush(key, 'x')],
    ['a set', (key: string) => admin.sadd(key, 'x')],
    ['a string', (key: string) => admin.set(key, '{"data":{},"meta":{}}')],
  ])('reads %s under the key as no session, refuses updates to it, and replaces it with a new session', async (_label, write) => {
    const id = newId();
    await write(store.prefix + id);
    expect(await store.get(id)).toBeNull();
    expect(await store.save(id, update({}, { b: 2 }), 600)).toBe(false);
    expect(await store.touch(id, Date.now() / 1000, 600)).toBe(false);
    expect(await store.save(id, create({ fresh: true }), 600)).toBe(true);
    expect((await store.get(id))?.data).toEqual({ fresh: true });
  });

  it('keeps a "__proto__" data key as data, never as a prototype', async () => {
    const id = newId();
    await store.save(id, create(JSON.parse('{"__proto__": {"polluted": true}, "a": 1}') as Record<string, unknown>), 600);
    const record = await store.get(id);
    expect(Object.getPrototypeOf(record!.data)).toBe(Object.prototype);
    expect(Object.keys(record!.data).sort()).toEqual(['__proto__', 'a']);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('writes and removes thousands of keys in one save (Lua unpack limit)', async () => {
    const id = newId();
    const many = Object.fromEntries(Array.from({ length: 12_000 }, (_, i) => [`k${i}`, i]));
    expect(await store.save(id, create(many), 600)).toBe(true);
    const unset = Array.from({ length: 9_000 }, (_, i) => `k${i}`);
    expect(await store.save(id, update(many, { extra: true }, unset), 600)).toBe(true);
    const record = await store.get(id);
    expect(Object.keys(record!.data)).toHaveLength(3_001);
    expect(record?.data.k11999).toBe(11_999);
    expect(record?.data.k0).toBeUndefined();
  });

  it('drops keys whose value JSON cannot carry, and rejects values JSON cannot encode with SessionDataError', async () => {
    const id = newId();
    await store.save(id, create({ a: 1, gone: undefined }), 600);
    expect((await store.get(id))?.data).toEqual({ a: 1 });
    await store.save(id, update({ a: 1 }, { a: undefined }), 600);
    expect(await admin.hexists(store.prefix + id, 'd:a')).toBe(0);
    await expect(store.save(id, update({}, { big: 10n }), 600)).rejects.toMatchObject({ code: 'ERR_SESSION_DATA' });
  });

  it('a store given a client uses it, never closes it, and detaches from it on close()', async () => {
    const client = new Redis(inject('redisUrl'));
    const before = client.listenerCount('ready') + client.listenerCount('close') + client.listenerCount('end');
    const given = new RedisStore({ client, prefix: prefixFor('given') });
    const id = newId();
    expect(await given.save(id, create({ a: 1 }), 600)).toBe(true);
    expect((await given.get(id))?.data).toEqual({ a: 1 });
    await given.close();
    expect(client.status).toBe('ready');
    expect(await client.ping()).toBe('PONG');
    expect(client.listenerCount('ready') + client.listenerCount('close') + client.listenerCount('end')).toBe(before);
    await expect(given.get(id)).rejects.toBeInstanceOf(SessionStoreUnavailableError);
    await client.quit();
  });

  it('a store that created its client closes it', async () => {
    const own = new RedisStore({ url: inject('redisUrl'), prefix: prefixFor('own') });
    await own.ping();
    await own.close();
    expect(own.client.status).toBe('end');
    await expect(own.close()).resolves.toBeUndefined();
    await expect(own.ping()).rejects.toMatchObject({ code: 'ERR_SESSION_STORE_UNAVAILABLE' });
  });

  it('clear() deletes only its own sessions: not other prefixes, not a store whose prefix extends it, not glob look-alikes', async () => {
    const prefix = `podsafe:test:${run}:clear[*]?:`;
    const mine = new RedisStore({ url: inject('redisUrl'), prefix });
    const nested = new RedisStore({ url: inject('redisUrl'), prefix: `${prefix}v2:` });
    try {
      const ids = [newId(), newId(), newId()];
      for (const id of ids) await mine.save(id, create({ a: 1 }), 600);
      const nestedId = newId();
      await nested.save(nestedId, create({ b: 1 }), 600);
      const bystanders = [
        `podsafe:test:${run}:other:${newId()}`, // another prefix
        `podsafe:test:${run}:clearX*?:${newId()}`, // would match the prefix if its glob characters were not escaped
        `${prefix}not-an-id`, // under the prefix, but not a session id
      ];
      for (const key of bystanders) await admin.set(key, 'keep me');

      const listed: string[] = [];
      for await (const id of mine.ids()) listed.push(id);
      expect(listed.sort()).toEqual([...ids].sort());
      expect(await mine.count()).toBe(3);

      await mine.clear();
      expect(await mine.count()).toBe(0);
      for (const id of ids) expect(await mine.get(id)).toBeNull();
      expect((await nested.get(nestedId))?.data).toEqual({ b: 1 });
      for (const key of bystanders) expect(await admin.get(key)).toBe('keep me');
      await admin.unlink(...bystanders);
    } finally {
      await nested.clear();
      await Promise.all([mine.close(), nested.close()]);
    }
  });

  it('passes Sentinel options through to ioredis, with the store defaults, and names the Sentinel setup when it is unreachable', async () => {
    const port = await freePort(); // nothing listens here
    const sentinel = new RedisStore({
      timeout: 0.5,
      redisOptions: {
        sentinels: [{ host: '127.0.0.1', port }],
        name: 'mymaster',
        sentinelPassword: 'sentinel-secret',
        password: 'redis-secret',
        db: 2,
        lazyConnect: true,
      },
    });
    try {
      const options = (sentinel.client as Redis).options;
      expect(options.sentinels).toEqual([{ host: '127.0.0.1', port }]);
      expect(options).toMatchObject({
        name: 'mymaster',
        sentinelPassword: 'sentinel-secret',
        password: 'redis-secret',
        db: 2,
        enableAutoPipelining: false,
        enableOfflineQueue: true,
        maxRetriesPerRequest: 0,
        autoResendUnfulfilledCommands: false,
        socketTimeout: 2000,
        commandTimeout: 500,
        connectTimeout: 5000,
      });
      const failure = await sentinel.get(newId()).catch((error: unknown) => error);
      expect(failure).toBeInstanceOf(SessionStoreUnavailableError);
      expect((failure as Error).message).toContain(`"mymaster" via Sentinel 127.0.0.1:${port}`);
      expect((failure as Error).message).not.toContain('secret');
    } finally {
      await sentinel.close();
    }
  });
});
