import type { CookieDecision } from './cookie-decision.js';
import type { DataDiff } from './changes.js';
import { ClientSideStrategy } from './client-side-strategy.js';
import type { SessionEngine } from './engine.js';
import type { LoadOutcome } from './events.js';
import type { LegacyAdoption } from './legacy-adoption.js';
import type { ResolvedOptions } from './options.js';
import { ServerSideStrategy } from './server-side-strategy.js';
import { isClientStore, type AnySessionStore, type LegacySessionSource, type SessionMeta, type SessionRecord } from './types.js';
import type { IndexedWrite } from './user-index.js';
import type { IndexedUserSession, UserIndexEntry } from './user-index-store.js';

/** A session a cookie carried, as a strategy read it. */
export interface FoundSession {
  /** The session id. */
  id: string;
  /** Its data and bookkeeping. */
  record: SessionRecord;
  /** When the token that carried it expires (unix seconds); only a client-side session has one. */
  expiresAt?: number | undefined;
  /** The cookie must be sent again even if nothing changes (it was signed with an older secret or key). */
  reissue: boolean;
}

/** One commit that must reach the store (or the token), as `SessionContext` hands it to its strategy. */
export interface PendingWrite {
  /** The session id. */
  id: string;
  /** Never written before. */
  isNew: boolean;
  /** Data or lifetime changed since the session was loaded or last written. */
  changed: boolean;
  /** An unchanged session's expiry is due to slide. */
  touchDue: boolean;
  /** What changed since the last write, and the whole data now. */
  changes: DataDiff;
  /** The bookkeeping as it stands before this write. */
  meta: SessionMeta;
  /** The bookkeeping to write: `lastSeenAt` is now; `version` is the store's. */
  next: Omit<SessionMeta, 'version'>;
  /** `meta.lifetime` was set or cleared since the last write. */
  lifetimeChanged: boolean;
  /** Unix seconds. */
  now: number;
  /** Seconds the session has left after this write. */
  ttl: number;
  /** Whether the cookie carries `Max-Age`. */
  persistent: boolean;
  /** The per-user index step, with `userKey`; the write runs inside `UserIndex.commit`. */
  index: IndexedWrite | undefined;
  /** Where the indexed user is kept once the index took the write. */
  owner: { indexedUser: string | undefined };
}

/** How a write ended. */
export type WriteResult =
  | {
      /** The store write made: `none` when only the cookie had to be re-signed. */
      readonly action: 'save' | 'touch' | 'none';
      /** The session's bookkeeping after the write. */
      readonly meta: SessionMeta;
      /** The cookie to send. */
      readonly cookie: CookieDecision;
      /** When the token written expires (unix seconds); `undefined`: unchanged. */
      readonly expiresAt: number | undefined;
    }
  | {
      /** The store (or the per-user index) refused: the session ended elsewhere, or its user signed out everywhere. */
      readonly action: 'refused';
      /** `true`: clear the browser's cookie (it is the revoked session); `false`: send nothing, it may be a newer login's. */
      readonly clear: boolean;
    };

/**
 * Where a session lives, chosen once per engine from the kind of store: a
 * server-side store keeps the record and the cookie carries its id, signed with
 * the engine's keyring ({@link ServerSideStrategy}); a client-side store's token
 * is the session ({@link ClientSideStrategy}). `SessionContext` keeps the state
 * and the diff; everything that depends on where the session lives is here.
 */
export interface PersistenceStrategy {
  /** The options its sessions are served under: the engine's, or the old library's during a `'dual'` migration. */
  readonly options: ResolvedOptions;
  /** The `legacyCookie` load path; only a server-side store has legacy sessions. */
  readonly legacy: LegacyAdoption | undefined;
  /**
   * A new session is written before it is indexed (then a sign-out that took
   * its entry finds it in the store): server-side. A token has nothing a
   * sign-out could find, so it is indexed first, like every update.
   */
  readonly writesBeforeIndexing: boolean;
  /** The session a cookie value carries, or why there is none. Never rejects for bad input. */
  read(raw: string, now: number): Promise<FoundSession | Exclude<LoadOutcome, 'found' | 'none'>>;
  /** The record as stored now, for `reload()`; `undefined` when the cookie is all there is (go back to what was loaded). */
  reread(id: string): Promise<SessionRecord | null> | undefined;
  /** Writes a commit (inside the per-user index, when there is one) and says which cookie to send. */
  write(pending: PendingWrite): Promise<WriteResult>;
  /**
   * Ends session `id` for good: deletes the record, or revokes the token for as
   * long as one of this id can live (`expiresAt`, the longest token known;
   * `ownTtl`, the session's own idle ttl).
   */
  revoke(id: string, expiresAt: number | undefined, ownTtl?: number): Promise<void>;
  /**
   * A per-user index entry as it stands: with the record's times, or `null`
   * when its session is gone (the caller prunes it). Entries of a client-side
   * store are the truth (its index lives with the revocation list).
   */
  liveEntry(entry: IndexedUserSession, now: number): Promise<UserIndexEntry | null> | UserIndexEntry;
  /** The startup message when `userKey` is set and the store keeps no per-user index. */
  noUserIndex(storeName: string): string;
}

/** The one place the kind of store is looked at: the engine's strategy, chosen once in its constructor. */
export function selectStrategy(engine: SessionEngine, options: ResolvedOptions): PersistenceStrategy {
  const store = options.store;
  return isClientStore(store) ? new ClientSideStrategy(engine, store, options) : new ServerSideStrategy(engine, store, options);
}

/** Whether the engine must sign the cookie (`secret` required): a client-side store's token signs itself. */
export function needsCookieSecret(store: AnySessionStore): boolean {
  return !isClientStore(store);
}

/** The legacy sessions a store offers for `legacyCookie`; a client-side store has none. */
export function legacySessionsOf(store: AnySessionStore): LegacySessionSource | undefined {
  return isClientStore(store) ? undefined : store.legacy;
}
