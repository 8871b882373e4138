import { createPrivateKey, createPublicKey, createSecretKey, hkdfSync, KeyObject, webcrypto, type JsonWebKey } from 'node:crypto';
import { importJWK, type CryptoKey, type JWK } from 'jose';
import { MIN_SECRET_BYTES, SessionConfigError, type Secret } from '@podsafe/core';
import { optionParser } from '@podsafe/core/store';
import { deriveContentKey } from './encryption.js';

/** HMAC algorithms for shared-secret setups (`secret` / `secrets`). */
export type HmacAlgorithm = 'HS256' | 'HS384' | 'HS512';

/** Public-key algorithms for `keys`: Ed25519 (`EdDSA`) or ECDSA P-256 (`ES256`). */
export type AsymmetricAlgorithm = 'EdDSA' | 'ES256';

/** Every algorithm a `JwtStore` signs or verifies with. Anything else (`none`, `RS256`, ...) is refused. */
export type SigningAlgorithm = HmacAlgorithm | AsymmetricAlgorithm;

/**
 * A public or private key, in any form Node can read: a `KeyObject`, a Web
 * Crypto `CryptoKey` (e.g. from jose's `generateKeyPair`), a JWK object, or a
 * PEM string (SPKI for public keys, PKCS#8 for private keys).
 */
export type KeyInput = KeyObject | CryptoKey | JWK | string;

/**
 * One asymmetric key of a `JwtStore` keyset. Other services can verify the
 * session token with `publicKey` alone; only holders of `privateKey` can mint one.
 */
export interface JwtKey {
  /** Key id put in every token's header, so verification picks this key without trying others. 1-64 characters of `A-Z a-z 0-9 . _ -`, unique in the keyset. */
  kid: string;
  /** The algorithm pinned to this key: a token claiming any other algorithm under this `kid` is refused. */
  alg: AsymmetricAlgorithm;
  /**
   * Signs new tokens. The first key in the list that has one is the signing key; keys without one only verify.
   * @default none (the key only verifies)
   */
  privateKey?: KeyInput;
  /**
   * Verifies tokens. Optional when `privateKey` is given (it is derived from it).
   * @default derived from `privateKey`
   */
  publicKey?: KeyInput;
}

/** Bytes of key id derived from a secret: 48 bits, so two secrets in one list never collide in practice. */
const KID_BYTES = 6;
const KID_INFO = 'podsafe/jwt key id v1';
const KID_PATTERN = /^[A-Za-z0-9._-]{1,64}$/;

const HMAC: Record<HmacAlgorithm, { hash: string; minBytes: number }> = {
  // RFC 7518 3.2: an HMAC key at least as long as the hash output.
  HS256: { hash: 'SHA-256', minBytes: MIN_SECRET_BYTES },
  HS384: { hash: 'SHA-384', minBytes: Math.max(MIN_SECRET_BYTES, 48) },
  HS512: { hash: 'SHA-512', minBytes: Math.max(MIN_SECRET_BYTES, 64) },
};

const ASYMMETRIC: Record<AsymmetricAlgorithm, { describe: string; matches: (key: KeyObject) => boolean }> = {
  EdDSA: { describe: 'an Ed25519 key', matches: (key) => key.asymmetricKeyType === 'ed25519' },
  ES256: {
    describe: 'an EC P-256 (prime256v1) key',
    matches: (key) => key.asymmetricKeyType === 'ec' && key.asymmetricKeyDetails?.namedCurve === 'prime256v1',
  },
};

/** Runs `load` once, on first use, and hands every caller the same promise. */
function once<T>(load: () => Promise<T>): () => Promise<T> {
  let loaded: Promise<T> | undefined;
  return () => (loaded ??= load());
}

/** One key a token can name in its `kid`. Crypto keys are imported once, on first use, never per request. */
export interface KeyEntry {
  readonly kid: string;
  /** The only algorithm a JWS under this `kid` may use. */
  readonly alg: SigningAlgorithm;
  /** The key that verifies signatures. */
  readonly verifyKey: () => Promise<CryptoKey>;
  /** The key that signs; absent for verify-only keys. */
  readonly signKey: (() => Promise<CryptoKey>) | undefined;
  /** AES-256-GCM key for JWE tokens; only secret-based entries have one. */
  readonly contentKey: (() => Promise<CryptoKey>) | undefined;
  /** The raw HMAC key for signing with node:crypto (see hmac-sign.ts); only the signing secret has one. */
  readonly hmacKey?: KeyObject | undefined;
}

/** The resolved keys of a store: which one signs, and every one that verifies, by `kid`. */
export interface Keyset {
  readonly signer: KeyEntry;
  readonly byKid: ReadonlyMap<string, KeyEntry>;
}

/** The bytes of a secret, checked for type and length. */
function secretBytes(secret: unknown, where: string, minBytes: number, algorithm: HmacAlgorithm): Buffer {
  if (typeof secret !== 'string' && !(secret instanceof Uint8Array)) {
    throw new SessionConfigError(`JwtStore: ${where} must be a string or a Uint8Array, got ${secret === null ? 'null' : typeof secret}.`);
  }
  const bytes = typeof secret === 'string' ? Buffer.from(secret, 'utf8') : Buffer.from(secret);
  if (bytes.length < minBytes) {
    throw new SessionConfigError(
      `JwtStore: ${where} is ${bytes.length} bytes; ${algorithm} needs at least ${minBytes} so the signature cannot be brute-forced. ` +
        `Generate one with \`openssl rand -base64 ${Math.ceil((minBytes * 1.5) / 3) * 3}\` and keep it out of the source.`,
    );
  }
  return bytes;
}

/**
 * A short, stable key id for a secret. Derived with HKDF rather than a bare
 * hash so it reveals nothing a token's own signature does not already.
 */
export function secretKid(secret: Uint8Array): string {
  return Buffer.from(hkdfSync('sha256', secret, new Uint8Array(0), KID_INFO, KID_BYTES)).toString('base64url');
}

/**
 * Keys for `secret` (or its former name `secrets`): the first signs, all verify.
 * @param listed - whether the option was a list, so messages name `secret[1]`.
 */
export function secretKeyset(secrets: readonly Secret[], algorithm: HmacAlgorithm, option: 'secret' | 'secrets', listed: boolean): Keyset {
  const { hash, minBytes } = HMAC[algorithm];
  const byKid = new Map<string, KeyEntry>();
  const entries = secrets.map((secret, index) => {
    const where = listed ? `${option}[${index}]` : option;
    const bytes = secretBytes(secret, where, minBytes, algorithm);
    const kid = secretKid(bytes);
    const previous = [...byKid.keys()].indexOf(kid);
    if (previous !== -1) {
      throw new SessionConfigError(
        `JwtStore: ${option}[${index}] is the same secret as ${option}[${previous}]: list each secret once, newest first.`,
      );
    }
    const hmac = once(
      () => webcrypto.subtle.importKey('raw', bytes, { name: 'HMAC', hash }, false, ['sign', 'verify']) as Promise<CryptoKey>,
    );
    const contentKey = once(() => deriveContentKey(bytes));
    const entry: KeyEntry = {
      kid,
      alg: algorithm,
      verifyKey: hmac,
      signKey: index === 0 ? hmac : undefined,
      contentKey,
      hmacKey: index === 0 ? createSecretKey(bytes) : undefined,
    };
    byKid.set(kid, entry);
    return entry;
  });
  return { signer: entries[0]!, byKid };
}

function isCryptoKey(value: unknown): value is webcrypto.CryptoKey {
  // Not `instanceof`: node:crypto does not export the class on Node 20, and keys may come from another realm.
  return typeof value === 'object' && value !== null && (value as { [Symbol.toStringTag]?: unknown })[Symbol.toStringTag] === 'CryptoKey';
}

function describeInput(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value !== 'object') return typeof value;
  return (value as object).constructor?.name ?? 'object';
}

/** Reads a key input into a `KeyObject` of the wanted kind, or explains why it cannot. */
function toKeyObject(input: unknown, kind: 'public' | 'private', where: string): KeyObject {
  let key: KeyObject;
  try {
    if (input instanceof KeyObject) key = input;
    else if (isCryptoKey(input)) key = KeyObject.from(input);
    else if (typeof input === 'string') key = kind === 'public' ? createPublicKey(input) : createPrivateKey(input);
    else if (typeof input === 'object' && input !== null) {
      const jwk = input as JsonWebKey;
      key = kind === 'public' ? createPublicKey({ key: jwk, format: 'jwk' }) : createPrivateKey({ key: jwk, format: 'jwk' });
    } else throw new TypeError(`got ${describeInput(input)}`);
  } catch (error) {
    throw new SessionConfigError(
      `JwtStore ${where} is not a readable ${kind} key (${error instanceof Error ? error.message : String(error)}). ` +
        `Pass a KeyObject, a CryptoKey, a JWK object or a PEM string (${kind === 'public' ? 'SPKI' : 'PKCS#8'}).`,
    );
  }
  if (kind === 'public' && key.type === 'private') return createPublicKey(key);
  if (key.type !== kind) {
    throw new SessionConfigError(`JwtStore: ${where} must be a ${kind} key, got a ${key.type} key.`);
  }
  return key;
}

/** Web Crypto algorithm name a `CryptoKey` must have to be used as is for `alg`. */
const WEBCRYPTO_NAME: Record<AsymmetricAlgorithm, string> = { EdDSA: 'Ed25519', ES256: 'ECDSA' };

/**
 * A `CryptoKey` for jose, imported once. A `CryptoKey` the app passed is used
 * as is when it is already right for the job (it may be non-extractable);
 * anything else (a KeyObject, PEM, JWK, or e.g. an ECDH CryptoKey on the right
 * curve) is imported again from its JWK, which `KeyObject` can always export.
 */
function cryptoKeyLoader(input: unknown, key: KeyObject, alg: AsymmetricAlgorithm): () => Promise<CryptoKey> {
  const usage = key.type === 'private' ? 'sign' : 'verify';
  if (isCryptoKey(input) && input.type === key.type && input.algorithm.name === WEBCRYPTO_NAME[alg] && input.usages.includes(usage)) {
    return once(async () => input as unknown as CryptoKey);
  }
  return once(async () => (await importJWK(key.export({ format: 'jwk' }) as JWK, alg)) as CryptoKey);
}

/** Every key of {@link JwtKey} (the compiler keeps the two in step). */
const JWT_KEY_KEYS = Object.keys({ kid: true, alg: true, privateKey: true, publicKey: true } satisfies Record<keyof JwtKey, true>);

/** Keys for `keys`: the first with a private key signs, all verify, each pinned to its own algorithm. */
export function asymmetricKeyset(keys: readonly JwtKey[]): Keyset {
  if (!Array.isArray(keys) || keys.length === 0) {
    throw new SessionConfigError(
      'JwtStore: keys is empty: pass at least one { kid, alg, privateKey, publicKey } (generate one with jose generateKeyPair).',
    );
  }
  const byKid = new Map<string, KeyEntry>();
  let signer: KeyEntry | undefined;
  keys.forEach((spec, index) => {
    const where = `keys[${index}]`;
    if (typeof spec !== 'object' || spec === null)
      throw new SessionConfigError(`JwtStore: ${where} must be an object { kid, alg, privateKey?, publicKey? }.`);
    optionParser(`JwtStore: ${where}`).rejectUnknown(spec, JWT_KEY_KEYS);
    const { kid, privateKey, publicKey } = spec;
    const alg = spec.alg as AsymmetricAlgorithm;
    if (typeof kid !== 'string' || !KID_PATTERN.test(kid)) {
      throw new SessionConfigError(`JwtStore: ${where}.kid must be 1-64 characters of A-Z a-z 0-9 . _ -, got ${JSON.stringify(kid)}.`);
    }
    if (byKid.has(kid))
      throw new SessionConfigError(`JwtStore: ${where}.kid ${JSON.stringify(kid)} is used twice: every key needs its own kid.`);
    if (!Object.hasOwn(ASYMMETRIC, String(alg))) {
      throw new SessionConfigError(
        `JwtStore ${where}.alg must be 'EdDSA' or 'ES256', got ${JSON.stringify(alg)}. ` +
          `(For a shared secret use the secret/secrets options with algorithm 'HS256'.)`,
      );
    }
    if (privateKey === undefined && publicKey === undefined) {
      throw new SessionConfigError(
        `JwtStore: ${where} has neither privateKey nor publicKey: give a publicKey to verify, and a privateKey too to sign.`,
      );
    }
    const expected = ASYMMETRIC[alg];
    const priv = privateKey === undefined ? undefined : toKeyObject(privateKey, 'private', `${where}.privateKey`);
    const pub = publicKey === undefined ? createPublicKey(priv!) : toKeyObject(publicKey, 'public', `${where}.publicKey`);
    for (const [name, key] of [
      ['publicKey', pub],
      ['privateKey', priv],
    ] as const) {
      if (key && !expected.matches(key)) {
        throw new SessionConfigError(
          `JwtStore ${where}.${name} is a ${key.asymmetricKeyType} key but alg is ${alg}, which needs ${expected.describe}. ` +
            `Fix alg or pass the matching key.`,
        );
      }
    }
    if (priv && !createPublicKey(priv).equals(pub)) {
      throw new SessionConfigError(
        `JwtStore: ${where}.privateKey and publicKey are not a pair: tokens it signs would not verify. Pass the public key of that private key.`,
      );
    }
    const canSign = priv !== undefined && signer === undefined;
    const entry: KeyEntry = {
      kid,
      alg,
      verifyKey: cryptoKeyLoader(publicKey ?? pub, pub, alg),
      signKey: canSign ? cryptoKeyLoader(privateKey, priv, alg) : undefined,
      contentKey: undefined,
    };
    if (canSign) signer = entry;
    byKid.set(kid, entry);
  });
  if (!signer) {
    throw new SessionConfigError(
      'JwtStore: keys has no privateKey: at least one key must be able to sign new session tokens (the first key with a privateKey signs).',
    );
  }
  return { signer, byKid };
}
