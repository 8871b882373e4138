import { clearedCookie, sessionCookie } from './cookie.js';
import { readCookies } from './cookie-jar.js';
import { changedSince, diff, snapshot, type Snapshot } from './changes.js';
import { SessionConfigError, SessionDestroyedError, SessionTooLargeError } from './errors.js';
import type { LoadOutcome, SessionEvent } from './events.js';
import { idleTtl, isExpired, isPersistent, isTouchDue, nowSeconds, remainingLife } from './expiry.js';
import { generateSessionId, isSessionId } from './id.js';
import { resolveOptions, type ResolvedOptions, type SessionOptions } from './options.js';
import { loadLegacy } from './legacy-adoption.js';
import { isSessionLifetime, isSessionRecord } from './record.js';
import { createSession, readData, replaceData, sessionPrototype, type RegenerateOptions, type Session, type SessionControls } from './session.js';
import { storeCall } from './timeout.js';
import { isClientStore, type SessionDataRecord, type SessionLifetime, type SessionMeta, type SessionRecord } from './types.js';
import { sessionHandle, UserIndex, type ClientInfo, type DestroyUserSessionsOptions, type UserSession } from './user-index.js';

const defaultPrototype: object = sessionPrototype;

/** Bytes of `name=value` a browser keeps in one cookie (RFC 6265 minimum, what browsers enforce). */
const BROWSER_COOKIE_LIMIT = 4096;

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
export class SessionEngine {
  /** The options after defaults and validation. */
  readonly options: ResolvedOptions;
  /** @internal The prototype of session objects: an adapter's compatibility members over podsafe's own. */
  readonly sessionPrototype: object;

  /**
   * @param prototypeFor - for adapters: makes the prototype of session objects,
   *   with `Object.create(sessionPrototype, ...)`, to add a framework's session API.
   * @throws SessionConfigError for bad options, at startup rather than on the first request.
   */
  constructor(options: SessionOptions, prototypeFor?: (options: ResolvedOptions) => object) {
    this.options = resolveOptions(options);
    this.sessionPrototype = prototypeFor ? prototypeFor(this.options) : defaultPrototype;
    this.users = UserIndex.create(this, options);
  }

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
    throw new SessionConfigError(`${method}() needs the per-user index: pass userKey (the session key naming the signed-in user, e.g. 'userId') in the session options.`);
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
    const started = performance.now();
    const [first, ...others] = readCookies(request.cookieHeader, this.options.cookieName);
    let { outcome, context } = await this.#load(first, request.secure);
    // Several cookies of our name (one tossed in by a sibling subdomain): the first that holds a session wins.
    for (const raw of others) {
      if (outcome === 'found') break;
      const next = await this.#load(raw, request.secure);
      if (next.outcome === 'found') ({ outcome, context } = next);
    }
    if (this.options.legacyCookie && context.isNew) ({ outcome, context } = await loadLegacy(this, this.options.legacyCookie, request, { outcome, context }));
    context.client = { userAgent: request.userAgent, ip: request.ip };
    this.emit({ type: 'load', outcome, duration: (performance.now() - started) / 1000 });
    return context;
  }

  /**
   * Writes what changed and returns the `Set-Cookie` header value to send, if
   * any. An unchanged session whose touch is not due costs no store write and
   * sends no cookie.
   */
  async commit(context: SessionContext): Promise<string | undefined> {
    await context.flush();
    return context.takeCookie();
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

  /** @internal Reports an event to `onEvent`, which must never break a request. */
  emit(event: SessionEvent): void {
    try {
      this.options.onEvent?.(event);
    } catch {
      // A faulty metrics hook must not turn into a failed request.
    }
  }

  /** @internal One store call, bounded by `storeTimeout` and reported on failure. */
  async call<T>(operation: string, fn: () => Promise<T>): Promise<T> {
    const started = performance.now();
    try {
      return await storeCall(operation, this.options.storeTimeout, this.options.retryAfter, fn);
    } catch (error) {
      this.emit({ type: 'store-error', operation, error: error as Error, duration: (performance.now() - started) / 1000 });
      throw error;
    }
  }

  async #load(raw: string | undefined, secure: boolean): Promise<{ outcome: LoadOutcome; context: SessionContext }> {
    // A session found missing or expired may have just been replaced by a concurrent
    // login: clearing the cookie would delete the new one, so only bad cookies are cleared.
    const clears = (outcome: LoadOutcome) => raw !== undefined && outcome !== 'missing' && outcome !== 'expired';
    const fresh = (outcome: LoadOutcome) => ({ outcome, context: SessionContext.fresh(this, secure, clears(outcome)) });
    if (raw === undefined || raw === '') return fresh('none');
    const store = this.options.store;
    const now = nowSeconds();

    if (isClientStore(store)) {
      const decoded = await this.call('decode', () => store.decode(raw));
      if (!decoded || !isSessionId(decoded.id) || !isSessionRecord(decoded.record)) return fresh('invalid-cookie');
      if (isExpired(decoded.record.meta, now, this.options) || decoded.expiresAt <= now) return fresh('expired');
      const context = new SessionContext(this, decoded.id, decoded.record, secure, true);
      context.expiresAt = decoded.expiresAt;
      if (decoded.reissue) context.reissue = true;
      return { outcome: 'found', context };
    }

    const verified = this.options.keyring!.verify(raw);
    if (!verified.valid || !isSessionId(verified.value)) return fresh('invalid-cookie');
    const id = verified.value;
    const record = await this.call('get', () => store.get(id));
    if (record === null) return fresh('missing');
    if (!isSessionRecord(record)) return fresh('corrupt');
    if (isExpired(record.meta, now, this.options)) {
      // The store's own TTL would drop it soon; deleting now keeps expiry exact.
      store.destroy(id).catch(() => undefined);
      return fresh('expired');
    }
    const context = new SessionContext(this, id, record, secure, true);
    if (verified.rotated) context.reissue = true;
    return { outcome: 'found', context };
  }
}

/** One request's session: the state between load and commit. Adapters hold it; handlers see only `session`. */
export class SessionContext implements SessionControls {
  /** The object handlers use: data as properties, plus `id`, `regenerate()`, `destroy()`, `save()`. */
  readonly session: Session;
  /** @internal Expiry of the token a client-side store decoded (unix seconds). */
  expiresAt: number | undefined;
  /** @internal The cookie must be sent again even if nothing changed (secret or key rotation). */
  reissue = false;
  /** @internal Who made the request, for the per-user index. */
  client: ClientInfo = {};
  /** @internal The user this session is indexed under, with `userKey`. */
  indexedUser: string | undefined;
  /** @internal `Set-Cookie` values to send beside the session cookie (clearing a legacy cookie). */
  readonly extraCookies: string[] = [];

  readonly #engine: SessionEngine;
  /** The engine's options, or a legacy library's (its store and cookie) for a session served in place during a migration. */
  readonly #options: ResolvedOptions;
  readonly #secure: boolean;
  #id: string;
  #isNew: boolean;
  #meta: SessionMeta;
  #snapshot: Snapshot;
  #destroyed = false;
  #touchRequested = false;
  #lifetimeChanged = false;
  /** The browser has a session cookie that may need replacing or clearing. */
  #hadCookie: boolean;
  #cookie: string | undefined;
  #queue: Promise<void> = Promise.resolve();

  /** @internal */
  constructor(engine: SessionEngine, id: string, record: SessionRecord, secure: boolean, hadCookie: boolean, options = engine.options) {
    this.#engine = engine;
    this.#options = options;
    this.#id = id;
    this.#isNew = false;
    this.#meta = { ...record.meta };
    this.#snapshot = snapshot(record.data);
    this.#secure = secure;
    this.#hadCookie = hadCookie;
    this.session = createSession(this, record.data, engine.sessionPrototype);
    this.indexedUser = engine.users?.userOf(record.data);
  }

  /** @internal A new, empty session. */
  static fresh(engine: SessionEngine, secure: boolean, hadCookie: boolean, options = engine.options): SessionContext {
    const now = nowSeconds();
    const context = new SessionContext(
      engine,
      generateSessionId(),
      { data: {}, meta: { createdAt: now, lastSeenAt: now, version: 0 } },
      secure,
      hadCookie,
      options,
    );
    context.#isNew = true;
    return context;
  }

  get id(): string {
    return this.#id;
  }

  get isNew(): boolean {
    return this.#isNew;
  }

  get createdAt(): number {
    return this.#meta.createdAt;
  }

  /** Whether `destroy()` was called in this request (and no `regenerate()` after it). */
  get destroyed(): boolean {
    return this.#destroyed;
  }

  touch(): void {
    this.#touchRequested = true;
  }

  async listUserSessions(): Promise<UserSession[]> {
    const users = this.#engine.usersFor('listUserSessions');
    const user = users.userOf(readData(this.session));
    return user === undefined ? [] : users.list(user, this.#id);
  }

  async destroyUserSessions(options: DestroyUserSessionsOptions = {}): Promise<number> {
    const users = this.#engine.usersFor('destroyUserSessions');
    const user = users.userOf(readData(this.session));
    if (user === undefined) return 0;
    const destroyed = await users.destroyAll(user, options.keepCurrent ? this.#id : undefined);
    if (!options.keepCurrent) await this.destroy();
    return destroyed;
  }

  async destroyUserSession(handle: string): Promise<boolean> {
    const users = this.#engine.usersFor('destroyUserSession');
    const user = users.userOf(readData(this.session));
    if (user === undefined) return false;
    if (handle === sessionHandle(this.#id)) {
      await this.destroy();
      return true;
    }
    return users.destroyOne(user, handle);
  }

  get lifetime(): Readonly<Required<SessionLifetime>> {
    const options = this.#options;
    return { ttl: idleTtl(this.#meta, options), persistent: isPersistent(this.#meta, options) };
  }

  setLifetime(lifetime: SessionLifetime): void {
    const own: SessionLifetime = {};
    if (lifetime?.ttl !== undefined) own.ttl = lifetime.ttl;
    if (lifetime?.persistent !== undefined) own.persistent = lifetime.persistent;
    if (!isSessionLifetime(own)) {
      throw new TypeError(
        `session.setLifetime(): ttl must be a positive number of seconds (30 days is 2592000) and persistent a boolean, got ${JSON.stringify(lifetime)}.`,
      );
    }
    const { lifetime: _previous, ...meta } = this.#meta;
    this.#meta = Object.keys(own).length > 0 ? { ...meta, lifetime: own } : meta;
    this.#lifetimeChanged = true;
  }

  reload(): Promise<void> {
    return this.#serial(async () => {
      if (this.#destroyed) throw new SessionDestroyedError('reload');
      const store = this.#options.store;
      if (this.#isNew || isClientStore(store)) {
        // Nothing stored yet, or the cookie is the store: back to what was loaded (or last saved).
        replaceData(this.session, Object.fromEntries([...this.#snapshot].map(([key, json]) => [key, JSON.parse(json) as unknown])));
        return;
      }
      const id = this.#id;
      const record = await this.#engine.call('get', () => store.get(id));
      if (record === null || !isSessionRecord(record) || isExpired(record.meta, nowSeconds(), this.#options)) {
        this.#destroyed = true;
        replaceData(this.session, {});
        throw new SessionDestroyedError('reload');
      }
      this.#meta = { ...record.meta };
      this.#lifetimeChanged = false;
      this.#snapshot = snapshot(record.data);
      replaceData(this.session, record.data);
    });
  }

  save(): Promise<void> {
    if (this.#destroyed) return Promise.reject(new SessionDestroyedError('save'));
    return this.flush();
  }

  regenerate(options: RegenerateOptions = {}): Promise<void> {
    return this.#serial(async () => {
      const data = options.keepData && !this.#destroyed ? readData(this.session) : {};
      if (!this.#isNew && !this.#destroyed) await this.#destroyInStore();
      const now = nowSeconds();
      this.#id = generateSessionId();
      this.#isNew = true;
      this.#destroyed = false;
      this.#meta = { createdAt: now, lastSeenAt: now, version: 0 };
      this.#lifetimeChanged = false;
      this.#snapshot = new Map();
      this.expiresAt = undefined;
      this.reissue = false;
      replaceData(this.session, data);
    });
  }

  destroy(): Promise<void> {
    return this.#serial(async () => {
      if (!this.#isNew && !this.#destroyed) await this.#destroyInStore();
      this.#destroyed = true;
      replaceData(this.session, {});
    });
  }

  /** @internal Writes pending changes; commits run one at a time. */
  flush(): Promise<void> {
    return this.#serial(() => this.#flush());
  }

  /**
   * @internal Whether the data changed since it was loaded or last written:
   * after the commit, a change no commit will save (see `reportLateChange`).
   */
  changedSinceCommit(): boolean {
    return !this.#destroyed && changedSince(this.#snapshot, this.session as object as Record<string, unknown>);
  }

  /** @internal The `Set-Cookie` value decided so far, handed over once. */
  takeCookie(): string | undefined {
    const cookie = this.#cookie;
    this.#cookie = undefined;
    if (cookie !== undefined) this.#hadCookie = !cookie.includes('Max-Age=0');
    return cookie;
  }

  #serial(task: () => Promise<void>): Promise<void> {
    const run = this.#queue.then(task);
    this.#queue = run.catch(() => undefined);
    return run;
  }

  async #destroyInStore(): Promise<void> {
    const store = this.#options.store;
    const id = this.#id;
    if (isClientStore(store)) {
      // Revoke for as long as any token of this id can live: a slower request
      // that loaded the session before this destroy may still mint a token
      // with a full ttl when it commits.
      const { ttl, storeTimeout } = this.#options;
      const longest = Math.max(ttl, this.#meta.lifetime?.ttl ?? 0);
      const expiresAt = Math.max(this.expiresAt ?? 0, nowSeconds() + longest) + storeTimeout;
      await this.#engine.call('destroy', () => store.destroy(id, expiresAt));
    } else {
      await this.#engine.call('destroy', () => store.destroy(id));
    }
    const user = this.indexedUser;
    this.indexedUser = undefined;
    if (user !== undefined) await this.#engine.users?.forget(user, id);
  }

  /** Runs a store write with the per-user index kept in step (see UserIndex.commit); `false` when refused. */
  async #indexed(data: SessionDataRecord, now: number, ttl: number, write: () => Promise<boolean>): Promise<boolean> {
    const users = this.#engine.users;
    if (!users) return write();
    const after = users.userOf(data);
    const step = { id: this.#id, isNew: this.#isNew, before: this.indexedUser, after, createdAt: this.#meta.createdAt, lastSeenAt: now, expiresAt: now + ttl, client: this.client };
    const written = await users.commit(step, write);
    if (written) this.indexedUser = after;
    return written;
  }

  /**
   * Another request destroyed (logout) or replaced (login) this session since
   * we loaded it, or it expired: stay gone, and send no cookie at all. Clearing
   * it would delete whatever the browser holds now, which may be the new
   * login's cookie that the other response just set.
   */
  #endedElsewhere(): void {
    this.#destroyed = true;
    this.#hadCookie = false;
    this.#cookie = undefined;
    replaceData(this.session, {});
  }

  async #flush(): Promise<void> {
    const engine = this.#engine;
    const options = this.#options;
    const started = performance.now();
    const report = (action: 'none' | 'save' | 'touch' | 'destroy' | 'refused') =>
      engine.emit({ type: 'commit', action, duration: (performance.now() - started) / 1000 });

    if (this.#destroyed) {
      if (this.#hadCookie) this.#cookie = clearedCookie(options, this.#secure);
      report('destroy');
      return;
    }
    const changes = diff(this.#snapshot, readData(this.session));
    const now = nowSeconds();
    const touchDue = this.#touchRequested || isTouchDue(this.#meta, now, options);
    const empty = changes.snapshot.size === 0;

    if (this.#isNew && empty && !options.saveUninitialized) {
      // Nothing worth keeping: no write, and a stale or tampered cookie is cleared.
      if (this.#hadCookie) this.#cookie = clearedCookie(options, this.#secure);
      report('none');
      return;
    }
    const changed = changes.changed || this.#lifetimeChanged;
    if (!this.#isNew && !changed && !touchDue && !this.reissue) {
      report('none');
      return;
    }

    const ttl = remainingLife(this.#meta, now, options);
    if (ttl <= 0) {
      // The absolute lifetime ran out during this request: nothing may extend it.
      report('none');
      return;
    }
    const store = options.store;
    const lifetime = this.#meta.lifetime;
    const meta = lifetime ? { createdAt: this.#meta.createdAt, lastSeenAt: now, lifetime } : { createdAt: this.#meta.createdAt, lastSeenAt: now };
    const persistent = isPersistent(this.#meta, options);
    let action: 'save' | 'touch' | 'none' = 'none';

    if (isClientStore(store)) {
      const record: SessionRecord = { data: changes.data, meta: { ...meta, version: this.#meta.version + 1 } };
      let token = '';
      const encoded = await this.#indexed(changes.data, now, ttl, async () => {
        token = await engine.call('encode', () => store.encode(this.#id, record, ttl));
        return true;
      });
      if (!encoded) {
        // The user signed out everywhere after this session began: it must not
        // get a new token, and the one the browser holds is cleared (it is the session).
        this.#destroyed = true;
        replaceData(this.session, {});
        this.#cookie = clearedCookie(options, this.#secure);
        report('refused');
        return;
      }
      // Browsers silently drop a cookie whose name=value exceeds 4096 bytes:
      // fail loudly instead, before the response is sent.
      const size = Buffer.byteLength(options.cookieName) + 1 + Buffer.byteLength(token);
      if (size > BROWSER_COOKIE_LIMIT) throw new SessionTooLargeError(`The session cookie (${options.cookieName}=token)`, size, BROWSER_COOKIE_LIMIT);
      this.#meta = record.meta;
      this.expiresAt = now + ttl;
      this.#cookie = sessionCookie(options, token, ttl, this.#secure, persistent);
      action = this.#isNew || changed ? 'save' : 'touch';
    } else if (this.#isNew || changed) {
      const id = this.#id;
      const change = { isNew: this.#isNew, set: this.#isNew ? changes.data : changes.set, unset: this.#isNew ? [] : changes.unset, data: changes.data, meta, lifetimeChanged: this.#lifetimeChanged };
      const written = await this.#indexed(changes.data, now, ttl, () => engine.call('save', () => store.save(id, change, ttl)));
      if (!written) {
        this.#endedElsewhere();
        report('refused');
        return;
      }
      this.#meta = { ...meta, version: this.#meta.version + 1 };
      this.#cookie = sessionCookie(options, options.keyring!.sign(id), ttl, this.#secure, persistent);
      action = 'save';
    } else if (touchDue) {
      const id = this.#id;
      // `false` = the record is gone; a store returning nothing (older contract) touched it.
      const touched = await this.#indexed(changes.data, now, ttl, async () => (await engine.call('touch', () => store.touch(id, now, ttl))) !== false);
      if (!touched) {
        this.#endedElsewhere();
        report('refused');
        return;
      }
      this.#meta = { ...this.#meta, lastSeenAt: now };
      this.#cookie = sessionCookie(options, options.keyring!.sign(id), ttl, this.#secure, persistent);
      action = 'touch';
    } else {
      // Only the signing secret rotated: re-sign the cookie, no store write.
      const left = Math.min(this.#meta.lastSeenAt + idleTtl(this.#meta, options) - now, ttl);
      this.#cookie = sessionCookie(options, options.keyring!.sign(this.#id), left, this.#secure, persistent);
    }
    this.#isNew = false;
    this.#snapshot = changes.snapshot;
    this.#touchRequested = false;
    this.#lifetimeChanged = false;
    this.reissue = false;
    report(action);
  }
}
