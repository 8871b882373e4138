/**
 * `@podsafe/core`, for **app authors**: the types of sessions, options and
 * stores an app writes against, every error podsafe throws (with its `code`),
 * `MemoryStore` for tests and development, and `MIN_SECRET_BYTES`.
 *
 * Writing a store? See `@podsafe/core/store`. Writing an adapter for a web
 * framework? See `@podsafe/core/adapter`.
 *
 * @packageDocumentation
 */
export type {
  SessionData,
  SessionDataRecord,
  SessionMeta,
  SessionLifetime,
  SessionRecord,
  SessionChange,
  SessionStore,
  SessionStoreCapabilities,
  SessionStoreStatus,
  ClientSessionStore,
  DecodedClientSession,
  AnySessionStore,
  LegacySessionSource,
} from './types.js';
export {
  PodsafeError,
  SessionConfigError,
  SessionStoreUnavailableError,
  SessionTooLargeError,
  InvalidSessionIdError,
  SessionDataError,
  SessionDestroyedError,
  type PodsafeErrorCode,
} from './errors.js';
export { MIN_SECRET_BYTES, type Secret } from './signing.js';
export type { SessionOptions, SessionCookieOptions } from './options.js';
export type { SessionEvent, LoadOutcome } from './events.js';
export type { Session, SessionControls, RegenerateOptions } from './session.js';
export { MemoryStore, type MemoryStoreOptions } from './memory-store.js';
export type { UserIndexEntry, IndexedUserSession, DestroyByUserOptions, UserIndexMethods } from './user-index-store.js';
export type { UserSessionOptions, UserSession, DestroyUserSessionsOptions } from './user-index.js';
export type { LegacyCookieOptions } from './legacy-cookie.js';
export type { WholeSessionBridgeOptions } from './whole-session-bridge.js';
