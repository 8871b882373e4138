import type { IncomingMessage, ServerResponse } from 'node:http';
import type { TLSSocket } from 'node:tls';
import { SessionEngine, type SessionOptions } from '@podsafe/core';
import { commitBeforeSend } from './commit-before-send.js';
import { expressSessionPrototype, type ExpressSession } from './express-session-api.js';
import './augment.js';

/**
 * Options of {@link session}: the same options every podsafe adapter takes
 * (see `SessionOptions` in `@podsafe/core`; all times in seconds).
 */
export type ExpressSessionOptions = SessionOptions;

/** The minimum of an Express request the middleware reads and decorates. */
type SessionRequest = IncomingMessage & { session?: ExpressSession; secure?: boolean };

/** An Express middleware with the engine it runs on. */
export interface SessionMiddleware {
  (req: IncomingMessage, res: ServerResponse, next: (error?: unknown) => void): void;
  /** The engine behind the middleware (its resolved options, and `emit` for metrics). */
  readonly engine: SessionEngine;
}

/**
 * Express middleware that gives every request a `req.session` kept in
 * `options.store`.
 *
 * ```ts
 * app.use(session({ store: new RedisStore({ url }), secret: process.env.SESSION_SECRET }));
 * app.get('/', (req, res) => { req.session.views = (req.session.views ?? 0) + 1; res.json(req.session); });
 * ```
 *
 * The session is committed (store write and `Set-Cookie`) before the first
 * byte of the response is sent. When the store is unavailable, at load or at
 * commit, the request goes to Express's error handling with a
 * `SessionStoreUnavailableError` (`status` 503, `headers['Retry-After']`),
 * which the default handler answers as `503` with `Retry-After`; a commit
 * failure replaces the response the handler prepared, none of which was sent.
 *
 * @throws SessionConfigError at startup for bad options (short secret, bad ttl...).
 */
export function session(options: ExpressSessionOptions): SessionMiddleware {
  const engine = new SessionEngine(options, expressSessionPrototype);

  const middleware = (req: IncomingMessage, res: ServerResponse, next: (error?: unknown) => void): void => {
    const request = req as SessionRequest;
    if (request.session !== undefined) {
      // Mounted twice (e.g. app-wide and on a router): the first load stands.
      next();
      return;
    }
    engine
      .load({ cookieHeader: req.headers.cookie, secure: isSecure(request) })
      .then((context) => {
        request.session = context.session as ExpressSession;
        // express-session's `req.sessionID`, following regenerate().
        Object.defineProperty(request, 'sessionID', { get: () => context.id, enumerable: true, configurable: true });
        commitBeforeSend(res, () => engine.commit(context), (error) => {
          // Nothing of the prepared response has left: drop it and let Express's
          // error handling (the app's handlers, its logging, finalhandler's
          // status and `err.headers`) answer, exactly as for a failed load.
          for (const name of res.getHeaderNames()) res.removeHeader(name);
          next(error);
        });
        next();
      }, next);
  };
  return Object.assign(middleware, { engine });
}

/** Express's `req.secure` honours `trust proxy`; plain Node requests fall back to the socket. */
function isSecure(req: SessionRequest): boolean {
  if (typeof req.secure === 'boolean') return req.secure;
  return (req.socket as Partial<TLSSocket>).encrypted === true;
}
