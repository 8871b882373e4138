import type { SessionStore, WholeSessionBridgeOptions } from '@podsafe/core';
import { WholeSessionBridge } from '@podsafe/core/adapter';

/**
 * A `@fastify/session` session as it reaches a store: the app's data plus its
 * `cookie`. No index signature, so @fastify/session's own `Session` type fits.
 */
export interface FastifySessionRecord {
  /** The session cookie's settings; `expires` (or `originalMaxAge`, in ms) sets how long the store keeps the session. */
  cookie?: { expires?: string | Date | null; originalMaxAge?: number | null };
}

/** Options of {@link FastifySessionStore}: `store` (required), `ttl` and `timeout`, in seconds. */
export type FastifySessionStoreOptions = WholeSessionBridgeOptions;

/**
 * A `@fastify/session` store backed by any server-side podsafe store, for an
 * existing `@fastify/session` app: `store: new FastifySessionStore({ store: new RedisStore({ url }) })`.
 * It keeps @fastify/session's semantics (whole-session writes, its own cookie and
 * signing); a store outage reaches Fastify's error handling as a 503 with `Retry-After`.
 */
export class FastifySessionStore {
  /** The podsafe store behind this adapter (close it yourself on shutdown). */
  readonly store: SessionStore;
  readonly #bridge: WholeSessionBridge;

  /** @throws SessionConfigError for a client-side store: a JWT cookie cannot back `@fastify/session`. */
  constructor(options: FastifySessionStoreOptions) {
    this.#bridge = new WholeSessionBridge(
      options,
      'FastifySessionStore',
      "For JWT cookie sessions register @podsafe/fastify's own plugin instead of @fastify/session.",
    );
    this.store = this.#bridge.store;
  }

  /**
   * `@fastify/session`: the session stored under `sessionId`, or `null`.
   * `S` is whatever `@fastify/session` stored there (its own `Session` type).
   */
  get<S = FastifySessionRecord>(sessionId: string, callback: (error: unknown, session?: S | null) => void): void {
    answer(this.#bridge.get<S>(sessionId), callback);
  }

  /** `@fastify/session`: stores the whole session, expiring with its cookie. */
  set(sessionId: string, session: FastifySessionRecord, callback: (error?: unknown) => void): void {
    answer(this.#bridge.set(sessionId, session), callback);
  }

  /** `@fastify/session`: deletes `sessionId`. */
  destroy(sessionId: string, callback: (error?: unknown) => void): void {
    answer(this.#bridge.destroy(sessionId), callback);
  }
}

function answer<T>(result: Promise<T>, callback: (error: unknown, value?: T) => void): void {
  result.then(
    (value) => callback(null, value),
    (error: unknown) => callback(error),
  );
}
