import { SessionConfigError } from '@podsafe/core';
import { SessionEngine } from '@podsafe/core/adapter';
import type { FastifyPluginAsync } from 'fastify';
import fp from 'fastify-plugin';
import { fastifySessionPrototype } from './fastify-session-api.js';
import { commitHook, loadHook } from './hooks.js';
import type { FastifyPodsafeOptions } from './types.js';

const plugin: FastifyPluginAsync<FastifyPodsafeOptions> = async (fastify, options) => {
  if (fastify.hasRequestDecorator('session')) {
    throw new SessionConfigError(
      'request.session is already decorated: @podsafe/fastify is registered twice in the same context, ' +
        'or next to another session plugin such as @fastify/session. Register podsafe once, at the root.',
    );
  }
  // Bad options fail here, at startup (`await app.register(...)` / `ready()`), not on the first request.
  // Fastify's own register options are Fastify's business, not session options.
  const {
    prefix: _prefix,
    logLevel: _logLevel,
    logSerializers: _logSerializers,
    ...sessionOptions
  } = options as FastifyPodsafeOptions & Record<'prefix' | 'logLevel' | 'logSerializers', unknown>;
  const engine = new SessionEngine(sessionOptions, fastifySessionPrototype);
  // Per instance, so two instances in separate contexts never see each other's state.
  const slot = Symbol('podsafe session context');

  fastify.decorate('podsafe', engine);
  // Fastify 5 wants null (not an object shared by every request); the onRequest
  // hook sets the real session before any handler runs.
  fastify.decorateRequest('session', null as never);
  fastify.decorateRequest(slot, null);
  fastify.addHook('onRequest', loadHook(engine, slot));
  fastify.addHook('onSend', commitHook(engine, slot));
};

/**
 * The podsafe Fastify plugin: every request gets a `request.session` kept in
 * `options.store`, committed (store write and `Set-Cookie`) before the reply's
 * first byte.
 *
 * ```ts
 * await app.register(podsafe, { store: new RedisStore({ url }), secret: process.env.SESSION_SECRET! });
 * app.get('/', async (request) => ({ views: (request.session.views = (request.session.views ?? 0) + 1) }));
 * ```
 *
 * Wrapped with `fastify-plugin`, so registering it at the root gives the session
 * to every route, including those in child contexts. A store outage reaches
 * Fastify's error handling as a `SessionStoreUnavailableError` (`statusCode`
 * 503, `headers['Retry-After']`).
 *
 * @throws SessionConfigError at registration for bad options, or when `request.session` is already taken.
 */
export const podsafe = fp(plugin, { fastify: '5.x', name: '@podsafe/fastify' });

/** Alias of {@link podsafe}, named the way Fastify plugins usually are. */
export const fastifyPodsafe = podsafe;
