import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { MemoryStore, MIN_SECRET_BYTES, SessionConfigError } from '@podsafe/core';
import { generateSessionId, nowSeconds } from '@podsafe/core/store';
import { JwtStore } from './jwt-store.js';
import type { JwtStoreOptions } from './options.js';

const secret = randomBytes(32).toString('base64');

describe('JwtStore options', () => {
  it('needs nothing but a secret', () => {
    expect(new JwtStore({ secret }).kind).toBe('client');
  });

  it(`accepts a secret of exactly ${MIN_SECRET_BYTES} bytes (core's rule) and refuses one byte less`, () => {
    expect(() => new JwtStore({ secret: 'x'.repeat(MIN_SECRET_BYTES) })).not.toThrow();
    expect(() => new JwtStore({ secret: 'x'.repeat(MIN_SECRET_BYTES - 1) })).toThrow(/31 bytes; HS256 needs at least 32.*openssl rand/);
  });

  it.each([
    ['no key at all', {}, /needs a key: pass secret/],
    ['secret and its former name secrets', { secret, secrets: [secret] }, /pass secret or secrets \(its former name\), not both/],
    ['secret and keys', { secret, keys: [] }, /one of secret or keys, got secret and keys/],
    ['an empty secret list', { secret: [] }, /secret must be a non-empty list, newest first/],
    ['an empty secrets list', { secrets: [] }, /non-empty list, newest first/],
    ['one secret as secrets', { secrets: secret }, /secrets must be a list, newest first.*for one secret use secret/],
    ['a short secret in the list', { secret: [secret, 'short'] }, /secret\[1\] is 5 bytes/],
    ['a short secret in the deprecated secrets list', { secrets: [secret, 'short'] }, /secrets\[1\] is 5 bytes/],
    ['a number as secret', { secret: 42 }, /must be a string or a Uint8Array/],
    ['the same secret twice', { secret: [secret, secret] }, /secret\[1\] is the same secret as secret\[0\]/],
    ['an HS512 secret under 64 bytes', { secret, algorithm: 'HS512' }, /HS512 needs at least 64/],
    ['an HS384 secret under 48 bytes', { secret, algorithm: 'HS384' }, /HS384 needs at least 48/],
    ['algorithm none', { secret, algorithm: 'none' }, /must be 'HS256', 'HS384' or 'HS512'/],
    ['algorithm RS256 with a secret', { secret, algorithm: 'RS256' }, /For EdDSA or ES256 pass keys/],
    ['encrypt that is not a boolean', { secret, encrypt: 'yes' }, /encrypt must be true or false/],
    ['an empty issuer', { secret, issuer: '' }, /issuer must be a non-empty string/],
    ['an audience list', { secret, audience: ['a', 'b'] }, /audience must be a non-empty string/],
    ['maxBytes over the browser limit', { secret, maxBytes: 5000 }, /maxBytes must be a whole number from 512 to 4096.*4096 bytes/],
    ['a tiny maxBytes', { secret, maxBytes: 100 }, /maxBytes must be a whole number from 512/],
    ['clockTolerance over 60 s', { secret, clockTolerance: 300 }, /clockTolerance must be a whole number from 0 to 60.*seconds/],
    ['clockTolerance in milliseconds-ish', { secret, clockTolerance: 5000 }, /clockTolerance/],
    ['a negative clockTolerance', { secret, clockTolerance: -1 }, /clockTolerance/],
    ['a fractional cacheSize', { secret, cacheSize: 1.5 }, /cacheSize must be a whole number/],
    ['a negative cacheSize', { secret, cacheSize: -1 }, /cacheSize/],
    ['a revocation that is not a store', { secret, revocation: {} }, /revocation must be a server-side SessionStore/],
    ['a client store as revocation', { secret, revocation: new JwtStore({ secret }) }, /revocation must be a server-side SessionStore/],
  ])('refuses %s with a SessionConfigError that says how to fix it', (_label, options, message) => {
    let caught: unknown;
    try {
      new JwtStore(options as unknown as JwtStoreOptions);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(SessionConfigError);
    expect((caught as SessionConfigError).code).toBe('ERR_SESSION_CONFIG');
    expect((caught as Error).message).toMatch(/^JwtStore: /);
    expect((caught as Error).message).toMatch(message);
  });

  it('accepts the edges of every range', async () => {
    const revocation = new MemoryStore();
    expect(
      () =>
        new JwtStore({
          secret: [randomBytes(64), randomBytes(64)],
          algorithm: 'HS512',
          maxBytes: 4096,
          clockTolerance: 0,
          cacheSize: 0,
          issuer: 'i',
          audience: 'a',
          encrypt: true,
          revocation,
        }),
    ).not.toThrow();
    expect(() => new JwtStore({ secret, maxBytes: 512, clockTolerance: 60 })).not.toThrow();
    await revocation.close();
  });

  it('secret takes a list newest first, and the former name secrets still works (deprecated)', async () => {
    const [newer, older] = [randomBytes(32), randomBytes(32)];
    const now = nowSeconds();
    const token = await new JwtStore({ secret: older }).encode(
      generateSessionId(),
      { data: { user: 'alice' }, meta: { createdAt: now, lastSeenAt: now, version: 1 } },
      600,
    );
    for (const store of [new JwtStore({ secret: [newer, older] }), new JwtStore({ secrets: [newer, older] })]) {
      expect(await store.decode(token)).toMatchObject({ record: { data: { user: 'alice' } }, reissue: true });
    }
  });
});
