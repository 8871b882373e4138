import { createHmac, timingSafeEqual } from 'node:crypto';
import { SessionConfigError } from './errors.js';

/** A cookie-signing secret: a string (UTF-8) or raw bytes, at least 32 bytes long. */
export type Secret = string | Uint8Array;

/** Shortest secret accepted, in bytes: HMAC-SHA256 wants a key as long as its output. */
export const MIN_SECRET_BYTES = 32;

/**
 * An HMAC-SHA256 signature as `sign` writes it: exactly 43 base64url characters,
 * the last one carrying 2 bits and 4 zero bits (so one of `AEIMQUYcgkosw048`).
 * Node's base64 decoder is lenient (it skips `=`, ignores the unused bits and takes
 * `+`, `/` too), so without this check many different strings would verify.
 */
const SIGNATURE = /^[A-Za-z0-9_-]{42}[AEIMQUYcgkosw048]$/;

/** How many verified values {@link Keyring} remembers for re-signing (id and signed cookie, ~150 bytes each). */
const SIGNED_CACHE_SIZE = 4096;

/** The outcome of verifying a signed cookie value. */
export type VerifyResult =
  | { valid: false }
  /** `rotated` is true when an older secret verified it: re-sign with the newest. */
  | { valid: true; value: string; rotated: boolean };

/**
 * Signs and verifies cookie values with HMAC-SHA256 under a list of secrets:
 * the first signs, every one verifies, so rotating in a new secret (put it first,
 * keep the old one after it) logs nobody out.
 */
export class Keyring {
  readonly #keys: Buffer[];
  /**
   * Values lately verified under the newest secret, with their signed form: signing
   * is deterministic, so re-signing the id a cookie already carries (every save and
   * touch does) is a lookup, not another HMAC. Bounded; holds only what `verify`
   * accepted, so no request can fill it with anything but valid cookies.
   */
  readonly #signed = new Map<string, string>();
  /**
   * The same cookies the other way round: signed cookie → its verified result, so
   * the cookie a browser sends again and again costs one Map lookup, not an HMAC.
   * A lookup keyed by the whole string leaks no prefix of a signature (a miss is
   * decided by the string's hash, over all of it), and it only ever holds cookies
   * signed with the current secret (the first), which `verify` accepted.
   */
  readonly #verified = new Map<string, VerifyResult>();

  /**
   * @param what - the option the secrets come from, the start of every message, e.g. `'podsafe session options: secret'`.
   * @throws SessionConfigError when the list is empty or a secret is shorter than 32 bytes.
   */
  constructor(secrets: Secret | readonly Secret[], what = 'secret') {
    const list = Array.isArray(secrets) ? (secrets as readonly Secret[]) : [secrets as Secret];
    if (list.length === 0) {
      throw new SessionConfigError(
        `${what} is empty: pass at least one secret of ${MIN_SECRET_BYTES}+ bytes, e.g. from \`openssl rand -base64 48\`.`,
      );
    }
    this.#keys = list.map((secret, index) => {
      if (typeof secret !== 'string' && !(secret instanceof Uint8Array)) {
        throw new SessionConfigError(`${what}[${index}] must be a string or a Uint8Array, got ${typeof secret}.`);
      }
      const key = typeof secret === 'string' ? Buffer.from(secret, 'utf8') : Buffer.from(secret);
      if (key.length < MIN_SECRET_BYTES) {
        throw new SessionConfigError(
          `${what}${list.length > 1 ? `[${index}]` : ''} is ${key.length} bytes; at least ${MIN_SECRET_BYTES} are required ` +
            `so the signature cannot be brute-forced. Generate one with \`openssl rand -base64 48\` and keep it out of the source.`,
        );
      }
      return key;
    });
  }

  /** `value.signature`, signed with the newest secret. */
  sign(value: string): string {
    return this.#signed.get(value) ?? `${value}.${this.#mac(this.#keys[0]!, value).toString('base64url')}`;
  }

  /** Checks `signed` against every secret in constant time per secret. */
  verify(signed: string): VerifyResult {
    const known = this.#verified.get(signed);
    if (known !== undefined) return known;
    const dot = signed.lastIndexOf('.');
    if (dot <= 0) return { valid: false };
    const value = signed.slice(0, dot);
    const signature = signed.slice(dot + 1);
    if (!SIGNATURE.test(signature)) return { valid: false };
    const given = Buffer.from(signature, 'base64url');
    for (let i = 0; i < this.#keys.length; i++) {
      const expected = this.#mac(this.#keys[i]!, value);
      if (given.length === expected.length && timingSafeEqual(given, expected)) {
        // Only the canonical form: base64url decoding tolerates variants (padding, stray bits) that sign() never makes.
        if (i === 0 && given.toString('base64url') === signed.slice(dot + 1)) this.#remember(value, signed);
        return { valid: true, value, rotated: i > 0 };
      }
    }
    return { valid: false };
  }

  #remember(value: string, signed: string): void {
    if (this.#verified.size >= SIGNED_CACHE_SIZE) this.#verified.delete(this.#verified.keys().next().value!);
    this.#verified.set(signed, Object.freeze({ valid: true, value, rotated: false }));
    if (this.#signed.has(value)) return;
    if (this.#signed.size >= SIGNED_CACHE_SIZE) this.#signed.delete(this.#signed.keys().next().value!);
    this.#signed.set(value, signed);
  }

  #mac(key: Buffer, value: string): Buffer {
    return createHmac('sha256', key).update(value).digest();
  }
}
