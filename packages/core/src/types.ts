import type { UserIndexMethods } from './user-index-store.js';

/**
 * The data a session carries. Empty by default; apps type their own keys by
 * declaration merging:
 *
 * ```ts
 * declare module '@podsafe/core' {
 *   interface SessionData { userId?: string; views?: number }
 * }
 * ```
 *
 * Values must survive `JSON.stringify` / `JSON.parse` (no functions, class
 * instances or `Date`s: store a `Date` as `date.toISOString()`).
 */
// biome-ignore lint/suspicious/noEmptyInterface: empty on purpose, so apps can augment it (an interface merges; a type alias would not).
export interface SessionData {}

/** A JSON object: what a store keeps as a session's data. */
export type SessionDataRecord = Record<string, unknown>;

/** Bookkeeping the engine keeps beside the data. Times are unix time in seconds (fractional). */
export interface SessionMeta {
  /** When the session was created (unix seconds). Drives the absolute `maxLifetime`. */
  createdAt: number;
  /** When the session was last written or touched (unix seconds). Drives the idle `ttl` and `touchAfter`. */
  lastSeenAt: number;
  /** Bumped by the store on every write; 1 for a new session. */
  version: number;
  /** This session's own lifetime (`session.setLifetime()`); absent: the app's options apply. Stores keep it as given. */
  lifetime?: SessionLifetime;
}

/**
 * A lifetime one session has instead of the app's options, e.g. a longer one
 * for "remember me". Each absent field falls back to the app's option.
 */
export interface SessionLifetime {
  /**
   * Idle expiry of this session in seconds (sliding), instead of the app's `ttl`. Still cut short by `maxLifetime`.
   * @default the app's `ttl` option
   */
  ttl?: number;
  /**
   * `false`: a browser-session cookie (gone when the browser closes); `true`: one with `Max-Age`. Instead of `cookie.persistent`.
   * @default the app's `cookie.persistent` option
   */
  persistent?: boolean;
}

/** What a store returns for a session id. */
export interface SessionRecord {
  /** The session's data, one entry per top-level key. */
  data: SessionDataRecord;
  /** The session's bookkeeping. */
  meta: SessionMeta;
}

/**
 * One write to a server-side store. The engine sends only what changed since the
 * session was loaded; stores that keep the whole record per key use `data`.
 */
export interface SessionChange {
  /**
   * `true`: the record becomes exactly `data` whether or not a record exists under
   * this id (a new session, or a full overwrite). `false`: an update that must be
   * refused when no record exists any more (it was destroyed or expired), so a slow
   * request can never bring a logged-out session back.
   */
  isNew: boolean;
  /** Top-level keys whose value changed (or appeared), with their new values. */
  set: SessionDataRecord;
  /** Top-level keys that were removed. */
  unset: string[];
  /** The whole data after this change, for stores that write whole records. */
  data: SessionDataRecord;
  /** `createdAt`, `lastSeenAt` and `lifetime` (when set) to store; the store keeps `version` itself. */
  meta: Omit<SessionMeta, 'version'>;
  /**
   * For an update (`isNew: false`): the `meta.version` of the record the change
   * was made from, read by the same request moments before. A whole-record store
   * without atomic increments may write `baseVersion + 1` instead of reading the
   * record again just to count (it must still refuse when the record is gone).
   * Absent when the caller does not know it (read the record then).
   */
  baseVersion?: number;
  /**
   * The session's own lifetime (`meta.lifetime`) was set or cleared by this change.
   * A delta store writes or removes its stored lifetime only then, so an update
   * that did not touch it neither costs a removal nor undoes a concurrent request's
   * `setLifetime()`. Absent: not changed.
   */
  lifetimeChanged?: boolean;
}

/** Optional features of a store; the testkit checks each one a store claims. */
export interface SessionStoreCapabilities {
  /**
   * Concurrent saves of different keys of one session both persist (the store
   * applies `set`/`unset` atomically rather than writing whole records).
   */
  deltaWrites: boolean;
  /** The store keeps a per-user index (the {@link UserIndexMethods}): needed by the engine's `userKey`. */
  userIndex?: boolean;
  /**
   * Seconds within which each `get`, `save`, `touch` and `destroy` of this store
   * settles by itself: it resolves, or rejects with an error of its own, even when
   * the backend never answers. A caller whose own deadline is at least this long
   * (the engine's `storeTimeout`, the express-session bridge's `timeout`) then sets
   * no timer per call. Leave it unset unless every one of those calls is bounded by
   * the store, retries and fallbacks included.
   */
  callTimeout?: number;
}

/**
 * Sessions another library left in the same backend, offered by a store during a
 * migration (e.g. `RedisStore({ legacy })`) for the engine's `legacyCookie`. Remove
 * it once the deployment has moved: nothing else depends on it.
 */
export interface LegacySessionSource {
  /**
   * `'dual'`: old and new app versions run side by side; the legacy record stays the
   * only copy, so the engine serves a legacy cookie's session from it (and creates new
   * sessions in it) for both to see. `'read'`: only the new version is left; the engine
   * copies a legacy session under a new podsafe id once, then destroys the legacy one.
   */
  readonly mode: 'read' | 'dual';
  /**
   * The legacy sessions as a store addressed by the legacy library's ids, holding
   * their data (bookkeeping the legacy format lacks is inferred). Its ids are never
   * podsafe ids and never reach the podsafe records.
   */
  readonly store: SessionStore;
}

/** Store health, as reported to {@link SessionStore.subscribe} listeners. */
export type SessionStoreStatus = 'ready' | 'down';

/**
 * A server-side session store: the contract every backend implements.
 *
 * Ids passed in are always well-formed (see {@link assertStorableId}); a store
 * must still refuse a malformed id with `InvalidSessionIdError` rather than build
 * a key from it. Corrupt or foreign data under an id reads as `null`, never a throw.
 * Network failures reject with `SessionStoreUnavailableError`.
 *
 * `@podsafe/testkit`'s `describeSessionStore` is the executable definition of
 * this contract.
 */
export interface SessionStore extends UserIndexMethods {
  /** Marks a server-side store (the cookie carries only a signed id). */
  readonly kind?: 'server';
  /** What this store can do beyond the required methods. */
  readonly capabilities: SessionStoreCapabilities;
  /** The record under `id`, or `null` if none, expired, or unreadable. */
  get(id: string): Promise<SessionRecord | null>;
  /**
   * Applies `change` and sets the record to expire `ttl` seconds from now.
   * Resolves `false` (writing nothing) when `change.isNew` is false and no record
   * exists any more; `true` otherwise.
   */
  save(id: string, change: SessionChange, ttl: number): Promise<boolean>;
  /**
   * Extends the record's life to `ttl` seconds from now and records `lastSeenAt`
   * (unix seconds), without touching data. A missing record stays missing.
   * Resolves `true` when the record was touched and `false` when there was none
   * (destroyed or expired), so the engine sends no cookie for a dead id.
   * Stores written before this contract resolve `undefined`, read as touched.
   */
  // biome-ignore lint/suspicious/noConfusingVoidType: stores written before `touch` resolved a boolean are typed `Promise<void>`; `undefined` would not accept them.
  touch(id: string, lastSeenAt: number, ttl: number): Promise<boolean | void>;
  /** Deletes the record. Deleting a missing record is not an error. */
  destroy(id: string): Promise<void>;
  /** Releases connections the store opened itself (never a client it was given). */
  close(): Promise<void>;
  /** Resolves when the backend answers; rejects with `SessionStoreUnavailableError` otherwise. For readiness probes. */
  ping?(): Promise<void>;
  /** Every live session id under this store's prefix. Absent where the backend cannot list honestly. */
  ids?(): AsyncIterable<string>;
  /** How many live sessions there are under this store's prefix. */
  count?(): Promise<number>;
  /** Deletes every session under this store's prefix, and nothing else. */
  clear?(): Promise<void>;
  /**
   * Calls `listener` when the backend goes down or comes back. Returns an
   * unsubscribe function. Used by the express-session drop-in for its
   * `connect`/`disconnect` events.
   */
  subscribe?(listener: (status: SessionStoreStatus) => void): () => void;
  /** Sessions another library left in this backend, during a migration (see `SessionOptions.legacyCookie`). */
  readonly legacy?: LegacySessionSource;
}

/** What a client-side store read out of a cookie. */
export interface DecodedClientSession {
  /** The session id carried in the token (its `jti`). */
  id: string;
  /** Data and bookkeeping carried in the token. */
  record: SessionRecord;
  /** When the token itself expires (unix seconds). */
  expiresAt: number;
  /** `true` when the token verified with an older key and must be re-issued with the newest. */
  reissue: boolean;
}

/**
 * A client-side store: the cookie itself carries the session (a signed token),
 * so there is nothing to fetch. The engine does not sign cookies for these stores;
 * the token is the signature.
 */
export interface ClientSessionStore extends UserIndexMethods {
  /** Marks a client-side store. */
  readonly kind: 'client';
  /** Optional features; `userIndex` as for server-side stores (a `JwtStore` keeps it in its revocation store). */
  readonly capabilities?: Pick<SessionStoreCapabilities, 'userIndex'>;
  /** Verifies and decodes a cookie value; `null` for anything not valid (tampered, expired, revoked, foreign). */
  decode(token: string): Promise<DecodedClientSession | null>;
  /**
   * Optional: what `decode(token)` would resolve, when the store knows it
   * without any I/O or asynchronous crypto (a token it issued or verified
   * recently); `undefined` when only `decode` can tell. The engine asks this
   * first, so a repeat token costs no store call. It must never answer a
   * session that `decode` would refuse (revoked, expired, tampered), and, like
   * `decode`, hands out a copy each time.
   */
  decodeCached?(token: string): DecodedClientSession | null | undefined;
  /**
   * Encodes a session into a cookie value valid for `ttl` seconds.
   * Rejects with `SessionTooLargeError` when the token would not fit in a cookie.
   */
  encode(id: string, record: SessionRecord, ttl: number): Promise<string>;
  /** Revokes the session `id` until `expiresAt` (unix seconds), where the store has a revocation list. */
  destroy(id: string, expiresAt: number): Promise<void>;
  /** Releases resources (the revocation store, if the store owns it). */
  close(): Promise<void>;
  /** Readiness: resolves when whatever the store depends on answers. */
  ping?(): Promise<void>;
}

/** Any store the engine accepts. */
export type AnySessionStore = SessionStore | ClientSessionStore;

/** Narrows a store to a client-side store. */
export function isClientStore(store: AnySessionStore): store is ClientSessionStore {
  return store.kind === 'client';
}
