/**
 * `@podsafe/core/store`, for **store authors** (a backend behind the
 * `SessionStore` or `ClientSessionStore` contract): record guards and parsers,
 * session id helpers, the option checks every podsafe store uses
 * (`optionParser`), the per-call deadline (`withDeadline`) and the
 * store-unavailable errors (`storeErrors`). The contract's types and the
 * errors are in `@podsafe/core`; the executable contract is `@podsafe/testkit`.
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
export type { UserIndexEntry, IndexedUserSession, DestroyByUserOptions, UserIndexMethods } from './user-index-store.js';
export { isSessionRecord, isSessionMeta, isSessionLifetime, parseSessionRecord, isPlainObject } from './record.js';
export { generateSessionId, isSessionId, isStorableId, assertStorableId } from './id.js';
export { nowSeconds } from './expiry.js';
export { optionParser, type OptionHint, type OptionParser, type SecondsBounds, type IntegerBounds } from './option-parser.js';
export { withDeadline } from './deadline.js';
export { storeErrors, messageOf, type StoreErrors, type StoreErrorOptions } from './store-errors.js';
