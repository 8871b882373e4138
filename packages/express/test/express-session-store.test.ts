/**
 * The drop-in: an existing express-session app switches from connect-redis by
 * changing its `store` line, and keeps working against a real express-session.
 */
import type { AddressInfo } from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import express from 'express';
import expressSession from 'express-session';
import { MemoryStore, type ClientSessionStore } from '@podsafe/core';
import { ExpressSessionStore } from '@podsafe/express/express-session';
import { RedisStore } from '@podsafe/redis';
import { Browser } from '@podsafe/testkit';
import { startRedis } from '@podsafe/test-support/servers';

declare module 'express-session' {
  interface SessionData {
    user: string;
    views: number;
  }
}

const backing = new MemoryStore();
const servers: Array<{ close(): void; closeAllConnections(): void }> = [];

async function startApp(store: ExpressSessionStore) {
  const app = express();
  app.use(express.json());
  app.use(
    expressSession({
      store,
      secret: 'express-session-secret-0123456789abcdef',
      resave: false,
      saveUninitialized: false,
      cookie: { maxAge: 3_600_000 },
    }),
  );
  app.post('/login', (req, res) => {
    req.session.regenerate(() => {
      req.session.user = req.body.user;
      res.json({ id: req.sessionID });
    });
  });
  app.post('/view', (req, res) => {
    req.session.views = (req.session.views ?? 0) + 1;
    res.json({ views: req.session.views, user: req.session.user ?? null });
  });
  app.get('/me', (req, res) => res.json({ user: req.session.user ?? null, views: req.session.views ?? 0 }));
  app.post('/logout', (req, res) => req.session.destroy(() => res.json({ ok: true })));
  const server = app.listen(0, '127.0.0.1');
  await new Promise<void>((resolve) => server.once('listening', resolve));
  servers.push(server);
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

afterAll(() => {
  for (const server of servers) {
    server.closeAllConnections();
    server.close();
  }
});

describe('ExpressSessionStore under a real express-session', () => {
  it('stores sessions that another app instance reads back', async () => {
    const first = await startApp(new ExpressSessionStore({ store: backing }));
    const second = await startApp(new ExpressSessionStore({ store: backing }));
    const browser = new Browser(first);
    await browser.post('/login', { user: 'alice' });
    expect((await browser.post('/view')).body).toEqual({ views: 1, user: 'alice' });
    browser.baseUrl = second;
    expect((await browser.get('/me')).body).toEqual({ user: 'alice', views: 1 });
  });

  it('keeps express-session ids (32 characters) and its cookie data, with the cookie expiry as ttl', async () => {
    const url = await startApp(new ExpressSessionStore({ store: backing }));
    const browser = new Browser(url);
    const { id } = (await browser.post('/login', { user: 'bob' })).body as { id: string };
    expect(id).toHaveLength(32);
    const record = await backing.get(id);
    expect(record?.data).toMatchObject({ user: 'bob', cookie: { originalMaxAge: 3_600_000, httpOnly: true, path: '/' } });
  });

  it('destroy (logout) removes the session from the store', async () => {
    const url = await startApp(new ExpressSessionStore({ store: backing }));
    const browser = new Browser(url);
    const { id } = (await browser.post('/login', { user: 'carol' })).body as { id: string };
    await browser.post('/logout');
    expect(await backing.get(id)).toBeNull();
    expect((await browser.clone().get('/me')).body).toEqual({ user: null, views: 0 });
  });

  it('supports the callback and the promise styles, and the listing methods where the store can list', async () => {
    const store = new ExpressSessionStore({ store: new MemoryStore() });
    const sid = 'abcdefghijklmnopqrstuvwxyz012345';
    await new Promise<void>((resolve, reject) =>
      store.set(sid, { user: 'dave', cookie: { expires: new Date(Date.now() + 60_000) } }, (err) => (err ? reject(err) : resolve())),
    );
    expect(await store.get(sid)).toMatchObject({ user: 'dave' });
    expect(await store.ids!()).toEqual([sid]);
    expect(await store.length!()).toBe(1);
    expect(await store.all!()).toEqual([expect.objectContaining({ id: sid, user: 'dave' })]);
    expect(await store.touch(sid, { user: 'dave' })).toBe(true);
    await store.clear!();
    expect(await store.length!()).toBe(0);
    expect(await store.touch(sid, { user: 'dave' })).toBe(false);
  });

  it('answers "no session" for an id it could never have issued, without touching the backend', async () => {
    const store = new ExpressSessionStore({ store: backing });
    expect(await store.get('../../etc/passwd')).toBeNull();
  });

  it('emits disconnect when the backend goes down and connect when it returns, as express-session expects', async () => {
    const redis = await startRedis();
    const backend = new RedisStore({ url: redis.url });
    const store = new ExpressSessionStore({ store: backend });
    try {
      await backend.ping();
      const disconnected = new Promise<void>((resolve) => store.once('disconnect', resolve));
      await redis.stop('SIGKILL');
      await disconnected;
      const connected = new Promise<void>((resolve) => store.once('connect', resolve));
      await redis.start();
      await connected;
      await store.set('abcdefghijklmnopqrstuvwxyz012345', { user: 'erin' });
      expect(await store.get('abcdefghijklmnopqrstuvwxyz012345')).toMatchObject({ user: 'erin' });
    } finally {
      store.close();
      await backend.close();
      await redis.stop();
    }
  });

  it('refuses a client-side store with a message pointing at session()', () => {
    const client = { kind: 'client' } as unknown as ClientSessionStore;
    expect(() => new ExpressSessionStore({ store: client })).toThrow(/server-side podsafe store.*session\(\) middleware/s);
  });
});
