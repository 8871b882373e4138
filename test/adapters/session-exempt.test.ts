/**
 * Routes that never need a session cost no store call: Express's `skip(req)` option
 * and Fastify's `config: { session: false }` route flag. Measured with MONITOR on a
 * private Redis: an exempt request sends Redis nothing, even with a valid cookie.
 */
import type { AddressInfo } from 'node:net';
import express from 'express';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemoryStore } from '@podsafe/core';
import { session } from '@podsafe/express';
import { podsafe } from '@podsafe/fastify';
import { RedisStore } from '@podsafe/redis';
import { Browser } from '@podsafe/test-support/http';
import { CommandCounter } from '@podsafe/test-support/redis-monitor';
import { startRedis, type ServerProcess } from '@podsafe/test-support/servers';

const SECRET = 'session-exempt-secret-0123456789abcdef';
type Data = Record<string, unknown>;

let redis: ServerProcess & { url: string };
let counter: CommandCounter;
const closers: Array<() => unknown> = [];

beforeAll(async () => {
  redis = await startRedis();
  counter = new CommandCounter(redis.url);
});
afterAll(async () => {
  for (const close of closers.reverse()) await close();
  counter?.close();
  await redis?.stop();
});

/** Logs in, then counts Redis commands of one request to each path. */
async function commandsOf(baseUrl: string, paths: string[]) {
  const browser = new Browser(baseUrl);
  await browser.post('/login');
  expect(browser.cookies.size).toBe(1);
  const seen: Record<string, { commands: number; status: number; setCookies: number; body: unknown }> = {};
  for (const path of paths) {
    let reply: Awaited<ReturnType<Browser['get']>> | undefined;
    const counts = await counter.during(async () => {
      reply = await browser.get(path);
    });
    seen[path] = {
      commands: Object.values(counts).reduce((a, b) => a + b, 0),
      status: reply!.status,
      setCookies: reply!.setCookies.length,
      body: reply!.body,
    };
  }
  return seen;
}

describe('Express: session({ skip })', () => {
  let url: string;
  beforeAll(async () => {
    const store = new RedisStore({ url: redis.url, prefix: 'exempt:express:' });
    const app = express();
    app.use(session({ store, secret: SECRET, skip: (req) => req.path === '/healthz' || req.path.startsWith('/static/') }));
    app.post('/login', (req, res) => {
      (req.session as unknown as Data).user = 'alice';
      res.json({ ok: true });
    });
    app.get('/healthz', (_req, res) => res.json({ ok: true }));
    app.get('/static/app.js', (_req, res) => res.type('js').send('1'));
    app.get('/me', (req, res) => res.json({ user: (req.session as unknown as Data).user ?? null }));
    app.use(((error, _req, res, _next) => res.status(500).json({ message: (error as Error).message })) as express.ErrorRequestHandler);
    const server = app.listen(0, '127.0.0.1');
    await new Promise<void>((resolve) => server.once('listening', resolve));
    closers.push(
      () => store.close(),
      () => {
        server.closeAllConnections();
        server.close();
      },
    );
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  it('a skipped route makes zero Redis commands and sets no cookie; a session route still reads the session', async () => {
    const seen = await commandsOf(url, ['/healthz', '/static/app.js', '/me']);
    expect(seen['/healthz']).toMatchObject({ commands: 0, status: 200, setCookies: 0 });
    expect(seen['/static/app.js']).toMatchObject({ commands: 0, status: 200, setCookies: 0 });
    expect(seen['/me']).toMatchObject({ commands: 1, status: 200, body: { user: 'alice' } });
  });

  it('reading req.session on a skipped route throws an error that names the skip option', async () => {
    const app = express();
    let message = '';
    app.use(session({ store: new RedisStore({ url: redis.url, prefix: 'exempt:express2:' }), secret: SECRET, skip: () => true }));
    app.get('/', (req, res) => {
      try {
        void req.session.id;
      } catch (error) {
        message = (error as Error).message;
      }
      res.json({ ok: true });
    });
    const server = app.listen(0, '127.0.0.1');
    await new Promise<void>((resolve) => server.once('listening', resolve));
    closers.push(() => {
      server.closeAllConnections();
      server.close();
    });
    await new Browser(`http://127.0.0.1:${(server.address() as AddressInfo).port}`).get('/');
    expect(message).toMatch(/exempt from sessions by the `skip` option of session\(\)/);
  });

  it('refuses a skip that is not a function, at startup', () => {
    expect(() => session({ store: new MemoryStore(), secret: SECRET, skip: '/healthz' as never })).toThrow(/skip must be a function/);
  });
});

describe('Fastify: route config { session: false }', () => {
  let app: FastifyInstance;
  let url: string;
  beforeAll(async () => {
    const store = new RedisStore({ url: redis.url, prefix: 'exempt:fastify:' });
    app = Fastify();
    await app.register(podsafe, { store, secret: SECRET });
    app.post('/login', async (request) => {
      (request.session as unknown as Data).user = 'alice';
      return { ok: true };
    });
    app.get('/healthz', { config: { session: false } }, async () => ({ ok: true }));
    app.get('/healthz/peek', { config: { session: false } }, async (request) => {
      try {
        return { user: (request.session as unknown as Data).user };
      } catch (error) {
        return { message: (error as Error).message };
      }
    });
    app.get('/me', async (request) => ({ user: (request.session as unknown as Data).user ?? null }));
    url = await app.listen({ port: 0, host: '127.0.0.1' });
    closers.push(
      () => app.close(),
      () => store.close(),
    );
  });

  it('an exempt route makes zero Redis commands and sets no cookie; a session route still reads the session', async () => {
    const seen = await commandsOf(url, ['/healthz', '/me']);
    expect(seen['/healthz']).toMatchObject({ commands: 0, status: 200, setCookies: 0 });
    expect(seen['/me']).toMatchObject({ commands: 1, status: 200, body: { user: 'alice' } });
  });

  it('reading request.session on an exempt route throws an error that names the route option', async () => {
    const seen = await commandsOf(url, ['/healthz/peek']);
    expect(seen['/healthz/peek']!.body).toEqual({
      message: expect.stringMatching(/exempt from sessions by its route option `config: \{ session: false \}`/),
    });
  });
});
