import { randomBytes } from 'node:crypto';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { jwtDecrypt, jwtVerify } from 'jose';
import { MemoryStore, type SessionRecord } from '@podsafe/core';
import { generateSessionId, nowSeconds } from '@podsafe/core/store';
import { JwtStore } from './jwt-store.js';

// Count the crypto: every verification and decryption goes through these two.
vi.mock('jose', async (importOriginal) => {
  const jose = await importOriginal<typeof import('jose')>();
  return { ...jose, jwtVerify: vi.fn(jose.jwtVerify), jwtDecrypt: vi.fn(jose.jwtDecrypt) };
});
const crypto = () => vi.mocked(jwtVerify).mock.calls.length + vi.mocked(jwtDecrypt).mock.calls.length;

const record = (): SessionRecord => {
  const now = nowSeconds();
  return { data: { user: 'alice' }, meta: { createdAt: now, lastSeenAt: now, version: 1 } };
};

beforeEach(() => {
  vi.mocked(jwtVerify).mockClear();
  vi.mocked(jwtDecrypt).mockClear();
});

describe.each([false, true])('the verified-token cache (encrypt: %s)', (encrypt) => {
  const secret = randomBytes(32);

  it('a token verified once is not verified again: a read-only request does no crypto', async () => {
    const issuer = new JwtStore({ secret, encrypt });
    const replica = new JwtStore({ secret, encrypt });
    const token = await issuer.encode(generateSessionId(), record(), 600);
    expect(await replica.decode(token)).not.toBeNull();
    expect(crypto()).toBe(1);
    for (let i = 0; i < 5; i++) expect(await replica.decode(token)).not.toBeNull();
    expect(crypto()).toBe(1);
  });

  it('the replica that issued a token does not verify it when it comes back', async () => {
    const store = new JwtStore({ secret, encrypt });
    const token = await store.encode(generateSessionId(), record(), 600);
    expect(await store.decode(token)).toMatchObject({ record: { data: { user: 'alice' } } });
    expect(crypto()).toBe(0);
  });

  it('cacheSize: 0 verifies every time', async () => {
    const store = new JwtStore({ secret, encrypt, cacheSize: 0 });
    const token = await store.encode(generateSessionId(), record(), 600);
    await store.decode(token);
    await store.decode(token);
    expect(crypto()).toBe(2);
  });

  it('is bounded: the least recently used token is evicted first', async () => {
    const issuer = new JwtStore({ secret, encrypt });
    const store = new JwtStore({ secret, encrypt, cacheSize: 2 });
    const [t1, t2, t3] = await Promise.all([1, 2, 3].map(() => issuer.encode(generateSessionId(), record(), 600)));
    await store.decode(t1!);
    await store.decode(t2!);
    await store.decode(t1!); // t1 is now the most recently used
    expect(crypto()).toBe(2);
    await store.decode(t3!); // evicts t2
    await store.decode(t1!);
    expect(crypto()).toBe(3);
    await store.decode(t2!);
    expect(crypto()).toBe(4);
  });

  it('a failed verification is not cached (and never turns into a hit)', async () => {
    const store = new JwtStore({ secret, encrypt });
    const token = await new JwtStore({ secret, encrypt }).encode(generateSessionId(), record(), 600);
    // Same key, broken signature (or tag): it takes the crypto to find out, every time.
    const last = token.at(-2) === 'A' ? 'B' : 'A';
    const forged = `${token.slice(0, -2)}${last}${token.at(-1)}`;
    expect(await store.decode(forged)).toBeNull();
    expect(await store.decode(forged)).toBeNull();
    expect(crypto()).toBe(2);
  });

  it('a token naming a key it does not have costs no crypto at all (no trial of every key)', async () => {
    const store = new JwtStore({ secret, encrypt });
    const foreign = await new JwtStore({ secret: randomBytes(32), encrypt }).encode(generateSessionId(), record(), 600);
    expect(await store.decode(foreign)).toBeNull();
    expect(crypto()).toBe(0);
  });

  it('a cached token still expires at its exp', async () => {
    const store = new JwtStore({ secret, encrypt });
    const token = await store.encode(generateSessionId(), record(), 60);
    const { expiresAt } = (await store.decode(token))!;
    // The cache compares exp with the clock: move the clock, not the test.
    vi.useFakeTimers({ toFake: ['Date'] });
    try {
      vi.setSystemTime((expiresAt - 1) * 1000);
      expect(await store.decode(token)).not.toBeNull();
      vi.setSystemTime(expiresAt * 1000);
      expect(await store.decode(token)).toBeNull();
      expect(crypto()).toBe(0);
    } finally {
      vi.useRealTimers();
    }
  });

  it('a cached token is still checked against the revocation list on every decode', async () => {
    const revocation = new MemoryStore();
    const get = vi.spyOn(revocation, 'get');
    const store = new JwtStore({ secret, encrypt, revocation });
    const id = generateSessionId();
    const token = await store.encode(id, record(), 600);
    await store.decode(token);
    await store.decode(token);
    expect(get).toHaveBeenCalledTimes(2);
    await store.destroy(id, nowSeconds() + 600);
    expect(await store.decode(token)).toBeNull();
    expect(crypto()).toBe(0);
    await revocation.close();
  });

  it('close() empties the cache', async () => {
    const store = new JwtStore({ secret, encrypt });
    const token = await store.encode(generateSessionId(), record(), 600);
    await store.close();
    expect(await store.decode(token)).not.toBeNull();
    expect(crypto()).toBe(1);
  });
});
