/**
 * The apps of a migration: the old one (express-session or @fastify/session on
 * connect-redis 9 over node-redis, as deployed today) and the new ones (podsafe).
 * Every app serves the same routes, so a test can send one user to either:
 *   POST /login {user}   GET /me -> {user, count}   POST /increment -> {user, count}   POST /logout
 */
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import express from 'express';
import Fastify from 'fastify';
import type { SessionOptions } from '@podsafe/core';
import { session } from '@podsafe/express';
import { ExpressSessionStore } from '@podsafe/express/express-session';
import { podsafe } from '@podsafe/fastify';
import type { RedisStore } from '@podsafe/redis';

// Untyped on purpose: @types/express-session declares a global `req.session` that
// clashes with the one podsafe's session() declares (see express-session-store.ts).
const require = createRequire(import.meta.url);
type Middleware = (req: IncomingMessage, res: ServerResponse, next: (error?: unknown) => void) => void;
const expressSession = require('express-session') as (options: object) => Middleware;
const { RedisStore: ConnectRedisStore } = require('connect-redis') as { RedisStore: new (options: object) => object };
const { createClient } = require('redis') as { createClient(options: { url: string }): NodeRedisClient };

interface NodeRedisClient {
  connect(): Promise<unknown>;
  quit(): Promise<unknown>;
}

/** express-session's secret in the old app. */
export const OLD_SECRET = 'the-old-express-session-secret';
/** podsafe's own secret in the new app. */
export const NEW_SECRET = 'the-new-podsafe-secret-0123456789abcdef0123';

export interface RunningApp {
  url: string;
  close(): Promise<void>;
}

type AnyRequest = {
  session: Record<string, unknown> & { regenerate(cb?: (e?: unknown) => void): unknown; destroy(cb?: (e?: unknown) => void): unknown };
  body?: { user?: string };
};
type Send = { json(body: unknown): void };

/** The routes on an express-session app (callback API) or a podsafe one (promise API). */
function routes(app: express.Express, style: 'express-session' | 'podsafe'): void {
  const me = (req: AnyRequest) => ({ user: req.session.user ?? null, count: req.session.count ?? 0 });
  const call = (req: AnyRequest, method: 'regenerate' | 'destroy') =>
    style === 'podsafe'
      ? (req.session[method]() as Promise<void>)
      : new Promise<void>((resolve, reject) => req.session[method]((e) => (e ? reject(e) : resolve())));
  app.post('/login', async (req, res) => {
    const r = req as unknown as AnyRequest;
    await call(r, 'regenerate');
    r.session.user = r.body?.user;
    (res as Send).json(me(r));
  });
  app.get('/me', (req, res) => (res as Send).json(me(req as unknown as AnyRequest)));
  app.post('/increment', (req, res) => {
    const r = req as unknown as AnyRequest;
    r.session.count = ((r.session.count as number | undefined) ?? 0) + 1;
    (res as Send).json(me(r));
  });
  app.post('/logout', async (req, res) => {
    await call(req as unknown as AnyRequest, 'destroy');
    res.json({ user: null, count: 0 });
  });
}

async function listen(app: express.Express, onClose: () => Promise<unknown>): Promise<RunningApp> {
  const server: Server = app.listen(0, '127.0.0.1');
  await new Promise<void>((resolve) => server.once('listening', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    async close() {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      await onClose();
    },
  };
}

/** The old app: express-session + connect-redis 9 on node-redis, connect-redis's defaults (prefix `sess:`). */
export async function startOldExpressApp(redisUrl: string, cookie: { maxAge?: number } = {}): Promise<RunningApp> {
  const client = createClient({ url: redisUrl });
  await client.connect();
  const app = express();
  app.use(express.json());
  app.use(
    expressSession({ store: new ConnectRedisStore({ client }), secret: OLD_SECRET, resave: false, saveUninitialized: false, cookie }),
  );
  routes(app, 'express-session');
  return listen(app, () => client.quit());
}

/** The drop-in: the same express-session app, connect-redis swapped for podsafe's ExpressSessionStore. */
export async function startDropInApp(store: RedisStore): Promise<RunningApp> {
  const app = express();
  app.use(express.json());
  app.use(expressSession({ store: new ExpressSessionStore({ store }), secret: OLD_SECRET, resave: false, saveUninitialized: false }));
  routes(app, 'express-session');
  return listen(app, async () => undefined);
}

/** The new app: podsafe's session(). */
export async function startNewExpressApp(options: SessionOptions): Promise<RunningApp> {
  const app = express();
  app.use(express.json());
  app.use(session(options));
  routes(app, 'podsafe');
  return listen(app, async () => undefined);
}

/** The old Fastify app: @fastify/session on connect-redis 9 (node-redis). */
export async function startOldFastifyApp(redisUrl: string): Promise<RunningApp> {
  const client = createClient({ url: redisUrl });
  await client.connect();
  const app = Fastify();
  await app.register(require('@fastify/cookie'));
  await app.register(require('@fastify/session'), {
    secret: OLD_SECRET.repeat(2),
    store: new ConnectRedisStore({ client }),
    saveUninitialized: false,
    cookie: { secure: false },
  });
  type FastifySessionRequest = { session: { user?: string; count?: number; regenerate(): Promise<void> }; body?: { user?: string } };
  app.post('/login', async (request) => {
    const r = request as unknown as FastifySessionRequest;
    await r.session.regenerate();
    r.session.user = r.body?.user;
    return { user: r.session.user, count: r.session.count ?? 0 };
  });
  app.post('/increment', async (request) => {
    const r = request as unknown as FastifySessionRequest;
    r.session.count = (r.session.count ?? 0) + 1;
    return { user: r.session.user ?? null, count: r.session.count };
  });
  await app.listen({ port: 0, host: '127.0.0.1' });
  return {
    url: `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`,
    async close() {
      await app.close();
      await client.quit();
    },
  };
}

/** The new Fastify app: podsafe's plugin. */
export async function startNewFastifyApp(options: SessionOptions): Promise<RunningApp> {
  const app = Fastify();
  await app.register(podsafe, options);
  type Req = { session: Record<string, unknown> };
  app.get('/me', async (request) => {
    const s = (request as unknown as Req).session;
    return { user: s.user ?? null, count: s.count ?? 0 };
  });
  app.post('/increment', async (request) => {
    const s = (request as unknown as Req).session;
    s.count = ((s.count as number | undefined) ?? 0) + 1;
    return { user: s.user ?? null, count: s.count };
  });
  await app.listen({ port: 0, host: '127.0.0.1' });
  return {
    url: `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`,
    close: () => app.close(),
  };
}
