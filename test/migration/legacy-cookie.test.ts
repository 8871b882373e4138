/**
 * session({ legacyCookie }): an express-session cookie is accepted once, its session
 * adopted under a new podsafe id, and podsafe's own cookie issued. A cookie that does
 * not verify is never adopted.
 */
import { createHmac } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { isSessionId } from '@podsafe/core/store';
import { RedisStore } from '@podsafe/redis';
import { Browser } from '@podsafe/test-support/http';
import { CommandCounter } from '@podsafe/test-support/redis-monitor';
import { startRedis } from '@podsafe/test-support/servers';
import { NEW_SECRET, OLD_SECRET, startNewExpressApp, startOldExpressApp, type RunningApp } from './apps.js';

let redis: Awaited<ReturnType<typeof startRedis>>;
let admin: Redis;
let old: RunningApp;
let app: RunningApp;
let store: RedisStore;
let counter: CommandCounter;

beforeAll(async () => {
  redis = await startRedis();
  admin = new Redis(redis.url);
  counter = new CommandCounter(redis.url);
  old = await startOldExpressApp(redis.url);
  store = new RedisStore({ url: redis.url, legacy: { format: 'connect-redis', mode: 'read' } });
  app = await startNewExpressApp({
    store,
    secret: NEW_SECRET,
    legacyCookie: { name: 'connect.sid', secret: ['an-older-secret', OLD_SECRET] },
  });
});

afterAll(async () => {
  await app.close();
  await old.close();
  await store.close();
  counter.close();
  admin.disconnect();
  await redis.stop();
});

function legacyId(browser: Browser): string {
  const value = decodeURIComponent(browser.cookies.get('connect.sid')!);
  return value.slice(2, value.lastIndexOf('.'));
}

async function loggedInOnOldApp(user: string): Promise<Browser> {
  const browser = new Browser(old.url);
  await browser.post('/login', { user });
  await browser.post('/increment');
  return browser;
}

/** express-session's cookie value for `id` signed with `secret` (cookie-signature). */
function expressCookie(id: string, secret: string): string {
  const mac = createHmac('sha256', secret).update(id).digest('base64').replace(/=+$/, '');
  return encodeURIComponent(`s:${id}.${mac}`);
}

describe("session({ legacyCookie }) with RedisStore legacy 'read'", () => {
  it('adopts the session under a new podsafe id, clears the old cookie, and the user stays logged in', async () => {
    const browser = await loggedInOnOldApp('alice');
    const lid = legacyId(browser);
    browser.baseUrl = app.url;

    const adopted = await browser.get('/me');
    expect(adopted.body).toEqual({ user: 'alice', count: 1 });
    const sid = browser.cookies.get('sid')!;
    const pid = sid.slice(0, sid.lastIndexOf('.'));
    expect(isSessionId(pid)).toBe(true);
    expect(pid).not.toBe(lid);
    expect(browser.cookies.has('connect.sid')).toBe(false);
    expect(adopted.setCookies.find((line) => line.startsWith('connect.sid='))).toMatch(/Max-Age=0/);
    expect(await admin.exists(`sess:${lid}`)).toBe(0);
    expect(await admin.exists(`podsafe:sess:${lid}`)).toBe(0);
    expect(await admin.hget(`podsafe:sess:${pid}`, 'd:user')).toBe('"alice"');
    expect(await admin.hexists(`podsafe:sess:${pid}`, 'd:cookie')).toBe(0);

    expect((await browser.post('/increment')).body).toEqual({ user: 'alice', count: 2 });
    expect((await browser.get('/me')).body).toEqual({ user: 'alice', count: 2 });
  });

  it('costs three Redis commands per adopted request, and a copied old cookie is worthless once adopted', async () => {
    const browser = await loggedInOnOldApp('bob');
    const copy = browser.clone();
    browser.baseUrl = app.url;
    const { eval: firstUse = 0, evalsha = 0, ...others } = await counter.during(() => browser.get('/me'));
    // Read the legacy key (type, value, TTL in one script), write the podsafe record, delete the legacy key.
    // (A script's first use on a connection is an EVAL carrying its source.)
    expect({ scripts: firstUse + evalsha, ...others }).toEqual({ scripts: 2, unlink: 1 });
    copy.baseUrl = app.url;
    expect((await copy.get('/me')).body).toEqual({ user: null, count: 0 });
  });

  it('never adopts a forged cookie, one signed with another secret, or one with a bent signature', async () => {
    const browser = await loggedInOnOldApp('carol');
    const lid = legacyId(browser);
    const genuine = browser.cookies.get('connect.sid')!;
    const forged = [
      expressCookie(lid, 'not-the-secret'),
      encodeURIComponent(`s:${lid}`),
      encodeURIComponent(`s:${lid}.`),
      genuine.slice(0, -2) + (genuine.endsWith('A') ? 'B' : 'A') + genuine.slice(-1),
      encodeURIComponent(`s:${lid}x.${decodeURIComponent(genuine).split('.').pop()}`),
    ];
    for (const value of forged) {
      const attacker = new Browser(app.url);
      attacker.cookies.set('connect.sid', value);
      expect((await attacker.get('/me')).body).toEqual({ user: null, count: 0 });
      expect(attacker.cookies.has('sid')).toBe(false);
    }
    // The genuine cookie still works afterwards: the forgeries touched nothing.
    expect(await admin.exists(`sess:${lid}`)).toBe(1);
    browser.baseUrl = app.url;
    expect((await browser.get('/me')).body).toEqual({ user: 'carol', count: 1 });
  });

  it('gives a fresh session, never an error, for a valid cookie whose session expired', async () => {
    const browser = await loggedInOnOldApp('dave');
    await admin.del(`sess:${legacyId(browser)}`);
    browser.baseUrl = app.url;
    expect((await browser.get('/me')).body).toEqual({ user: null, count: 0 });
    expect(browser.cookies.has('connect.sid')).toBe(false);
  });
});
