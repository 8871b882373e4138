import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SessionOptions } from '@podsafe/core';
import type { AdapterBackend, AppDriver, RunningApp } from './adapter-driver.js';
import { Browser, cookieAttributes } from './browser.js';
import { openGate, reachedGate } from './gates.js';

// Two secrets of 32+ bytes for the rotation test: A the one in use, B the one rotated in.
const SECRET_A = 'test-secret-A-0123456789abcdef0123456789';
const SECRET_B = 'test-secret-B-0123456789abcdef0123456789';

interface SessionView {
  id: string;
  isNew: boolean;
  data: Record<string, unknown>;
}

/**
 * What every framework adapter must do, on every backend, as a vitest suite:
 * the cookie's attributes (none for an empty session; signed, HttpOnly,
 * SameSite=Lax, Secure behind a trusted https proxy), sessions shared by
 * stateless replicas, login regenerating the id and logout destroying it (a
 * slower request cannot bring a logged-out session back), tampered cookies and
 * corrupt store data read as a fresh session, concurrent requests changing
 * different keys (delta-write stores), streamed responses, the cookie size
 * limit (cookie-carried stores), secret rotation, and 503 + `Retry-After`
 * during a store outage. An adapter is correct when it passes on each backend
 * it supports, as a store is when it passes {@link describeSessionStore}:
 *
 * ```ts
 * import { describeAdapterBehaviour } from '@podsafe/testkit';
 * describeAdapterBehaviour(myFrameworkDriver, () => myBackend);
 * ```
 *
 * `driver` serves the routes documented on {@link AppDriver}; `makeBackend` is
 * called once, while the suite is collected, and the backend is closed after it.
 */
export function describeAdapterBehaviour(driver: AppDriver, makeBackend: () => AdapterBackend): void {
  const backend = makeBackend();

  describe(`${driver.name} on ${backend.name}`, () => {
    const apps: RunningApp[] = [];
    const start = async (extra: Partial<SessionOptions> = {}, secrets?: string[]) => {
      const app = await driver.start({ ...(await backend.options(secrets)), ...extra });
      apps.push(app);
      return app;
    };
    let app: RunningApp;

    beforeAll(async () => {
      app = await start();
    });
    afterAll(async () => {
      await Promise.all(apps.map((a) => a.close()));
      await backend.close();
    });

    const sessionOf = async (browser: Browser) => (await browser.get('/session')).body as SessionView;

    describe('cookies', () => {
      it('a visitor whose session stays empty gets no cookie', async () => {
        const browser = new Browser(app.url);
        const reply = await browser.get('/session');
        expect(reply.status).toBe(200);
        expect(reply.setCookies).toEqual([]);
        expect((reply.body as SessionView).isNew).toBe(true);
      });

      it('storing data sets a signed, HttpOnly, SameSite=Lax cookie that brings the data back', async () => {
        const browser = new Browser(app.url);
        const reply = await browser.post('/set', { theme: 'dark' });
        expect(reply.setCookies).toHaveLength(1);
        const attributes = cookieAttributes(reply.setCookies[0]!);
        expect(attributes.has('httponly')).toBe(true);
        expect(attributes.get('samesite')?.toLowerCase()).toBe('lax');
        expect(attributes.get('path')).toBe('/');
        expect(attributes.has('secure')).toBe(false);
        expect(Number(attributes.get('max-age'))).toBeGreaterThan(0);
        const session = await sessionOf(browser);
        expect(session.data).toEqual({ theme: 'dark' });
        expect(session.isNew).toBe(false);
      });

      it('marks the cookie Secure when the request came over https (trusted proxy)', async () => {
        const browser = new Browser(app.url);
        const reply = await browser.post('/set', { a: 1 }, { 'x-forwarded-proto': 'https' });
        expect(cookieAttributes(reply.setCookies[0]!).has('secure')).toBe(true);
      });

      it('a read-only request on an existing session sends no cookie', async () => {
        const browser = new Browser(app.url);
        await browser.post('/set', { a: 1 });
        const reply = await browser.get('/session');
        expect(reply.setCookies).toEqual([]);
        expect((reply.body as SessionView).data).toEqual({ a: 1 });
      });

      it('ids are 256-bit base64url and differ per session', async () => {
        const a = new Browser(app.url);
        const b = new Browser(app.url);
        await a.post('/set', { n: 1 });
        await b.post('/set', { n: 2 });
        const [ida, idb] = [(await sessionOf(a)).id, (await sessionOf(b)).id];
        expect(ida).toMatch(/^[A-Za-z0-9_-]{43}$/);
        expect(ida).not.toBe(idb);
      });
    });

    describe('stateless replicas', () => {
      it('a session made on one instance is served by another after the first is closed', async () => {
        const first = await start();
        const second = await start();
        const browser = new Browser(first.url);
        await browser.post('/login', { user: 'alice' });
        await browser.post('/increment/counter');
        await first.close();
        browser.baseUrl = second.url;
        const session = await sessionOf(browser);
        expect(session.data).toEqual({ user: 'alice', counter: 1 });
        await browser.post('/increment/counter');
        expect((await sessionOf(browser)).data.counter).toBe(2);
      });
    });

    describe('login and logout', () => {
      it('login regenerates the id; the pre-login cookie no longer carries the session', async () => {
        const browser = new Browser(app.url);
        await browser.post('/set', { cart: ['book'] });
        const before = browser.clone();
        const anonymous = await sessionOf(browser);
        const login = await browser.post('/login', { user: 'alice' });
        const loggedIn = login.body as SessionView;
        expect(loggedIn.id).not.toBe(anonymous.id);
        expect(loggedIn.data).toEqual({ user: 'alice' });
        expect((await sessionOf(browser)).data).toEqual({ user: 'alice' });
        expect((await sessionOf(before)).data).not.toHaveProperty('user');
      });

      it('the cookie of a redirect right after login is already usable by the next request', async () => {
        const browser = new Browser(app.url);
        const reply = await browser.post('/login-redirect', { user: 'bob' });
        expect(reply.status).toBe(302);
        expect(reply.setCookies).toHaveLength(1);
        expect((await browser.get(reply.headers.get('location')!)).body).toMatchObject({ data: { user: 'bob' } });
      });

      it('logout clears the cookie, and a copy of the old cookie gets a fresh session', async () => {
        const browser = new Browser(app.url);
        await browser.post('/login', { user: 'carol' });
        const stolen = browser.clone();
        const reply = await browser.post('/logout');
        expect(reply.setCookies).toHaveLength(1);
        expect(cookieAttributes(reply.setCookies[0]!).get('max-age')).toBe('0');
        expect(browser.cookies.size).toBe(0);
        const replay = await sessionOf(stolen);
        expect(replay.isNew).toBe(true);
        expect(replay.data).toEqual({});
      });

      it('a slower request that loaded the session before logout cannot bring it back', async () => {
        const browser = new Browser(app.url);
        await browser.post('/login', { user: 'dave' });
        const slowTab = browser.clone();
        const gate = `late-save-${driver.name}-${backend.name}`;
        const slow = slowTab.post(`/hold/${gate}`, { cart: ['late'] });
        await reachedGate(gate);
        await browser.post('/logout');
        openGate(gate);
        const late = await slow;
        expect(late.status).toBe(200);
        // The late response must not hand out a working session cookie again.
        const afterwards = await sessionOf(slowTab);
        expect(afterwards.data).not.toHaveProperty('user');
        expect(afterwards.data).not.toHaveProperty('cart');
      });
    });

    describe('bad input', () => {
      const tamper = async (mutate: (value: string) => string) => {
        const browser = new Browser(app.url);
        await browser.post('/login', { user: 'eve' });
        const [name, value] = [...browser.cookies][0]!;
        browser.cookies.set(name, mutate(value));
        return browser;
      };

      it.each([
        ['a flipped character in the signature', (v: string) => v.slice(0, -2) + (v.at(-2) === 'A' ? 'B' : 'A') + v.slice(-1)],
        ['a flipped character in the id', (v: string) => (v[0] === 'A' ? 'B' : 'A') + v.slice(1)],
        ['no signature', (v: string) => v.split('.')[0]!],
        ['garbage', () => 'garbage%%%;;..'],
        ['an empty value', () => ''],
        ['4 KB of junk', () => 'x'.repeat(4000)],
      ])('a cookie with %s is a fresh session, not an error', async (_label, mutate) => {
        const browser = await tamper(mutate);
        const reply = await browser.get('/session');
        expect(reply.status).toBe(200);
        expect((reply.body as SessionView).isNew).toBe(true);
        expect((reply.body as SessionView).data).toEqual({});
      });

      it.skipIf(!backend.corrupt)('corrupt data in the store is a fresh session, not a 500', async () => {
        const browser = new Browser(app.url);
        await browser.post('/login', { user: 'frank' });
        const { id } = await sessionOf(browser);
        await backend.corrupt!(id);
        const reply = await browser.get('/session');
        expect(reply.status).toBe(200);
        expect((reply.body as SessionView).data).toEqual({});
        // ...and the user can start over.
        await browser.post('/login', { user: 'frank' });
        expect((await sessionOf(browser)).data).toEqual({ user: 'frank' });
      });
    });

    describe('concurrency', () => {
      it.skipIf(!backend.deltaWrites)('concurrent requests changing different keys both persist', async () => {
        const browser = new Browser(app.url);
        await browser.post('/set', { base: true });
        const gateA = `concurrent-a-${driver.name}-${backend.name}`;
        const gateB = `concurrent-b-${driver.name}-${backend.name}`;
        const tabA = browser.clone();
        const tabB = browser.clone();
        const a = tabA.post(`/hold/${gateA}`, { cart: ['book'] });
        const b = tabB.post(`/hold/${gateB}`, { theme: 'dark' });
        // Both requests have loaded the same session before either writes.
        await Promise.all([reachedGate(gateA), reachedGate(gateB)]);
        openGate(gateA);
        await a;
        openGate(gateB);
        await b;
        expect((await sessionOf(browser)).data).toEqual({ base: true, cart: ['book'], theme: 'dark' });
      });

      it.skipIf(!backend.deltaWrites)('parallel increments of different counters lose nothing', async () => {
        const browser = new Browser(app.url);
        await browser.post('/set', { start: 1 });
        await Promise.all(Array.from({ length: 10 }, (_, i) => browser.clone().post(`/increment/c${i}`)));
        const data = (await sessionOf(browser)).data;
        for (let i = 0; i < 10; i++) expect(data[`c${i}`]).toBe(1);
      });
    });

    describe('responses', () => {
      it('a streamed response carries the session cookie and its body intact', async () => {
        const browser = new Browser(app.url);
        const reply = await browser.post('/stream');
        expect(reply.status).toBe(200);
        expect(reply.body).toBe('one,two,three');
        expect(reply.setCookies).toHaveLength(1);
        expect((await sessionOf(browser)).data).toEqual({ streamed: true });
      });
    });

    describe.skipIf(!backend.cookieCarried)('cookie size', () => {
      it('a session too large for a cookie is a 500 before anything is sent, and the previous session survives', async () => {
        const browser = new Browser(app.url);
        await browser.post('/login', { user: 'ivan' });
        const before = new Map(browser.cookies);
        const reply = await browser.get('/big/6000');
        expect(reply.status).toBe(500);
        expect(reply.setCookies).toEqual([]);
        expect(browser.cookies).toEqual(before);
        expect((await sessionOf(browser)).data).toEqual({ user: 'ivan' });
      });
    });

    describe('secret rotation', () => {
      it('a cookie signed with a retired secret is re-issued with the new one; nobody is logged out', async () => {
        const old = await start({}, [SECRET_A]);
        const browser = new Browser(old.url);
        await browser.post('/login', { user: 'grace' });
        const signedWithA = [...browser.cookies][0]![1];

        const rotated = await start({}, [SECRET_B, SECRET_A]);
        browser.baseUrl = rotated.url;
        const reply = await browser.get('/session');
        expect((reply.body as SessionView).data).toEqual({ user: 'grace' });
        expect(reply.setCookies).toHaveLength(1);
        const signedWithB = [...browser.cookies][0]![1];
        expect(signedWithB).not.toBe(signedWithA);

        // Once A is removed, the re-issued cookie still works and the old one does not.
        const onlyB = await start({}, [SECRET_B]);
        browser.baseUrl = onlyB.url;
        expect((await sessionOf(browser)).data).toEqual({ user: 'grace' });
        const stale = new Browser(onlyB.url);
        stale.cookies.set([...browser.cookies][0]![0], signedWithA);
        expect((await sessionOf(stale)).data).toEqual({});
      });
    });

    describe.skipIf(!backend.stoppable)('store outage', () => {
      it('answers 503 with Retry-After while the store is down, and recovers by itself', async () => {
        const stoppable = await backend.stoppable!();
        try {
          const outageApp = await driver.start(await stoppable.options());
          apps.push(outageApp);
          const browser = new Browser(outageApp.url);
          await browser.post('/login', { user: 'heidi' });
          await stoppable.stop();
          const down = await browser.get('/session');
          expect(down.status).toBe(503);
          expect(Number(down.headers.get('retry-after'))).toBeGreaterThan(0);
          const downWrite = await browser.post('/increment/counter');
          expect(downWrite.status).toBe(503);
          await stoppable.start();
          // Recovery is the store reconnecting on its own: retry until it has.
          let reply = await browser.get('/session');
          for (let i = 0; i < 100 && reply.status !== 200; i++) {
            await new Promise((r) => setTimeout(r, 100));
            reply = await browser.get('/session');
          }
          expect(reply.status).toBe(200);
          // The in-memory test servers lose data on restart; the app must serve again either way.
          await browser.post('/login', { user: 'heidi' });
          expect((await sessionOf(browser)).data).toEqual({ user: 'heidi' });
        } finally {
          await stoppable.close();
        }
      });
    });
  });
}
