/**
 * podsafe signs HS* tokens with node:crypto, not through jose's Web Crypto
 * path (40 µs of CPU per signature against 2): the tokens must be the very
 * bytes jose's CompactSign makes, and jose must verify them.
 */
import { createSecretKey } from 'node:crypto';
import { CompactSign, compactVerify } from 'jose';
import { describe, expect, it } from 'vitest';
import { HmacSigner, type JwsHeader } from './hmac-sign.js';

const payloads = [
  '{"sid":"abc","d":{"user":"ann"},"iat":1,"exp":2}',
  JSON.stringify({ text: 'ünïcödé ✓ and "quotes" \\ and \n newlines', emoji: '🍪', big: 'x'.repeat(3000) }),
  '{}',
];

describe('HmacSigner', () => {
  for (const [alg, bytes] of [
    ['HS256', 32],
    ['HS384', 48],
    ['HS512', 64],
  ] as const) {
    it(`${alg}: the same token as jose's CompactSign, which jose verifies`, async () => {
      const key = createSecretKey(Buffer.alloc(bytes, 0x5a));
      const header: JwsHeader = { alg, kid: 'k-1', typ: 'podsafe+jwt' };
      const signer = new HmacSigner(header, key);
      for (const payload of payloads) {
        const ours = signer.sign(payload);
        const theirs = await new CompactSign(new TextEncoder().encode(payload)).setProtectedHeader({ ...header }).sign(key);
        expect(ours).toBe(theirs);
        const verified = await compactVerify(ours, key, { algorithms: [alg] });
        expect(new TextDecoder().decode(verified.payload)).toBe(payload);
        expect(verified.protectedHeader).toEqual(header);
      }
    });
  }

  it('a token signed with another secret does not verify', async () => {
    const token = new HmacSigner({ alg: 'HS256', kid: 'k', typ: 'JWT' }, createSecretKey(Buffer.alloc(32, 1))).sign('{}');
    await expect(compactVerify(token, createSecretKey(Buffer.alloc(32, 2)), { algorithms: ['HS256'] })).rejects.toThrow();
  });
});
