/**
 * The rolling deploy: for a while old pods (express-session + connect-redis) and new
 * pods (podsafe session() with legacyCookie, RedisStore legacy 'dual') serve the same
 * users round robin, with no affinity. Then the old pods are gone and the new ones
 * switch to 'read'. Nobody is logged out and no counter increment is lost.
 */
import { describe, expect, it } from 'vitest';
import type { SessionOptions } from '@podsafe/core';
import { RedisStore } from '@podsafe/redis';
import { Browser } from '@podsafe/test-support/http';
import { CommandCounter } from '@podsafe/test-support/redis-monitor';
import { NEW_SECRET, OLD_SECRET, startNewExpressApp, startOldExpressApp, type RunningApp } from './apps.js';
import { useMigrationRedis } from './fixture.js';

const fixture = useMigrationRedis();
const { running, stores } = fixture;

/** Keys matching `pattern` (one SCAN call: this Redis holds a few dozen keys). */
async function keysMatching(pattern: string): Promise<string[]> {
  const [, keys] = await fixture.admin.scan('0', 'MATCH', pattern, 'COUNT', 100_000);
  return keys;
}

async function newPod(mode: 'read' | 'dual'): Promise<RunningApp> {
  const store = new RedisStore({ url: fixture.url, legacy: { format: 'connect-redis', mode } });
  stores.push(store);
  const options: SessionOptions = { store, secret: NEW_SECRET, legacyCookie: { name: 'connect.sid', secret: OLD_SECRET } };
  const app = await startNewExpressApp(options);
  running.push(app);
  return app;
}

describe('a rolling deploy from express-session + connect-redis to podsafe', () => {
  it('old and new pods alternate for several users: nobody is logged out, no increment is lost; then the switch to read adopts everyone', async () => {
    const old = await startOldExpressApp(fixture.url, { maxAge: 86_400_000 });
    running.push(old);
    const dual = await newPod('dual');

    // Some users logged in before the deploy, some log in on a new pod during it.
    const users = ['ann', 'ben', 'cat', 'dan', 'eve', 'fay'].map((user, i) => ({
      user,
      count: 0,
      browser: new Browser(i < 3 ? old.url : dual.url),
    }));
    for (const u of users) expect((await u.browser.post('/login', { user: u.user })).body).toEqual({ user: u.user, count: 0 });

    const pods = [old.url, dual.url];
    let turn = 0;
    for (let round = 0; round < 8; round++) {
      for (const u of users) {
        u.browser.baseUrl = pods[turn++ % pods.length]!;
        u.count++;
        expect((await u.browser.post('/increment')).body).toEqual({ user: u.user, count: u.count });
        u.browser.baseUrl = pods[turn++ % pods.length]!;
        expect((await u.browser.get('/me')).body).toEqual({ user: u.user, count: u.count });
      }
      turn++; // so that each user meets the other pod first in the next round
    }
    // During the deploy the legacy record is the only copy: no podsafe cookie, no podsafe record.
    for (const u of users) expect(u.browser.cookies.has('sid')).toBe(false);
    expect(await keysMatching('podsafe:*')).toEqual([]);

    // A logout on a new pod is a logout on the old ones too.
    const leaver = users.pop()!;
    leaver.browser.baseUrl = dual.url;
    await leaver.browser.post('/logout');
    const stale = leaver.browser.clone(old.url);
    expect((await stale.get('/me')).body).toEqual({ user: null, count: 0 });

    // Every pod is new: switch to read. Each user is adopted on their next request.
    const read = await newPod('read');
    for (const u of users) {
      u.browser.baseUrl = read.url;
      u.count++;
      expect((await u.browser.post('/increment')).body).toEqual({ user: u.user, count: u.count });
      expect(u.browser.cookies.has('connect.sid')).toBe(false);
      expect(u.browser.cookies.has('sid')).toBe(true);
      expect((await u.browser.get('/me')).body).toEqual({ user: u.user, count: u.count });
    }
    expect(await keysMatching('sess:*')).toEqual([]);
  });

  it('costs, on a new pod in dual mode, one read and one compare-and-set write per changed request', async () => {
    const old = await startOldExpressApp(fixture.url);
    running.push(old);
    const dual = await newPod('dual');
    const browser = new Browser(old.url);
    await browser.post('/login', { user: 'gus' });
    browser.baseUrl = dual.url;
    // The first use of each script on a connection sends its source (EVAL); count the steady state.
    await browser.post('/increment');
    const counter = new CommandCounter(fixture.url);
    try {
      // load: one EVALSHA (type, value, TTL); commit: the CAS re-reads, then writes (two EVALSHAs).
      expect(await counter.during(() => browser.post('/increment'))).toEqual({ evalsha: 3 });
      expect(await counter.during(() => browser.get('/me'))).toEqual({ evalsha: 1 });
    } finally {
      counter.close();
    }
  });
});
