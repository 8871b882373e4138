import { describe, expect, it, beforeAll, afterAll } from 'vitest';
import type { SessionStore } from '@podsafe/core';
import { nowSeconds } from '@podsafe/core/store';
import { BAD_IDS, RICH_DATA, create, elapse, newId, update } from './fixtures.js';

/** Hooks and settings for {@link describeSessionStore}. */
export interface SessionStoreSuiteOptions<S extends SessionStore = SessionStore> {
  /**
   * Writes, under `id`, something that is not a session record, the way the
   * backend stores things (e.g. a Redis string where a hash belongs, or bytes
   * that are not JSON). Enables the "corrupt data reads as no session" test;
   * every podsafe store provides it.
   * @default none (the test is skipped)
   */
  writeCorrupt?: (store: S, id: string) => Promise<void>;
  /**
   * Seconds of TTL used by the expiry tests; they wait this plus 1.5 s, room
   * for stores with a 1-second clock (memcached).
   * @default `2` seconds
   */
  expirySeconds?: number;
}

const ttl = 600;

/**
 * The SessionStore contract as a vitest suite. A store is correct when it
 * passes: `describeSessionStore('RedisStore', () => new RedisStore({ url }))`.
 *
 * `factory` is called once for the suite; the store is closed after it.
 * Optional methods (`ids`, `count`, `clear`, `ping`) are tested when present;
 * concurrent delta writes are tested when `capabilities.deltaWrites` is true.
 */
export function describeSessionStore<S extends SessionStore>(
  name: string,
  factory: () => S | Promise<S>,
  options: SessionStoreSuiteOptions<S> = {},
): void {
  const expiry = options.expirySeconds ?? 2;

  describe(`${name} keeps the SessionStore contract`, () => {
    let store: S;
    beforeAll(async () => {
      store = await factory();
    });
    afterAll(async () => {
      await store?.close();
    });

    describe('reads and writes', () => {
      it('returns null for an id it has never seen', async () => {
        expect(await store.get(newId())).toBeNull();
      });

      it('stores a new session and returns its data and meta', async () => {
        const id = newId();
        const change = create({ views: 1 });
        expect(await store.save(id, change, ttl)).toBe(true);
        const record = await store.get(id);
        expect(record?.data).toEqual({ views: 1 });
        expect(record?.meta.createdAt).toBeCloseTo(change.meta.createdAt, 2);
        expect(record?.meta.lastSeenAt).toBeCloseTo(change.meta.lastSeenAt, 2);
        expect(record?.meta.version).toBe(1);
      });

      it("keeps a session's own lifetime (meta.lifetime) as given, and drops it when an update clears it (lifetimeChanged)", async () => {
        const id = newId();
        const change = create({ a: 1 });
        change.meta.lifetime = { ttl: 2_592_000, persistent: false };
        await store.save(id, change, ttl);
        expect((await store.get(id))?.meta.lifetime).toEqual({ ttl: 2_592_000, persistent: false });
        await store.touch(id, nowSeconds(), ttl);
        expect((await store.get(id))?.meta.lifetime).toEqual({ ttl: 2_592_000, persistent: false });
        await store.save(id, { ...update({ a: 1 }, {}, [], change.meta.createdAt), lifetimeChanged: true }, ttl);
        const record = await store.get(id);
        expect(record?.meta.lifetime).toBeUndefined();
        expect(record?.data).toEqual({ a: 1 });
      });

      it("a delta store keeps the lifetime through an update that leaves it alone (a concurrent request's setLifetime() is not undone)", async (ctx) => {
        if (!store.capabilities.deltaWrites) ctx.skip();
        const id = newId();
        const change = create({ a: 1 });
        change.meta.lifetime = { ttl: 2_592_000 };
        await store.save(id, change, ttl);
        // A request that loaded before the lifetime was set saves another key, lifetime untouched.
        await store.save(id, update({ a: 1, b: 2 }, { b: 2 }, [], change.meta.createdAt), ttl);
        const record = await store.get(id);
        expect(record?.meta.lifetime).toEqual({ ttl: 2_592_000 });
        expect(record?.data).toEqual({ a: 1, b: 2 });
      });

      it('round-trips every JSON type, nested data and awkward keys unchanged', async () => {
        const id = newId();
        await store.save(id, create(RICH_DATA), ttl);
        expect((await store.get(id))?.data).toEqual(RICH_DATA);
      });

      it('round-trips a large value (100 KB)', async () => {
        const id = newId();
        const big = { blob: 'x'.repeat(100_000) };
        await store.save(id, create(big), ttl);
        expect((await store.get(id))?.data).toEqual(big);
      });

      it('applies an update: changed keys set, removed keys gone, others kept, version bumped', async () => {
        const id = newId();
        const before = { a: 1, b: 2, c: 3 };
        await store.save(id, create(before), ttl);
        expect(await store.save(id, update(before, { b: 20, d: 4 }, ['c']), ttl)).toBe(true);
        const record = await store.get(id);
        expect(record?.data).toEqual({ a: 1, b: 20, d: 4 });
        expect(record?.meta.version).toBe(2);
      });

      it('an update that names the version it was made from (baseVersion) counts on from it, and is still refused once the session is gone', async () => {
        const id = newId();
        await store.save(id, create({ n: 1 }), ttl);
        expect(await store.save(id, { ...update({ n: 1 }, { n: 2 }), baseVersion: 1 }, ttl)).toBe(true);
        const record = await store.get(id);
        expect(record?.data).toEqual({ n: 2 });
        expect(record?.meta.version).toBe(2);
        await store.destroy(id);
        expect(await store.save(id, { ...update({ n: 2 }, { n: 3 }), baseVersion: 2 }, ttl)).toBe(false);
        expect(await store.get(id)).toBeNull();
      });

      it('a new-session write replaces whatever was under the id', async () => {
        const id = newId();
        await store.save(id, create({ old: true, keep: 1 }), ttl);
        await store.save(id, create({ keep: 2 }), ttl);
        expect((await store.get(id))?.data).toEqual({ keep: 2 });
      });

      it('does not hand out shared mutable state', async () => {
        const id = newId();
        await store.save(id, create({ list: [1] }), ttl);
        const first = await store.get(id);
        (first!.data.list as number[]).push(2);
        expect((await store.get(id))?.data).toEqual({ list: [1] });
      });
    });

    describe('destroy and no resurrection', () => {
      it('destroy removes the session', async () => {
        const id = newId();
        await store.save(id, create({ a: 1 }), ttl);
        await store.destroy(id);
        expect(await store.get(id)).toBeNull();
      });

      it('destroying a missing session is not an error', async () => {
        await expect(store.destroy(newId())).resolves.toBeUndefined();
      });

      it('an update to a destroyed session is refused and writes nothing', async () => {
        const id = newId();
        await store.save(id, create({ user: 'alice' }), ttl);
        await store.destroy(id);
        expect(await store.save(id, update({ user: 'alice' }, { cart: [1] }), ttl)).toBe(false);
        expect(await store.get(id)).toBeNull();
      });

      it('an update to a session that never existed is refused', async () => {
        const id = newId();
        expect(await store.save(id, update({}, { a: 1 }), ttl)).toBe(false);
        expect(await store.get(id)).toBeNull();
      });

      it('touching a missing session does not create it', async () => {
        const id = newId();
        await store.touch(id, Date.now() / 1000, ttl);
        expect(await store.get(id)).toBeNull();
      });

      it('a touch reports false for a missing or destroyed session and true for a live one', async () => {
        const id = newId();
        expect(await store.touch(newId(), Date.now() / 1000, ttl)).toBe(false);
        await store.save(id, create({ a: 1 }), ttl);
        expect(await store.touch(id, Date.now() / 1000, ttl)).toBe(true);
        await store.destroy(id);
        expect(await store.touch(id, Date.now() / 1000, ttl)).toBe(false);
      });
    });

    describe('expiry', () => {
      it(`a session expires after its ttl unless touched, and touch records lastSeenAt without changing data`, async () => {
        const left = newId();
        const touched = newId();
        await store.save(left, create({ n: 1 }), expiry);
        await store.save(touched, create({ n: 2 }), expiry);
        expect(await store.get(left)).not.toBeNull();
        const seen = Date.now() / 1000;
        await store.touch(touched, seen, 600);
        await elapse(expiry + 1.5);
        expect(await store.get(left)).toBeNull();
        const record = await store.get(touched);
        expect(record?.data).toEqual({ n: 2 });
        expect(record?.meta.lastSeenAt).toBeCloseTo(seen, 2);
      });

      it('a touch never undoes a save that came before it', async () => {
        const id = newId();
        await store.save(id, create({ n: 1 }), ttl);
        await store.save(id, update({ n: 1 }, { n: 2 }), ttl);
        await store.touch(id, Date.now() / 1000, ttl);
        expect((await store.get(id))?.data).toEqual({ n: 2 });
      });

      it('an update sets a new ttl', async () => {
        const id = newId();
        await store.save(id, create({ n: 1 }), 600);
        await store.save(id, update({ n: 1 }, { n: 2 }), expiry);
        await elapse(expiry + 1.5);
        expect(await store.get(id)).toBeNull();
      });
    });

    describe('bad input', () => {
      it.each(BAD_IDS.map((id) => [JSON.stringify(id)?.slice(0, 30) ?? String(id), id]))(
        'refuses the malformed id %s with InvalidSessionIdError on every method',
        async (_label, id) => {
          const bad = id as string;
          for (const call of [
            () => store.get(bad),
            () => store.save(bad, create({ a: 1 }), ttl),
            () => store.touch(bad, 1, ttl),
            () => store.destroy(bad),
          ]) {
            await expect(call()).rejects.toMatchObject({ code: 'ERR_INVALID_SESSION_ID' });
          }
        },
      );

      it.skipIf(!options.writeCorrupt)('reads corrupt or foreign data as no session, without throwing', async () => {
        const id = newId();
        await options.writeCorrupt!(store, id);
        await expect(store.get(id)).resolves.toBeNull();
      });
    });

    describe('concurrency', () => {
      it('concurrent saves of different keys of one session both persist (delta writes)', async (ctx) => {
        if (!store.capabilities.deltaWrites) ctx.skip();
        const id = newId();
        const base = { user: 'alice' };
        await store.save(id, create(base), ttl);
        // Two requests that both loaded `base`, each changing its own key.
        const results = await Promise.all([
          store.save(id, update(base, { cart: ['book'] }), ttl),
          store.save(id, update(base, { theme: 'dark' }), ttl),
        ]);
        expect(results).toEqual([true, true]);
        const record = await store.get(id);
        expect(record?.data).toEqual({ user: 'alice', cart: ['book'], theme: 'dark' });
        expect(record?.meta.version).toBe(3);
      });

      it('many concurrent saves: a delta store keeps every key and counts every version; a whole-record store keeps one complete write', async () => {
        const id = newId();
        await store.save(id, create({ n: 0 }), ttl);
        const writes = Array.from({ length: 20 }, (_, i) => update({ n: 0 }, { [`k${i}`]: i }));
        expect(await Promise.all(writes.map((change) => store.save(id, change, ttl)))).toEqual(writes.map(() => true));
        const record = await store.get(id);
        if (store.capabilities.deltaWrites) {
          expect(record?.meta.version).toBe(21);
          expect(Object.keys(record!.data)).toHaveLength(21);
        } else {
          // Last writer wins, but never a torn or mixed record.
          expect(writes.map((change) => change.data)).toContainEqual(record?.data);
          expect(record?.meta.version).toBeGreaterThanOrEqual(2);
        }
      });
    });

    describe('optional capabilities', () => {
      it('callTimeout, when declared, is a positive number of seconds (callers then set no timer of their own)', (ctx) => {
        const bound = store.capabilities.callTimeout;
        if (bound === undefined) ctx.skip();
        expect(typeof bound).toBe('number');
        expect(Number.isFinite(bound) && bound! > 0).toBe(true);
      });

      it('ping resolves while the backend answers', async (ctx) => {
        if (!store.ping) ctx.skip();
        await expect(store.ping!()).resolves.toBeUndefined();
      });

      it('ids() lists live sessions, count() counts them, clear() removes them', async (ctx) => {
        if (!store.ids || !store.count || !store.clear) ctx.skip();
        const made = [newId(), newId(), newId()];
        for (const id of made) await store.save(id, create({ a: 1 }), ttl);
        const listed: string[] = [];
        for await (const id of store.ids!()) listed.push(id);
        expect(listed).toEqual(expect.arrayContaining(made));
        expect(await store.count!()).toBeGreaterThanOrEqual(3);
        await store.clear!();
        expect(await store.count!()).toBe(0);
        for (const id of made) expect(await store.get(id)).toBeNull();
      });
    });
  });
}
