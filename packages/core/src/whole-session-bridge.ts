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
   * Seconds a single store call may take before it fails with `SessionStoreUnavailableError`.
   * @default `2` seconds
   */
  timeout?: number;
}

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
    parse.rejectUnknown(options, ['store', 'ttl', 'timeout'], BRIDGE_FOREIGN_OPTIONS);
    this.store = store;
    this.#ttl = parse.seconds('ttl', options.ttl, { default: 86_400 });
    this.#timeout = parse.seconds('timeout', options.timeout, { default: 2, max: 60 });
  }

  /** The session stored under `sid`, or `null`; ids no store could hold are sessions never written. */
  get<T = SessionDataRecord>(sid: string): Promise<T | null> {
    return this.call('get', async () => {
      if (!isStorableId(sid)) return null;
      const record = await this.store.get(sid);
      return record ? (withoutPrototypeKeys(record.data) as T) : null;
    });
  }

  /** Stores the whole session under `sid`, expiring with its cookie. */
  set(sid: string, session: object): Promise<void> {
    return this.call('set', async () => {
      // JSON drops symbol-keyed internals and turns the library's cookie into its toJSON().
      const data = JSON.parse(JSON.stringify(session)) as SessionDataRecord;
      const now = nowSeconds();
      await this.store.save(
        sid,
        { isNew: true, set: data, unset: [], data, meta: { createdAt: now, lastSeenAt: now } },
        this.#ttlOf(session),
      );
    });
  }

  /** Slides the expiry of `sid` without rewriting it; `false` when no session is stored under `sid` (it stays missing). */
  touch(sid: string, session: object): Promise<boolean> {
    return this.call('touch', async () => (await this.store.touch(sid, nowSeconds(), this.#ttlOf(session))) !== false);
  }

  /** Deletes `sid`. */
  destroy(sid: string): Promise<void> {
    return this.call('destroy', () => this.store.destroy(sid));
  }

  /** One store call, bounded by `timeout`; failures become `SessionStoreUnavailableError`. */
  call<T>(operation: string, fn: () => Promise<T>): Promise<T> {
    return storeCall(operation, this.#timeout, 2, fn);
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
