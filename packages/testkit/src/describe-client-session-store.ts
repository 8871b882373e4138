import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { SessionTooLargeError, type ClientSessionStore, type SessionDataRecord, type SessionRecord } from '@podsafe/core';
import { isSessionId, isSessionRecord, nowSeconds } from '@podsafe/core/store';
import { BAD_IDS, RICH_DATA, elapse, newId } from './fixtures.js';

/** Hooks and settings for {@link describeClientSessionStore}. */
export interface ClientSessionStoreSuiteOptions<S extends ClientSessionStore = ClientSessionStore> {
  /**
   * Seconds of ttl used by the expiry test; it waits about 1.6 times this.
   * A store whose token expiry has whole-second resolution (JWT `exp`) needs at least 2.
   * @default `2` seconds
   */
  expirySeconds?: number;
  /**
   * `true` when `destroy(id, expiresAt)` revokes the session's tokens (the
   * store has a revocation list): the suite then checks that a destroyed
   * session's token no longer decodes. `false`: `destroy` only has to resolve.
   * @default `false`
   */
  revokes?: boolean;
  /**
   * A second store of the same kind with other keys. Tokens it makes must not
   * decode in the store under test. Closed after the suite.
   * @default none (the test is skipped)
   */
  foreign?: () => ClientSessionStore | Promise<ClientSessionStore>;
  /**
   * Bytes of incompressible data that must make `encode` fail with
   * `SessionTooLargeError`.
   * @default `8192` bytes (no browser keeps a cookie that big)
   */
  tooLargeBytes?: number;
  /**
   * Runs after the store is closed (e.g. to close a revocation store the app owns).
   * @default none
   */
  cleanup?: (store: S) => Promise<void> | void;
}

const ttl = 600;

/** A session record holding `data`, as the engine hands it to `encode`. */
function record(data: SessionDataRecord, at = nowSeconds(), version = 1): SessionRecord {
  return { data, meta: { createdAt: at, lastSeenAt: at, version } };
}

/** Base64url alphabet: flipping the top bit of a character's 6 always changes decoded bytes, never only padding bits. */
const B64URL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

/** `token` with the character at `index` changed to one that differs in its high bit (or, outside base64url, to `A`). */
function flip(token: string, index: number): string {
  const at = B64URL.indexOf(token[index]!);
  const replacement = at === -1 ? 'A' : B64URL[at ^ 32]!;
  return token.slice(0, index) + replacement + token.slice(index + 1);
}

/** Characters a cookie value may hold unquoted (RFC 6265 cookie-octet). */
const COOKIE_OCTETS = /^[\x21\x23-\x2B\x2D-\x3A\x3C-\x5B\x5D-\x7E]+$/;

/**
 * The ClientSessionStore contract as a vitest suite: a store that keeps the
 * session in the cookie (a signed token) is correct when it passes.
 *
 * ```ts
 * describeClientSessionStore('JwtStore', () => new JwtStore({ secret }), {
 *   foreign: () => new JwtStore({ secret: otherSecret }),
 * });
 * ```
 *
 * `factory` is called once for the suite; the store is closed after it.
 * `ping` is tested when present; revocation when `options.revokes` is true.
 * Encode and decode use the same instance: a store that caches what it
 * encoded should also be run with its cache off, so the suite reaches the
 * verification path.
 */
export function describeClientSessionStore<S extends ClientSessionStore>(
  name: string,
  factory: () => S | Promise<S>,
  options: ClientSessionStoreSuiteOptions<S> = {},
): void {
  const expiry = options.expirySeconds ?? 2;
  const tooLarge = options.tooLargeBytes ?? 8192;

  describe(`${name} keeps the ClientSessionStore contract`, () => {
    let store: S;
    beforeAll(async () => {
      store = await factory();
    });
    afterAll(async () => {
      await store?.close();
      if (store) await options.cleanup?.(store);
    });

    describe('encode and decode', () => {
      it('is a client store', () => {
        expect(store.kind).toBe('client');
      });

      it('round-trips id, data, meta and expiry, and needs no re-issue', async () => {
        const id = newId();
        const at = nowSeconds();
        const sent = record({ views: 1 }, at - 30, 4);
        sent.meta.lastSeenAt = at;
        const token = await store.encode(id, sent, ttl);
        expect(typeof token).toBe('string');
        const decoded = await store.decode(token);
        expect(decoded).not.toBeNull();
        expect(decoded!.id).toBe(id);
        expect(decoded!.record.data).toEqual({ views: 1 });
        expect(decoded!.record.meta.createdAt).toBeCloseTo(at - 30, 2);
        expect(decoded!.record.meta.lastSeenAt).toBeCloseTo(at, 2);
        expect(decoded!.record.meta.version).toBe(4);
        // Never valid longer than asked; at most a second shorter (whole-second expiry).
        expect(decoded!.expiresAt).toBeLessThanOrEqual(at + ttl + 0.001);
        expect(decoded!.expiresAt).toBeGreaterThan(at + ttl - 2);
        expect(decoded!.reissue).toBe(false);
      });

      it("round-trips a session's own lifetime (meta.lifetime) as given", async () => {
        const sent = record({ a: 1 });
        sent.meta.lifetime = { ttl: 2_592_000, persistent: false };
        const decoded = await store.decode(await store.encode(newId(), sent, ttl));
        expect(decoded?.record.meta.lifetime).toEqual({ ttl: 2_592_000, persistent: false });
        const plain = await store.decode(await store.encode(newId(), record({ a: 1 }), ttl));
        expect(plain?.record.meta.lifetime).toBeUndefined();
      });

      it('hands the engine an id and record it accepts', async () => {
        const decoded = await store.decode(await store.encode(newId(), record({ a: 1 }), ttl));
        expect(isSessionId(decoded?.id)).toBe(true);
        expect(isSessionRecord(decoded?.record)).toBe(true);
      });

      it('round-trips every JSON type, nested data and awkward keys unchanged', async () => {
        const token = await store.encode(newId(), record(RICH_DATA), ttl);
        expect((await store.decode(token))?.record.data).toEqual(RICH_DATA);
      });

      it('round-trips an empty session', async () => {
        const token = await store.encode(newId(), record({}), ttl);
        expect((await store.decode(token))?.record.data).toEqual({});
      });

      it('makes a token a cookie can carry unquoted and unescaped', async () => {
        const token = await store.encode(newId(), record(RICH_DATA), ttl);
        expect(token).toMatch(COOKIE_OCTETS);
      });

      it('gives each decode its own copy, and is not affected by later changes to what it encoded', async () => {
        const data = { list: [1], nested: { n: 1 } };
        const sent = record(data);
        const token = await store.encode(newId(), sent, ttl);
        data.list.push(99);
        data.nested.n = 99;
        sent.meta.version = 99;
        const first = await store.decode(token);
        expect(first?.record.data).toEqual({ list: [1], nested: { n: 1 } });
        expect(first?.record.meta.version).toBe(1);
        (first!.record.data.list as number[]).push(2);
        first!.record.meta.version = 42;
        const second = await store.decode(token);
        expect(second?.record.data).toEqual({ list: [1], nested: { n: 1 } });
        expect(second?.record.meta.version).toBe(1);
      });

      it('decodeCached, where the store offers it, answers only what decode would (a copy each time), or undefined', async (ctx) => {
        const decodeCached = store.decodeCached?.bind(store);
        if (!decodeCached) return ctx.skip();
        const token = await store.encode(newId(), record({ n: 1 }), ttl);
        const decoded = await store.decode(token);
        const first = decodeCached(token);
        if (first !== undefined) {
          expect(first).toEqual(decoded);
          first!.record.data.n = 2;
          expect(decodeCached(token)?.record.data).toEqual({ n: 1 });
        }
        const tampered = token.slice(0, -2) + (token.endsWith('AA') ? 'BB' : 'AA');
        expect([undefined, null]).toContainEqual(decodeCached(tampered));
        expect([undefined, null]).toContainEqual(decodeCached(''));
        if (options.revokes) {
          const id = newId();
          const revoked = await store.encode(id, record({}), ttl);
          await store.decode(revoked);
          await store.destroy(id, nowSeconds() + ttl);
          expect([undefined, null]).toContainEqual(decodeCached(revoked));
        }
      });

      it('encodes and decodes many sessions concurrently without mixing them up', async () => {
        const ids = Array.from({ length: 20 }, () => newId());
        const tokens = await Promise.all(ids.map((id, i) => store.encode(id, record({ i }), ttl)));
        const decoded = await Promise.all(tokens.map((token) => store.decode(token)));
        expect(decoded.map((d) => d?.id)).toEqual(ids);
        expect(decoded.map((d) => d?.record.data)).toEqual(ids.map((_, i) => ({ i })));
      });
    });

    describe('expiry', () => {
      it(`a token decodes until its ttl has elapsed, and not after${options.revokes ? '; a revocation ends with the expiry it was given' : ''}`, async () => {
        const token = await store.encode(newId(), record({ n: 1 }), expiry);
        expect(await store.decode(token)).not.toBeNull();
        // Revocation entries must expire with the tokens they cover, or the list grows forever.
        // Checked under the same wait, to keep the suite fast.
        const revokedId = newId();
        const revoked = options.revokes ? await store.encode(revokedId, record({ n: 2 }), ttl) : undefined;
        if (revoked) {
          await store.destroy(revokedId, nowSeconds() + expiry);
          expect(await store.decode(revoked), 'revoked token').toBeNull();
        }
        await elapse(expiry * 1.6);
        expect(await store.decode(token), 'token past its ttl').toBeNull();
        if (revoked)
          expect(await store.decode(revoked), 'token whose revocation has expired (the token itself is valid for 600 s)').not.toBeNull();
      });
    });

    describe('tampering and bad input', () => {
      it('a token with any one character changed decodes to null: in each part, and at its start and end', async () => {
        const token = await store.encode(newId(), record({ role: 'user' }), ttl);
        const positions = new Set<number>([0, token.length - 1]);
        let start = 0;
        for (const part of token.split('.')) {
          if (part.length > 0) {
            positions.add(start + Math.floor(part.length / 2));
            positions.add(start + part.length - 1);
          }
          start += part.length + 1;
        }
        for (const index of positions) {
          const tampered = flip(token, index);
          expect(tampered, `flipped character ${index}`).not.toBe(token);
          expect(await store.decode(tampered), `flipped character ${index} of ${token.length}`).toBeNull();
        }
      });

      it('a truncated or extended token decodes to null', async () => {
        const token = await store.encode(newId(), record({ role: 'user' }), ttl);
        for (const bad of [
          token.slice(0, -1),
          token.slice(0, -10),
          token.slice(1),
          `${token}A`,
          `${token}.`,
          `.${token}`,
          `${token}.${token}`,
        ]) {
          expect(await store.decode(bad)).toBeNull();
        }
      });

      it.each([
        ['empty', ''],
        ['garbage', 'not a token'],
        ['dots only', '..'],
        ['three empty parts', '...'],
        ['a b c', 'a.b.c'],
        ['five parts', 'a.b.c.d.e'],
        ['NUL bytes', '\u0000\u0000\u0000'],
        ['JSON', '{"alg":"none"}'],
        ['unicode', 'Zoë.山田.🔐'],
        ['huge', 'x'.repeat(200_000)],
        ['huge with dots', `${'a'.repeat(100_000)}.${'b'.repeat(100_000)}.${'c'.repeat(100)}`],
        [
          'base64url JSON that is not a token',
          `${Buffer.from('{"alg":"HS256"}').toString('base64url')}.${Buffer.from('[]').toString('base64url')}.`,
        ],
      ])('%s input decodes to null without throwing', async (_label, input) => {
        await expect(store.decode(input)).resolves.toBeNull();
      });

      it.each([
        ['undefined', undefined],
        ['null', null],
        ['a number', 42],
        ['an object', {}],
      ])('a non-string (%s) decodes to null without throwing', async (_label, input) => {
        await expect(store.decode(input as unknown as string)).resolves.toBeNull();
      });

      it('a token made by the same kind of store with other keys decodes to null', async (ctx) => {
        if (!options.foreign) ctx.skip();
        const other = await options.foreign!();
        try {
          const token = await other.encode(newId(), record({ admin: true }), ttl);
          expect(await other.decode(token)).not.toBeNull();
          expect(await store.decode(token)).toBeNull();
        } finally {
          await other.close();
        }
      });

      it.each(BAD_IDS.map((id) => [JSON.stringify(id)?.slice(0, 30) ?? String(id), id]))(
        'refuses to encode or destroy the malformed id %s (InvalidSessionIdError)',
        async (_label, id) => {
          const bad = id as string;
          await expect(store.encode(bad, record({ a: 1 }), ttl)).rejects.toMatchObject({ code: 'ERR_INVALID_SESSION_ID' });
          await expect(store.destroy(bad, nowSeconds() + ttl)).rejects.toMatchObject({ code: 'ERR_INVALID_SESSION_ID' });
        },
      );
    });

    describe('size', () => {
      it(`refuses a session that cannot fit in a cookie (${tooLarge} random bytes) with SessionTooLargeError naming size and limit`, async () => {
        // Random hex: a store that compresses cannot squeeze it under the limit.
        const data = { blob: randomBytes(tooLarge / 2).toString('hex') };
        const error = await store.encode(newId(), record(data), ttl).then(
          () => undefined,
          (caught: unknown) => caught,
        );
        expect(error).toBeInstanceOf(SessionTooLargeError);
        const tooBig = error as SessionTooLargeError;
        expect(tooBig.code).toBe('ERR_SESSION_TOO_LARGE');
        expect(tooBig.size).toBeGreaterThan(tooBig.limit);
        expect(tooBig.message).toContain(String(tooBig.size));
        expect(tooBig.message).toContain(String(tooBig.limit));
      });

      it('still encodes a modest session (1 KB of data)', async () => {
        const data = { blob: randomBytes(512).toString('hex') };
        const token = await store.encode(newId(), record(data), ttl);
        expect(token.length).toBeLessThanOrEqual(4096);
        expect((await store.decode(token))?.record.data).toEqual(data);
      });
    });

    describe('destroy', () => {
      it('destroying a session that was never issued resolves', async () => {
        await expect(store.destroy(newId(), nowSeconds() + ttl)).resolves.toBeUndefined();
      });

      it('destroying with an expiry already past resolves', async () => {
        await expect(store.destroy(newId(), nowSeconds() - 10)).resolves.toBeUndefined();
      });

      it.runIf(options.revokes)(
        "a destroyed session's token no longer decodes, even one decoded before; other sessions are untouched",
        async () => {
          const id = newId();
          const token = await store.encode(id, record({ user: 'alice' }), ttl);
          const other = await store.encode(newId(), record({ user: 'bob' }), ttl);
          const decoded = await store.decode(token);
          expect(decoded).not.toBeNull();
          await store.destroy(id, decoded!.expiresAt);
          expect(await store.decode(token)).toBeNull();
          // Every token of the session, not only the one that was presented.
          expect(await store.decode(await store.encode(id, record({ user: 'alice', again: true }), ttl))).toBeNull();
          expect((await store.decode(other))?.record.data).toEqual({ user: 'bob' });
        },
      );
    });

    describe('health', () => {
      it('ping resolves while whatever the store depends on answers', async (ctx) => {
        if (!store.ping) ctx.skip();
        await expect(store.ping!()).resolves.toBeUndefined();
      });
    });
  });
}
