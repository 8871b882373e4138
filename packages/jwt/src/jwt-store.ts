import {
  CompactEncrypt,
  CompactSign,
  decodeProtectedHeader,
  jwtDecrypt,
  jwtVerify,
  type JWTPayload,
  type ProtectedHeaderParameters,
} from 'jose';
import {
  InvalidSessionIdError,
  SessionConfigError,
  SessionTooLargeError,
  type ClientSessionStore,
  type DecodedClientSession,
  type DestroyByUserOptions,
  type IndexedUserSession,
  type SessionRecord,
  type SessionStore,
  type UserIndexEntry,
} from '@podsafe/core';
import { generateSessionId, isSessionId, isSessionRecord, nowSeconds } from '@podsafe/core/store';
import { LruCache } from './cache.js';
import { buildClaims, readClaims, serializeClaims, TOKEN_TYPE, type SessionClaimsRead } from './claims.js';
import { JWE_ALG, JWE_ENC } from './encryption.js';
import { HmacSigner, type JwsHeader } from './hmac-sign.js';
import type { KeyEntry, Keyset } from './keys.js';
import { COOKIE_LIMIT_BYTES, resolveJwtOptions, type JwtStoreOptions } from './options.js';

/** Claims every session token must carry; anything without them is not ours. */
const REQUIRED_CLAIMS = ['jti', 'iat', 'exp'];

/** A token that verified, as the cache keeps it. */
interface Verified extends SessionClaimsRead {
  reissue: boolean;
  /** `record` as JSON: each hit parses its own copy, cheaper than `structuredClone` (and the record came from JSON). */
  recordJson: string;
}

const encoder = new TextEncoder();

/**
 * A client-side session store: the whole session lives in a signed (and
 * optionally encrypted) JWT in the cookie, so there is no server-side state
 * to lose when a pod dies, and nothing to fetch on a request.
 *
 * ```ts
 * app.use(session({ store: new JwtStore({ secret: process.env.SESSION_SECRET }) }));
 * ```
 *
 * Every token names its key (`kid`) and each key is pinned to one algorithm;
 * anything that does not verify (tampered, expired, `alg: none`, a switched
 * algorithm, an unknown key, a wrong `iss`/`aud`, a revoked id, or not a
 * podsafe session at all) decodes to `null`, which the engine turns into a
 * fresh session: never an error response.
 */
export class JwtStore implements ClientSessionStore {
  readonly kind = 'client' as const;

  readonly #keyset: Keyset;
  /** Signs HS* tokens without Web Crypto; `undefined` for public-key algorithms. */
  readonly #hmacSigner: HmacSigner | undefined;
  readonly #issuer: string | undefined;
  readonly #audience: string | undefined;
  readonly #encrypt: boolean;
  readonly #maxBytes: number;
  readonly #clockTolerance: number;
  readonly #revocation: SessionStore | undefined;
  readonly #cache: LruCache<string, Verified>;

  /** @throws SessionConfigError for bad options, at startup rather than on the first request. */
  constructor(options: JwtStoreOptions) {
    const resolved = resolveJwtOptions(options);
    this.#keyset = resolved.keyset;
    const signer = resolved.keyset.signer;
    // Only a secret's entry has an HMAC key (its alg is then HS256/384/512).
    this.#hmacSigner =
      signer.hmacKey === undefined
        ? undefined
        : new HmacSigner({ alg: signer.alg as JwsHeader['alg'], kid: signer.kid, typ: TOKEN_TYPE }, signer.hmacKey);
    this.#issuer = resolved.issuer;
    this.#audience = resolved.audience;
    this.#encrypt = resolved.encrypt;
    this.#maxBytes = resolved.maxBytes;
    this.#clockTolerance = resolved.clockTolerance;
    this.#revocation = resolved.revocation;
    this.#cache = new LruCache(resolved.cacheSize);
  }

  /** Whether `destroy()` revokes tokens (a `revocation` store is configured) or only lets the engine clear the cookie. */
  get revocable(): boolean {
    return this.#revocation !== undefined;
  }

  /**
   * `userIndex`: the per-user index (the engine's `userKey`) is available, kept in the
   * revocation store, when that store has one (`RedisStore`, `MemoryStore`).
   */
  get capabilities(): { userIndex: boolean } {
    return { userIndex: this.#registry() !== undefined };
  }

  /**
   * Registers token id `entry.id` as a live session of `userId` until `expiresAt`, in
   * the revocation store's index. The engine calls it before minting every token of a
   * signed-in session, so a "sign out everywhere" knows every token to revoke; `false`
   * when that sign-out came after the session was created (no token may be minted).
   */
  async indexUser(userId: string, entry: UserIndexEntry, expiresAt: number): Promise<boolean> {
    return this.#needRegistry().indexUser(userId, entry, expiresAt);
  }

  /** Removes token id `id` from `userId`'s index. */
  async unindexUser(userId: string, id: string): Promise<void> {
    return this.#needRegistry().unindexUser(userId, id);
  }

  /** `userId`'s live, unrevoked sessions; a revoked one still listed is pruned (one revocation lookup per session). */
  async listByUser(userId: string, limit: number): Promise<IndexedUserSession[]> {
    const registry = this.#needRegistry();
    const revocation = this.#revocation!;
    const entries = await registry.listByUser(userId, limit);
    const revoked = await Promise.all(entries.map((entry) => revocation.get(entry.id).then((mark) => mark !== null)));
    await Promise.all(entries.filter((_, i) => revoked[i]).map((entry) => registry.unindexUser(userId, entry.id)));
    return entries.filter((_, i) => !revoked[i]);
  }

  /** Takes `userId`'s token ids (but `keep`) for the engine to revoke, and refuses new tokens for older sessions. */
  async destroyByUser(userId: string, options: DestroyByUserOptions): Promise<IndexedUserSession[]> {
    return this.#needRegistry().destroyByUser(userId, options);
  }

  /**
   * Verifies a cookie value and reads the session out of it. Resolves `null`
   * for anything that is not a valid, live, unrevoked podsafe session token;
   * never rejects for bad input. Rejects only when the revocation store cannot
   * be read (with that store's error, normally `SessionStoreUnavailableError`).
   */
  async decode(token: string): Promise<DecodedClientSession | null> {
    if (!isTokenShaped(token)) return null;
    let verified = this.#fresh(token);
    if (verified === null) return null;
    if (verified === undefined) {
      verified = (await this.#verify(token)) ?? undefined;
      if (!verified) return null;
      this.#cache.set(token, verified);
    }
    // Outside #verify's catch-all: an unreadable revocation list must fail the request, not be skipped.
    if (this.#revocation && (await this.#revocation.get(verified.id)) !== null) return null;
    return decodedCopy(verified);
  }

  /**
   * What {@link JwtStore.decode} would resolve, answered from the cache of
   * tokens this store issued or verified: no crypto, no promise. `undefined`
   * when the token is not cached, or when a `revocation` store must be asked.
   */
  decodeCached(token: string): DecodedClientSession | null | undefined {
    if (this.#revocation !== undefined) return undefined;
    if (!isTokenShaped(token)) return null;
    const verified = this.#fresh(token);
    return verified == null ? verified : decodedCopy(verified);
  }

  /** The cached verification of `token`: `undefined` if none, `null` if it has expired (and is dropped). */
  #fresh(token: string): Verified | null | undefined {
    const verified = this.#cache.get(token);
    if (verified === undefined) return undefined;
    if (verified.expiresAt > nowSeconds()) return verified;
    this.#cache.delete(token);
    return null;
  }

  /**
   * Encodes a session into a token valid for `ttl` seconds (`exp` = now + ttl,
   * rounded down to a whole second), signed with the newest key, encrypted when
   * `encrypt` is on.
   *
   * @throws SessionTooLargeError when the token is over `maxBytes`.
   * @throws InvalidSessionIdError when `id` is not an id from `generateSessionId()`.
   * @throws SessionDataError when the data does not survive JSON.
   */
  async encode(id: string, record: SessionRecord, ttl: number): Promise<string> {
    if (!isSessionId(id)) throw new InvalidSessionIdError(id);
    if (!isSessionRecord(record))
      throw new TypeError('JwtStore.encode: record must be { data: object, meta: { createdAt, lastSeenAt, version } }.');
    if (typeof ttl !== 'number' || !Number.isFinite(ttl) || ttl <= 0) {
      throw new RangeError(`JwtStore.encode: ttl must be a positive number of seconds, got ${String(ttl)}.`);
    }
    const now = nowSeconds();
    const json = serializeClaims(buildClaims(id, record, now, ttl, this.#issuer, this.#audience));
    const signer = this.#keyset.signer;
    const token = this.#encrypt
      ? await new CompactEncrypt(encoder.encode(json))
          .setProtectedHeader({ alg: JWE_ALG, enc: JWE_ENC, kid: signer.kid, typ: TOKEN_TYPE })
          .encrypt(await signer.contentKey!())
      : this.#hmacSigner !== undefined
        ? this.#hmacSigner.sign(json)
        : await new CompactSign(encoder.encode(json))
            .setProtectedHeader({ alg: signer.alg, kid: signer.kid, typ: TOKEN_TYPE })
            .sign(await signer.signKey!());
    // base64url and dots only, so characters are bytes.
    if (token.length > this.#maxBytes) {
      throw new SessionTooLargeError('The session cookie value (a JWT; limit set by JwtStore maxBytes)', token.length, this.#maxBytes);
    }
    // The next request usually brings this token straight back; it need not be verified again here.
    const issued = readClaims(JSON.parse(json), now, this.#clockTolerance);
    if (issued) this.#cache.set(token, { ...issued, reissue: false, recordJson: JSON.stringify(issued.record) });
    return token;
  }

  /**
   * Revokes session `id` until `expiresAt` (unix seconds), the latest its
   * tokens can be valid. With a `revocation` store, every token of that
   * session is refused from then on, on every replica. Without one, this does
   * nothing: the engine still clears the cookie in the response, but a copy of
   * the token stays valid until its `exp`.
   */
  async destroy(id: string, expiresAt: number): Promise<void> {
    if (!isSessionId(id)) throw new InvalidSessionIdError(id);
    if (typeof expiresAt !== 'number' || !Number.isFinite(expiresAt)) {
      throw new RangeError(`JwtStore.destroy: expiresAt must be unix seconds, got ${String(expiresAt)}.`);
    }
    if (!this.#revocation) return;
    const now = nowSeconds();
    const ttl = Math.ceil(expiresAt - now);
    if (ttl <= 0) return; // Every token of this session has expired already.
    const mark = { revoked: true };
    await this.#revocation.save(id, { isNew: true, set: mark, unset: [], data: mark, meta: { createdAt: now, lastSeenAt: now } }, ttl);
  }

  /**
   * Forgets cached tokens. Does not close the revocation store: the app
   * created it, may share it, and closes it itself.
   */
  async close(): Promise<void> {
    this.#cache.clear();
  }

  /** Resolves when the revocation store answers (at once without one: nothing else can be down). */
  async ping(): Promise<void> {
    const revocation = this.#revocation;
    if (!revocation) return;
    if (revocation.ping) await revocation.ping();
    else await revocation.get(generateSessionId());
  }

  /** The revocation store as a per-user index, when it is one. */
  #registry(): Required<Pick<SessionStore, 'indexUser' | 'unindexUser' | 'listByUser' | 'destroyByUser'>> | undefined {
    const store = this.#revocation;
    if (store?.capabilities?.userIndex !== true) return undefined;
    const { indexUser, unindexUser, listByUser, destroyByUser } = store;
    if (!indexUser || !unindexUser || !listByUser || !destroyByUser) return undefined;
    return store as Required<Pick<SessionStore, 'indexUser' | 'unindexUser' | 'listByUser' | 'destroyByUser'>>;
  }

  #needRegistry() {
    const registry = this.#registry();
    if (registry) return registry;
    throw new SessionConfigError(
      'JwtStore: the per-user index lives in the revocation store, and this store has none that can keep it: pass revocation: new RedisStore({ url, prefix }) (or a MemoryStore in development).',
    );
  }

  /** Verifies a token against the key its `kid` names, under that key's algorithm only. Never throws. */
  async #verify(token: string): Promise<Verified | null> {
    const parts = token.split('.').length;
    if (parts !== 3 && parts !== 5) return null;
    try {
      const header = decodeProtectedHeader(token);
      const entry = typeof header.kid === 'string' ? this.#keyset.byKid.get(header.kid) : undefined;
      if (!entry) return null;
      const encrypted = parts === 5;
      const payload = encrypted ? await this.#decrypt(token, header, entry) : await this.#verifySignature(token, entry);
      if (!payload) return null;
      const read = readClaims(payload, nowSeconds(), this.#clockTolerance);
      if (!read) return null;
      const reissue = entry !== this.#keyset.signer || encrypted !== this.#encrypt;
      return { ...read, reissue, recordJson: JSON.stringify(read.record) };
    } catch {
      // Malformed, tampered, expired, wrong key or claims: jose says why, but
      // the answer is the same (no session), and an attacker learns nothing.
      return null;
    }
  }

  async #verifySignature(token: string, entry: KeyEntry): Promise<JWTPayload> {
    const { payload } = await jwtVerify(token, await entry.verifyKey(), { algorithms: [entry.alg], ...this.#claimChecks() });
    return payload;
  }

  async #decrypt(token: string, header: ProtectedHeaderParameters, entry: KeyEntry): Promise<JWTPayload | null> {
    // Only secret-based keys decrypt; a JWE naming a public key's kid is foreign.
    if (!entry.contentKey || header.alg !== JWE_ALG || header.enc !== JWE_ENC) return null;
    const { payload } = await jwtDecrypt(token, await entry.contentKey(), {
      keyManagementAlgorithms: [JWE_ALG],
      contentEncryptionAlgorithms: [JWE_ENC],
      ...this.#claimChecks(),
    });
    return payload;
  }

  /** What jose checks of a signed or an encrypted token alike. */
  #claimChecks() {
    return {
      typ: TOKEN_TYPE,
      issuer: this.#issuer,
      audience: this.#audience,
      clockTolerance: this.#clockTolerance,
      requiredClaims: REQUIRED_CLAIMS,
    };
  }
}

/** What a cookie value must at least be to be worth a look: a non-empty string a cookie can hold. */
function isTokenShaped(token: unknown): token is string {
  return typeof token === 'string' && token.length > 0 && token.length <= COOKIE_LIMIT_BYTES;
}

/** A decoded session of its own: the engine hands the data to request handlers, which may mutate it. */
function decodedCopy(verified: Verified): DecodedClientSession {
  return {
    id: verified.id,
    record: JSON.parse(verified.recordJson) as SessionRecord,
    expiresAt: verified.expiresAt,
    reissue: verified.reissue,
  };
}
