import type { Secret, SessionStore } from '@podsafe/core';
import { optionParser, type OptionHint, type OptionParser } from '@podsafe/core/store';
import { asymmetricKeyset, secretKeyset, type HmacAlgorithm, type JwtKey, type Keyset } from './keys.js';

/**
 * Options of `JwtStore`. Give exactly one of `secret` or `keys`.
 * Every time is in seconds, every size in bytes.
 */
export interface JwtStoreOptions {
  /**
   * The shared secret that signs tokens with HMAC (`algorithm`, default
   * HS256): a string (its UTF-8 bytes) or bytes, at least 32 bytes long (48 for
   * HS384, 64 for HS512), or a list of them, newest first, like the engine's
   * `secret`. Generate one with `openssl rand -base64 48`. Every replica needs
   * the same secret. Also the source of the encryption key when `encrypt` is on.
   *
   * To rotate, list the secrets newest first: the first signs, every one
   * verifies. A token signed with an older secret is accepted and re-issued with
   * the newest on the same response, so rotating logs nobody out. Remove an old
   * secret once `ttl` (the engine's idle expiry) has passed since it stopped signing.
   * @default none (give one of `secret`, `keys`)
   */
  secret?: Secret | readonly Secret[];
  /**
   * Former name of the list form of {@link JwtStoreOptions.secret}; give one of the two.
   * @deprecated Use `secret: [newest, ...older]` (same meaning).
   * @default none (`secret` applies)
   */
  secrets?: readonly Secret[];
  /**
   * Public-key signing, for setups where other services verify the session
   * token with a public key (EdDSA or ES256). The first key with a
   * `privateKey` signs; every key verifies tokens that name its `kid`, with its
   * own `alg` only. For rotation, put the new key first and keep the old one
   * (its `publicKey` is enough) until its tokens have expired. Cannot be
   * combined with `encrypt` (encryption needs a shared secret).
   * @default none (give one of `secret`, `keys`)
   */
  keys?: readonly JwtKey[];
  /**
   * HMAC algorithm for `secret`. Not used with `keys` (each key
   * names its own `alg`).
   * @default `'HS256'`
   */
  algorithm?: HmacAlgorithm;
  /**
   * `iss` claim put in every token and required on every token read. Set it
   * when the same keys sign other JWTs.
   * @default none (not set, not checked)
   */
  issuer?: string;
  /**
   * `aud` claim put in every token and required on every token read.
   * @default none (not set, not checked)
   */
  audience?: string;
  /**
   * Encrypt the token (JWE, `dir` + `A256GCM`, key derived from the secret with
   * HKDF-SHA256) so the browser, proxies and logs cannot read the session data.
   * `false`: the token is signed, and its data is readable by anyone who has
   * the cookie (base64url is not encryption). Needs `secret`.
   * Switching it on or off logs nobody out: tokens of the other form still
   * verify and are re-issued in the new form.
   * @default `false`
   */
  encrypt?: boolean;
  /**
   * Largest token, in bytes, that `encode` produces; a bigger one fails with
   * `SessionTooLargeError` instead of a cookie the browser silently drops.
   * Browsers keep at most 4096 bytes of name and value per cookie; the default
   * leaves room for the cookie name and `=`. From 512 to 4096.
   * @default `3800` bytes
   */
  maxBytes?: number;
  /**
   * Seconds of clock skew between replicas accepted for a token's `iat` and
   * `nbf` (a token from a replica whose clock runs ahead is not "from the
   * future"). A whole number, at most `60`. `exp` is enforced exactly.
   * @default `5` seconds
   */
  clockTolerance?: number;
  /**
   * A server-side store (e.g. `RedisStore`, `MemcachedStore`; ideally with its
   * own key prefix) that keeps revoked session ids until their tokens expire,
   * so `session.destroy()` and `regenerate()` invalidate the old token
   * everywhere ("log out everywhere", a stolen cookie). Every `decode` then
   * costs one lookup there, and fails with `SessionStoreUnavailableError`
   * (503) when that store is down: a revocation list that cannot be read is not
   * bypassed. Without one, a copied token stays valid until its `exp`. The
   * app owns this store: `JwtStore.close()` does not close it.
   * @default none (no revocation: a token is valid until its `exp`)
   */
  revocation?: SessionStore;
  /**
   * Verified tokens kept in memory (least recently used first out), so a
   * request carrying a token this replica has already verified or issued does
   * no crypto. `exp` and revocation are still checked on every request.
   * `0` turns the cache off.
   * @default `1000` tokens
   */
  cacheSize?: number;
}

/** Options after defaults and validation. */
export interface ResolvedJwtOptions {
  keyset: Keyset;
  issuer: string | undefined;
  audience: string | undefined;
  encrypt: boolean;
  maxBytes: number;
  clockTolerance: number;
  revocation: SessionStore | undefined;
  cacheSize: number;
}

/** Default `maxBytes`: under the 4096-byte browser cookie limit, with room for the cookie name. */
export const DEFAULT_MAX_BYTES = 3800;
/** Browsers drop a cookie whose name and value exceed this many bytes. */
export const COOKIE_LIMIT_BYTES = 4096;
const MIN_MAX_BYTES = 512;
const DEFAULT_CLOCK_TOLERANCE = 5;
const MAX_CLOCK_TOLERANCE = 60;
const DEFAULT_CACHE_SIZE = 1000;

const parse: OptionParser = optionParser('JwtStore');
const fail: (message: string) => never = parse.fail;

function claimString(name: string, value: unknown): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || value === '') {
    fail(`${name} must be a non-empty string (the ${name === 'issuer' ? 'iss' : 'aud'} claim), got ${JSON.stringify(value)}.`);
  }
  return value;
}

/** Every key of {@link JwtStoreOptions} (the compiler keeps the two in step). */
const KNOWN = Object.keys({
  secret: true,
  secrets: true,
  keys: true,
  algorithm: true,
  issuer: true,
  audience: true,
  encrypt: true,
  maxBytes: true,
  clockTolerance: true,
  revocation: true,
  cacheSize: true,
} satisfies Record<keyof JwtStoreOptions, true>);

/** Options of other JWT session libraries, with what to write instead. */
const FOREIGN: Readonly<Record<string, OptionHint>> = {
  ttl: () => "the token's life is the session option ttl (seconds), in session({ ttl }) or the Fastify plugin's options, not the store's",
  expiresIn: () => "the token's life is the session option ttl (seconds), not the store's",
  maxAge: () => "the token's life is the session option ttl (seconds), not the store's",
  algorithms: () => "algorithm (one HMAC algorithm for secret), or keys with each key's alg: the verifier accepts exactly those",
  key: () => 'secret (32+ bytes, or a list newest first to rotate) or keys (EdDSA/ES256 key pairs)',
};

/** Applies defaults and refuses bad options with a `SessionConfigError` that says how to fix them. */
export function resolveJwtOptions(options: JwtStoreOptions): ResolvedJwtOptions {
  if (!options || typeof options !== 'object') fail('options are required: new JwtStore({ secret: process.env.SESSION_SECRET }).');
  parse.rejectUnknown(options, KNOWN, FOREIGN);
  if (options.secret !== undefined && options.secrets !== undefined) {
    fail(
      'pass secret or secrets (its former name), not both: keep secret, with a list newest first to rotate: secret: [newest, ...older].',
    );
  }
  const given = (['secret', 'secrets', 'keys'] as const).filter((name) => options[name] !== undefined);
  if (given.length !== 1) {
    fail(
      given.length === 0
        ? 'needs a key: pass secret (32+ bytes, e.g. `openssl rand -base64 48`; a list, newest first, to rotate: secret: [newest, ...older]), or keys: [{ kid, alg, privateKey, publicKey }] for EdDSA/ES256.'
        : `takes one of secret or keys, got ${given.join(' and ')}. Shared secrets (HS256) and public keys (EdDSA/ES256) cannot be mixed in one store.`,
    );
  }
  const encrypt = parse.boolean('encrypt', options.encrypt, false);

  let keyset: Keyset;
  if (options.keys !== undefined) {
    if (options.algorithm !== undefined) {
      fail("algorithm applies to secret only; with keys, give each key its own alg ('EdDSA' or 'ES256').");
    }
    if (encrypt) {
      fail(
        'encrypt needs secret (the encryption key is derived from a shared secret); it cannot be combined with keys. ' +
          'A public-key signature inside a token only secret holders can decrypt would add nothing: use secret with encrypt: true.',
      );
    }
    keyset = asymmetricKeyset(options.keys);
  } else {
    const algorithm = options.algorithm ?? 'HS256';
    if (!['HS256', 'HS384', 'HS512'].includes(algorithm)) {
      fail(
        `algorithm must be 'HS256', 'HS384' or 'HS512' with a secret, got ${JSON.stringify(algorithm)}. For EdDSA or ES256 pass keys instead.`,
      );
    }
    const option = options.secret !== undefined ? 'secret' : 'secrets';
    const value: unknown = options[option];
    if (Array.isArray(value)) {
      if (value.length === 0) {
        fail(`${option} must be a non-empty list, newest first: ${option}: [process.env.SESSION_SECRET, process.env.OLD_SESSION_SECRET].`);
      }
      keyset = secretKeyset(value as readonly Secret[], algorithm, option, true);
    } else {
      if (option === 'secrets') fail('secrets must be a list, newest first: secrets: [newest, ...older]; for one secret use secret.');
      keyset = secretKeyset([value as Secret], algorithm, option, false);
    }
  }

  const revocation = options.revocation;
  if (revocation !== undefined) {
    const store = revocation as Omit<Partial<SessionStore>, 'kind'> & { kind?: string };
    if (
      !store ||
      typeof store !== 'object' ||
      typeof store.get !== 'function' ||
      typeof store.save !== 'function' ||
      store.kind === 'client'
    ) {
      fail('revocation must be a server-side SessionStore (e.g. new RedisStore({ url, prefix: "revoked:" })), with get() and save().');
    }
  }

  return {
    keyset,
    issuer: claimString('issuer', options.issuer),
    audience: claimString('audience', options.audience),
    encrypt,
    maxBytes: parse.integer('maxBytes', options.maxBytes, {
      default: DEFAULT_MAX_BYTES,
      min: MIN_MAX_BYTES,
      max: COOKIE_LIMIT_BYTES,
      hint: 'Browsers drop cookies over 4096 bytes; the default 3800 leaves room for the cookie name.',
    }),
    clockTolerance: parse.integer('clockTolerance', options.clockTolerance, {
      default: DEFAULT_CLOCK_TOLERANCE,
      min: 0,
      max: MAX_CLOCK_TOLERANCE,
      hint: 'It is in seconds; keep replica clocks in sync with NTP rather than widening it.',
    }),
    revocation,
    cacheSize: parse.integer('cacheSize', options.cacheSize, {
      default: DEFAULT_CACHE_SIZE,
      min: 0,
      max: 1_000_000,
      hint: 'It counts tokens; 0 turns the cache off.',
    }),
  };
}
