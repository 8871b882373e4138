import { SessionConfigError, isStorableId, nowSeconds, storeCall, type AnySessionStore, type SessionDataRecord, type SessionStore } from '@podsafe/core';

/**
 * A @fastify/session session as it reaches a store: the app's data plus its
 * `cookie`. No index signature, so @fastify/session's own `Session` type fits.
 */
export interface FastifySessionRecord {
  /** The session cookie's settings; `expires` (or `originalMaxAge`, in ms) sets how long the store keeps the session. */
  cookie?: { expires?: string | Date | null; originalMaxAge?: number | null };
}

/** Options of {@link FastifySessionStore}. */
export interface FastifySessionStoreOptions {
  /** Any server-side podsafe store: `RedisStore`, `MemcachedStore`, `MemoryStore`, or your own. */
  store: AnySessionStore;
  /** Seconds a session lives when its cookie has no expiry (@fastify/session's default). Default `86400` (1 day). */
  ttl?: number;
  /** Seconds a single store call may take before it fails with `SessionStoreUnavailableError`. Default `2`. */
  timeout?: number;
}

/**
 * A `@fastify/session` store backed by any server-side podsafe store, for an
 * existing @fastify/session app: `store: new FastifySessionStore({ store: new RedisStore({ url }) })`.
 * It keeps @fastify/session's semantics (whole-session writes, its own cookie and
 * signing); a store outage reaches Fastify's error handling as a 503 with `Retry-After`.
 */
export class FastifySessionStore {
  /** The podsafe store behind this adapter (close it yourself on shutdown). */
  readonly store: SessionStore;
  readonly #ttl: number;
  readonly #timeout: number;

  /** @throws SessionConfigError for a client-side store: a JWT cookie cannot back @fastify/session. */
  constructor(options: FastifySessionStoreOptions) {
    const store = options?.store;
    if (!store || store.kind === 'client') {
      throw new SessionConfigError(
        'FastifySessionStore needs a server-side podsafe store (RedisStore, MemcachedStore, MemoryStore). ' +
          "For JWT cookie sessions register @podsafe/fastify's own plugin instead of @fastify/session.",
      );
    }
    this.store = store;
    this.#ttl = options.ttl ?? 86_400;
    this.#timeout = options.timeout ?? 2;
  }

  /**
   * @fastify/session: the session stored under `sessionId`, or `null`.
   * `S` is whatever @fastify/session stored there (its own `Session` type).
   */
  get<S = FastifySessionRecord>(sessionId: string, callback: (error: unknown, session?: S | null) => void): void {
    this.#run('get', callback, async () => {
      // Ids we cannot store are sessions we never wrote: a fresh session, not an error.
      if (!isStorableId(sessionId)) return null;
      const record = await this.store.get(sessionId);
      return record ? (record.data as S) : null;
    });
  }

  /** @fastify/session: stores the whole session, expiring with its cookie. */
  set(sessionId: string, session: FastifySessionRecord, callback: (error?: unknown) => void): void {
    this.#run('set', callback, async () => {
      // JSON drops @fastify/session's symbol-keyed internals and turns the cookie into its toJSON().
      const data = JSON.parse(JSON.stringify(session)) as SessionDataRecord;
      const now = nowSeconds();
      await this.store.save(sessionId, { isNew: true, set: data, unset: [], data, meta: { createdAt: now, lastSeenAt: now } }, this.#ttlOf(session));
    });
  }

  /** @fastify/session: deletes `sessionId`. */
  destroy(sessionId: string, callback: (error?: unknown) => void): void {
    this.#run('destroy', callback, () => this.store.destroy(sessionId));
  }

  /** Seconds until the session's cookie expires (at least 1), or the default ttl for a browser-session cookie. */
  #ttlOf(session: FastifySessionRecord): number {
    const expires = session.cookie?.expires;
    const at = expires ? new Date(expires).getTime() : Number.NaN;
    if (Number.isFinite(at)) return Math.max(1, Math.ceil((at - Date.now()) / 1000));
    const maxAge = session.cookie?.originalMaxAge;
    return typeof maxAge === 'number' && maxAge > 0 ? Math.ceil(maxAge / 1000) : this.#ttl;
  }

  #run<T>(operation: string, callback: (error: unknown, result?: T) => void, call: () => Promise<T>): void {
    storeCall(operation, this.#timeout, 2, call).then((result) => callback(null, result), (error: unknown) => callback(error));
  }
}
