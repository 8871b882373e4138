import { describe, expect, it } from 'vitest';
import { Keyring } from './signing.js';
import { generateSessionId } from './id.js';

/**
 * Exactly one string verifies for a signed value: base64 decoding is lenient,
 * so the signature's form is checked before it is decoded.
 */
describe('signature format', () => {
  const ring = new Keyring('f'.repeat(32));
  const id = generateSessionId();
  const signed = ring.sign(id);
  const [value, signature] = signed.split('.') as [string, string];
  const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

  it('the signed value itself verifies, with a 43-character base64url signature', () => {
    expect(signature).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(ring.verify(signed)).toEqual({ valid: true, value: id, rotated: false });
  });

  it('every other last character is refused (the 2 unused bits, and all the rest)', () => {
    const others = [...ALPHABET].filter((c) => c !== signature.at(-1)).map((c) => `${value}.${signature.slice(0, -1)}${c}`);
    expect(others).toHaveLength(63);
    for (const variant of others) expect(ring.verify(variant), variant).toEqual({ valid: false });
  });

  it.each([
    ['padding', `${signed}=`],
    ['double padding', `${signed}==`],
    ['a trailing space', `${signed} `],
    ['a trailing newline', `${signed}\n`],
    ['a trailing dot', `${signed}.`],
    ['a space inside', `${value}.${signature.slice(0, 20)} ${signature.slice(20)}`],
    // Not a translation of - and _: a random signature need not contain either.
    ['a standard base64 "+"', `${value}.${signature.slice(0, 10)}+${signature.slice(11)}`],
    ['a standard base64 "/"', `${value}.${signature.slice(0, 10)}/${signature.slice(11)}`],
    ['a truncated signature', signed.slice(0, -1)],
    ['a signature one character longer', `${signed}A`],
    ['percent-encoding', `${value}.${signature.slice(0, -1)}%${signature.charCodeAt(42).toString(16)}`],
  ])('%s is refused', (_label, variant) => {
    if (variant === signed) return expect.unreachable('the variant must differ from the original');
    expect(ring.verify(variant)).toEqual({ valid: false });
  });
});
