/**
 * The per-user index: the optional part of the store contract behind "where am I
 * signed in" and "sign out everywhere". A store that claims
 * `capabilities.userIndex` implements every method of {@link UserIndexMethods}.
 *
 * The index is a registry only: it lists session ids per user and never deletes
 * sessions itself. The engine deletes them, the way it deletes any session (a
 * server-side store's `destroy`, a client-side store's revocation), so the same
 * registry serves both kinds of store.
 */

/** What the index keeps about one session of a user. Times are unix seconds. */
export interface UserIndexEntry {
  /** The session id. Stays between the engine and the store: users only ever see a handle. */
  id: string;
  /** When the session was created (unix seconds). */
  createdAt: number;
  /** When the session was last written or touched (unix seconds). */
  lastSeenAt: number;
  /** The `User-Agent` of the last request that wrote the session, when the app records it. */
  userAgent?: string;
  /** The client address of the last request that wrote the session, when the app records it. */
  ip?: string;
}

/** An entry as the index returns it, with the time it drops out of the index. */
export interface IndexedUserSession extends UserIndexEntry {
  /** When the entry expires (unix seconds): never before its session does. */
  expiresAt: number;
}

/** What {@link UserIndexMethods.destroyByUser} does besides emptying the index. */
export interface DestroyByUserOptions {
  /** The one session id to leave in the index (the request's own session, for "sign out everywhere else"). */
  keep?: string;
  /**
   * Unix seconds: from now on `indexUser` refuses any entry created before this
   * time (except `keep`), so a session minted by a slower request that loaded
   * before the sign-out cannot join the index again, and dies on its next write.
   */
  before: number;
  /** Seconds that refusal lasts: at least the engine's `ttl`, after which every such session has expired. */
  ttl: number;
}

/** The index methods a store with `capabilities.userIndex` implements. */
export interface UserIndexMethods {
  /**
   * Adds `entry` under `userId` or refreshes it, until `expiresAt` (unix seconds),
   * and drops the user's expired entries. Resolves `false`, writing nothing, when
   * the user's sessions were destroyed after `entry.createdAt` (see
   * {@link DestroyByUserOptions.before}): the caller must then destroy that session.
   */
  indexUser?(userId: string, entry: UserIndexEntry, expiresAt: number): Promise<boolean>;
  /** Removes session `id` from `userId`'s index. Removing a missing entry is not an error. */
  unindexUser?(userId: string, id: string): Promise<void>;
  /**
   * The user's live entries, most recently seen first: the `limit` that expire
   * last when there are more. Expired entries are dropped, never returned.
   */
  listByUser?(userId: string, limit: number): Promise<IndexedUserSession[]>;
  /**
   * Removes and returns every entry of `userId` but `options.keep`, and refuses
   * older entries from then on (see {@link DestroyByUserOptions}). The caller
   * destroys the sessions returned.
   */
  destroyByUser?(userId: string, options: DestroyByUserOptions): Promise<IndexedUserSession[]>;
}
