import { hkdfSync, webcrypto } from 'node:crypto';
import type { CryptoKey } from 'jose';

/**
 * Token encryption: JWE compact serialization, `alg: 'dir'` (the key is used
 * directly, no wrapped content key in the token) and `enc: 'A256GCM'`.
 *
 * The JWE carries the JWT claims directly, not a signed JWT inside: AES-GCM is
 * authenticated encryption, so only a holder of the key can produce a token
 * that decrypts, which is exactly what an HMAC signature under the same secret
 * proves. Nesting a JWS would prove nothing more and make the cookie about a
 * third larger (the JWS would be base64url-encoded twice).
 */
export const JWE_ALG = 'dir';
/** Content encryption of every JWE a `JwtStore` makes or accepts. */
export const JWE_ENC = 'A256GCM';

/**
 * Fixed HKDF inputs. The info string separates this key from anything else
 * derived from the same secret (the HMAC key is the secret itself, the key id
 * uses another info string); bump the version to change the derivation.
 */
const SALT = 'podsafe/jwt';
const INFO = 'podsafe/jwt A256GCM content encryption key v1';

/** The raw 256-bit content encryption key for a secret. */
export function contentKeyBytes(secret: Uint8Array): Uint8Array {
  return new Uint8Array(hkdfSync('sha256', secret, SALT, INFO, 32));
}

/** The AES-256-GCM key for a secret, as a non-extractable `CryptoKey`. */
export async function deriveContentKey(secret: Uint8Array): Promise<CryptoKey> {
  const key = await webcrypto.subtle.importKey('raw', contentKeyBytes(secret), { name: 'AES-GCM' }, false, ['encrypt', 'decrypt']);
  return key as unknown as CryptoKey;
}
