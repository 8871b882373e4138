/** Express-only behaviour of `session()`, beyond the shared adapter suite. */
import type { AddressInfo } from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import express, { type ErrorRequestHandler } from 'express';
import { MemoryStore } from '@podsafe/core';
import { session } from '@podsafe/express';
import { RedisStore } from '@podsafe/redis';
import { Browser, openGate, reachedGate, waitAtGate } from '@podsafe/testkit';
import { CommandCounter } from '@podsafe/test-support/redis-monitor';
import { startRedis } from '@podsafe/test-support/servers';

const SECRET = 'express-middleware-secret-0123456789abcdef';
const closers: Array<() => Promise<void> | void> = [];
afterAll(async () => {
  for (const close of closers.reverse()) await close();
});

async function listen(app: express.Express): Promise<string> {
  const server = app.listen(0, '127.0.0.1');
  await new Promise<void>((resolve) => server.once('listening', resolve));
  closers.push(() => {
    server.closeAllConnections();
    server.close();
  });
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

type Data = Record<string, unknown>;

describe('session() on Express', () => {
  it('mounted twice, loads once: the second mount sees the same session object', async () => {
    const app = express();
    const store = new MemoryStore();
    const seen: unknown[] = [];
    app.use(session({ store, secret: SECRET }));
    app.use((req, _res, next) => {
      seen.push(req.session);
      next();
    });
    app.use(session({ store, secret: SECRET }));
    app.get('/', (req, res) => {
      seen.push(req.session);
      (req.session as unknown as Data).n = 1;
      res.json({ ok: true });
    });
    const reply = await new Browser(await listen(app)).get('/');
    expect(seen[0]).toBe(seen[1]);
    expect(reply.setCookies).toHaveLength(1);
  });

  it('keeps Set-Cookie headers the app set itself', async () => {
    const app = express();
    app.use(session({ store: new MemoryStore(), secret: SECRET }));
    app.get('/', (req, res) => {
      res.cookie('theme', 'dark');
      (req.session as unknown as Data).n = 1;
      res.json({ ok: true });
    });
    const reply = await new Browser(await listen(app)).get('/');
    expect(reply.setCookies.map((c) => c.split('=')[0]).sort()).toEqual(['sid', 'theme']);
  });

  it('a load failure reaches the app error handler as a 503 error with Retry-After headers', async () => {
    const redis = await startRedis();
    const store = new RedisStore({ url: redis.url });
    closers.push(() => store.close());
    const app = express();
    app.use(session({ store, secret: SECRET, retryAfter: 5 }));
    app.get('/', (req, res) => {
      (req.session as unknown as Data).n = 1;
      res.json({ ok: true });
    });
    const errors: unknown[] = [];
    const handler: ErrorRequestHandler = (err, _req, res, _next) => {
      errors.push(err);
      res.status(err.status).set(err.headers).json({ error: err.code });
    };
    app.use(handler);
    const browser = new Browser(await listen(app));
    await browser.get('/');
    await redis.stop('SIGKILL');
    const reply = await browser.get('/');
    expect(reply.status).toBe(503);
    expect(reply.headers.get('retry-after')).toBe('5');
    expect(reply.body).toEqual({ error: 'ERR_SESSION_STORE_UNAVAILABLE' });
    expect(errors).toHaveLength(1);
  });

  it('a store that dies between load and commit: 503 with Retry-After instead of the prepared response', async () => {
    const redis = await startRedis();
    const store = new RedisStore({ url: redis.url });
    closers.push(() => store.close());
    const app = express();
    app.use(session({ store, secret: SECRET }));
    app.post('/hold', async (req, res) => {
      await waitAtGate('express-commit-outage');
      (req.session as unknown as Data).n = 2;
      res.json({ ok: true });
    });
    const browser = new Browser(await listen(app));
    const pending = browser.post('/hold');
    await reachedGate('express-commit-outage');
    await redis.stop('SIGKILL');
    openGate('express-commit-outage');
    const reply = await pending;
    expect(reply.status).toBe(503);
    expect(Number(reply.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(reply.setCookies).toEqual([]);
    expect(reply.body).not.toMatchObject({ ok: true });
  });
});

describe('Redis commands per request', () => {
  it('a read-only request costs one command (HGETALL); a request changing one key costs two (HGETALL + EVALSHA)', async () => {
    const redis = await startRedis();
    closers.push(() => redis.stop());
    const store = new RedisStore({ url: redis.url });
    closers.push(() => store.close());
    const app = express();
    app.use(session({ store, secret: SECRET }));
    app.get('/read', (req, res) => res.json({ user: (req.session as unknown as Data).user ?? null }));
    app.post('/write', (req, res) => {
      (req.session as unknown as Data).counter = Date.now();
      res.json({ ok: true });
    });
    const browser = new Browser(await listen(app));
    await browser.post('/write'); // create the session (and load the Lua script)
    const counter = new CommandCounter(redis.url);
    closers.push(() => counter.close());
    const commandsDuring = (work: () => Promise<unknown>) => counter.during(work);

    const read = await commandsDuring(() => browser.get('/read'));
    const write = await commandsDuring(() => browser.post('/write'));
    console.log(`redis commands per request: read-only ${JSON.stringify(read)}, one key changed ${JSON.stringify(write)}`);
    expect(read).toEqual({ hgetall: 1 });
    expect(write).toEqual({ hgetall: 1, evalsha: 1 });
  });
});
