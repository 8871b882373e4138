/**
 * The express-session and @fastify/session spellings of the session API, as
 * plugins call them, on Redis and JWT cookies.
 */
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import express from 'express';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { session } from '@podsafe/express';
import { podsafe } from '@podsafe/fastify';
import { jwtBackend, redisBackend } from '@podsafe/test-support/backends';
import { Browser, cookieAttributes } from '@podsafe/test-support/http';

type Data = Record<string, unknown>;
const sid = (lines: string[]) => lines.find((line) => line.startsWith('sid='));

for (const makeBackend of [redisBackend, jwtBackend]) {
  const name = makeBackend.name.replace('Backend', '');

  describe(`express-session API on podsafe's Express middleware (${name})`, () => {
    const backend = makeBackend();
    let server: Server;
    let url: string;

    beforeAll(async () => {
      const app = express();
      app.use(express.json());
      app.use(session(await backend.options()));
      app.post('/callbacks', (req, res, next) => {
        const before = req.sessionID;
        (req.session as unknown as Data).step = 'before';
        req.session.save((saveError) => {
          if (saveError) return next(saveError);
          req.session.regenerate((regenerateError) => {
            if (regenerateError) return next(regenerateError);
            (req.session as unknown as Data).step = 'after';
            req.session.touch((touchError) => {
              if (touchError) return next(touchError);
              res.json({ before, after: req.sessionID, id: req.session.id });
            });
          });
        });
      });
      app.post('/reload', (req, res, next) => {
        (req.session as unknown as Data).step = 'unsaved';
        req.session.reload((error) => {
          if (error) return next(error);
          res.json({ step: (req.session as unknown as Data).step ?? null });
        });
      });
      app.post('/browser-session', (req, res) => {
        req.session.cookie.expires = null;
        res.json({ maxAge: req.session.cookie.maxAge, expires: req.session.cookie.expires });
      });
      app.get('/cookie', (req, res) => {
        res.json({ maxAge: req.session.cookie.maxAge, httpOnly: req.session.cookie.httpOnly, path: req.session.cookie.path });
      });
      app.post('/destroy', (req, res, next) => {
        req.session.destroy((error) => (error ? next(error) : res.json({ destroyed: true })));
      });
      app.post('/set-cookie-path', (req, res) => {
        try {
          (req.session.cookie as { path: string }).path = '/admin';
          res.json({ changed: true });
        } catch (error) {
          res.status(500).json({ error: (error as Error).message });
        }
      });
      server = app.listen(0, '127.0.0.1');
      await new Promise<void>((resolve) => server.once('listening', resolve));
      url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    });
    afterAll(async () => {
      await new Promise<void>((resolve) => {
        server?.close(() => resolve());
        server?.closeAllConnections();
      });
      await backend.close();
    });

    it('save, regenerate and touch take Node-style callbacks; req.sessionID follows regenerate', async () => {
      const browser = new Browser(url);
      const reply = await browser.post('/callbacks');
      expect(reply.status).toBe(200);
      const { before, after, id } = reply.body as { before: string; after: string; id: string };
      expect(before).toMatch(/^[\w-]{43}$/);
      expect(after).toBe(id);
      expect(after).not.toBe(before);
      expect((await browser.post('/reload')).body).toEqual({ step: 'after' });
    });

    it('cookie.maxAge reads in milliseconds; cookie.expires = null makes a browser-session cookie', async () => {
      const browser = new Browser(url);
      expect((await browser.get('/cookie')).body).toEqual({ maxAge: 86_400_000, httpOnly: true, path: '/' });
      await browser.post('/callbacks');
      const reply = await browser.post('/browser-session');
      expect(reply.body).toEqual({ maxAge: null, expires: null });
      const line = sid(reply.setCookies);
      expect(line).toBeDefined();
      expect(cookieAttributes(line!).has('max-age')).toBe(false);
      expect((await browser.get('/cookie')).body).toMatchObject({ maxAge: null });
    });

    it("destroy(callback) logs out; cookie attributes are the app's and say so when assigned", async () => {
      const browser = new Browser(url);
      await browser.post('/callbacks');
      expect((await browser.post('/destroy')).body).toEqual({ destroyed: true });
      expect(browser.cookies.has('sid')).toBe(false);
      const refused = await browser.post('/set-cookie-path');
      expect((refused.body as { error: string }).error).toMatch(/cookie: \{ path/);
    });
  });

  describe(`@fastify/session API on podsafe's Fastify plugin (${name})`, () => {
    const backend = makeBackend();
    let app: FastifyInstance;
    let url: string;

    beforeAll(async () => {
      app = Fastify();
      await app.register(podsafe, await backend.options());
      app.post('/set', async (request) => {
        const body = request.body as Data;
        for (const [key, value] of Object.entries(body)) request.session.set(key, value);
        return { data: request.session.data(), sessionId: request.session.sessionId, id: request.session.id };
      });
      app.post('/unset/:key', async (request) => {
        request.session.set((request.params as { key: string }).key, undefined);
        return { data: request.session.data() };
      });
      app.get('/get/:key', async (request) => ({ value: request.session.get((request.params as { key: string }).key) ?? null }));
      app.post('/regenerate', async (request) => {
        const before = request.session.sessionId;
        await request.session.regenerate(['keep']);
        return { before, after: request.session.sessionId, data: request.session.data() };
      });
      app.post('/set-reserved', async (request, reply) => {
        try {
          request.session.set('cookie' as never, 1 as never);
          return { set: true };
        } catch (error) {
          return reply.code(500).send({ error: (error as Error).message });
        }
      });
      app.post('/delete', async (request) => {
        await request.session.delete();
        return { deleted: true };
      });
      url = await app.listen({ port: 0, host: '127.0.0.1' });
    });
    afterAll(async () => {
      await app?.close();
      await backend.close();
    });

    it('get/set/data() are the session data, also by property access; sessionId is the id', async () => {
      const browser = new Browser(url);
      const reply = await browser.post('/set', { user: 'ada', cart: [1, 2] });
      const body = reply.body as { data: Data; sessionId: string; id: string };
      expect(body.data).toEqual({ user: 'ada', cart: [1, 2] });
      expect(body.sessionId).toBe(body.id);
      expect((await browser.get('/get/cart')).body).toEqual({ value: [1, 2] });
      expect((await browser.post('/unset/cart')).body).toEqual({ data: { user: 'ada' } });
      expect((await browser.get('/get/cart')).body).toEqual({ value: null });
    });

    it('regenerate(keysToKeep) moves only those keys to a new id', async () => {
      const browser = new Browser(url);
      await browser.post('/set', { keep: 'yes', drop: 'no' });
      const reply = await browser.post('/regenerate');
      const body = reply.body as { before: string; after: string; data: Data };
      expect(body.after).not.toBe(body.before);
      expect(body.data).toEqual({ keep: 'yes' });
      expect((await browser.get('/get/keep')).body).toEqual({ value: 'yes' });
      expect((await browser.get('/get/drop')).body).toEqual({ value: null });
    });

    it('refuses a reserved name in set(), and delete() logs out', async () => {
      const browser = new Browser(url);
      const refused = await browser.post('/set-reserved');
      expect((refused.body as { error: string }).error).toMatch(/"cookie" is a reserved/);
      await browser.post('/set', { user: 'ada' });
      expect((await browser.post('/delete')).body).toEqual({ deleted: true });
      expect((await browser.get('/get/user')).body).toEqual({ value: null });
    });
  });
}
