/**
 * Passport 0.7 + passport-local, connect-flash, csrf-sync and express-rate-limit
 * on podsafe's Express middleware, on Redis and on JWT cookies, with two app
 * instances sharing the store (as two pods would).
 */
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jwtBackend, redisBackend, type Backend } from '@podsafe/test-support/backends';
import { Browser, cookieAttributes } from '@podsafe/test-support/http';
import { passportExpressApp } from './passport-express-app.js';

async function listen(backend: Backend): Promise<{ url: string; close: () => Promise<void> }> {
  const server: Server = passportExpressApp(await backend.options()).listen(0, '127.0.0.1');
  await new Promise<void>((resolve) => server.once('listening', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

for (const makeBackend of [redisBackend, jwtBackend]) {
  describe(`Passport, connect-flash, csrf-sync, express-rate-limit on Express (${makeBackend.name.replace('Backend', '')})`, () => {
    const backend = makeBackend();
    let podA: Awaited<ReturnType<typeof listen>>;
    let podB: Awaited<ReturnType<typeof listen>>;

    beforeAll(async () => {
      [podA, podB] = await Promise.all([listen(backend), listen(backend)]);
    });
    afterAll(async () => {
      await Promise.all([podA?.close(), podB?.close()]);
      await backend.close();
    });

    /** Fetches a CSRF token (csrf-sync keeps it in the session), as a login form would. */
    async function csrfToken(browser: Browser): Promise<string> {
      const reply = await browser.get('/csrf');
      expect(reply.status).toBe(200);
      return (reply.body as { token: string }).token;
    }

    async function logIn(browser: Browser, password = 'lovelace', extra: Record<string, unknown> = {}) {
      const token = await csrfToken(browser);
      return browser.post('/login', { username: 'ada', password, ...extra }, { 'x-csrf-token': token });
    }

    it('logs in with passport-local: a new session id, then req.user on the next request, on another pod', async () => {
      const browser = new Browser(podA.url);
      await csrfToken(browser);
      const before = browser.cookies.get('sid');
      const login = await logIn(browser);
      expect(login.status).toBe(302);
      expect(login.headers.get('location')).toBe('/me');
      // Passport regenerates the session at login: the pre-login id is worthless.
      expect(browser.cookies.get('sid')).toBeDefined();
      expect(browser.cookies.get('sid')).not.toBe(before);

      browser.baseUrl = podB.url;
      expect((await browser.get('/me')).body).toEqual({ user: { id: 'u1', name: 'ada' } });
    });

    it('logs out with req.logout(callback): req.user is gone and the old cookie no longer signs anyone in', async () => {
      const browser = new Browser(podA.url);
      expect((await logIn(browser)).status).toBe(302);
      const stolen = browser.clone();
      const logout = await browser.post('/logout');
      expect(logout.status).toBe(302);
      expect((await browser.get('/me')).body).toEqual({ user: null });
      stolen.baseUrl = podB.url;
      expect((await stolen.get('/me')).body).toEqual({ user: null });
    });

    it('failureFlash: a wrong password redirects to /login, which shows the message once', async () => {
      const browser = new Browser(podA.url);
      const login = await logIn(browser, 'wrong');
      expect(login.status).toBe(302);
      expect(login.headers.get('location')).toBe('/login');
      browser.baseUrl = podB.url;
      expect((await browser.get('/login')).body).toEqual({ errors: ['Wrong name or password.'] });
      expect((await browser.get('/login')).body).toEqual({ errors: [] });
      expect((await browser.get('/me')).body).toEqual({ user: null });
      // The second try, in the same session, signs in.
      expect((await logIn(browser)).headers.get('location')).toBe('/me');
      expect((await browser.get('/me')).body).toEqual({ user: { id: 'u1', name: 'ada' } });
    });

    it('connect-flash: in a signed-in session, a message set before a redirect is shown once, after it', async () => {
      const browser = new Browser(podA.url);
      expect((await logIn(browser)).status).toBe(302);
      const token = await csrfToken(browser);
      const saved = await browser.post('/notes', {}, { 'x-csrf-token': token });
      expect(saved.status).toBe(302);
      expect(saved.headers.get('location')).toBe('/notes');
      browser.baseUrl = podB.url;
      expect((await browser.get('/notes')).body).toEqual({ info: ['Note saved.'] });
      expect((await browser.get('/notes')).body).toEqual({ info: [] });
    });

    it("csrf-sync: refuses a POST without the session token or with another session's, and the token changes at login", async () => {
      const browser = new Browser(podA.url);
      const other = new Browser(podB.url);
      const foreign = await csrfToken(other);
      await csrfToken(browser);
      expect((await browser.post('/notes', {})).status).toBe(403);
      expect((await browser.post('/notes', {}, { 'x-csrf-token': foreign })).status).toBe(403);

      const before = await csrfToken(browser);
      expect((await browser.post('/login', { username: 'ada', password: 'lovelace' }, { 'x-csrf-token': before })).status).toBe(302);
      // Login regenerated the session, so the pre-login token is void; a fresh one works.
      expect((await browser.post('/notes', {}, { 'x-csrf-token': before })).status).toBe(403);
      const after = await csrfToken(browser);
      expect(after).not.toBe(before);
      expect((await browser.post('/notes', {}, { 'x-csrf-token': after })).status).toBe(302);
    });

    it('express-rate-limit keyed by req.sessionID: one budget per session, and a 429 still carries the session', async () => {
      // express-rate-limit's default memory store counts per pod, so the budget is checked on one pod.
      const alice = new Browser(podA.url);
      const bob = new Browser(podA.url);
      // A stored session (an empty one is never saved): the CSRF token puts one in.
      await csrfToken(alice);
      await csrfToken(bob);
      expect((await alice.get('/limited')).status).toBe(200);
      expect((await alice.get('/limited')).status).toBe(200);
      const limited = await alice.get('/limited');
      expect(limited.status).toBe(429);
      expect(limited.headers.get('ratelimit')).toMatch(/r=0/);
      alice.baseUrl = podB.url;
      expect((await alice.get('/csrf')).status).toBe(200);
      // Bob's session has its own budget.
      expect((await bob.get('/limited')).status).toBe(200);
    });

    it('"remember me" sets cookie.maxAge (ms): this session alone gets a 30-day persistent cookie, kept on every pod', async () => {
      const remembered = new Browser(podA.url);
      const login = await logIn(remembered, 'lovelace', { remember: true });
      const line = login.setCookies.find((c) => c.startsWith('sid='))!;
      expect(cookieAttributes(line).get('max-age')).toBe(String(30 * 24 * 3600));

      const plain = new Browser(podA.url);
      const plainLogin = await logIn(plain);
      const plainLine = plainLogin.setCookies.find((c) => c.startsWith('sid='))!;
      expect(cookieAttributes(plainLine).get('max-age')).toBe('86400');

      // The lifetime lives with the session: another pod issuing the cookie keeps it.
      remembered.baseUrl = podB.url;
      const token = await csrfToken(remembered);
      const again = await remembered.post('/notes', {}, { 'x-csrf-token': token });
      expect(again.status).toBe(302);
      const reissued = [...(await remembered.get('/csrf')).setCookies, ...again.setCookies].find((c) => c.startsWith('sid='));
      expect(reissued).toBeDefined();
      expect(cookieAttributes(reissued!).get('max-age')).toBe(String(30 * 24 * 3600));
    });
  });
}
