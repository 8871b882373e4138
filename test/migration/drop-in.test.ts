/**
 * The drop-in path: express-session stays, connect-redis is replaced by
 * ExpressSessionStore over RedisStore({ legacy }). Users the old app logged in stay
 * logged in, with their data.
 */
import { describe, expect, it } from 'vitest';
import { RedisStore } from '@podsafe/redis';
import { Browser } from '@podsafe/test-support/http';
import { CommandCounter } from '@podsafe/test-support/redis-monitor';
import { startDropInApp, startOldExpressApp, type RunningApp } from './apps.js';
import { useMigrationRedis } from './fixture.js';

const fixture = useMigrationRedis();
const { running, stores } = fixture;

async function start<T extends RunningApp>(app: Promise<T>): Promise<T> {
  const started = await app;
  running.push(started);
  return started;
}

function legacyStore(mode: 'read' | 'dual', prefix: string): RedisStore {
  const store = new RedisStore({ url: fixture.url, prefix, legacy: { format: 'connect-redis', prefix: 'sess:', mode } });
  stores.push(store);
  return store;
}

/** The express-session id in a browser's connect.sid cookie (s:<id>.<sig>, URL-encoded). */
function sessionId(browser: Browser): string {
  const value = decodeURIComponent(browser.cookies.get('connect.sid')!);
  return value.slice(2, value.lastIndexOf('.'));
}

describe('ExpressSessionStore over RedisStore({ legacy })', () => {
  it("'read': users the connect-redis app logged in keep their session, converted on first use", async () => {
    const old = await start(startOldExpressApp(fixture.url, { maxAge: 3_600_000 }));
    const users = ['alice', 'bob', 'carol'].map((user) => ({ user, browser: new Browser(old.url) }));
    for (const { user, browser } of users) {
      await browser.post('/login', { user });
      await browser.post('/increment');
      await browser.post('/increment');
    }
    const ids = users.map(({ browser }) => sessionId(browser));
    expect(await fixture.admin.ttl(`sess:${ids[0]}`)).toBeGreaterThan(3500);

    const store = legacyStore('read', 'dropin-read:');
    const app = await start(startDropInApp(store));
    for (const { user, browser } of users) {
      browser.baseUrl = app.url;
      expect((await browser.get('/me')).body).toEqual({ user, count: 2 });
    }
    // Converted: the podsafe record exists with the legacy TTL kept, the legacy key is gone.
    expect(await fixture.admin.exists(`sess:${ids[0]}`)).toBe(0);
    expect(await fixture.admin.type(`dropin-read:${ids[0]}`)).toBe('hash');
    // (express-session itself then slides it back to the cookie's full maxAge with a touch.)
    const ttl = await fixture.admin.ttl(`dropin-read:${ids[0]}`);
    expect(ttl).toBeGreaterThan(3400);
    expect(ttl).toBeLessThanOrEqual(3600);

    // And the session goes on as a podsafe record.
    expect((await users[0]!.browser.post('/increment')).body).toEqual({ user: 'alice', count: 3 });
    expect((await users[0]!.browser.get('/me')).body).toEqual({ user: 'alice', count: 3 });
    await users[1]!.browser.post('/logout');
    expect((await users[1]!.browser.get('/me')).body).toEqual({ user: null, count: 0 });
    expect(await fixture.admin.exists(`dropin-read:${ids[1]}`, `sess:${ids[1]}`)).toBe(0);
  });

  it("'dual': an old pod and a drop-in pod alternate; each sees every change the other made", async () => {
    const old = await start(startOldExpressApp(fixture.url));
    const app = await start(startDropInApp(legacyStore('dual', 'dropin-dual:')));
    const pods = [old.url, app.url];
    const users = ['dave', 'erin'].map((user) => ({ user, browser: new Browser(pods[0]!) }));
    let turn = 0;
    const next = (browser: Browser) => (browser.baseUrl = pods[turn++ % 2]!);
    for (const { user, browser } of users) {
      next(browser);
      await browser.post('/login', { user });
    }
    for (let round = 1; round <= 6; round++) {
      for (const { user, browser } of users) {
        next(browser);
        expect((await browser.post('/increment')).body).toEqual({ user, count: round });
      }
    }
    // The legacy key stayed the record; the drop-in wrote no podsafe copy.
    const id = sessionId(users[0]!.browser);
    expect(JSON.parse((await fixture.admin.get(`sess:${id}`))!)).toMatchObject({ user: 'dave', count: 6, cookie: expect.any(Object) });
    expect(await fixture.admin.exists(`dropin-dual:${id}`)).toBe(0);
    // Logout on one pod is logout on both.
    next(users[0]!.browser);
    await users[0]!.browser.post('/logout');
    for (const pod of pods) expect((await users[0]!.browser.clone(pod).get('/me')).body).toEqual({ user: null, count: 0 });
  });

  it("'read': converting a legacy session on first use costs four commands, and a later read one", async () => {
    const store = legacyStore('read', 'dropin-cost:');
    await fixture.admin.set(
      'sess:cost-id-0000000001',
      JSON.stringify({ cookie: { originalMaxAge: null, expires: null }, user: 'gil' }),
      'EX',
      600,
    );
    await fixture.admin.set(
      'sess:cost-id-0000000002',
      JSON.stringify({ cookie: { originalMaxAge: null, expires: null }, user: 'hal' }),
      'EX',
      600,
    );
    await store.get('cost-id-0000000001'); // the first use of each script on a connection sends its source (EVAL)
    const counter = new CommandCounter(fixture.url);
    try {
      expect(await counter.during(() => store.get('cost-id-0000000002'))).toEqual({ hgetall: 1, evalsha: 3 });
      expect(await counter.during(() => store.get('cost-id-0000000002'))).toEqual({ hgetall: 1 });
    } finally {
      counter.close();
    }
    expect((await store.get('cost-id-0000000002'))?.data).toMatchObject({ user: 'hal' });
  });
});
