import { describe, expect, it } from 'vitest';
import { Keyring } from './signing.js';
import { generateSessionId, isSessionId, assertStorableId } from './id.js';

const A = 'a'.repeat(32);
const B = 'b'.repeat(40);

describe('Keyring', () => {
  it('refuses secrets shorter than 32 bytes, saying how to make one', () => {
    expect(() => new Keyring('short')).toThrow(/at least 32.*openssl rand/s);
    expect(() => new Keyring([A, 'short'])).toThrow(/secret\[1\] is 5 bytes/);
    expect(() => new Keyring([])).toThrow(/empty/);
    // Bytes, not characters: 11 three-byte characters are 33 bytes.
    expect(() => new Keyring('€'.repeat(11))).not.toThrow();
  });

  it('verifies what it signed, and nothing else', () => {
    const ring = new Keyring(A);
    const signed = ring.sign('value');
    expect(ring.verify(signed)).toEqual({ valid: true, value: 'value', rotated: false });
    expect(ring.verify(signed.replace('value', 'valuf'))).toEqual({ valid: false });
    expect(ring.verify(`${signed}x`)).toEqual({ valid: false });
    expect(ring.verify('value')).toEqual({ valid: false });
    expect(ring.verify('.sig')).toEqual({ valid: false });
    expect(new Keyring(B).verify(signed)).toEqual({ valid: false });
  });

  it('signs with the first secret and verifies with every one, flagging the older ones', () => {
    const old = new Keyring(A).sign('id');
    const rotated = new Keyring([B, A]);
    expect(rotated.verify(old)).toEqual({ valid: true, value: 'id', rotated: true });
    expect(rotated.verify(rotated.sign('id'))).toEqual({ valid: true, value: 'id', rotated: false });
    expect(rotated.sign('id')).toBe(new Keyring(B).sign('id'));
  });
});

describe('session ids', () => {
  it('are 32 random bytes in base64url (43 characters), never repeating', () => {
    const ids = new Set(Array.from({ length: 1000 }, generateSessionId));
    expect(ids.size).toBe(1000);
    for (const id of ids) {
      expect(isSessionId(id)).toBe(true);
      expect(Buffer.from(id, 'base64url')).toHaveLength(32);
    }
  });

  it('shapes outside the alphabet or length are not ids', () => {
    for (const bad of ['', 'a'.repeat(42), 'a'.repeat(44), `${'a'.repeat(42)}=`, `${'a'.repeat(42)}/`, 42, null]) {
      expect(isSessionId(bad)).toBe(false);
    }
    expect(() => assertStorableId('../../etc/passwd')).toThrow(/Invalid session id/);
    expect(() => assertStorableId('abcdefghijklmnopqrstuvwxyzABCDEF')).not.toThrow();
  });
});
