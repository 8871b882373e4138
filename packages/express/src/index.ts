/**
 * `@podsafe/express`: podsafe sessions for Express through its own `session()`
 * middleware. The drop-in store for an existing express-session app is a
 * separate entry point, `@podsafe/express/express-session`, so that importing
 * it never brings this entry's `req.session` typing into an express-session app.
 *
 * @packageDocumentation
 */
export { session, type ExpressSessionOptions, type SessionMiddleware } from './middleware.js';
export type { ExpressSession, ExpressSessionControls } from './express-session-api.js';
export type { Session, SessionData, SessionOptions, SessionCookieOptions, SessionLifetime } from '@podsafe/core';
export type { SessionCookieView, NodeCallback } from '@podsafe/core/adapter';
export { SessionStoreUnavailableError, SessionTooLargeError, SessionConfigError, MemoryStore } from '@podsafe/core';
