/**
 * From @fastify/session on connect-redis to podsafe's Fastify plugin: its cookie
 * (`sessionId=<id>.<sig>`, @fastify/cookie's signer) is adopted, in both modes.
 */
import { describe, expect, it } from 'vitest';
import { RedisStore } from '@podsafe/redis';
import { Browser } from '@podsafe/test-support/http';
import { NEW_SECRET, OLD_SECRET, startNewFastifyApp, startOldFastifyApp, type RunningApp } from './apps.js';
import { useMigrationRedis } from './fixture.js';

const fixture = useMigrationRedis();
const { running, stores } = fixture;

async function newPod(mode: 'read' | 'dual'): Promise<RunningApp> {
  const store = new RedisStore({ url: fixture.url, legacy: { format: 'connect-redis', mode } });
  stores.push(store);
  const app = await startNewFastifyApp({
    store,
    secret: NEW_SECRET,
    legacyCookie: { name: 'sessionId', secret: OLD_SECRET.repeat(2), format: '@fastify/session' },
  });
  running.push(app);
  return app;
}

describe('@podsafe/fastify with legacyCookie, from @fastify/session', () => {
  it('adopts @fastify/session cookies: dual alongside the old pod, then read', async () => {
    const old = await startOldFastifyApp(fixture.url);
    running.push(old);
    const browser = new Browser(old.url);
    expect((await browser.post('/login', { user: 'ivy' })).body).toEqual({ user: 'ivy', count: 0 });
    await browser.post('/increment');
    const raw = decodeURIComponent(browser.cookies.get('sessionId')!);
    const lid = raw.slice(0, raw.lastIndexOf('.'));
    expect(await fixture.admin.exists(`sess:${lid}`)).toBe(1);

    const dual = await newPod('dual');
    const pods = [dual.url, old.url];
    for (let i = 0; i < 4; i++) {
      browser.baseUrl = pods[i % 2]!;
      expect((await browser.post('/increment')).body).toEqual({ user: 'ivy', count: 2 + i });
    }

    const read = await newPod('read');
    browser.baseUrl = read.url;
    expect((await browser.get('/me')).body).toEqual({ user: 'ivy', count: 5 });
    expect(browser.cookies.has('sessionId')).toBe(false);
    expect(browser.cookies.has('sid')).toBe(true);
    expect(await fixture.admin.exists(`sess:${lid}`)).toBe(0);
    expect((await browser.post('/increment')).body).toEqual({ user: 'ivy', count: 6 });
  });

  it('ignores a @fastify/session cookie signed with another secret', async () => {
    const read = await newPod('read');
    const old = await startOldFastifyApp(fixture.url);
    running.push(old);
    const victim = new Browser(old.url);
    await victim.post('/login', { user: 'jon' });
    const raw = decodeURIComponent(victim.cookies.get('sessionId')!);
    const attacker = new Browser(read.url);
    attacker.cookies.set('sessionId', encodeURIComponent(`${raw.slice(0, raw.lastIndexOf('.'))}.${'A'.repeat(43)}`));
    expect((await attacker.get('/me')).body).toEqual({ user: null, count: 0 });
    victim.baseUrl = read.url;
    expect((await victim.get('/me')).body).toEqual({ user: 'jon', count: 0 });
  });
});
