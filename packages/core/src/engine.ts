import { clearedCookie, readCookie, sessionCookie } from './cookie.js';
import { diff, snapshot, type Snapshot } from './changes.js';
import { SessionDestroyedError, SessionTooLargeError } from './errors.js';
import type { LoadOutcome, SessionEvent } from './events.js';
import { idleTtl, isExpired, isPersistent, isTouchDue, nowSeconds, remainingLife } from './expiry.js';
import { generateSessionId, isSessionId } from './id.js';
import { resolveOptions, type ResolvedOptions, type SessionOptions } from './options.js';
import { isSessionLifetime, isSessionRecord } from './record.js';
import { createSession, readData, replaceData, sessionPrototype, type RegenerateOptions, type Session, type SessionControls } from './session.js';
import { storeCall } from './timeout.js';
import { isClientStore, type SessionLifetime, type SessionMeta, type SessionRecord } from './types.js';

const defaultPrototype: object = sessionPrototype;

/** Bytes of `name=value` a browser keeps in one cookie (RFC 6265 minimum, what browsers enforce). */
const BROWSER_COOKIE_LIMIT = 4096;

/** What an adapter knows about the incoming request. */
export interface RequestInfo {
  /** The raw `Cookie` header, if any. */
  cookieHeader: string | undefined;
  /** Whether the request arrived over https (as the framework reports it, trust-proxy included). */
  secure: boolean;
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
  }

  /**
   * Reads the session a request carries. Never fails for bad input (a tampered
   * cookie, an expired or corrupt session all give a fresh session); rejects
   * only with `SessionStoreUnavailableError` when the store does not answer.
   */
  async load(request: RequestInfo): Promise<SessionContext> {
    const started = performance.now();
    const raw = readCookie(request.cookieHeader, this.options.cookieName);
    const { outcome, context } = await this.#load(raw, request.secure);
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
    const fresh = (outcome: LoadOutcome) => ({ outcome, context: SessionContext.fresh(this, secure, raw !== undefined) });
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

  readonly #engine: SessionEngine;
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
  constructor(engine: SessionEngine, id: string, record: SessionRecord, secure: boolean, hadCookie: boolean) {
    this.#engine = engine;
    this.#id = id;
    this.#isNew = false;
    this.#meta = { ...record.meta };
    this.#snapshot = snapshot(record.data);
    this.#secure = secure;
    this.#hadCookie = hadCookie;
    this.session = createSession(this, record.data, engine.sessionPrototype);
  }

  /** @internal A new, empty session. */
  static fresh(engine: SessionEngine, secure: boolean, hadCookie: boolean): SessionContext {
    const now = nowSeconds();
    const context = new SessionContext(
      engine,
      generateSessionId(),
      { data: {}, meta: { createdAt: now, lastSeenAt: now, version: 0 } },
      secure,
      hadCookie,
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

  get lifetime(): Readonly<Required<SessionLifetime>> {
    const options = this.#engine.options;
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
      const store = this.#engine.options.store;
      if (this.#isNew || isClientStore(store)) {
        // Nothing stored yet, or the cookie is the store: back to what was loaded (or last saved).
        replaceData(this.session, Object.fromEntries([...this.#snapshot].map(([key, json]) => [key, JSON.parse(json) as unknown])));
        return;
      }
      const id = this.#id;
      const record = await this.#engine.call('get', () => store.get(id));
      if (record === null || !isSessionRecord(record) || isExpired(record.meta, nowSeconds(), this.#engine.options)) {
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
    const store = this.#engine.options.store;
    const id = this.#id;
    if (isClientStore(store)) {
      // Revoke for as long as any token of this id can live: a slower request
      // that loaded the session before this destroy may still mint a token
      // with a full ttl when it commits.
      const { ttl, storeTimeout } = this.#engine.options;
      const longest = Math.max(ttl, this.#meta.lifetime?.ttl ?? 0);
      const expiresAt = Math.max(this.expiresAt ?? 0, nowSeconds() + longest) + storeTimeout;
      await this.#engine.call('destroy', () => store.destroy(id, expiresAt));
    } else {
      await this.#engine.call('destroy', () => store.destroy(id));
    }
  }

  async #flush(): Promise<void> {
    const engine = this.#engine;
    const options = engine.options;
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
      const token = await engine.call('encode', () => store.encode(this.#id, record, ttl));
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
      const change = { isNew: this.#isNew, set: this.#isNew ? changes.data : changes.set, unset: this.#isNew ? [] : changes.unset, data: changes.data, meta };
      const written = await engine.call('save', () => store.save(id, change, ttl));
      if (!written) {
        // Destroyed (or expired) by another request since we loaded it: stay gone.
        this.#destroyed = true;
        replaceData(this.session, {});
        this.#cookie = clearedCookie(options, this.#secure);
        report('refused');
        return;
      }
      this.#meta = { ...meta, version: this.#meta.version + 1 };
      this.#cookie = sessionCookie(options, options.keyring!.sign(id), ttl, this.#secure, persistent);
      action = 'save';
    } else if (touchDue) {
      const id = this.#id;
      await engine.call('touch', () => store.touch(id, now, ttl));
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
