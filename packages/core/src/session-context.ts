import { changedSince, diff, snapshot, type Snapshot } from './changes.js';
import { CLEAR_COOKIE, NO_COOKIE, renderCookie, type CookieDecision } from './cookie-decision.js';
import type { SessionEngine } from './engine.js';
import { SessionDestroyedError } from './errors.js';
import { idleTtl, isExpired, isPersistent, isTouchDue, nowSeconds, remainingLife } from './expiry.js';
import { generateSessionId } from './id.js';
import type { ResolvedOptions } from './options.js';
import type { PendingWrite, PersistenceStrategy } from './persistence-strategy.js';
import { isSessionLifetime, isSessionRecord } from './record.js';
import { createSession, readData, replaceData, type RegenerateOptions, type Session, type SessionControls } from './session.js';
import type { SessionLifetime, SessionMeta, SessionRecord } from './types.js';
import { sessionHandle, type ClientInfo, type DestroyUserSessionsOptions, type IndexedWrite, type UserSession } from './user-index.js';

type CommitAction = 'none' | 'save' | 'touch' | 'destroy' | 'refused';

/**
 * One request's session: the state between load and commit, and what changed.
 * Where the session is kept (a store record, or the cookie itself) is its
 * {@link PersistenceStrategy}'s business. Adapters hold it; handlers see only `session`.
 */
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
  /** Where this session lives: the engine's strategy, or the legacy library's for a session served in place during a migration. */
  readonly #strategy: PersistenceStrategy;
  /** The strategy's options (the engine's, or the legacy store's and cookie's). */
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
  #cookie: CookieDecision = NO_COOKIE;
  #queue: Promise<void> = Promise.resolve();
  /** Tasks queued by #serial and not yet settled: a commit may finish synchronously only when none is. */
  #busy = 0;
  /** The write `flushNow` found due, handed to the flush that follows it so the data is diffed once. */
  #decided: { pending: PendingWrite; started: number } | undefined = undefined;

  /** @internal */
  constructor(
    engine: SessionEngine,
    strategy: PersistenceStrategy,
    id: string,
    record: SessionRecord,
    secure: boolean,
    hadCookie: boolean,
  ) {
    this.#engine = engine;
    this.#strategy = strategy;
    this.#options = strategy.options;
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
  static fresh(engine: SessionEngine, strategy: PersistenceStrategy, secure: boolean, hadCookie: boolean): SessionContext {
    const now = nowSeconds();
    const context = new SessionContext(
      engine,
      strategy,
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
      const stored = this.#isNew ? undefined : this.#strategy.reread(this.#id);
      if (stored === undefined) {
        // Nothing stored yet, or the cookie is the store: back to what was loaded (or last saved).
        replaceData(this.session, Object.fromEntries([...this.#snapshot].map(([key, json]) => [key, JSON.parse(json) as unknown])));
        return;
      }
      const record = await stored;
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
   * Adapter API: whether the data changed since it was loaded or last written:
   * after the commit, a change no commit will save (see `reportLateChange`).
   */
  changedSinceCommit(): boolean {
    return !this.#destroyed && changedSince(this.#snapshot, this.session as object as Record<string, unknown>);
  }

  /** @internal The cookie decided so far, handed over once. */
  takeCookie(): CookieDecision {
    const cookie = this.#cookie;
    this.#cookie = NO_COOKIE;
    if (cookie.kind !== 'none') this.#hadCookie = cookie.kind === 'set';
    return cookie;
  }

  /** @internal The `Set-Cookie` value of a decision, under this session's cookie name and attributes. */
  renderCookie(decision: CookieDecision): string | undefined {
    return renderCookie(decision, this.#options, this.#secure);
  }

  #serial(task: () => Promise<void>): Promise<void> {
    this.#busy += 1;
    const run = this.#queue.then(task);
    const settled = () => {
      this.#busy -= 1;
    };
    this.#queue = run.then(settled, settled);
    return run;
  }

  /**
   * @internal The commit of a request that needs no store call (nothing
   * changed and no touch due, the usual read), done synchronously: `true` when
   * it is done (the cookie decision is ready), `false` when the commit must go
   * through {@link SessionContext.flush} (a write, or other work still queued),
   * which the caller must call next: it makes the write decided here.
   * Lets adapters send a read's response without waiting a turn.
   */
  flushNow(): boolean {
    if (this.#busy !== 0) return false;
    const started = performance.now();
    const pending = this.#decide(started);
    if (pending === undefined) return true;
    this.#decided = { pending, started };
    return false;
  }

  async #destroyInStore(): Promise<void> {
    const id = this.#id;
    await this.#strategy.revoke(id, this.expiresAt, this.#meta.lifetime?.ttl);
    const user = this.indexedUser;
    this.indexedUser = undefined;
    if (user !== undefined) await this.#engine.users?.forget(user, id);
  }

  #report(action: CommitAction, started: number): void {
    this.#engine.emit({ type: 'commit', action, duration: (performance.now() - started) / 1000 });
  }

  async #flush(): Promise<void> {
    // The flush right after flushNow() (same turn, nothing ran between) writes what it decided.
    const decided = this.#decided;
    this.#decided = undefined;
    if (decided !== undefined) return this.#write(decided.pending, decided.started);
    const started = performance.now();
    const pending = this.#decide(started);
    if (pending !== undefined) await this.#write(pending, started);
  }

  /**
   * Settles a commit that needs no store call (and reports it), or returns the
   * write to make. Synchronous, so that {@link SessionContext.flushNow} can use it.
   */
  #decide(started: number): PendingWrite | undefined {
    const options = this.#options;

    if (this.#destroyed) {
      if (this.#hadCookie) this.#cookie = CLEAR_COOKIE;
      this.#report('destroy', started);
      return undefined;
    }
    const changes = diff(this.#snapshot, readData(this.session));
    const now = nowSeconds();
    const touchDue = this.#touchRequested || isTouchDue(this.#meta, now, options);
    const empty = changes.snapshot.size === 0;

    if (this.#isNew && empty && !options.saveUninitialized) {
      // Nothing worth keeping: no write, and a stale or tampered cookie is cleared.
      if (this.#hadCookie) this.#cookie = CLEAR_COOKIE;
      this.#report('none', started);
      return undefined;
    }
    const changed = changes.changed || this.#lifetimeChanged;
    if (!this.#isNew && !changed && !touchDue && !this.reissue) {
      this.#report('none', started);
      return undefined;
    }

    const ttl = remainingLife(this.#meta, now, options);
    // The absolute lifetime ran out during this request: nothing may extend it.
    if (ttl <= 0) {
      this.#report('none', started);
      return undefined;
    }

    const current = this.#meta;
    const lifetime = current.lifetime;
    const next = lifetime ? { createdAt: current.createdAt, lastSeenAt: now, lifetime } : { createdAt: current.createdAt, lastSeenAt: now };
    return {
      id: this.#id,
      isNew: this.#isNew,
      changed,
      touchDue,
      changes,
      meta: current,
      next,
      lifetimeChanged: this.#lifetimeChanged,
      now,
      ttl,
      persistent: isPersistent(current, options),
      index: this.#indexStep(changes.data, now, ttl),
      owner: this,
    };
  }

  async #write(pending: PendingWrite, started: number): Promise<void> {
    const changes = pending.changes;
    const written = await this.#strategy.write(pending);
    if (written.action === 'refused') {
      this.#destroyed = true;
      replaceData(this.session, {});
      if (written.clear) {
        this.#cookie = CLEAR_COOKIE;
      } else {
        // Ended elsewhere: the browser's cookie may be a newer login's, so it is left alone.
        this.#hadCookie = false;
        this.#cookie = NO_COOKIE;
      }
      return this.#report('refused', started);
    }
    this.#meta = written.meta;
    if (written.expiresAt !== undefined) this.expiresAt = written.expiresAt;
    this.#cookie = written.cookie;
    this.#isNew = false;
    this.#snapshot = changes.snapshot;
    this.#touchRequested = false;
    this.#lifetimeChanged = false;
    this.reissue = false;
    this.#report(written.action, started);
  }

  /** The per-user index's view of this write, with `userKey` (see UserIndex.commit). */
  #indexStep(data: Record<string, unknown>, now: number, ttl: number): IndexedWrite | undefined {
    const users = this.#engine.users;
    if (users === undefined) return undefined;
    return {
      id: this.#id,
      isNew: this.#isNew,
      before: this.indexedUser,
      after: users.userOf(data),
      createdAt: this.#meta.createdAt,
      lastSeenAt: now,
      expiresAt: now + ttl,
      client: this.client,
    };
  }
}
