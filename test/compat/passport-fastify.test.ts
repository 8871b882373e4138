/**
 * @fastify/passport + passport-local and @fastify/csrf-protection on podsafe's
 * Fastify plugin, on Redis and on JWT cookies, with two app instances sharing
 * the store (as two pods would).
 */
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jwtBackend, redisBackend } from '@podsafe/test-support/backends';
import { Browser, cookieAttributes } from '@podsafe/test-support/http';
import { passportFastifyApp } from './passport-fastify-app.js';

const modes = ['@fastify/session', '@fastify/secure-session'] as const;

for (const makeBackend of [redisBackend, jwtBackend]) {
  for (const csrfMode of modes) {
    describe(`@fastify/passport and @fastify/csrf-protection (sessionPlugin ${csrfMode}) on Fastify (${makeBackend.name.replace('Backend', '')})`, () => {
      const backend = makeBackend();
      const apps: FastifyInstance[] = [];
      let urlA: string;
      let urlB: string;

      beforeAll(async () => {
        for (let i = 0; i < 2; i++) apps.push(await passportFastifyApp(await backend.options(), csrfMode));
        [urlA, urlB] = (await Promise.all(apps.map((app) => app.listen({ port: 0, host: '127.0.0.1' })))) as [string, string];
      });
      afterAll(async () => {
        await Promise.all(apps.map((app) => app.close()));
        await backend.close();
      });

      async function csrfToken(browser: Browser): Promise<string> {
        const reply = await browser.get('/csrf');
        expect(reply.status).toBe(200);
        return (reply.body as { token: string }).token;
      }

      async function logIn(browser: Browser, password = 'lovelace', extra: Record<string, unknown> = {}) {
        const token = await csrfToken(browser);
        return browser.post('/login', { username: 'ada', password, ...extra }, { 'x-csrf-token': token });
      }

      it('logs in: a new session id, then request.user on the next request, on another pod', async () => {
        const browser = new Browser(urlA);
        await csrfToken(browser);
        const before = browser.cookies.get('sid');
        const login = await logIn(browser);
        expect(login.status).toBe(302);
        expect(login.headers.get('location')).toBe('/me');
        expect(browser.cookies.get('sid')).toBeDefined();
        expect(browser.cookies.get('sid')).not.toBe(before);
        browser.baseUrl = urlB;
        expect((await browser.get('/me')).body).toEqual({ user: { id: 'u1', name: 'ada' } });
      });

      it('logs out: request.user is gone, and a copy of the old cookie signs nobody in', async () => {
        const browser = new Browser(urlA);
        expect((await logIn(browser)).status).toBe(302);
        const stolen = browser.clone(urlB);
        expect((await browser.post('/logout')).status).toBe(302);
        expect((await browser.get('/me')).body).toEqual({ user: null });
        expect((await stolen.get('/me')).body).toEqual({ user: null });
      });

      it('failureFlash: a wrong password redirects to /login, which shows the message once', async () => {
        const browser = new Browser(urlA);
        const login = await logIn(browser, 'wrong');
        expect(login.status).toBe(302);
        expect(login.headers.get('location')).toBe('/login');
        browser.baseUrl = urlB;
        expect((await browser.get('/login')).body).toEqual({ errors: ['Wrong name or password.'] });
        expect((await browser.get('/login')).body).toEqual({ errors: [] });
      });

      it("csrf-protection: refuses a POST without the session secret's token, accepts a fresh one after login", async () => {
        const browser = new Browser(urlA);
        const other = new Browser(urlB);
        const foreign = await csrfToken(other);
        expect((await browser.post('/notes', {})).status).toBe(403);
        await csrfToken(browser);
        expect((await browser.post('/notes', {}, { 'x-csrf-token': foreign })).status).toBe(403);
        expect((await logIn(browser)).status).toBe(302);
        const token = await csrfToken(browser);
        browser.baseUrl = urlB;
        expect((await browser.post('/notes', {}, { 'x-csrf-token': token })).body).toEqual({ saved: true });
      });

      it('"remember me" with session.setLifetime: a 30-day cookie for this session only', async () => {
        const remembered = new Browser(urlA);
        const line = (await logIn(remembered, 'lovelace', { remember: true })).setCookies.find((c) => c.startsWith('sid='))!;
        expect(cookieAttributes(line).get('max-age')).toBe(String(30 * 86400));
        const plain = new Browser(urlA);
        const plainLine = (await logIn(plain)).setCookies.find((c) => c.startsWith('sid='))!;
        expect(cookieAttributes(plainLine).get('max-age')).toBe('86400');
      });
    });
  }
}
