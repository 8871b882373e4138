import { readCookies } from './cookie-jar.js';
import { SessionConfigError } from './errors.js';
import type { LoadOutcome, SessionEvent } from './events.js';
import { nowSeconds } from './expiry.js';
import type { Loaded } from './legacy-adoption.js';
import { resolveOptions, type ResolvedOptions, type SessionOptions } from './options.js';
import { selectStrategy, type PersistenceStrategy } from './persistence-strategy.js';
import { SessionContext } from './session-context.js';
import { sessionPrototype } from './session.js';
import { storeCall } from './timeout.js';
import { UserIndex, type UserSession } from './user-index.js';

export { SessionContext } from './session-context.js';

const defaultPrototype: object = sessionPrototype;

/** What an adapter knows about the incoming request. */
export interface RequestInfo {
  /** The raw `Cookie` header, if any. */
  cookieHeader: string | undefined;
  /** Whether the request arrived over https (as the framework reports it, trust-proxy included). */
  secure: boolean;
  /** The `User-Agent` header, kept in the per-user index only with `recordUserAgent`. */
  userAgent?: string | undefined;
  /** The client address (as the framework reports it, trust-proxy included), kept only with `recordIp`. */
  ip?: string | undefined;
}

/**
 * The session engine: one per app, shared by every adapter. An adapter calls
 * {@link SessionEngine.load} when a request arrives, hands `context.session` to
 * the handler, and calls {@link SessionEngine.commit} before the response's
 * first byte, setting the `Set-Cookie` value it returns.
 */
/** What `commitNow` returns for the usual read: shared, never written to. */
const NO_COOKIES: readonly string[] = Object.freeze([]);

export class SessionEngine {
  /** The options after defaults and validation. */
  readonly options: ResolvedOptions;
  /** @internal The prototype of session objects: an adapter's compatibility members over podsafe's own. */
  readonly sessionPrototype: object;
  /**
   * Which client details the per-user index keeps (`recordUserAgent`, `recordIp`):
   * adapters read the others not at all (a framework's client address runs its
   * trust-proxy check on every read).
   */
  readonly recording: { readonly userAgent: boolean; readonly ip: boolean };

  /**
   * @param prototypeFor - for adapters: makes the prototype of session objects,
   *   with `Object.create(sessionPrototype, ...)`, to add a framework's session API.
   * @throws SessionConfigError for bad options, at startup rather than on the first request.
   */
  constructor(options: SessionOptions, prototypeFor?: (options: ResolvedOptions) => object) {
    this.options = resolveOptions(options);
    this.sessionPrototype = prototypeFor ? prototypeFor(this.options) : defaultPrototype;
    this.recording = { userAgent: options.recordUserAgent === true, ip: options.recordIp === true };
    this.#strategy = selectStrategy(this, this.options);
    this.users = UserIndex.create(this, this.#strategy, options);
  }

  /** Where sessions live (a store record, or the cookie itself): chosen once, from the kind of store. */
  readonly #strategy: PersistenceStrategy;

  /** @internal The per-user index, with the `userKey` option. */
  readonly users: UserIndex | undefined;

  /** `userId`'s live sessions, most recently seen first (for an admin page). Needs `userKey`. */
  async listUserSessions(userId: string): Promise<UserSession[]> {
    return this.#users('listUserSessions').list(String(userId));
  }

  /** Signs `userId` out everywhere (after a password reset, by an admin); resolves how many sessions were destroyed. Needs `userKey`. */
  async destroyUserSessions(userId: string): Promise<number> {
    return this.#users('destroyUserSessions').destroyAll(String(userId));
  }

  /** Signs `userId` out of the session `handle` names; resolves whether there was one. Needs `userKey`. */
  async destroyUserSession(userId: string, handle: string): Promise<boolean> {
    return this.#users('destroyUserSession').destroyOne(String(userId), handle);
  }

  /** @internal The index, or a clear error when `userKey` is not set. */
  #users(method: string): UserIndex {
    if (this.users) return this.users;
    throw new SessionConfigError(
      `${method}() needs the per-user index: pass userKey (the session key naming the signed-in user, e.g. 'userId') in the session options.`,
    );
  }

  /** @internal For SessionContext. */
  usersFor(method: string): UserIndex {
    return this.#users(method);
  }

  /**
   * Reads the session a request carries. Never fails for bad input (a tampered
   * cookie, an expired or corrupt session all give a fresh session); rejects
   * only with `SessionStoreUnavailableError` when the store does not answer.
   */
  async load(request: RequestInfo): Promise<SessionContext> {
    // No clock reads or event object when nobody listens: this runs on every request.
    const listening = this.options.onEvent !== undefined;
    const started = listening ? performance.now() : 0;
    const raws = readCookies(request.cookieHeader, this.options.cookieName);
    let { outcome, context } = await this.#load(raws[0], request.secure);
    // Several cookies of our name (one tossed in by a sibling subdomain): the first that holds a session wins.
    for (let i = 1; i < raws.length && outcome !== 'found'; i++) {
      const next = await this.#load(raws[i], request.secure);
      if (next.outcome === 'found') ({ outcome, context } = next);
    }
    const legacy = this.#strategy.legacy;
    if (legacy !== undefined && context.isNew) ({ outcome, context } = await legacy.load(request, { outcome, context }));
    context.client = { userAgent: request.userAgent, ip: request.ip };
    if (listening) this.emit({ type: 'load', outcome, duration: (performance.now() - started) / 1000 });
    return context;
  }

  /**
   * Writes what changed and returns the `Set-Cookie` header value to send, if
   * any. An unchanged session whose touch is not due costs no store write and
   * sends no cookie.
   */
  async commit(context: SessionContext): Promise<string | undefined> {
    await context.flush();
    return context.renderCookie(context.takeCookie());
  }

  /**
   * Like {@link SessionEngine.commit}, but returns every `Set-Cookie` value to send:
   * the session cookie and, during a migration (`legacyCookie`), the one that clears
   * the old library's cookie. Adapters send them all.
   */
  async commitCookies(context: SessionContext): Promise<string[]> {
    const cookie = await this.commit(context);
    const extra = context.extraCookies.splice(0);
    return cookie === undefined ? extra : [cookie, ...extra];
  }

  /**
   * The commit of a request that needs no store call, done now: the `Set-Cookie`
   * values to send (usually none), or `undefined` when the commit needs the
   * store and must go through {@link SessionEngine.commitCookies}. Adapters call
   * it first so that a read's response is sent without waiting a turn; it never
   * throws (a commit that would fail is left to `commitCookies`, which reports it).
   */
  commitNow(context: SessionContext): readonly string[] | undefined {
    try {
      if (!context.flushNow()) return undefined;
    } catch {
      return undefined;
    }
    const cookie = context.renderCookie(context.takeCookie());
    if (cookie === undefined && context.extraCookies.length === 0) return NO_COOKIES;
    const extra = context.extraCookies.splice(0);
    if (cookie !== undefined) extra.unshift(cookie);
    return extra;
  }

  /** @internal Reports an event to `onEvent`, which must never break a request. */
  emit(event: SessionEvent): void {
    try {
      this.options.onEvent?.(event);
    } catch {
      // A faulty metrics hook must not turn into a failed request.
    }
  }

  /**
   * @internal One store call, bounded by `storeTimeout` and reported on failure.
   * `storeBound`: the store's own bound for this call (`capabilities.callTimeout`), see `storeCall`.
   */
  call<T>(operation: string, fn: () => Promise<T>, storeBound?: number): Promise<T> {
    const started = performance.now();
    return storeCall(operation, this.options.storeTimeout, this.options.retryAfter, fn, storeBound).then(undefined, (error: unknown) => {
      this.emit({ type: 'store-error', operation, error: error as Error, duration: (performance.now() - started) / 1000 });
      throw error;
    });
  }

  async #load(raw: string | undefined, secure: boolean): Promise<Loaded> {
    // An empty value is still a cookie of ours, and is cleared.
    if (raw === undefined || raw === '') return this.#fresh('none', raw !== undefined, secure);
    const found = await this.#strategy.read(raw, nowSeconds());
    // A session found missing or expired may have just been replaced by a concurrent
    // login: clearing the cookie would delete the new one, so only bad cookies are cleared.
    if (typeof found === 'string') return this.#fresh(found, found !== 'missing' && found !== 'expired', secure);
    const context = new SessionContext(this, this.#strategy, found.id, found.record, secure, true);
    context.expiresAt = found.expiresAt;
    if (found.reissue) context.reissue = true;
    return { outcome: 'found', context };
  }

  #fresh(outcome: LoadOutcome, clearsCookie: boolean, secure: boolean): Loaded {
    return { outcome, context: SessionContext.fresh(this, this.#strategy, secure, clearsCookie) };
  }
}
