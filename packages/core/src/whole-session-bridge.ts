import { nowSeconds } from './expiry.js';
import { isStorableId } from './id.js';
import { withoutPrototypeKeys } from './safe-keys.js';
import { storeCall } from './timeout.js';
import { optionParser, type OptionHint, type OptionParser } from './option-parser.js';
import type { AnySessionStore, SessionDataRecord, SessionStore } from './types.js';

/** Options of the drop-in stores built on {@link WholeSessionBridge}. */
export interface WholeSessionBridgeOptions {
  /** Any server-side podsafe store: `RedisStore`, `MemcachedStore`, `MemoryStore`, or your own. */
  store: AnySessionStore;
  /**
   * Seconds a session lives when its cookie has no expiry (a browser-session cookie).
   * @default `86400` seconds (1 day)
   */
  ttl?: number;
  /**
   * Seconds during which an unchanged session is not touched again: the
   * library's `touch` after a request that changed nothing costs no store call
   * when the session was stored or touched less than this long ago (as seen by
   * this process's read of it at the start of the request). The store's expiry
   * then lags the cookie's by at most this long. The same rule as the
   * `touchAfter` of podsafe's own middleware; connect-mongo calls it the same.
   * Never more than a tenth of the session's ttl (its cookie's max age), so a
   * session in use cannot expire. `0` touches on every unchanged request, as
   * connect-redis does.
   * @default `3600` seconds (capped per session at a tenth of its ttl)
   */
  touchAfter?: number;
  /**
   * Seconds a single store call may take before it fails with `SessionStoreUnavailableError`.
   * A store bounding its own calls within this (`capabilities.callTimeout`) fails
   * first with its own error, and no timer is set per call for it.
   * @default `2` seconds
   */
  timeout?: number;
}

/** How many sessions the bridge remembers the last-seen time of (the most recently used ones). */
const SEEN_LIMIT = 10_000;

/** connect-redis and connect-memcached options, which belong on the podsafe store inside. */
const BRIDGE_FOREIGN_OPTIONS: Readonly<Record<string, OptionHint>> = {
  client: () => 'pass the client to the podsafe store: store: new RedisStore({ client })',
  prefix: () => 'set the prefix on the podsafe store: store: new RedisStore({ client, prefix })',
  hosts: () => 'pass the servers to the podsafe store: store: new MemcachedStore({ servers })',
  disableTouch: () =>
    'express-session touches the store when the session is unchanged; the drop-in keeps that behaviour: remove disableTouch',
  serializer: () => 'podsafe stores keep JSON: remove serializer',
};

/** The part of a whole-session library's session a store reads: its cookie's expiry. */
interface WithCookie {
  cookie?: { expires?: string | Date | null; originalMaxAge?: number | null } | null;
}

/**
 * Serves session libraries that read and write whole sessions by id
 * (express-session, `@fastify/session`) from any server-side podsafe store: the
 * one implementation behind both drop-in stores, which only adapt callbacks.
 * Writes are whole-session (`isNew`), as those libraries expect.
 */
export class WholeSessionBridge {
  /** The podsafe store behind the bridge. */
  readonly store: SessionStore;
  readonly #ttl: number;
  readonly #timeout: number;
  readonly #touchAfter: number;
  /** Session id → the `lastSeenAt` its record had when this process last read, wrote or touched it: what `touch` decides on. */
  readonly #seen = new Map<string, number>();
  readonly #bound: number | undefined;

  /**
   * @param who - the drop-in's name, for the error message.
   * @param instead - what to use for client-side sessions, for the error message.
   * @throws SessionConfigError for a client-side store: a cookie cannot back a library that stores by id.
   */
  constructor(options: WholeSessionBridgeOptions, who: string, instead: string) {
    const store = options?.store;
    const parse: OptionParser = optionParser(who);
    if (!store || store.kind === 'client') {
      parse.fail(`needs a server-side podsafe store (RedisStore, MemcachedStore, MemoryStore). ${instead}`);
    }
    parse.rejectUnknown(options, ['store', 'ttl', 'touchAfter', 'timeout'], BRIDGE_FOREIGN_OPTIONS);
    this.store = store;
    this.#bound = store.capabilities?.callTimeout;
    this.#ttl = parse.seconds('ttl', options.ttl, { default: 86_400 });
    this.#touchAfter = options.touchAfter === 0 ? 0 : parse.seconds('touchAfter', options.touchAfter, { default: 3600 });
    this.#timeout = parse.seconds('timeout', options.timeout, { default: 2, max: 60 });
  }

  /** The session stored under `sid`, or `null`; ids no store could hold are sessions never written. */
  get<T = SessionDataRecord>(sid: string): Promise<T | null> {
    if (!isStorableId(sid)) return Promise.resolve(null);
    // No async frame: express-session reads the session on every request.
    return this.#call('get', () => this.store.get(sid)).then((record) => {
      if (!record) return null;
      this.#remember(sid, record.meta.lastSeenAt);
      return withoutPrototypeKeys(record.data) as T;
    });
  }

  /** Stores the whole session under `sid`, expiring with its cookie. */
  set(sid: string, session: object): Promise<void> {
    const now = nowSeconds();
    return this.#call('set', () => {
      // JSON drops symbol-keyed internals and turns the library's cookie into its toJSON().
      const data = JSON.parse(JSON.stringify(session)) as SessionDataRecord;
      return this.store.save(
        sid,
        { isNew: true, set: data, unset: [], data, meta: { createdAt: now, lastSeenAt: now } },
        this.#ttlOf(session),
      );
    }).then(() => this.#remember(sid, now));
  }

  /**
   * Slides the expiry of `sid` without rewriting it; `false` when no session is
   * stored under `sid` (it stays missing). No store call (and `true`) when this
   * process saw the session stored or touched less than `touchAfter` ago: its
   * expiry has not moved enough to be worth a write. (Another process's touch
   * or write since then only makes the real expiry later.)
   */
  touch(sid: string, session: object): Promise<boolean> {
    const now = nowSeconds();
    const ttl = this.#ttlOf(session);
    const seen = this.#seen.get(sid);
    if (seen !== undefined && now - seen < Math.min(this.#touchAfter, ttl / 10)) return Promise.resolve(true);
    return this.#call('touch', () => this.store.touch(sid, now, ttl)).then((touched) => {
      const found = touched !== false;
      if (found) this.#remember(sid, now);
      else this.#seen.delete(sid);
      return found;
    });
  }

  /** Deletes `sid`. */
  destroy(sid: string): Promise<void> {
    this.#seen.delete(sid);
    return this.#call('destroy', () => this.store.destroy(sid));
  }

  /**
   * Forgets every session's last-seen time, for when sessions were removed
   * behind the bridge's back (the store's `clear()`): the next touch of each asks
   * the store again, which answers `false` for one that is gone.
   */
  forgetSeen(): void {
    this.#seen.clear();
  }

  /**
   * Keeps `lastSeenAt` for the touches that may follow; when full, the entry seen
   * first goes (an evicted session costs one touch when it comes back). Existing
   * entries are updated in place: deleting and re-adding on every request made the
   * Map rehash its deleted slots over and over.
   */
  #remember(sid: string, lastSeenAt: number): void {
    if (this.#seen.size >= SEEN_LIMIT && !this.#seen.has(sid)) this.#seen.delete(this.#seen.keys().next().value!);
    this.#seen.set(sid, lastSeenAt);
  }

  /** One store call, bounded by `timeout`; failures become `SessionStoreUnavailableError`. */
  call<T>(operation: string, fn: () => Promise<T>): Promise<T> {
    return storeCall(operation, this.#timeout, 2, fn);
  }

  /** A get, set, touch or destroy: bounded by the store itself when it says so (`capabilities.callTimeout`). */
  #call<T>(operation: string, fn: () => Promise<T>): Promise<T> {
    return storeCall(operation, this.#timeout, 2, fn, this.#bound);
  }

  /** Seconds until the session's cookie expires (at least 1), else its max age, else the default ttl. */
  #ttlOf(session: object): number {
    const cookie = (session as WithCookie).cookie;
    const at = cookie?.expires ? new Date(cookie.expires).getTime() : Number.NaN;
    if (Number.isFinite(at)) return Math.max(1, Math.ceil((at - Date.now()) / 1000));
    const maxAge = cookie?.originalMaxAge;
    return typeof maxAge === 'number' && maxAge > 0 ? Math.ceil(maxAge / 1000) : this.#ttl;
  }
}
