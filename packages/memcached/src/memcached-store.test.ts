import { createServer, type Socket } from 'node:net';
import { SessionStoreUnavailableError, SessionTooLargeError } from '@podsafe/core';
import { nowSeconds } from '@podsafe/core/store';
import { create, describeSessionStore, elapse, newId, update } from '@podsafe/testkit';
import { Client } from 'memjs';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { ServerProcess, freePort, startMemcached } from '@podsafe/test-support/servers';
import { MemcachedStore } from './memcached-store.js';
import { useConsistentHashing } from './routing.js';

const servers = inject('memcachedServers');
const silent = { log: () => undefined };
let prefixes = 0;
/** A prefix no other test (or earlier run against the same memcached) uses. */
const uniquePrefix = (name: string) => `t:${name}:${process.pid}:${Date.now().toString(36)}:${prefixes++}:`;

/** A plain memjs client, for looking at what the store wrote and writing what it never would. */
function rawClient(address: string = servers): Client {
  return Client.create(address, { logger: silent, retries: 1, timeout: 1 });
}

async function withRaw<T>(use: (raw: Client) => Promise<T>, address?: string): Promise<T> {
  const raw = rawClient(address);
  try {
    return await use(raw);
  } finally {
    raw.close();
  }
}

/** Calls `ping` until it resolves: the store recovering, however long memcached takes to come back (the test timeout bounds it). */
async function untilServing(store: MemcachedStore): Promise<void> {
  for (;;) {
    try {
      return await store.ping();
    } catch {
      await elapse(0.05);
    }
  }
}

/** Reads `id` until it is gone: expiry observed without betting on exact timings. */
async function untilGone(store: MemcachedStore, id: string): Promise<void> {
  while ((await store.get(id)) !== null) await elapse(0.2);
}

describeSessionStore('MemcachedStore', () => new MemcachedStore({ servers, prefix: uniquePrefix('suite') }), {
  writeCorrupt: (store, id) => withRaw(async (raw) => void (await raw.set(store.prefix + id, 'not json {', { expires: 600 }))),
  expirySeconds: 2,
});

describe('MemcachedStore on memcached', () => {
  let store: MemcachedStore;
  beforeAll(() => {
    store = new MemcachedStore({ servers, prefix: uniquePrefix('store') });
  });
  afterAll(async () => {
    await store.close();
  });

  it('declares its per-call bound, the timeout, as capabilities.callTimeout (seconds)', async () => {
    expect(store.capabilities.callTimeout).toBe(1);
    const quick = new MemcachedStore({ servers, prefix: uniquePrefix('quick'), timeout: 0.3 });
    expect(quick.capabilities).toEqual({ deltaWrites: false, userIndex: false, callTimeout: 0.3 });
    await quick.close();
  });

  describe('data layout', () => {
    it('keeps the whole record as JSON of { data, meta } under prefix + id', async () => {
      const id = newId();
      const change = create({ user: 'alice', cart: [1, 2] });
      await store.save(id, change, 600);
      const raw = await withRaw((client) => client.get(store.prefix + id));
      expect(JSON.parse(raw.value!.toString('utf8'))).toEqual({
        data: { user: 'alice', cart: [1, 2] },
        meta: { ...change.meta, version: 1 },
      });
    });

    it('an update writes the request’s whole data (last writer wins) and bumps the stored version', async () => {
      const id = newId();
      await store.save(id, create({ a: 1 }), 600);
      // Another request changed `b` meanwhile; this one, which loaded { a: 1 }, writes its whole view.
      await store.save(id, update({ a: 1 }, { b: 2 }), 600);
      await store.save(id, update({ a: 1 }, { c: 3 }), 600);
      const record = await store.get(id);
      expect(record?.data).toEqual({ a: 1, c: 3 });
      expect(record?.meta.version).toBe(3);
      expect(store.capabilities.deltaWrites).toBe(false);
    });

    it('touch leaves the record’s bytes alone and keeps lastSeenAt in prefix + id + ":seen"', async () => {
      const id = newId();
      const change = create({ n: 1 });
      await store.save(id, change, 600);
      const before = await withRaw((client) => client.get(store.prefix + id));
      const seen = change.meta.lastSeenAt + 30.5;
      await store.touch(id, seen, 600);
      const [after, companion] = await withRaw((client) =>
        Promise.all([client.get(store.prefix + id), client.get(`${store.prefix}${id}:seen`)]),
      );
      expect(after.value).toEqual(before.value);
      expect(Number(companion.value!.toString())).toBe(seen);
      const record = await store.get(id);
      expect(record).toEqual({ data: { n: 1 }, meta: { createdAt: change.meta.createdAt, lastSeenAt: seen, version: 1 } });
    });

    it('reads the later of the record’s and the touch’s lastSeenAt', async () => {
      const id = newId();
      const created = nowSeconds() - 100;
      await store.save(id, create({ n: 1 }, created), 600);
      await store.touch(id, created + 10, 600);
      const saved = update({ n: 1 }, { n: 2 }, [], created);
      await store.save(id, saved, 600);
      expect((await store.get(id))?.meta.lastSeenAt).toBe(saved.meta.lastSeenAt);
      // A slow request's touch with an older time does not move it back.
      await store.touch(id, created + 20, 600);
      expect((await store.get(id))?.meta.lastSeenAt).toBe(saved.meta.lastSeenAt);
    });

    it('destroy removes the record and its lastSeenAt', async () => {
      const id = newId();
      await store.save(id, create({ n: 1 }), 600);
      await store.touch(id, nowSeconds(), 600);
      await store.destroy(id);
      const [main, seen] = await withRaw((client) => Promise.all([client.get(store.prefix + id), client.get(`${store.prefix}${id}:seen`)]));
      expect(main.value).toBeNull();
      expect(seen.value).toBeNull();
    });

    it('a new-session write replaces an existing record, with set (not add)', async () => {
      const id = newId();
      await store.save(id, create({ old: true }), 600);
      await store.save(id, update({ old: true }, { more: 1 }), 600);
      expect(await store.save(id, create({ fresh: true }), 600)).toBe(true);
      expect(await store.get(id)).toMatchObject({ data: { fresh: true }, meta: { version: 1 } });
    });
  });

  describe('corrupt or foreign data', () => {
    it.each([
      ['bytes that are not UTF-8 JSON', Buffer.from([0xff, 0xfe, 0x00, 0x7b])],
      ['a JSON number', '42'],
      ['a JSON string', '"session"'],
      ['null', 'null'],
      ['an array', '[1,2]'],
      ['a record without meta', '{"data":{"a":1}}'],
      ['a record with data that is not an object', '{"data":[1],"meta":{"createdAt":1,"lastSeenAt":1,"version":1}}'],
      ['a record with broken meta', '{"data":{},"meta":{"createdAt":"yesterday","lastSeenAt":1,"version":1}}'],
      ['another app’s serialized value', 'a:2:{s:4:"user";s:5:"alice";}'],
      ['an empty value', ''],
    ])('reads %s as no session', async (_label, value) => {
      const id = newId();
      await withRaw((client) => client.set(store.prefix + id, value, { expires: 600 }));
      await expect(store.get(id)).resolves.toBeNull();
    });

    it('refuses an update to an unreadable record, and leaves it alone', async () => {
      const id = newId();
      await withRaw((client) => client.set(store.prefix + id, 'garbage', { expires: 600 }));
      expect(await store.save(id, update({}, { a: 1 }), 600)).toBe(false);
      expect((await withRaw((client) => client.get(store.prefix + id))).value?.toString()).toBe('garbage');
    });

    it('ignores an unreadable lastSeenAt and keeps the record’s own', async () => {
      const id = newId();
      const change = create({ n: 1 });
      await store.save(id, change, 600);
      for (const junk of ['soon', '-5', '', 'NaN', '1e999', '{"lastSeenAt":1}']) {
        await withRaw((client) => client.set(`${store.prefix}${id}:seen`, junk, { expires: 600 }));
        expect((await store.get(id))?.meta.lastSeenAt, junk).toBe(change.meta.lastSeenAt);
      }
    });
  });

  describe('expiry, on memcached’s one-second clock', () => {
    it('keeps a session with a ttl over 30 days (sent as a unix time, not read as 1970)', async () => {
      const id = newId();
      await store.save(id, create({ n: 1 }), 40 * 86_400);
      expect((await store.get(id))?.data).toEqual({ n: 1 });
      await store.save(id, update({ n: 1 }, { n: 2 }), 365 * 86_400);
      await store.touch(id, nowSeconds(), 31 * 86_400);
      expect((await store.get(id))?.data).toEqual({ n: 2 });
    });

    it('keeps a session with a ttl of exactly 30 days and of 30 days minus a second', async () => {
      const a = newId();
      const b = newId();
      await store.save(a, create({ n: 1 }), 2_592_000);
      await store.save(b, create({ n: 1 }), 2_591_999);
      expect(await store.get(a)).not.toBeNull();
      expect(await store.get(b)).not.toBeNull();
    });

    it('a 1 s ttl is not cut short by the clock tick, then expires', async () => {
      const id = newId();
      await store.save(id, create({ n: 1 }), 1);
      // Sent as a bare 1, the item would live 0 to 1 s; with the tick second, 1 to 2 s.
      await elapse(0.5);
      expect(await store.get(id)).not.toBeNull();
      await untilGone(store, id);
    });

    it('a sub-second ttl rounds up instead of becoming 0 ("never expires")', async () => {
      const id = newId();
      await store.save(id, create({ n: 1 }), 0.2);
      expect(await store.get(id)).not.toBeNull();
      await untilGone(store, id);
    });

    it('a spent ttl (0 or less) expires at once instead of never', async () => {
      const zero = newId();
      const negative = newId();
      await store.save(zero, create({ n: 1 }), 0);
      await store.save(negative, create({ n: 1 }), -30);
      await untilGone(store, zero);
      await untilGone(store, negative);
    });

    it('touch extends the record and its lastSeenAt together', async () => {
      const id = newId();
      await store.save(id, create({ n: 1 }), 1);
      const seen = nowSeconds();
      await store.touch(id, seen, 600);
      await elapse(2.5);
      expect((await store.get(id))?.meta.lastSeenAt).toBeCloseTo(seen, 3);
    });

    it('refuses a ttl or lastSeenAt that is not a finite number, writing nothing', async () => {
      const id = newId();
      await expect(store.save(id, create({ n: 1 }), NaN)).rejects.toThrow(RangeError);
      await expect(store.save(id, create({ n: 1 }), Infinity)).rejects.toThrow(RangeError);
      expect(await store.get(id)).toBeNull();
      await store.save(id, create({ n: 1 }), 600);
      await expect(store.touch(id, NaN, 600)).rejects.toThrow(RangeError);
      await expect(store.touch(id, nowSeconds(), NaN)).rejects.toThrow(RangeError);
    });
  });

  describe('item size', () => {
    it('refuses a record over maxItemBytes with SessionTooLargeError, writing nothing', async () => {
      const small = new MemcachedStore({ servers, prefix: uniquePrefix('small'), maxItemBytes: 2048 });
      try {
        const id = newId();
        const error = await small.save(id, create({ blob: 'x'.repeat(3000) }), 600).catch((e: unknown) => e);
        expect(error).toBeInstanceOf(SessionTooLargeError);
        expect(error).toMatchObject({ code: 'ERR_SESSION_TOO_LARGE', limit: 2048 });
        expect((error as SessionTooLargeError).size).toBeGreaterThan(3000);
        expect((error as Error).message).toMatch(
          /bytes, over the limit of 2048 bytes\. Nothing was written; the limit is MemcachedStore's maxItemBytes/,
        );
        expect(await small.get(id)).toBeNull();

        await small.save(id, create({ blob: 'ok' }), 600);
        await expect(small.save(id, update({ blob: 'ok' }, { blob: 'x'.repeat(3000) }), 600)).rejects.toBeInstanceOf(SessionTooLargeError);
        expect((await small.get(id))?.data).toEqual({ blob: 'ok' });
      } finally {
        await small.close();
      }
    });

    it('stores a record just under the default limit of 1 MiB - 512 bytes', async () => {
      const id = newId();
      const data = { blob: 'x'.repeat(1_000_000) };
      await store.save(id, create(data), 600);
      expect((await store.get(id))?.data).toEqual(data);
    });

    it('reports a server with a smaller item limit (memcached -I) as SessionTooLargeError, not as an outage', async () => {
      const port = await freePort();
      const asRoot = process.getuid?.() === 0 ? ['-u', 'root'] : [];
      const limited = new ServerProcess('memcached -I 64k', port, {
        command: 'memcached',
        args: [...asRoot, '-l', '127.0.0.1', '-p', String(port), '-U', '0', '-m', '64', '-I', '64k', '-o', 'slab_chunk_max=32768', '-vv'],
        ready: /server listening/,
      });
      await limited.start();
      const small = new MemcachedStore({ servers: `127.0.0.1:${port}`, prefix: uniquePrefix('limited') });
      try {
        const id = newId();
        const error = await small.save(id, create({ blob: 'x'.repeat(100_000) }), 600).catch((e: unknown) => e);
        expect(error).toBeInstanceOf(SessionTooLargeError);
        expect((error as Error).message).toMatch(/memcached -I/);
        // The connection is still good.
        await small.save(id, create({ blob: 'small' }), 600);
        expect((await small.get(id))?.data).toEqual({ blob: 'small' });
      } finally {
        await small.close();
        await limited.stop();
      }
    });
  });

  describe('keys', () => {
    it('refuses a malformed id with InvalidSessionIdError before any network call', async () => {
      const nobody = new MemcachedStore({ servers: `127.0.0.1:${await freePort()}`, prefix: uniquePrefix('nobody') });
      try {
        for (const call of [
          () => nobody.get('has space aaaaaaaaaaaaaaaaaaaaaaaaaa'),
          () => nobody.save('../../etc/passwd/aaaaaaaaaaaaaaaaaaa', create({ a: 1 }), 600),
          () => nobody.touch('x'.repeat(300), 1, 600),
          () => nobody.destroy('ctrl\u0000aaaaaaaaaaaaaaaaaaaaaaaaa'),
        ]) {
          await expect(call()).rejects.toMatchObject({ code: 'ERR_INVALID_SESSION_ID' });
        }
      } finally {
        await nobody.close();
      }
    });

    it('accepts the longest id core stores under the longest prefix', async () => {
      const long = new MemcachedStore({ servers, prefix: `${uniquePrefix('long')}`.padEnd(117, 'p') });
      try {
        const id = 'i'.repeat(128);
        await long.save(id, create({ a: 1 }), 600);
        await long.touch(id, nowSeconds(), 600);
        expect((await long.get(id))?.data).toEqual({ a: 1 });
        await long.destroy(id);
      } finally {
        await long.close();
      }
    });

    it('refuses a bad prefix when it is created', () => {
      for (const prefix of ['with space', 'x'.repeat(118), '', 'é']) {
        expect(() => new MemcachedStore({ servers, prefix })).toThrow(expect.objectContaining({ code: 'ERR_SESSION_CONFIG' }));
      }
    });

    it('keeps stores with different prefixes apart', async () => {
      const other = new MemcachedStore({ servers, prefix: uniquePrefix('other') });
      try {
        const id = newId();
        await store.save(id, create({ mine: true }), 600);
        expect(await other.get(id)).toBeNull();
        expect(await other.save(id, update({}, { theirs: true }), 600)).toBe(false);
        await other.destroy(id);
        expect((await store.get(id))?.data).toEqual({ mine: true });
      } finally {
        await other.close();
      }
    });
  });

  describe('options', () => {
    it.each([
      [{}, /servers is required/],
      [{ servers, server: servers }, /unknown option "server"/],
      [{ servers, timeout: 500 }, /not milliseconds: for 500 ms pass 0.5/],
      [{ servers, timeout: 0 }, /timeout must be a number of seconds greater than 0/],
      [{ servers, timeout: '1' }, /timeout must be a number of seconds greater than 0/],
      [{ servers, retries: -1 }, /retries must be a whole number/],
      [{ servers, retries: 1.5 }, /retries must be a whole number/],
      [{ servers, failover: 'yes' }, /failover must be true or false/],
      [{ servers, failoverTime: 60_000 }, /not milliseconds/],
      [{ servers, maxItemBytes: 10 }, /maxItemBytes must be a whole number of bytes from 1024/],
      [{ servers, virtualNodes: 0 }, /virtualNodes must be a whole number/],
      [{ servers: 'cache:notaport' }, /invalid port/],
      [{ client: {} }, /client must be a memjs Client/],
    ])('refuses %j with a SessionConfigError that says how to fix it', (options, why) => {
      expect(() => new MemcachedStore(options as never)).toThrow(
        expect.objectContaining({ code: 'ERR_SESSION_CONFIG', message: expect.stringMatching(why) }),
      );
    });

    it('names every server, without credentials', () => {
      const named = new MemcachedStore({ servers: ['user:secret@10.0.0.5', '[fd00::6]:11212'] });
      expect(named.servers).toEqual(['10.0.0.5:11211', '[fd00::6]:11212']);
      void named.close();
    });
  });

  describe('a client passed in', () => {
    it('is used as it is: never closed, never re-routed', async () => {
      const client = rawClient();
      const prefix = uniquePrefix('given');
      const given = new MemcachedStore({ client, prefix });
      expect(given.servers).toEqual([servers]);
      const id = newId();
      await given.save(id, create({ via: 'client' }), 600);
      expect((await given.get(id))?.data).toEqual({ via: 'client' });
      await given.close();
      await expect(given.get(id)).rejects.toMatchObject({
        code: 'ERR_SESSION_STORE_UNAVAILABLE',
        message: expect.stringMatching(/after close\(\)/),
      });
      // Still open, still memjs's own server selection.
      expect(JSON.parse((await client.get(prefix + id)).value!.toString()).data).toEqual({ via: 'client' });
      expect(client.getServer).toBe(Client.prototype.getServer);
      client.close();
    });

    it('cannot be combined with options that configure the store’s own client', () => {
      const client = rawClient();
      try {
        expect(() => new MemcachedStore({ client, servers })).toThrow(
          expect.objectContaining({ message: expect.stringMatching(/servers cannot be combined with client/) }),
        );
        expect(() => new MemcachedStore({ client, retries: 3 })).toThrow(
          expect.objectContaining({ message: expect.stringMatching(/retries cannot be combined/) }),
        );
      } finally {
        client.close();
      }
    });

    it('must hand bytes through (memjs’s default serializer)', () => {
      const client = Client.create(servers, {
        logger: silent,
        serializer: {
          serialize: (_op: number, value: string | Buffer, extras: Buffer) => ({ value: JSON.stringify(value), extras }),
          deserialize: (_op: number, value: Buffer | null, extras: Buffer) => ({ value, extras }),
        },
      });
      try {
        expect(() => new MemcachedStore({ client })).toThrow(expect.objectContaining({ message: expect.stringMatching(/serializer/) }));
      } finally {
        client.close();
      }
    });
  });

  describe('close', () => {
    it('closes its own client; calls after it reject; closing twice is fine', async () => {
      const closing = new MemcachedStore({ servers, prefix: uniquePrefix('closing') });
      await closing.ping();
      await closing.close();
      await closing.close();
      await expect(closing.ping()).rejects.toMatchObject({ code: 'ERR_SESSION_STORE_UNAVAILABLE' });
    });
  });
});

describe('MemcachedStore across several servers', () => {
  const procs: Awaited<ReturnType<typeof startMemcached>>[] = [];
  beforeAll(async () => {
    procs.push(...(await Promise.all([startMemcached(), startMemcached(), startMemcached(), startMemcached()])));
  });
  afterAll(async () => {
    await Promise.all(procs.map((proc) => proc.stop()));
  });

  it('keeps most sessions when a fourth server is added (consistent hashing), far more than modulo placement', async () => {
    const three = procs.slice(0, 3).map((proc) => proc.address);
    const four = procs.map((proc) => proc.address);
    const prefix = uniquePrefix('ring');
    const ids = Array.from({ length: 3000 }, () => newId());

    const before = new MemcachedStore({ servers: three, prefix });
    const after = new MemcachedStore({ servers: four, prefix });
    let found = 0;
    try {
      for (let i = 0; i < ids.length; i += 200) await Promise.all(ids.slice(i, i + 200).map((id) => before.save(id, create({ id }), 600)));
      for (let i = 0; i < ids.length; i += 200) {
        const records = await Promise.all(ids.slice(i, i + 200).map((id) => after.get(id)));
        found += records.filter((record, j) => record?.data.id === ids[i + j]).length;
      }
    } finally {
      await Promise.all([before.close(), after.close()]);
    }

    // The same keys through plain memjs clients, which place by hash % servers.length.
    const moduloPrefix = uniquePrefix('modulo');
    const modThree = Client.create(three.join(','), { logger: silent });
    const modFour = Client.create(four.join(','), { logger: silent });
    let moduloFound = 0;
    try {
      for (let i = 0; i < ids.length; i += 200) {
        await Promise.all(ids.slice(i, i + 200).map((id) => modThree.set(moduloPrefix + id, id, { expires: 600 })));
      }
      for (let i = 0; i < ids.length; i += 200) {
        const values = await Promise.all(ids.slice(i, i + 200).map((id) => modFour.get(moduloPrefix + id)));
        moduloFound += values.filter((value) => value.value !== null).length;
      }
    } finally {
      modThree.close();
      modFour.close();
    }

    const fraction = found / ids.length;
    const moduloFraction = moduloFound / ids.length;
    console.log(
      `[podsafe/memcached] after adding a 4th server, consistent hashing still found ${(fraction * 100).toFixed(1)}% ` +
        `of ${ids.length} sessions (ideal 75%); memjs's modulo placement found ${(moduloFraction * 100).toFixed(1)}%.`,
    );
    expect(fraction).toBeGreaterThan(0.6);
    expect(fraction).toBeGreaterThan(moduloFraction + 0.3);
  });

  it('spreads sessions over every server', async () => {
    const three = procs.slice(0, 3).map((proc) => proc.address);
    const prefix = uniquePrefix('spread');
    const spread = new MemcachedStore({ servers: three, prefix });
    const ids = Array.from({ length: 600 }, () => newId());
    try {
      await Promise.all(ids.map((id) => spread.save(id, create({ id }), 600)));
      for (const address of three) {
        const held = await withRaw(async (raw) => {
          const values = await Promise.all(ids.map((id) => raw.get(prefix + id)));
          return values.filter((value) => value.value !== null).length;
        }, address);
        expect(held, address).toBeGreaterThan(100);
      }
    } finally {
      await spread.close();
    }
  });

  it('keeps a session and its lastSeenAt on the same server', async () => {
    const prefix = uniquePrefix('colocated');
    const ring = new MemcachedStore({ servers: procs.map((proc) => proc.address), prefix });
    try {
      const ids = Array.from({ length: 50 }, () => newId());
      for (const id of ids) {
        await ring.save(id, create({ n: 1 }), 600);
        await ring.touch(id, nowSeconds(), 600);
      }
      for (const proc of procs) {
        await withRaw(async (raw) => {
          for (const id of ids) {
            const [main, seen] = await Promise.all([raw.get(prefix + id), raw.get(`${prefix}${id}:seen`)]);
            expect(main.value === null, id).toBe(seen.value === null);
          }
        }, proc.address);
      }
    } finally {
      await ring.close();
    }
  });

  it('useConsistentHashing gives a client passed in the store’s placement', async () => {
    const addresses = procs.map((proc) => proc.address);
    const prefix = uniquePrefix('bring-your-own');
    const own = new MemcachedStore({ servers: addresses, prefix });
    const client = Client.create(addresses.join(','), { logger: silent });
    const ring = useConsistentHashing(client);
    const given = new MemcachedStore({ client, prefix });
    try {
      expect(ring.nodes).toEqual(addresses);
      const ids = Array.from({ length: 100 }, () => newId());
      await Promise.all(ids.map((id) => own.save(id, create({ id }), 600)));
      const records = await Promise.all(ids.map((id) => given.get(id)));
      expect(records.every((record, i) => record?.data.id === ids[i])).toBe(true);
    } finally {
      await Promise.all([own.close(), given.close()]);
      client.close();
    }
  });
});

describe('MemcachedStore when memcached is down', () => {
  it('rejects every call with SessionStoreUnavailableError naming the server, and serves again when it is back', async () => {
    const server = await startMemcached();
    const down = new MemcachedStore({ servers: server.address, prefix: uniquePrefix('outage') });
    try {
      const id = newId();
      await down.save(id, create({ n: 1 }), 600);
      await server.stop();

      for (const call of [
        () => down.get(id),
        () => down.save(id, update({ n: 1 }, { n: 2 }), 600),
        () => down.save(newId(), create({ n: 1 }), 600),
        () => down.touch(id, nowSeconds(), 600),
        () => down.destroy(id),
        () => down.ping(),
      ]) {
        const error = await call().catch((e: unknown) => e);
        expect(error).toBeInstanceOf(SessionStoreUnavailableError);
        expect(error).toMatchObject({ code: 'ERR_SESSION_STORE_UNAVAILABLE', statusCode: 503, headers: { 'Retry-After': '2' } });
        expect((error as Error).message).toContain(server.address);
      }

      await server.start();
      await untilServing(down);
      // Memcached keeps nothing across a restart: the old session is gone, new ones work.
      expect(await down.get(id)).toBeNull();
      const fresh = newId();
      await down.save(fresh, create({ back: true }), 600);
      expect((await down.get(fresh))?.data).toEqual({ back: true });
    } finally {
      await down.close();
      await server.stop();
    }
  });

  it('with one of two servers down, serves the sessions on the other and fails fast for the rest', async () => {
    const [alive, dead] = await Promise.all([startMemcached(), startMemcached()]);
    const pair = new MemcachedStore({ servers: [alive.address, dead.address], prefix: uniquePrefix('half') });
    try {
      const ids = Array.from({ length: 40 }, () => newId());
      await Promise.all(ids.map((id) => pair.save(id, create({ id }), 600)));
      await dead.stop();
      const results = await Promise.allSettled(ids.map((id) => pair.get(id)));
      const served = results.filter((result) => result.status === 'fulfilled' && result.value !== null);
      const failed = results.filter((result) => result.status === 'rejected');
      expect(served.length + failed.length).toBe(ids.length);
      expect(served.length).toBeGreaterThan(0);
      expect(failed.length).toBeGreaterThan(0);
      for (const result of failed) {
        expect((result as PromiseRejectedResult).reason).toMatchObject({
          code: 'ERR_SESSION_STORE_UNAVAILABLE',
          message: expect.stringContaining(dead.address),
        });
      }
      // Readiness holds while any server answers: failing every app pod would turn this into a total outage.
      await expect(pair.ping()).resolves.toBeUndefined();
      await alive.stop();
      await expect(pair.ping()).rejects.toMatchObject({ message: expect.stringMatching(/no answer from/) });
    } finally {
      await pair.close();
      await Promise.all([alive.stop(), dead.stop()]);
    }
  });

  it('rejects instead of hanging when a server accepts connections but never answers', async () => {
    const sockets = new Set<Socket>();
    const blackhole = createServer((socket) => {
      sockets.add(socket);
      socket.on('error', () => undefined);
    });
    await new Promise<void>((resolve) => blackhole.listen(0, '127.0.0.1', resolve));
    const address = blackhole.address();
    const port = typeof address === 'object' && address ? address.port : 0;
    const stuck = new MemcachedStore({ servers: `127.0.0.1:${port}`, prefix: uniquePrefix('stuck'), timeout: 0.5 });
    try {
      for (const call of [() => stuck.get(newId()), () => stuck.save(newId(), create({ n: 1 }), 600), () => stuck.ping()]) {
        await expect(call()).rejects.toMatchObject({
          code: 'ERR_SESSION_STORE_UNAVAILABLE',
          message: expect.stringContaining(`127.0.0.1:${port}`),
        });
      }
    } finally {
      await stuck.close();
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => blackhole.close(resolve));
    }
  });

  it('rejects when nothing listens at the address', async () => {
    const address = `127.0.0.1:${await freePort()}`;
    const nowhere = new MemcachedStore({ servers: address, prefix: uniquePrefix('nowhere') });
    try {
      await expect(nowhere.get(newId())).rejects.toMatchObject({
        code: 'ERR_SESSION_STORE_UNAVAILABLE',
        message: expect.stringMatching(new RegExp(`MemcachedStore.get failed on ${address}: .*ECONNREFUSED.*check that memcached runs`)),
      });
    } finally {
      await nowhere.close();
    }
  });
});

describe('MemcachedStore commands per save', () => {
  /** memcached's own counters on a server only this test talks to. */
  async function counters(address: string): Promise<{ gets: number; sets: number }> {
    const raw = rawClient(address);
    try {
      const stats = await new Promise<Record<string, string>>((resolve, reject) =>
        raw.stats((error, _server, values) => (error ? reject(error) : resolve(values as Record<string, string>))),
      );
      return { gets: Number(stats.cmd_get), sets: Number(stats.cmd_set) };
    } finally {
      raw.close();
    }
  }

  it('an update naming the version it was loaded with is one replace; without it, a get first', async () => {
    const server = await startMemcached();
    const own = new MemcachedStore({ servers: server.address, prefix: uniquePrefix('commands') });
    try {
      const id = newId();
      await own.save(id, create({ n: 1 }), 600);
      const start = await counters(server.address);
      expect(await own.save(id, { ...update({ n: 1 }, { n: 2 }), baseVersion: 1 }, 600)).toBe(true);
      const known = await counters(server.address);
      expect({ gets: known.gets - start.gets, sets: known.sets - start.sets }).toEqual({ gets: 0, sets: 1 });
      expect(await own.save(id, update({ n: 2 }, { n: 3 }), 600)).toBe(true);
      const unknown = await counters(server.address);
      expect({ gets: unknown.gets - known.gets, sets: unknown.sets - known.sets }).toEqual({ gets: 1, sets: 1 });
      expect((await own.get(id))?.meta.version).toBe(3);
    } finally {
      await own.close();
      await server.stop();
    }
  });
});
