import type { IncomingMessage, ServerResponse } from 'node:http';
import type { TLSSocket } from 'node:tls';
import type { SessionOptions } from '@podsafe/core';
import { SessionEngine, markSessionExempt, type SessionContext } from '@podsafe/core/adapter';
import { optionParser } from '@podsafe/core/store';
import { makePropertyAddsCheap } from './cheap-properties.js';
import { commitBeforeSend } from './commit-before-send.js';
import { expressSessionPrototype, type ExpressSession } from './express-session-api.js';
import './augment.js';

/**
 * Options of {@link session}: the same options every podsafe adapter takes
 * (see `SessionOptions` in `@podsafe/core`; all times in seconds), plus `skip`.
 */
export interface ExpressSessionOptions extends SessionOptions {
  /**
   * Requests for which this returns `true` get no session: no cookie is read, no
   * store call is made, no `Set-Cookie` is sent, and reading `req.session` throws an
   * error that says the route is exempt. For health checks, metrics and static files,
   * which would otherwise cost a store read each:
   * `skip: (req) => ['/healthz', '/readyz', '/metrics'].includes(req.path) || req.path.startsWith('/static/')`.
   * Called with Express's `req` (`req.path` is relative to where the middleware is mounted).
   * @default none (every request gets a session)
   */
  skip?(req: IncomingMessage & { readonly path: string; readonly originalUrl: string }): boolean;
}

/** The minimum of an Express request the middleware reads and decorates. */
type SessionRequest = IncomingMessage & { session?: ExpressSession; secure?: boolean; ip?: string };

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
  // `skip` is this adapter's; the engine refuses options it does not know.
  const { skip: skipGiven, ...engineOptions } = options;
  const skip = skipOption(skipGiven);
  const engine = new SessionEngine(engineOptions, expressSessionPrototype);

  const middleware = (req: IncomingMessage, res: ServerResponse, next: (error?: unknown) => void): void => {
    const request = req as SessionRequest;
    if (skip?.(req as Parameters<typeof skip>[0])) {
      markSessionExempt(req, 'the `skip` option of session()');
      next();
      return;
    }
    // Mounted twice (e.g. app-wide and on a router): the first load, or exemption, stands.
    // (An exempt request's `session` is a throwing getter, so it is not read here.)
    if ('session' in request && (Object.getOwnPropertyDescriptor(request, 'session')?.get !== undefined || request.session !== undefined)) {
      next();
      return;
    }
    void start(engine, request, res, next);
  };
  return Object.assign(middleware, { engine });
}

/** Loads the session, then holds the response until it is committed (a failed commit goes to `next(error)`). */
async function start(engine: SessionEngine, req: SessionRequest, res: ServerResponse, next: (error?: unknown) => void): Promise<void> {
  const recording = engine.recording;
  let context: SessionContext;
  try {
    context = await engine.load({
      cookieHeader: req.headers.cookie,
      secure: isSecure(req),
      // Only kept (in the per-user index) with recordUserAgent / recordIp, so only read then:
      // Express's `req.ip` runs its trust-proxy check on every read.
      userAgent: recording.userAgent ? req.headers['user-agent'] : undefined,
      ip: recording.ip ? clientIp(req) : undefined,
    });
  } catch (error) {
    next(error);
    return;
  }
  makePropertyAddsCheap(req, 'complete');
  req.session = context.session as ExpressSession;
  (req as ContextRequest)[CONTEXT] = context;
  Object.defineProperty(req, 'sessionID', SESSION_ID);
  commitBeforeSend(req, res, engine, context, next);
  next();
}

const CONTEXT = Symbol('podsafe.context');
type ContextRequest = SessionRequest & { [CONTEXT]: SessionContext };

/** express-session's `req.sessionID`, following regenerate(): one shared descriptor, no closure per request. */
const SESSION_ID: PropertyDescriptor = {
  get(this: ContextRequest): string {
    return this[CONTEXT].id;
  },
  enumerable: true,
  configurable: true,
};

function skipOption(skip: unknown): ExpressSessionOptions['skip'] {
  if (skip === undefined || typeof skip === 'function') return skip as ExpressSessionOptions['skip'];
  return optionParser('session()').fail(`skip must be a function (req) => boolean, got ${typeof skip}.`);
}

/** Express's `req.ip` honours `trust proxy`; plain Node requests fall back to the socket. */
function clientIp(req: SessionRequest): string | undefined {
  return typeof req.ip === 'string' ? req.ip : req.socket.remoteAddress;
}

/** Express's `req.secure` honours `trust proxy`; plain Node requests fall back to the socket. */
function isSecure(req: SessionRequest): boolean {
  if (typeof req.secure === 'boolean') return req.secure;
  return (req.socket as Partial<TLSSocket>).encrypted === true;
}
