import type { EventEmitter } from 'node:events';
import { createRequire } from 'node:module';
import type { SessionDataRecord, SessionStore, WholeSessionBridgeOptions } from '@podsafe/core';
import { WholeSessionBridge } from '@podsafe/core/adapter';

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
// biome-ignore lint/suspicious/noExplicitAny: see above; express-session's own Store types these `any`.
type Callback = (error: any, result?: any) => void;

/** An express-session session object (whatever the app stored, plus `cookie`). */
export type ExpressSessionRecord = SessionDataRecord & {
  cookie?: { expires?: string | Date | null; maxAge?: number | null; originalMaxAge?: number | null };
};

/** Options of {@link ExpressSessionStore}: `store` (required), `ttl` and `timeout`, in seconds. */
export type ExpressSessionStoreOptions = WholeSessionBridgeOptions;

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
  readonly #bridge: WholeSessionBridge;
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
  // biome-ignore lint/suspicious/noExplicitAny: express-session's Store declares this member with `any`; a narrower type is not assignable.
  declare regenerate: (req: any, callback: (error?: any) => any) => void;
  /** @internal */
  // biome-ignore lint/suspicious/noExplicitAny: express-session's Store declares this member with `any`; a narrower type is not assignable.
  declare load: (sid: string, callback: (error: any, session?: any) => any) => void;
  /** @internal */
  // biome-ignore lint/suspicious/noExplicitAny: express-session's Store declares this member with `any`; a narrower type is not assignable.
  declare createSession: (req: any, session: any) => any;

  /** @throws SessionConfigError for a client-side store (a JWT cookie cannot back express-session). */
  constructor(options: ExpressSessionStoreOptions) {
    super();
    this.#bridge = new WholeSessionBridge(
      options,
      'ExpressSessionStore',
      "For JWT cookie sessions use @podsafe/express's own session() middleware.",
    );
    const store = this.#bridge.store;
    this.store = store;
    this.#unsubscribe = store.subscribe?.((status) => this.emit(status === 'ready' ? 'connect' : 'disconnect'));

    const list = store.ids?.bind(store);
    if (list) {
      this.ids = (callback) =>
        this.#run('ids', callback, async () => {
          const ids: string[] = [];
          for await (const id of list()) ids.push(id);
          return ids;
        });
      this.all = (callback) =>
        this.#run('all', callback, async () => {
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
    if (clear)
      this.clear = (callback) =>
        this.#run('clear', callback, async () => {
          this.#bridge.forgetSeen();
          await clear();
        });
  }

  /** express-session: the session stored under `sid`, or `null`. */
  get(sid: string, callback?: Callback): Promise<ExpressSessionRecord | null> {
    return this.#answer(callback, this.#bridge.get<ExpressSessionRecord>(sid));
  }

  /** express-session: stores the whole session under `sid`, expiring with its cookie. */
  set(sid: string, session: object, callback?: Callback): Promise<void> {
    return this.#answer(callback, this.#bridge.set(sid, session));
  }

  /** express-session: slides the expiry of `sid` without rewriting it; resolves `false` when `sid` is not stored (it stays missing). */
  touch(sid: string, session: object, callback?: Callback): Promise<boolean> {
    return this.#answer(callback, this.#bridge.touch(sid, session));
  }

  /** express-session: deletes `sid`. */
  destroy(sid: string, callback?: Callback): Promise<void> {
    return this.#answer(callback, this.#bridge.destroy(sid));
  }

  /** Stops forwarding the backend's status events. The backend store itself stays open (close it yourself). */
  close(): void {
    this.#unsubscribe?.();
  }

  /** Answers both the callback, if any, and the returned promise. */
  #answer<T>(callback: Callback | undefined, result: Promise<T>): Promise<T> {
    if (callback)
      result.then(
        (value) => callback(null, value),
        (error: unknown) => callback(error),
      );
    return result;
  }

  #run<T>(operation: string, callback: Callback | undefined, call: () => Promise<T>): Promise<T> {
    return this.#answer(callback, this.#bridge.call(operation, call));
  }
}
