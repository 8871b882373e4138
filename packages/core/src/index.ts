/**
 * `@podsafe/core`: the session engine every podsafe adapter shares, the store
 * contract every backend implements, and an in-memory store for tests.
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
export { isClientStore } from './types.js';
export {
  PodsafeError,
  SessionConfigError,
  SessionStoreUnavailableError,
  SessionTooLargeError,
  InvalidSessionIdError,
  SessionDataError,
  SessionDestroyedError,
} from './errors.js';
export { generateSessionId, isSessionId, isStorableId, assertStorableId } from './id.js';
export { Keyring, MIN_SECRET_BYTES, type Secret, type VerifyResult } from './signing.js';
export type { SessionOptions, SessionCookieOptions, ResolvedOptions } from './options.js';
export type { SessionEvent, LoadOutcome } from './events.js';
export { SessionEngine, SessionContext, type RequestInfo } from './engine.js';
export { reportLateChange } from './late-change.js';
export type { Session, SessionControls, RegenerateOptions } from './session.js';
export { RESERVED_KEYS, sessionPrototype, sessionControls } from './session.js';
export { SessionCookieView, settle, type NodeCallback } from './session-cookie-view.js';
export { isSessionRecord, isSessionMeta, isSessionLifetime, parseSessionRecord, isPlainObject } from './record.js';
export { MemoryStore, type MemoryStoreOptions } from './memory-store.js';
export { storeCall } from './timeout.js';
export { readCookies, MAX_SESSION_COOKIES } from './cookie-jar.js';
export { optionParser, type OptionHint, type OptionParser, type SecondsBounds, type IntegerBounds } from './option-parser.js';
export { withDeadline } from './deadline.js';
export { storeErrors, messageOf, type StoreErrors, type StoreErrorOptions } from './store-errors.js';
export { FOREIGN_SESSION_OPTIONS, FOREIGN_COOKIE_OPTIONS } from './foreign-options.js';
export { nowSeconds } from './expiry.js';
export type { UserIndexEntry, IndexedUserSession, DestroyByUserOptions, UserIndexMethods } from './user-index-store.js';
export { sessionHandle, type UserSessionOptions, type UserSession, type DestroyUserSessionsOptions } from './user-index.js';
export { LegacyCookie, type LegacyCookieOptions } from './legacy-cookie.js';
export { markSessionExempt } from './exempt.js';
export { WholeSessionBridge, type WholeSessionBridgeOptions } from './whole-session-bridge.js';
