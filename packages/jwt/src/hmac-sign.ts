import { createHmac, type KeyObject } from 'node:crypto';

/** The protected header of a podsafe JWS. */
export interface JwsHeader {
  readonly alg: 'HS256' | 'HS384' | 'HS512';
  readonly kid: string;
  readonly typ: string;
}

const NODE_HASH = { HS256: 'sha256', HS384: 'sha384', HS512: 'sha512' } as const;

/**
 * Signs HS256/384/512 tokens with node:crypto's HMAC, byte for byte what jose's
 * `CompactSign` makes (JWS compact serialization, RFC 7515 §7.1: base64url of
 * the header JSON, of the payload, and of the HMAC of both). Why not jose here:
 * jose signs through Web Crypto, whose `subtle.sign` costs about 40 µs of CPU
 * per HMAC in Node against 2 µs for `createHmac`, and every session write signs
 * once. Verifying stays with jose (`jwtVerify`, algorithm pinned per key), which
 * also checks every token this signs.
 */
export class HmacSigner {
  readonly #key: KeyObject;
  readonly #hash: (typeof NODE_HASH)[JwsHeader['alg']];
  /** The header never changes for a key, so it is encoded once. */
  readonly #encodedHeader: string;

  constructor(header: JwsHeader, key: KeyObject) {
    this.#key = key;
    this.#hash = NODE_HASH[header.alg];
    this.#encodedHeader = Buffer.from(JSON.stringify({ alg: header.alg, kid: header.kid, typ: header.typ })).toString('base64url');
  }

  /** The compact JWS of `payloadJson`. */
  sign(payloadJson: string): string {
    const input = `${this.#encodedHeader}.${Buffer.from(payloadJson).toString('base64url')}`;
    return `${input}.${createHmac(this.#hash, this.#key).update(input).digest('base64url')}`;
  }
}
