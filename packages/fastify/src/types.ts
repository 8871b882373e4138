import type { SessionOptions } from '@podsafe/core';
import type { SessionEngine } from '@podsafe/core/adapter';
import type { FastifySession } from './fastify-session-api.js';

/**
 * Options of the Fastify plugin: exactly core's `SessionOptions`, the same
 * object Express's `session()` takes (all times in seconds). One definition,
 * so the adapters cannot drift apart.
 */
export type FastifyPodsafeOptions = SessionOptions;

declare module 'fastify' {
  /** A route's `config`: `@podsafe/fastify` adds `session`. */
  interface FastifyContextConfig {
    /**
     * `false` exempts the route from sessions: no cookie is read, no store call is
     * made, no `Set-Cookie` is sent, and reading `request.session` throws an error
     * that says the route is exempt. For health checks, metrics and static files:
     * `app.get('/healthz', { config: { session: false } }, handler)`.
     * @default `true` (the route has sessions)
     */
    session?: boolean;
  }

  interface FastifyRequest {
    /**
     * The podsafe session: data by property access (`request.session.views = 1`),
     * plus `id`, `isNew`, `createdAt`, `regenerate()`, `destroy()`, `save()`,
     * `touch()`, `setLifetime()`, and @fastify/session's spelling (`get`, `set`,
     * `data()`, `regenerate(keysToKeep)`, `sessionId`, `cookie`). Type the data
     * by augmenting `SessionData` from `@podsafe/core`. Set in an `onRequest`
     * hook, so it is there in every later hook and handler.
     */
    session: FastifySession;
  }

  interface FastifyInstance {
    /**
     * The session engine behind the plugin: its resolved options
     * (`app.podsafe.options.store.ping?.()` for a readiness probe) and `emit`.
     */
    podsafe: SessionEngine;
  }
}
