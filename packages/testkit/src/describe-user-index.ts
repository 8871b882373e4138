import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { IndexedUserSession, UserIndexEntry, UserIndexMethods } from '@podsafe/core';
import { nowSeconds } from '@podsafe/core/store';
import { elapse, newId } from './fixtures.js';

/** A store with the per-user index (`capabilities.userIndex`), server-side or client-side. */
export type UserIndexStore = Required<UserIndexMethods> & { readonly capabilities?: { userIndex?: boolean }; close(): Promise<void> };

/** Hooks and settings for {@link describeUserIndex}. */
export interface UserIndexSuiteOptions<S extends UserIndexStore> {
  /**
   * A second store over the same backend, as another pod of the app would have
   * (e.g. a second `RedisStore` on the same Redis).
   * @default the same store (right for in-process stores such as `MemoryStore`)
   */
  anotherPod?: (store: S) => S | Promise<S>;
  /**
   * Seconds of life of the entries in the expiry test; it waits this out.
   * @default `1` second
   */
  expirySeconds?: number;
}

const ttl = 600;

function entry(at = nowSeconds(), extra: Partial<UserIndexEntry> = {}): UserIndexEntry {
  return { id: newId(), createdAt: at, lastSeenAt: at, ...extra };
}

const ids = (entries: readonly { id: string }[]) => entries.map((e) => e.id).sort();

/**
 * The per-user index contract as a vitest suite, for a store that claims
 * `capabilities.userIndex`: listing (most recently seen first, bounded),
 * refresh, removal, pruning after expiry, destroy-all keeping other users and
 * the kept session, the refusal of older sessions after a destroy-all, and a
 * destroy-all racing logins on another pod. `factory` is called once for the
 * suite; the store is closed after it.
 */
export function describeUserIndex<S extends UserIndexStore>(
  name: string,
  factory: () => S | Promise<S>,
  options: UserIndexSuiteOptions<S> = {},
): void {
  const expiry = options.expirySeconds ?? 1;

  describe(`${name} keeps the per-user index contract`, () => {
    let store: S;
    let other: S;
    beforeAll(async () => {
      store = await factory();
      other = options.anotherPod ? await options.anotherPod(store) : store;
    });
    afterAll(async () => {
      if (other !== store) await other?.close();
      await store?.close();
    });
    const user = () => `user-${randomUUID()}`;

    it('claims the capability', () => {
      expect(store.capabilities?.userIndex).toBe(true);
    });

    it("lists a user's entries most recently seen first, with what was recorded, and nobody else's", async () => {
      const alice = user();
      const now = nowSeconds();
      const old = entry(now - 30);
      const recent = entry(now - 10, { userAgent: 'Firefox/140', ip: '192.0.2.7' });
      const newest = entry(now - 1);
      for (const e of [recent, old, newest]) expect(await store.indexUser(alice, e, now + ttl)).toBe(true);
      await store.indexUser(user(), entry(), now + ttl);

      const listed = await other.listByUser(alice, 10);
      expect(listed.map((e) => e.id)).toEqual([newest.id, recent.id, old.id]);
      expect(listed[1]).toMatchObject({ userAgent: 'Firefox/140', ip: '192.0.2.7' });
      expect(listed[1]!.createdAt).toBeCloseTo(recent.createdAt, 2);
      expect(listed[1]!.lastSeenAt).toBeCloseTo(recent.lastSeenAt, 2);
      expect(listed[1]!.expiresAt).toBeCloseTo(now + ttl, 2);
      expect(listed[0]).not.toHaveProperty('userAgent');
      expect(await store.listByUser(user(), 10)).toEqual([]);
    });

    it('returns at most `limit` entries: those that expire last', async () => {
      const bob = user();
      const now = nowSeconds();
      const made = Array.from({ length: 8 }, (_, i) => entry(now - 100 + i));
      await Promise.all(made.map((e, i) => store.indexUser(bob, e, now + ttl + i)));
      expect((await store.listByUser(bob, 3)).map((e) => e.id)).toEqual(
        made
          .slice(-3)
          .reverse()
          .map((e) => e.id),
      );
    });

    it('refreshes an entry in place, and removes one on unindex', async () => {
      const carol = user();
      const now = nowSeconds();
      const a = entry(now - 60);
      const b = entry(now - 50);
      await store.indexUser(carol, a, now + ttl);
      await store.indexUser(carol, b, now + ttl);
      await other.indexUser(carol, { ...a, lastSeenAt: now, ip: '198.51.100.1' }, now + ttl + 60);
      const listed = await store.listByUser(carol, 10);
      expect(listed.map((e) => e.id)).toEqual([a.id, b.id]);
      expect(listed[0]).toMatchObject({ ip: '198.51.100.1' });
      expect(listed[0]!.expiresAt).toBeCloseTo(now + ttl + 60, 2);

      await other.unindexUser(carol, a.id);
      await other.unindexUser(carol, newId());
      expect(ids(await store.listByUser(carol, 10))).toEqual([b.id]);
    });

    it(`drops entries once they expire (${expiry} s), on read and on the next write`, async () => {
      const dave = user();
      const now = nowSeconds();
      const short = entry(now);
      const long = entry(now);
      await store.indexUser(dave, short, now + expiry);
      await store.indexUser(dave, long, now + ttl);
      expect(ids(await store.listByUser(dave, 10))).toEqual(ids([short, long]));
      await elapse(expiry + 0.2);
      expect(ids(await other.listByUser(dave, 10))).toEqual([long.id]);
      expect(ids(await store.destroyByUser(dave, { before: nowSeconds(), ttl: 60 }))).toEqual([long.id]);
    });

    it('destroyByUser takes every entry but the kept one, leaves other users alone, and refuses older sessions afterwards', async () => {
      const erin = user();
      const frank = user();
      const now = nowSeconds();
      const mine = Array.from({ length: 5 }, (_, i) => entry(now - 50 + i));
      const kept = mine[2]!;
      const his = entry(now - 40);
      await Promise.all(mine.map((e) => store.indexUser(erin, e, now + ttl)));
      await store.indexUser(frank, his, now + ttl);

      const before = nowSeconds();
      const taken = await other.destroyByUser(erin, { keep: kept.id, before, ttl: 60 });
      expect(ids(taken)).toEqual(ids(mine.filter((e) => e !== kept)));
      expect(taken.every((e: IndexedUserSession) => e.expiresAt > now)).toBe(true);
      expect(ids(await store.listByUser(erin, 10))).toEqual([kept.id]);
      expect(ids(await store.listByUser(frank, 10))).toEqual([his.id]);

      // A slower request that loaded a session before the sign-out cannot index it again...
      expect(await store.indexUser(erin, { ...mine[0]!, lastSeenAt: nowSeconds() }, nowSeconds() + ttl)).toBe(false);
      expect(await store.indexUser(erin, entry(before - 1), nowSeconds() + ttl)).toBe(false);
      // ...while the kept session, a login after it, and other users carry on.
      expect(await store.indexUser(erin, { ...kept, lastSeenAt: nowSeconds() }, nowSeconds() + ttl)).toBe(true);
      const later = entry(before + 0.001);
      expect(await other.indexUser(erin, later, nowSeconds() + ttl)).toBe(true);
      expect(await store.indexUser(frank, entry(before - 1), nowSeconds() + ttl)).toBe(true);
      expect(ids(await store.listByUser(erin, 10))).toEqual(ids([kept, later]));
      expect(await store.destroyByUser(user(), { before: nowSeconds(), ttl: 60 })).toEqual([]);
    });

    it('loses no login that races a destroyByUser on another pod: each is refused, taken, or still listed', async () => {
      const grace = user();
      const start = nowSeconds();
      const logins = Array.from({ length: 40 }, (_, i) => entry(start - 1 + i / 20));
      const before = start;
      const [results, taken] = await Promise.all([
        Promise.all(logins.map((e, i) => (i % 2 ? store : other).indexUser(grace, e, start + ttl))),
        (async () => {
          await Promise.resolve();
          return store.destroyByUser(grace, { before, ttl: 60 });
        })(),
      ]);
      const listed = new Set((await other.listByUser(grace, 100)).map((e) => e.id));
      const takenIds = new Set(taken.map((e) => e.id));
      logins.forEach((login, i) => {
        const accepted = results[i];
        if (!accepted) expect(login.createdAt).toBeLessThan(before);
        else expect(takenIds.has(login.id) || listed.has(login.id)).toBe(true);
        if (login.createdAt >= before) expect(accepted).toBe(true);
        // Never both: a taken entry is gone from the index.
        expect(takenIds.has(login.id) && listed.has(login.id)).toBe(false);
      });
    });
  });
}
