import type { EventEmitter } from 'node:events';
import { createRequire } from 'node:module';
import {
  SessionConfigError,
  isStorableId,
  nowSeconds,
  storeCall,
  type AnySessionStore,
  type SessionDataRecord,
  type SessionStore,
} from '@podsafe/core';

// Loaded without its type declarations on purpose: @types/express-session
// declares its own `req.session` globally, which would clash with the one
// podsafe's `session()` middleware declares in any program importing this package.
const require = createRequire(import.meta.url);
const { Store } = require('express-session') as { Store: new () => EventEmitter };

/**
 * Node-style callback, as express-session passes them. The result is `any` on
 * purpose: express-session types it with the app's own augmented `SessionData`,
 * which this package cannot know, and a narrower type would make this store
 * unassignable to express-session's `Store` in a TypeScript app.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Callback = (error: any, result?: any) => void;

/** An express-session session object (whatever the app stored, plus `cookie`). */
export type ExpressSessionRecord = SessionDataRecord & {
  cookie?: { expires?: string | Date | null; maxAge?: number | null; originalMaxAge?: number | null };
};

/** Options of {@link ExpressSessionStore}. */
export interface ExpressSessionStoreOptions {
  /** Any server-side podsafe store: `RedisStore`, `MemcachedStore`, `MemoryStore`, or your own. */
  store: AnySessionStore;
  /**
   * Seconds a session lives when its cookie has no expiry (express-session's
   * default browser-session cookie). Default `86400` (1 day).
   */
  ttl?: number;
  /** Seconds a single store call may take before it fails. Default `2`. */
  timeout?: number;
}

/**
 * An `express-session` store backed by any podsafe store: the drop-in
 * replacement for connect-redis and friends. Import it from
 * `@podsafe/express/express-session` and switch by changing one line:
 *
 * ```ts
 * app.use(session({ store: new ExpressSessionStore({ store: new RedisStore({ url }) }), secret, resave: false, saveUninitialized: false }));
 * ```
 *
 * It keeps express-session's semantics (whole-session writes); podsafe's own
 * `session()` middleware adds per-key delta writes and no-resurrection on top.
 * Emits `disconnect` when the backend goes down and `connect` when it returns,
 * which express-session uses to skip sessions during an outage.
 */
export class ExpressSessionStore extends Store {
  /** The podsafe store behind this adapter. */
  readonly store: SessionStore;
  readonly #ttl: number;
  readonly #timeout: number;
  readonly #unsubscribe: (() => void) | undefined;

  /** All sessions, where the backend can list them (not Memcached). */
  declare all?: (callback?: Callback) => Promise<ExpressSessionRecord[]>;
  /** All session ids, where the backend can list them. */
  declare ids?: (callback?: Callback) => Promise<string[]>;
  /** How many sessions there are, where the backend can count them. */
  declare length?: (callback?: Callback) => Promise<number>;
  /** Deletes every session under the backend's prefix, where it can. */
  declare clear?: (callback?: Callback) => Promise<void>;
  // Inherited from express-session's Store at run time; declared so TypeScript
  // accepts this class wherever express-session expects a Store.
  /** @internal */
  declare regenerate: (req: any, callback: (error?: any) => any) => void; // eslint-disable-line @typescript-eslint/no-explicit-any
  /** @internal */
  declare load: (sid: string, callback: (error: any, session?: any) => any) => void; // eslint-disable-line @typescript-eslint/no-explicit-any
  /** @internal */
  declare createSession: (req: any, session: any) => any; // eslint-disable-line @typescript-eslint/no-explicit-any

  /** @throws SessionConfigError for a client-side store (a JWT cookie cannot back express-session). */
  constructor(options: ExpressSessionStoreOptions) {
    super();
    const store = options?.store;
    if (!store || store.kind === 'client') {
      throw new SessionConfigError(
        'ExpressSessionStore needs a server-side podsafe store (RedisStore, MemcachedStore, MemoryStore). ' +
          "For JWT cookie sessions use @podsafe/express's own session() middleware.",
      );
    }
    this.store = store;
    this.#ttl = options.ttl ?? 86_400;
    this.#timeout = options.timeout ?? 2;
    this.#unsubscribe = store.subscribe?.((status) => this.emit(status === 'ready' ? 'connect' : 'disconnect'));

    const list = store.ids?.bind(store);
    if (list) {
      this.ids = (callback) => this.#run('ids', callback, async () => {
        const ids: string[] = [];
        for await (const id of list()) ids.push(id);
        return ids;
      });
      this.all = (callback) => this.#run('all', callback, async () => {
        const sessions: ExpressSessionRecord[] = [];
        for await (const id of list()) {
          const record = await store.get(id);
          if (record) sessions.push({ ...record.data, id });
        }
        return sessions;
      });
    }
    const count = store.count?.bind(store);
    if (count) this.length = (callback) => this.#run('length', callback, count);
    const clear = store.clear?.bind(store);
    if (clear) this.clear = (callback) => this.#run('clear', callback, clear);
  }

  /** express-session: the session stored under `sid`, or `null`. */
  get(sid: string, callback?: Callback): Promise<ExpressSessionRecord | null> {
    return this.#run('get', callback, async () => {
      if (!isStorableId(sid)) return null;
      const record = await this.store.get(sid);
      return record ? (record.data as ExpressSessionRecord) : null;
    });
  }

  /** express-session: stores the whole session under `sid`, expiring with its cookie. */
  set(sid: string, session: object, callback?: Callback): Promise<void> {
    return this.#run('set', callback, async () => {
      const data = JSON.parse(JSON.stringify(session)) as SessionDataRecord;
      const now = nowSeconds();
      await this.store.save(sid, { isNew: true, set: data, unset: [], data, meta: { createdAt: now, lastSeenAt: now } }, this.#ttlOf(session));
    });
  }

  /** express-session: slides the expiry of `sid` without rewriting it. */
  touch(sid: string, session: object, callback?: Callback): Promise<void> {
    return this.#run('touch', callback, () => this.store.touch(sid, nowSeconds(), this.#ttlOf(session)));
  }

  /** express-session: deletes `sid`. */
  destroy(sid: string, callback?: Callback): Promise<void> {
    return this.#run('destroy', callback, () => this.store.destroy(sid));
  }

  /** Stops forwarding the backend's status events. The backend store itself stays open (close it yourself). */
  close(): void {
    this.#unsubscribe?.();
  }

  /** Seconds until the session's cookie expires; at least 1. */
  #ttlOf(session: object): number {
    const expires = (session as ExpressSessionRecord).cookie?.expires;
    if (expires) {
      const at = new Date(expires).getTime();
      if (Number.isFinite(at)) return Math.max(1, Math.ceil((at - Date.now()) / 1000));
    }
    return this.#ttl;
  }

  /** Runs a store call under the timeout, answering both the callback and the returned promise. */
  #run<T>(operation: string, callback: Callback | undefined, call: () => Promise<T>): Promise<T> {
    const result = storeCall(operation, this.#timeout, 2, call);
    if (callback) result.then((value) => callback(null, value), (error: unknown) => callback(error));
    return result;
  }
}
