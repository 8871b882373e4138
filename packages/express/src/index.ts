/**
 * `@podsafe/express`: podsafe sessions for Express, as its own `session()`
 * middleware or as a drop-in store for an existing express-session app.
 *
 * @packageDocumentation
 */
export { session, type ExpressSessionOptions, type SessionMiddleware } from './middleware.js';
export { ExpressSessionStore, type ExpressSessionStoreOptions, type ExpressSessionRecord } from './express-session-store.js';
export { commitBeforeSend } from './commit-before-send.js';
export type { Session, SessionData, SessionOptions, SessionCookieOptions } from '@podsafe/core';
export { SessionStoreUnavailableError, SessionTooLargeError, SessionConfigError, MemoryStore } from '@podsafe/core';
