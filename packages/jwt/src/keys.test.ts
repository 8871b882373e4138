import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { decodeProtectedHeader, exportJWK, exportPKCS8, exportSPKI, generateKeyPair, jwtVerify } from 'jose';
import type { SessionRecord } from '@podsafe/core';
import { generateSessionId, nowSeconds } from '@podsafe/core/store';
import { JwtStore } from './jwt-store.js';
import { TOKEN_TYPE } from './claims.js';
import type { AsymmetricAlgorithm, KeyInput } from './keys.js';

const record = (data: Record<string, unknown> = { user: 'alice' }): SessionRecord => {
  const now = nowSeconds();
  return { data, meta: { createdAt: now, lastSeenAt: now, version: 1 } };
};

/** The same key pair in every form a JwtStore accepts. */
async function forms(alg: AsymmetricAlgorithm): Promise<Record<string, { privateKey: KeyInput; publicKey: KeyInput }>> {
  const pair = await generateKeyPair(alg, { extractable: true });
  const node = alg === 'EdDSA' ? generateKeyPairSync('ed25519') : generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  return {
    CryptoKey: pair,
    PEM: { privateKey: await exportPKCS8(pair.privateKey), publicKey: await exportSPKI(pair.publicKey) },
    JWK: { privateKey: await exportJWK(pair.privateKey), publicKey: await exportJWK(pair.publicKey) },
    KeyObject: node,
  };
}

describe.each(['EdDSA', 'ES256'] as const)('%s keys', (alg) => {
  it.each(['CryptoKey', 'PEM', 'JWK', 'KeyObject'])(
    'accepts the key pair as %s, and signs with kid and alg in the header',
    async (form) => {
      const keys = (await forms(alg))[form]!;
      const store = new JwtStore({ keys: [{ kid: 'k1', alg, ...keys }] });
      const id = generateSessionId();
      const token = await store.encode(id, record(), 600);
      expect(decodeProtectedHeader(token)).toEqual({ alg, kid: 'k1', typ: TOKEN_TYPE });
      expect(await store.decode(token)).toMatchObject({ id, record: { data: { user: 'alice' } }, reissue: false });
    },
  );

  it('derives the public key when only the private key is given', async () => {
    const { privateKey } = await generateKeyPair(alg);
    const store = new JwtStore({ keys: [{ kid: 'k1', alg, privateKey }] });
    expect(await store.decode(await store.encode(generateSessionId(), record(), 600))).not.toBeNull();
  });

  it('another service verifies the token with the public key alone (plain jose)', async () => {
    const { privateKey, publicKey } = await generateKeyPair(alg);
    const store = new JwtStore({ keys: [{ kid: 'k1', alg, privateKey, publicKey }], issuer: 'https://login.example', audience: 'shop' });
    const id = generateSessionId();
    const token = await store.encode(id, record({ userId: 'u-1' }), 600);
    const { payload } = await jwtVerify(token, publicKey, {
      algorithms: [alg],
      issuer: 'https://login.example',
      audience: 'shop',
      typ: TOKEN_TYPE,
    });
    expect(payload).toMatchObject({ jti: id, iss: 'https://login.example', aud: 'shop', d: { userId: 'u-1' } });
  });

  it('rotates keys: the old key still verifies (reissue), a removed key does not', async () => {
    const old = await generateKeyPair(alg);
    const next = await generateKeyPair(alg);
    const before = new JwtStore({ keys: [{ kid: 'k1', alg, ...old }] });
    // The new key signs; the old one only verifies (its public key is enough).
    const during = new JwtStore({
      keys: [
        { kid: 'k2', alg, ...next },
        { kid: 'k1', alg, publicKey: old.publicKey },
      ],
    });
    const after = new JwtStore({ keys: [{ kid: 'k2', alg, ...next }] });

    const oldToken = await before.encode(generateSessionId(), record(), 600);
    expect(await during.decode(oldToken)).toMatchObject({ reissue: true });
    const newToken = await during.encode(generateSessionId(), record(), 600);
    expect(decodeProtectedHeader(newToken).kid).toBe('k2');
    expect(await during.decode(newToken)).toMatchObject({ reissue: false });
    expect(await after.decode(newToken)).toMatchObject({ reissue: false });
    expect(await after.decode(oldToken)).toBeNull();
  });

  it('signs with the first key that has a private key, even after verify-only keys', async () => {
    const verifyOnly = await generateKeyPair(alg);
    const signing = await generateKeyPair(alg);
    const store = new JwtStore({
      keys: [
        { kid: 'partner', alg, publicKey: verifyOnly.publicKey },
        { kid: 'ours', alg, ...signing },
      ],
    });
    const token = await store.encode(generateSessionId(), record(), 600);
    expect(decodeProtectedHeader(token).kid).toBe('ours');
    expect(await store.decode(token)).toMatchObject({ reissue: false });
  });
});

describe('mixed keysets', () => {
  it('verifies EdDSA and ES256 tokens side by side, each only under its own kid and alg', async () => {
    const ed = await generateKeyPair('EdDSA');
    const es = await generateKeyPair('ES256');
    const edStore = new JwtStore({ keys: [{ kid: 'ed', alg: 'EdDSA', ...ed }] });
    const esStore = new JwtStore({ keys: [{ kid: 'es', alg: 'ES256', ...es }] });
    const both = new JwtStore({
      keys: [
        { kid: 'es', alg: 'ES256', ...es },
        { kid: 'ed', alg: 'EdDSA', publicKey: ed.publicKey },
      ],
    });
    expect(await both.decode(await edStore.encode(generateSessionId(), record(), 600))).toMatchObject({ reissue: true });
    expect(await both.decode(await esStore.encode(generateSessionId(), record(), 600))).toMatchObject({ reissue: false });
  });
});

describe('key configuration errors', () => {
  it.each([
    ['an empty keyset', () => ({ keys: [] }), /keys is empty/],
    [
      'no key that can sign',
      async () => ({ keys: [{ kid: 'k', alg: 'EdDSA', publicKey: (await generateKeyPair('EdDSA')).publicKey }] }),
      /no privateKey/,
    ],
    ['a key with no key', () => ({ keys: [{ kid: 'k', alg: 'EdDSA' }] }), /neither privateKey nor publicKey/],
    ['a bad kid', async () => ({ keys: [{ kid: 'has space', alg: 'EdDSA', ...(await generateKeyPair('EdDSA')) }] }), /kid must be/],
    [
      'a duplicate kid',
      async () => ({
        keys: [
          { kid: 'k', alg: 'EdDSA', ...(await generateKeyPair('EdDSA')) },
          { kid: 'k', alg: 'EdDSA', ...(await generateKeyPair('EdDSA')) },
        ],
      }),
      /used twice/,
    ],
    [
      'an unsupported alg (RS256)',
      async () => ({ keys: [{ kid: 'k', alg: 'RS256', ...(await generateKeyPair('RS256')) }] }),
      /must be 'EdDSA' or 'ES256'/,
    ],
    [
      'a typo in a key option',
      async () => ({ keys: [{ kid: 'k', alg: 'EdDSA', ...(await generateKeyPair('EdDSA')), publickey: 'x' }] }),
      /keys\[0\]: unknown option "publickey"\. Valid options: kid, alg, privateKey, publicKey/,
    ],
    ['alg none', async () => ({ keys: [{ kid: 'k', alg: 'none', ...(await generateKeyPair('EdDSA')) }] }), /must be 'EdDSA' or 'ES256'/],
    [
      'an Ed25519 key declared ES256',
      async () => ({ keys: [{ kid: 'k', alg: 'ES256', ...(await generateKeyPair('EdDSA')) }] }),
      /needs an EC P-256/,
    ],
    [
      'a P-384 key declared ES256',
      async () => ({ keys: [{ kid: 'k', alg: 'ES256', ...(await generateKeyPair('ES384')) }] }),
      /needs an EC P-256/,
    ],
    [
      'an EC key declared EdDSA',
      async () => ({ keys: [{ kid: 'k', alg: 'EdDSA', ...(await generateKeyPair('ES256')) }] }),
      /needs an Ed25519/,
    ],
    [
      'a private and public key that are not a pair',
      async () => ({
        keys: [
          {
            kid: 'k',
            alg: 'EdDSA',
            privateKey: (await generateKeyPair('EdDSA')).privateKey,
            publicKey: (await generateKeyPair('EdDSA')).publicKey,
          },
        ],
      }),
      /not a pair/,
    ],
    [
      'an unreadable PEM',
      () => ({ keys: [{ kid: 'k', alg: 'EdDSA', publicKey: '-----BEGIN PUBLIC KEY-----\nnope\n-----END PUBLIC KEY-----' }] }),
      /not a readable public key/,
    ],
    [
      'a public key where the private key belongs',
      async () => ({ keys: [{ kid: 'k', alg: 'EdDSA', privateKey: await exportSPKI((await generateKeyPair('EdDSA')).publicKey) }] }),
      /not a readable private key/,
    ],
    ['a number as key', () => ({ keys: [{ kid: 'k', alg: 'EdDSA', publicKey: 42 }] }), /not a readable public key/],
    [
      'keys with algorithm',
      async () => ({ keys: [{ kid: 'k', alg: 'EdDSA', ...(await generateKeyPair('EdDSA')) }], algorithm: 'HS256' }),
      /algorithm applies to secret/,
    ],
    [
      'keys with encrypt',
      async () => ({ keys: [{ kid: 'k', alg: 'EdDSA', ...(await generateKeyPair('EdDSA')) }], encrypt: true }),
      /encrypt needs secret/,
    ],
    [
      'keys and a secret',
      async () => ({ keys: [{ kid: 'k', alg: 'EdDSA', ...(await generateKeyPair('EdDSA')) }], secret: randomBytes(32) }),
      /one of secret or keys/,
    ],
  ])('refuses %s with a SessionConfigError that says how to fix it', async (_label, options, message) => {
    const resolved = await options();
    expect(() => new JwtStore(resolved as never)).toThrow(
      expect.objectContaining({ code: 'ERR_SESSION_CONFIG', message: expect.stringMatching(message) }),
    );
  });
});

describe('CryptoKeys that are not ready for signing as given', () => {
  it('an ECDH P-256 CryptoKey pair is re-imported for ES256 rather than failing on the first request', async () => {
    const ecdh = (await globalThis.crypto.subtle.generateKey({ name: 'ECDH', namedCurve: 'P-256' }, false, ['deriveBits'])) as unknown as {
      privateKey: KeyInput;
      publicKey: KeyInput;
    };
    const store = new JwtStore({ keys: [{ kid: 'k', alg: 'ES256', ...ecdh }] });
    expect(await store.decode(await store.encode(generateSessionId(), record(), 600))).not.toBeNull();
  });
});
