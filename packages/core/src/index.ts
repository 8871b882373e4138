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
  SessionRecord,
  SessionChange,
  SessionStore,
  SessionStoreCapabilities,
  SessionStoreStatus,
  ClientSessionStore,
  DecodedClientSession,
  AnySessionStore,
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
export type { Session, SessionControls, RegenerateOptions } from './session.js';
export { RESERVED_KEYS } from './session.js';
export { isSessionRecord, isSessionMeta, parseSessionRecord, isPlainObject } from './record.js';
export { MemoryStore, type MemoryStoreOptions } from './memory-store.js';
export { storeCall } from './timeout.js';
export { nowSeconds } from './expiry.js';
export { markSessionExempt } from './exempt.js';
export { WholeSessionBridge, type WholeSessionBridgeOptions } from './whole-session-bridge.js';
