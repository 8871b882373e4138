import { PodsafeError } from '@podsafe/core';
import { markSessionExempt, type SessionContext, type SessionEngine } from '@podsafe/core/adapter';
import type { FastifyReply, FastifyRequest, onRequestHookHandler, onSendHookHandler } from 'fastify';
import { sessionCookieHeader } from './cookie-source.js';
import { discardPreparedReply } from './discard-reply.js';
import type { FastifySession } from './fastify-session-api.js';
import { appendSetCookie } from './set-cookie.js';

/**
 * Where one plugin instance keeps a request's session state: a symbol-named
 * request decoration (declared null, so every request keeps one shape and no
 * WeakMap entry is made and dropped per request), private to the instance.
 */
export type ContextSlot = symbol;

type WithContext = Record<ContextSlot, SessionContext | null>;

/**
 * Lets a podsafe error carry its headers (`Retry-After`) whichever error
 * handler answers: Fastify's default handler applies `error.headers` itself,
 * but a custom `setErrorHandler` usually does not, and a 503 without
 * `Retry-After` makes clients and load balancers retry blindly.
 */
function withHeaders(reply: FastifyReply, error: unknown): unknown {
  if (error instanceof PodsafeError && !reply.raw.headersSent) reply.headers(error.headers);
  return error;
}

/**
 * `onRequest`: loads the session before any handler (or later hook) can want it.
 * A plain function: an exempt route is passed on with `done()` at once, the
 * rest return the load's promise, which Fastify awaits (and whose failure it
 * answers) as for an async hook.
 */
export function loadHook(engine: SessionEngine, slot: ContextSlot): onRequestHookHandler {
  const recording = engine.recording;
  return function podsafeLoad(request, reply, done) {
    // A route declared with `config: { session: false }` costs no cookie parsing and no store call.
    if (request.routeOptions.config.session === false) {
      markSessionExempt(request, 'its route option `config: { session: false }`');
      done();
      return;
    }
    return engine
      .load({
        cookieHeader: sessionCookieHeader(request, engine.options.cookieName),
        // Fastify's protocol honours `trustProxy` (X-Forwarded-Proto).
        secure: request.protocol === 'https',
        // Only kept (in the per-user index) when the app turns on recordUserAgent / recordIp, so only read then:
        // with `trustProxy`, `request.ip` walks X-Forwarded-For on every call.
        userAgent: recording.userAgent ? request.headers['user-agent'] : undefined,
        ip: recording.ip ? request.ip : undefined,
      })
      .then(
        (context) => {
          (request as unknown as WithContext)[slot] = context;
          request.session = context.session as FastifySession;
        },
        (error: unknown) => {
          throw withHeaders(reply, error);
        },
      );
  };
}

/**
 * `onSend`: commits before Fastify writes the headers, so the store write has
 * finished and `Set-Cookie` is in place when the first byte leaves; a redirect
 * right after login therefore carries a cookie that already works. The payload
 * (string, Buffer or stream) passes through untouched; if the commit fails,
 * it and the reply's headers are discarded and the error is answered instead.
 * A commit that needs no store call (the usual read) is done on the spot and
 * passed on with `done()`, so the reply goes out in the same turn; the others
 * return the commit's promise, which Fastify awaits as for an async hook.
 */
export function commitHook(engine: SessionEngine, slot: ContextSlot): onSendHookHandler<unknown> {
  return function podsafeCommit(request, reply, payload, done) {
    const context = (request as unknown as WithContext)[slot];
    if (context == null) {
      done(null, payload);
      return;
    }
    // Commit once: when it fails, the error response runs the onSend hooks again.
    (request as unknown as WithContext)[slot] = null;
    const cookies = engine.commitNow(context);
    if (cookies !== undefined) {
      sendCookies(request, reply, cookies);
      done(null, payload);
      return;
    }
    return engine.commitCookies(context).then(
      (stored) => {
        sendCookies(request, reply, stored);
        return payload;
      },
      (error: unknown) => {
        if (!reply.raw.headersSent) discardPreparedReply(reply, payload);
        throw withHeaders(reply, error);
      },
    );
  };
}

function sendCookies(request: FastifyRequest, reply: FastifyReply, cookies: readonly string[]): void {
  if (cookies.length === 0) return;
  if (reply.raw.headersSent) {
    // The handler wrote to reply.raw itself; the store is up to date but the browser cannot be told.
    request.log.warn('podsafe: the session cookie could not be sent because the headers were already written to reply.raw');
    return;
  }
  for (const cookie of cookies) appendSetCookie(reply, cookie);
}
