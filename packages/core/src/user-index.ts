import { createHash } from 'node:crypto';
import { SessionConfigError } from './errors.js';
import { sessionOptions } from './option-checks.js';
import { nowSeconds } from './expiry.js';
import { RESERVED_KEYS } from './session.js';
import type { PersistenceStrategy } from './persistence-strategy.js';
import type { AnySessionStore, SessionDataRecord } from './types.js';
import type { UserIndexEntry, UserIndexMethods } from './user-index-store.js';
import type { SessionEngine } from './engine.js';

/** Options of the per-user session index (part of `SessionOptions`). */
export interface UserSessionOptions {
  /**
   * The top-level session key that names the signed-in user (`'userId'`): its
   * value (a string or a number) is the user. Turns on the per-user index behind
   * `session.listUserSessions()`, `destroyUserSessions()` and `destroyUserSession()`;
   * the engine keeps it in step whenever the key's value changes (login, logout,
   * `regenerate()`, `destroy()`). Needs a store with `capabilities.userIndex`
   * (`RedisStore`, `MemoryStore`, or `JwtStore` with a revocation store that has it),
   * checked at startup.
   *
   * Cost: one extra store call when a signed-in session is written or touched, at
   * login and at logout; none for a request that changes nothing.
   * @default none (no index, no extra store calls)
   */
  userKey?: string;
  /**
   * Keep each session's last `User-Agent` in the index, to show in `listUserSessions()`.
   * @default `false` (privacy by default)
   */
  recordUserAgent?: boolean;
  /**
   * Keep each session's last client address in the index, to show in `listUserSessions()`.
   * @default `false` (privacy by default)
   */
  recordIp?: boolean;
  /**
   * The most sessions `listUserSessions()` returns, most recently seen first. From 1 to 1000.
   * @default `50` sessions
   */
  userSessionsLimit?: number;
}

/** One of the signed-in user's sessions, as `listUserSessions()` shows it. Times are unix seconds. */
export interface UserSession {
  /**
   * Names this session to its owner, for `destroyUserSession(handle)`. Not a
   * credential: a one-way hash of the session id, which cannot be turned back
   * into the id or used as a cookie.
   */
  handle: string;
  /** `true` for the session of the request that asked. */
  current: boolean;
  /** When the session was created (unix seconds). */
  createdAt: number;
  /** When the session was last used (written or touched; unix seconds, at `touchAfter` granularity). */
  lastSeenAt: number;
  /** The last `User-Agent` seen, when `recordUserAgent` is on. */
  userAgent?: string;
  /** The last client address seen, when `recordIp` is on. */
  ip?: string;
}

/** Options of `session.destroyUserSessions()`. */
export interface DestroyUserSessionsOptions {
  /**
   * Leave the session of this request signed in ("sign out everywhere else").
   * `false`: sign out everywhere, this one too.
   * @default `false`
   */
  keepCurrent?: boolean;
}

/** What the adapter tells the engine about the client, recorded only when the options say so. */
export interface ClientInfo {
  userAgent?: string | undefined;
  ip?: string | undefined;
}

/** One write of a session, as the index sees it. */
export interface IndexedWrite {
  id: string;
  /** A server-side session written for the first time (the order of index and write differs). */
  isNew: boolean;
  /** The user indexed for this session so far, if any. */
  before: string | undefined;
  /** The user the data names now, if any. */
  after: string | undefined;
  createdAt: number;
  lastSeenAt: number;
  /** When the session (or token) written expires, unix seconds. */
  expiresAt: number;
  client: ClientInfo;
}

/**
 * Runs a strategy's store `write` inside the per-user index when there is one
 * (see {@link UserIndex.commit}), and records the user it indexed on `owner`.
 */
export async function throughIndex(
  users: UserIndex | undefined,
  step: { index: IndexedWrite | undefined; owner: { indexedUser: string | undefined } },
  write: () => Promise<boolean>,
): Promise<boolean> {
  const index = step.index;
  if (users === undefined || index === undefined) return write();
  const written = await users.commit(index, write);
  if (written) step.owner.indexedUser = index.after;
  return written;
}

type Registry = Required<UserIndexMethods>;

const HANDLE_CONTEXT = 'podsafe user-session handle\0';
const MAX_USER_AGENT = 512;
const MAX_IP = 64;

/**
 * The handle of session `id`: 128 bits of a domain-separated SHA-256 of the id.
 * Ids are 256 random bits, so the hash cannot be inverted, and one handle names
 * one session of a user.
 */
export function sessionHandle(id: string): string {
  return createHash('sha256')
    .update(HANDLE_CONTEXT + id)
    .digest('base64url')
    .slice(0, 22);
}

/**
 * Keeps the per-user index in step with the sessions the engine writes, and
 * answers the list and sign-out calls. One per engine, only with `userKey`.
 *
 * The order of index and store writes is what keeps a race with "sign out
 * everywhere" from leaving a live session outside the index: an update is
 * indexed before it is written (a refused update is then refused by the store
 * too, or dies here); a new server-side session is written first and indexed
 * after, so that a sign-out which listed it finds it in the store.
 */
export class UserIndex {
  readonly userKey: string;
  readonly #engine: SessionEngine;
  readonly #strategy: PersistenceStrategy;
  readonly #registry: Registry;
  readonly #recordUserAgent: boolean;
  readonly #recordIp: boolean;
  readonly #limit: number;

  private constructor(engine: SessionEngine, strategy: PersistenceStrategy, userKey: string, options: UserSessionOptions) {
    this.#engine = engine;
    this.#strategy = strategy;
    this.userKey = userKey;
    this.#registry = engine.options.store as unknown as Registry;
    this.#recordUserAgent = options.recordUserAgent ?? false;
    this.#recordIp = options.recordIp ?? false;
    this.#limit = options.userSessionsLimit ?? 50;
  }

  /**
   * The index for `engine`, or `undefined` without `userKey`.
   * @throws SessionConfigError at startup for a bad option, or a store that cannot keep the index.
   */
  static create(engine: SessionEngine, strategy: PersistenceStrategy, options: UserSessionOptions): UserIndex | undefined {
    const { userKey, recordUserAgent, recordIp, userSessionsLimit } = options;
    if (userKey === undefined) {
      const stray = (['recordUserAgent', 'recordIp', 'userSessionsLimit'] as const).filter((name) => options[name] !== undefined);
      if (stray.length > 0)
        sessionOptions.fail(
          `${stray.join(', ')} only apply to the per-user index: set userKey too (e.g. userKey: 'userId'), or drop them.`,
        );
      return undefined;
    }
    if (typeof userKey !== 'string' || userKey === '' || RESERVED_KEYS.has(userKey)) {
      sessionOptions.fail(
        `userKey must name the session key that holds the signed-in user (e.g. 'userId'), got ${JSON.stringify(userKey)}; ` +
          `it cannot be one of the session's own members (${[...RESERVED_KEYS].join(', ')}).`,
      );
    }
    sessionOptions.boolean('recordUserAgent', recordUserAgent, false);
    sessionOptions.boolean('recordIp', recordIp, false);
    sessionOptions.integer('userSessionsLimit', userSessionsLimit, { default: 50, min: 1, max: 1000, unit: 'sessions per user' });
    assertIndexable(engine.options.store, strategy);
    return new UserIndex(engine, strategy, userKey, options);
  }

  /** The user `data` names under `userKey`, or `undefined` when nobody is signed in. */
  userOf(data: SessionDataRecord): string | undefined {
    const value = data[this.userKey];
    if (typeof value === 'string' && value !== '') return value;
    if (typeof value === 'number' && Number.isFinite(value)) return String(value);
    return undefined;
  }

  /**
   * Runs `write` (the store save, touch or token encode) with the index kept in
   * step. Resolves `false` when the write was refused, by the store or because
   * the user signed out everywhere after this session was created; the session
   * is then destroyed.
   */
  async commit(step: IndexedWrite, write: () => Promise<boolean>): Promise<boolean> {
    const { id, before, after } = step;
    if (before !== undefined && before !== after) await this.forget(before, id);
    if (after === undefined) return write();
    if (step.isNew && this.#strategy.writesBeforeIndexing) {
      if (!(await write())) return false;
      let accepted: boolean;
      try {
        accepted = await this.#index(after, step);
      } catch (error) {
        // Written but not indexed: never leave it live where "sign out everywhere" cannot see it.
        await this.#destroy(id, step.expiresAt).catch(() => undefined);
        throw error;
      }
      if (!accepted) await this.#destroy(id, step.expiresAt);
      return accepted;
    }
    if (!(await this.#index(after, step))) {
      await this.#destroy(id, step.expiresAt);
      return false;
    }
    return write();
  }

  /** Drops session `id` from `userId`'s index (after a logout or a regenerate). */
  async forget(userId: string, id: string): Promise<void> {
    await this.#engine.call('unindexUser', () => this.#registry.unindexUser(userId, id));
  }

  /** `userId`'s live sessions, most recently seen first; `currentId` is marked `current`. */
  async list(userId: string, currentId?: string): Promise<UserSession[]> {
    const strategy = this.#strategy;
    const entries = await this.#engine.call('listByUser', () => this.#registry.listByUser(userId, this.#limit));
    // Each entry as its session stands now (a server-side store reads the record, with
    // its stored times); an entry that outlived its session is pruned.
    const now = nowSeconds();
    const checked = await Promise.all(
      entries.map(async (entry) => {
        const live = await strategy.liveEntry(entry, now);
        if (live === null) await this.forget(userId, entry.id);
        return live;
      }),
    );
    return checked
      .filter((entry) => entry !== null)
      .sort((a, b) => b.lastSeenAt - a.lastSeenAt)
      .map((entry) => {
        const shown: UserSession = {
          handle: sessionHandle(entry.id),
          current: entry.id === currentId,
          createdAt: entry.createdAt,
          lastSeenAt: entry.lastSeenAt,
        };
        if (entry.userAgent !== undefined) shown.userAgent = entry.userAgent;
        if (entry.ip !== undefined) shown.ip = entry.ip;
        return shown;
      });
  }

  /** Signs `userId` out of every session but `keep`; resolves how many sessions were destroyed. */
  async destroyAll(userId: string, keep?: string): Promise<number> {
    const engine = this.#engine;
    const { ttl, storeTimeout } = engine.options;
    const before = nowSeconds();
    const taken = await engine.call('destroyByUser', () => this.#registry.destroyByUser(userId, { keep, before, ttl: ttl + storeTimeout }));
    await Promise.all(taken.map((entry) => this.#destroy(entry.id, entry.expiresAt)));
    return taken.length;
  }

  /** Signs `userId` out of the session `handle` names; resolves whether there was one. */
  async destroyOne(userId: string, handle: string): Promise<boolean> {
    if (typeof handle !== 'string' || handle.length === 0) return false;
    const entries = await this.#engine.call('listByUser', () => this.#registry.listByUser(userId, 1000));
    const entry = entries.find((candidate) => sessionHandle(candidate.id) === handle);
    if (!entry) return false;
    await this.#destroy(entry.id, entry.expiresAt);
    await this.forget(userId, entry.id);
    return true;
  }

  async #index(userId: string, step: IndexedWrite): Promise<boolean> {
    const entry: UserIndexEntry = { id: step.id, createdAt: step.createdAt, lastSeenAt: step.lastSeenAt };
    if (this.#recordUserAgent && step.client.userAgent) entry.userAgent = step.client.userAgent.slice(0, MAX_USER_AGENT);
    if (this.#recordIp && step.client.ip) entry.ip = step.client.ip.slice(0, MAX_IP);
    return this.#engine.call('indexUser', () => this.#registry.indexUser(userId, entry, step.expiresAt));
  }

  /** Destroys a session the way the engine's own `destroy()` does (a delete, or a revocation). */
  async #destroy(id: string, expiresAt: number): Promise<void> {
    await this.#strategy.revoke(id, expiresAt);
  }
}

/** Fails at startup, saying what to use instead, when `store` cannot keep a per-user index. */
function assertIndexable(store: AnySessionStore, strategy: PersistenceStrategy): void {
  const methods = ['indexUser', 'unindexUser', 'listByUser', 'destroyByUser'] as const;
  const capable = store.capabilities?.userIndex === true && methods.every((name) => typeof store[name] === 'function');
  if (capable) return;
  throw new SessionConfigError(strategy.noUserIndex(store.constructor?.name ?? 'this store'));
}
