import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { Keyring } from './signing.js';

const A = 'a'.repeat(32);
const B = 'b'.repeat(40);
const mac = (secret: string, value: string) => createHmac('sha256', secret).update(value).digest('base64url');

// sign() reuses what verify() accepted under the newest secret (no second HMAC for the
// id a cookie already carries): it must still always answer the canonical signature.
describe('Keyring re-signing a verified value', () => {
  it('answers the HMAC of the newest secret, before and after a verify', () => {
    const ring = new Keyring([A, B]);
    expect(ring.sign('id1')).toBe(`id1.${mac(A, 'id1')}`);
    expect(ring.verify(`id1.${mac(A, 'id1')}`)).toMatchObject({ valid: true, rotated: false });
    expect(ring.sign('id1')).toBe(`id1.${mac(A, 'id1')}`);
  });

  it('never hands out an old-secret or a non-canonical form that verify accepted', () => {
    const ring = new Keyring([A, B]);
    expect(ring.verify(`id2.${mac(B, 'id2')}`)).toMatchObject({ valid: true, rotated: true });
    expect(ring.sign('id2')).toBe(`id2.${mac(A, 'id2')}`);
    // base64url decoding ignores trailing "=" padding and the unused low bits of the last character.
    const canonical = mac(A, 'id3');
    for (const variant of [`${canonical}=`, canonical.slice(0, -1) + String.fromCharCode(canonical.charCodeAt(42) ^ 1)]) {
      const verified = ring.verify(`id3.${variant}`);
      if (verified.valid) expect(ring.sign('id3')).toBe(`id3.${canonical}`);
    }
    expect(ring.sign('id3')).toBe(`id3.${canonical}`);
  });

  it('stays bounded: thousands of verified ids later, signing still answers right', () => {
    const ring = new Keyring(A);
    for (let i = 0; i < 10_000; i++) ring.verify(ring.sign(`id-${i}`));
    expect(ring.sign('id-0')).toBe(`id-0.${mac(A, 'id-0')}`);
    expect(ring.sign('id-9999')).toBe(`id-9999.${mac(A, 'id-9999')}`);
  });
});

// verify() remembers the cookies it accepted under the newest secret (a browser sends
// the same one on every request): a remembered cookie is still exactly that cookie.
describe('Keyring verifying a cookie it has seen', () => {
  it('accepts the same cookie again and still refuses every altered form of it', () => {
    const ring = new Keyring([A, B]);
    const cookie = `id4.${mac(A, 'id4')}`;
    expect(ring.verify(cookie)).toEqual({ valid: true, value: 'id4', rotated: false });
    expect(ring.verify(cookie)).toEqual({ valid: true, value: 'id4', rotated: false });
    const last = cookie.charCodeAt(cookie.length - 1);
    for (const altered of [
      `${cookie}x`,
      cookie.slice(0, -1),
      cookie.slice(0, -1) + String.fromCharCode(last === 65 ? 66 : 65),
      `id5.${mac(A, 'id4')}`,
    ]) {
      expect(ring.verify(altered).valid, altered).toBe(false);
    }
  });

  it('keeps flagging an old-secret cookie as rotated, every time', () => {
    const ring = new Keyring([A, B]);
    const old = `id6.${mac(B, 'id6')}`;
    expect(ring.verify(old)).toEqual({ valid: true, value: 'id6', rotated: true });
    expect(ring.verify(old)).toEqual({ valid: true, value: 'id6', rotated: true });
  });

  it('forgets a remembered cookie once the secret that signed it is gone', () => {
    const cookie = `id7.${mac(A, 'id7')}`;
    expect(new Keyring([A]).verify(cookie).valid).toBe(true);
    expect(new Keyring([B]).verify(cookie).valid).toBe(false);
  });
});
