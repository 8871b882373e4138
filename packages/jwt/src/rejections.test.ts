import { randomBytes } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { decodeProtectedHeader, exportJWK, exportSPKI, generateKeyPair, SignJWT, type CryptoKey, type JWTPayload } from 'jose';
import { generateSessionId, nowSeconds } from '@podsafe/core/store';
import { JwtStore } from './jwt-store.js';
import { TOKEN_TYPE } from './claims.js';

// Every kind of token an attacker (or a misconfigured service) can present
// must decode to null: the engine then starts a fresh session, never a 500.

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

/** Claims of a valid session token; `overrides` change or (with `undefined`) remove claims. */
function claims(overrides: Record<string, unknown> = {}): JWTPayload {
  const now = Math.floor(nowSeconds());
  const base: Record<string, unknown> = {
    jti: generateSessionId(),
    iat: now,
    exp: now + 600,
    d: { role: 'admin' },
    m: [now, now, 1],
    ...overrides,
  };
  for (const [key, value] of Object.entries(base)) if (value === undefined) delete base[key];
  return base as JWTPayload;
}

/** Signs `payload` with jose, the way an attacker holding `key` would. */
function sign(payload: JWTPayload, header: Record<string, unknown>, key: Uint8Array | CryptoKey): Promise<string> {
  return new SignJWT(payload).setProtectedHeader({ typ: TOKEN_TYPE, ...header } as unknown as { alg: string }).sign(key);
}

describe('JwtStore with a shared secret rejects', () => {
  const secret = randomBytes(32);
  const store = new JwtStore({ secret, issuer: 'podsafe-test', audience: 'app' });
  let kid: string;
  const valid = (overrides: Record<string, unknown> = {}) => claims({ iss: 'podsafe-test', aud: 'app', ...overrides });

  beforeAll(async () => {
    kid = decodeProtectedHeader(
      await store.encode(generateSessionId(), { data: {}, meta: { createdAt: 1, lastSeenAt: 1, version: 1 } }, 60),
    ).kid!;
  });

  it('(baseline) accepts a token forged correctly with the real secret, so every rejection below is about one flaw', async () => {
    expect(kid).toMatch(/^[A-Za-z0-9_-]{8}$/);
    expect(await store.decode(await sign(valid(), { alg: 'HS256', kid }, secret))).toMatchObject({
      record: { data: { role: 'admin' } },
      reissue: false,
    });
  });

  it('alg none (unsigned), with or without the kid', async () => {
    expect(await store.decode(`${b64({ alg: 'none', kid, typ: TOKEN_TYPE })}.${b64(valid())}.`)).toBeNull();
    expect(await store.decode(`${b64({ alg: 'none', typ: TOKEN_TYPE })}.${b64(valid())}.`)).toBeNull();
    expect(await store.decode(`${b64({ alg: 'NONE', kid })}.${b64(valid())}.`)).toBeNull();
  });

  it('a stripped signature under the right header', async () => {
    const token = await sign(valid(), { alg: 'HS256', kid }, secret);
    expect(await store.decode(token.slice(0, token.lastIndexOf('.') + 1))).toBeNull();
  });

  it('a switched algorithm: HS512 or HS384 with the same secret and kid', async () => {
    expect(await store.decode(await sign(valid(), { alg: 'HS512', kid }, secret))).toBeNull();
    expect(await store.decode(await sign(valid(), { alg: 'HS384', kid }, secret))).toBeNull();
  });

  it('a switched algorithm: RS256 and ES256 under our kid', async () => {
    const rsa = await generateKeyPair('RS256');
    expect(await store.decode(await sign(valid(), { alg: 'RS256', kid }, rsa.privateKey))).toBeNull();
    const ec = await generateKeyPair('ES256');
    expect(await store.decode(await sign(valid(), { alg: 'ES256', kid }, ec.privateKey))).toBeNull();
  });

  it('an unknown kid, or none at all, even when signed with the real secret', async () => {
    expect(await store.decode(await sign(valid(), { alg: 'HS256', kid: 'AAAAAAAA' }, secret))).toBeNull();
    expect(await store.decode(await sign(valid(), { alg: 'HS256' }, secret))).toBeNull();
    expect(await store.decode(await sign(valid(), { alg: 'HS256', kid: 42 }, secret))).toBeNull();
  });

  it('a bad signature: another secret under our kid', async () => {
    expect(await store.decode(await sign(valid(), { alg: 'HS256', kid }, randomBytes(32)))).toBeNull();
  });

  it('a wrong or missing iss', async () => {
    expect(await store.decode(await sign(valid({ iss: 'evil' }), { alg: 'HS256', kid }, secret))).toBeNull();
    expect(await store.decode(await sign(valid({ iss: undefined }), { alg: 'HS256', kid }, secret))).toBeNull();
  });

  it('a wrong or missing aud', async () => {
    expect(await store.decode(await sign(valid({ aud: 'other-app' }), { alg: 'HS256', kid }, secret))).toBeNull();
    expect(await store.decode(await sign(valid({ aud: undefined }), { alg: 'HS256', kid }, secret))).toBeNull();
  });

  it('an expired token, even within the clock tolerance (exp is exact)', async () => {
    const now = Math.floor(nowSeconds());
    expect(await store.decode(await sign(valid({ exp: now - 3600 }), { alg: 'HS256', kid }, secret))).toBeNull();
    expect(await store.decode(await sign(valid({ exp: now - 2 }), { alg: 'HS256', kid }, secret))).toBeNull();
    expect(await store.decode(await sign(valid({ exp: undefined }), { alg: 'HS256', kid }, secret))).toBeNull();
  });

  it('a token not yet valid: nbf or iat beyond the clock tolerance (5 s) in the future', async () => {
    const now = Math.floor(nowSeconds());
    expect(await store.decode(await sign(valid({ nbf: now + 60 }), { alg: 'HS256', kid }, secret))).toBeNull();
    expect(await store.decode(await sign(valid({ iat: now + 60 }), { alg: 'HS256', kid }, secret))).toBeNull();
    expect(await store.decode(await sign(valid({ iat: undefined }), { alg: 'HS256', kid }, secret))).toBeNull();
  });

  it("(but accepts nbf and iat a few seconds ahead: another replica's clock)", async () => {
    const now = Math.floor(nowSeconds());
    expect(await store.decode(await sign(valid({ nbf: now + 3, iat: now + 3 }), { alg: 'HS256', kid }, secret))).not.toBeNull();
  });

  it('a token of another type (typ missing or JWT): another JWT signed with the same key is not a session', async () => {
    expect(await store.decode(await sign(valid(), { alg: 'HS256', kid, typ: 'JWT' }, secret))).toBeNull();
    expect(await store.decode(await sign(valid(), { alg: 'HS256', kid, typ: undefined }, secret))).toBeNull();
  });

  it.each([
    ['no jti', { jti: undefined }],
    ['a jti that is not a session id', { jti: 'user-42' }],
    ['no data', { d: undefined }],
    ['data that is an array', { d: [1, 2] }],
    ['no meta', { m: undefined }],
    ['meta of the wrong length', { m: [1, 1] }],
    ['meta that is not numbers', { m: ['a', 'b', 'c'] }],
    ['lastSeenAt before createdAt', { m: [2000, 1000, 1] }],
    ['a createdAt of 0', { m: [0, 0, 1] }],
  ])('a validly signed token whose payload is foreign: %s', async (_label, overrides) => {
    expect(await store.decode(await sign(valid(overrides), { alg: 'HS256', kid }, secret))).toBeNull();
  });

  it('a JWE under our kid that is not dir + A256GCM, and a JWS with a JWE header', async () => {
    const header = b64({ alg: 'A256KW', enc: 'A256GCM', kid, typ: TOKEN_TYPE });
    expect(await store.decode(`${header}.${'A'.repeat(54)}.${'A'.repeat(16)}.${'A'.repeat(40)}.${'A'.repeat(22)}`)).toBeNull();
    const jws = await sign(valid(), { alg: 'HS256', kid }, secret);
    expect(await store.decode(`${jws}.AAAA.AAAA`)).toBeNull();
  });

  it('a token whose payload is not JSON, or not base64url', async () => {
    const header = b64({ alg: 'HS256', kid, typ: TOKEN_TYPE });
    expect(await store.decode(`${header}.${Buffer.from('not json').toString('base64url')}.${'A'.repeat(43)}`)).toBeNull();
    expect(await store.decode(`${header}.***.${'A'.repeat(43)}`)).toBeNull();
  });
});

describe.each(['EdDSA', 'ES256'] as const)('JwtStore with %s keys rejects', (alg) => {
  let store: JwtStore;
  let publicKey: CryptoKey;
  let privateKey: CryptoKey;
  const kid = `${alg.toLowerCase()}-1`;

  beforeAll(async () => {
    ({ publicKey, privateKey } = await generateKeyPair(alg, { extractable: true }));
    store = new JwtStore({ keys: [{ kid, alg, privateKey, publicKey }] });
  });

  it('(baseline) accepts a token signed with its private key', async () => {
    expect(await store.decode(await sign(claims(), { alg, kid }, privateKey))).not.toBeNull();
  });

  it('the algorithm-confusion attack: HS256 under its kid, with the public key (PEM, JWK) as HMAC secret', async () => {
    const pem = await exportSPKI(publicKey);
    const jwk = JSON.stringify(await exportJWK(publicKey));
    for (const secret of [pem, jwk]) {
      const hmacKey = new TextEncoder().encode(secret);
      expect(await store.decode(await sign(claims(), { alg: 'HS256', kid }, hmacKey))).toBeNull();
    }
  });

  it('alg none under its kid', async () => {
    expect(await store.decode(`${b64({ alg: 'none', kid, typ: TOKEN_TYPE })}.${b64(claims())}.`)).toBeNull();
  });

  it('a switched algorithm: the other curve, or RS256, under its kid', async () => {
    const other = alg === 'EdDSA' ? 'ES256' : 'EdDSA';
    const otherKeys = await generateKeyPair(other);
    expect(await store.decode(await sign(claims(), { alg: other, kid }, otherKeys.privateKey))).toBeNull();
    const rsa = await generateKeyPair('RS256');
    expect(await store.decode(await sign(claims(), { alg: 'RS256', kid }, rsa.privateKey))).toBeNull();
  });

  it('another key pair of the same algorithm under its kid (bad signature)', async () => {
    const impostor = await generateKeyPair(alg);
    expect(await store.decode(await sign(claims(), { alg, kid }, impostor.privateKey))).toBeNull();
  });

  it('an unknown kid, even signed with its private key', async () => {
    expect(await store.decode(await sign(claims(), { alg, kid: 'other' }, privateKey))).toBeNull();
  });

  it('an encrypted (JWE) token: public-key setups never decrypt', async () => {
    const header = b64({ alg: 'dir', enc: 'A256GCM', kid, typ: TOKEN_TYPE });
    expect(await store.decode(`${header}..${'A'.repeat(16)}.${'A'.repeat(40)}.${'A'.repeat(22)}`)).toBeNull();
  });
});
