/**
 * `@podsafe/core/adapter`, for **adapter authors** (the glue between a web
 * framework and the engine, as `@podsafe/express` and `@podsafe/fastify` are):
 * `SessionEngine` and the per-request `SessionContext`, the session object's
 * prototype and controls for a framework's compatible session API, cookie
 * reading, the express-session-style drop-in bridge, and the foreign-option
 * tables adapters refuse with hints. Apps need none of it: they use an
 * adapter and `@podsafe/core`.
 *
 * @packageDocumentation
 */
export { isClientStore } from './types.js';
export { Keyring, type VerifyResult } from './signing.js';
export type { ResolvedOptions } from './options.js';
export { SessionEngine, SessionContext, type RequestInfo } from './engine.js';
export type { CookieDecision } from './cookie-decision.js';
export { reportLateChange } from './late-change.js';
export { RESERVED_KEYS, sessionPrototype, sessionControls } from './session.js';
export { SessionCookieView, settle, type NodeCallback } from './session-cookie-view.js';
export { callbackSessionMembers } from './callback-members.js';
export { readCookies, MAX_SESSION_COOKIES } from './cookie-jar.js';
export { FOREIGN_SESSION_OPTIONS, FOREIGN_COOKIE_OPTIONS } from './foreign-options.js';
export { sessionHandle } from './user-index.js';
export { LegacyCookie } from './legacy-cookie.js';
export { markSessionExempt } from './exempt.js';
export { WholeSessionBridge } from './whole-session-bridge.js';
