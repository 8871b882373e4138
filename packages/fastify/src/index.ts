/**
 * `@podsafe/fastify`: podsafe sessions for Fastify 5, as a plugin that
 * decorates `request.session`, or as a store for an existing `@fastify/session` app.
 *
 * @packageDocumentation
 */
import { podsafe } from './plugin.js';

export { podsafe, fastifyPodsafe } from './plugin.js';
export type { FastifyPodsafeOptions } from './types.js';
export type { FastifySession, FastifySessionControls } from './fastify-session-api.js';
export { FastifySessionStore, type FastifySessionStoreOptions, type FastifySessionRecord } from './fastify-session-store.js';
export type { Session, SessionData, SessionOptions, SessionCookieOptions, SessionLifetime } from '@podsafe/core';
export type { SessionCookieView, NodeCallback } from '@podsafe/core/adapter';
export { SessionStoreUnavailableError, SessionTooLargeError, SessionConfigError, MemoryStore } from '@podsafe/core';

/** The plugin, as the default export: `import podsafe from '@podsafe/fastify'`. */
export default podsafe;
