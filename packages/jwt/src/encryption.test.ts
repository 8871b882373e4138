import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { compactDecrypt, decodeJwt, decodeProtectedHeader, jwtVerify } from 'jose';
import type { SessionRecord } from '@podsafe/core';
import { generateSessionId, nowSeconds } from '@podsafe/core/store';
import { JwtStore } from './jwt-store.js';
import { TOKEN_TYPE } from './claims.js';
import { contentKeyBytes } from './encryption.js';

const MARKER = 'alice@example.com';
const record = (): SessionRecord => {
  const now = nowSeconds();
  return { data: { email: MARKER, roles: ['admin'] }, meta: { createdAt: now, lastSeenAt: now, version: 1 } };
};

describe('encrypt: true', () => {
  const secret = randomBytes(32);
  const store = new JwtStore({ secret, encrypt: true });

  it('makes a compact JWE: dir + A256GCM, kid and typ in the protected header, no encrypted key', async () => {
    const token = await store.encode(generateSessionId(), record(), 600);
    const parts = token.split('.');
    expect(parts).toHaveLength(5);
    expect(parts[1]).toBe('');
    expect(decodeProtectedHeader(token)).toEqual({
      alg: 'dir',
      enc: 'A256GCM',
      kid: expect.stringMatching(/^[A-Za-z0-9_-]{8}$/),
      typ: TOKEN_TYPE,
    });
  });

  it('hides the payload: not readable as a JWT, no claim visible in any part', async () => {
    const id = generateSessionId();
    const token = await store.encode(id, record(), 600);
    expect(() => decodeJwt(token)).toThrow();
    await expect(jwtVerify(token, secret)).rejects.toThrow();
    for (const part of token.split('.')) {
      const text = Buffer.from(part, 'base64url').toString('latin1');
      expect(text).not.toContain(MARKER);
      expect(text).not.toContain(id);
      expect(text).not.toContain('admin');
    }
    expect(token).not.toContain(id);
  });

  it('decodes its own tokens', async () => {
    const id = generateSessionId();
    expect(await store.decode(await store.encode(id, record(), 600))).toMatchObject({
      id,
      record: { data: { email: MARKER } },
      reissue: false,
    });
  });

  it('uses a fresh IV per token: the same session encodes to different ciphertexts', async () => {
    const id = generateSessionId();
    const sent = record();
    const [a, b] = await Promise.all([store.encode(id, sent, 600), store.encode(id, sent, 600)]);
    expect(a.split('.')[2]).not.toBe(b.split('.')[2]);
  });

  it('tampering with the IV, the ciphertext or the tag, or splicing parts of two tokens, gives null', async () => {
    const a = (await store.encode(generateSessionId(), record(), 600)).split('.');
    const b = (await store.encode(generateSessionId(), record(), 600)).split('.');
    for (const index of [2, 3, 4]) {
      const spliced = [...a];
      spliced[index] = b[index]!;
      expect(await store.decode(spliced.join('.')), `part ${index} from another token`).toBeNull();
    }
  });

  it('a token encrypted with another secret gives null', async () => {
    const other = new JwtStore({ secret: randomBytes(32), encrypt: true });
    expect(await store.decode(await other.encode(generateSessionId(), record(), 600))).toBeNull();
  });

  it('derives the key with HKDF-SHA256 from the secret: documented, so other services can decrypt', async () => {
    const token = await store.encode(generateSessionId(), record(), 600);
    const { plaintext } = await compactDecrypt(token, contentKeyBytes(secret));
    expect(JSON.parse(new TextDecoder().decode(plaintext))).toMatchObject({ d: { email: MARKER } });
    // The raw secret is not the key.
    await expect(compactDecrypt(token, secret)).rejects.toThrow();
  });

  it('still checks claims after decrypting: iss and aud', async () => {
    const issuing = new JwtStore({ secret, encrypt: true, issuer: 'a', audience: 'x' });
    const expecting = new JwtStore({ secret, encrypt: true, issuer: 'b', audience: 'x' });
    expect(await expecting.decode(await issuing.encode(generateSessionId(), record(), 600))).toBeNull();
    expect(await issuing.decode(await issuing.encode(generateSessionId(), record(), 600))).not.toBeNull();
  });
});
