/**
 * One browser, two interleaved requests, on real Redis: a slow request loads
 * the session, a login (regenerate) lands and sets the new cookie, then the
 * slow request finishes. Its response must not delete the login cookie, whether
 * it tried to save changes or only to slide the expiry (touch).
 */
import { afterAll, describe, expect, it } from 'vitest';
import { redisBackend } from '@podsafe/test-support/backends';
import { expressDriver } from '@podsafe/test-support/express-driver';
import { fastifyDriver } from '@podsafe/test-support/fastify-driver';
import { openGate, reachedGate, type AppDriver, type RunningApp } from '@podsafe/testkit';
import { Browser } from '@podsafe/test-support/http';

const backend = redisBackend();
const apps: RunningApp[] = [];
afterAll(async () => {
  await Promise.all(apps.map((app) => app.close()));
  await backend.close();
});

describe.each<[string, AppDriver]>([
  ['express', expressDriver],
  ['fastify', fastifyDriver],
])('%s on redis: the login cookie survives a slower request of the old session', (name, driver) => {
  const start = async () => {
    // touchAfter 0: every unchanged request touches, so the touch path is raced too.
    const app = await driver.start({ ...(await backend.options()), touchAfter: 0 });
    apps.push(app);
    return app;
  };

  it.each([
    ['a save (the slow request changed data)', { viewed: ['late'] }],
    ['a touch (the slow request changed nothing)', {}],
  ])('after %s', async (label, body) => {
    const app = await start();
    const browser = new Browser(app.url);
    await browser.post('/set', { cart: ['book'] });
    const gate = `login-race-${name}-${label}`;
    const slow = browser.post(`/hold/${encodeURIComponent(gate)}`, body);
    await reachedGate(gate);
    const login = await browser.post('/login', { user: 'alice' });
    expect(login.setCookies).toHaveLength(1);
    openGate(gate);
    const late = await slow;
    expect(late.status).toBe(200);
    expect(late.setCookies).toEqual([]);
    const after = (await browser.get('/session')).body as { data: Record<string, unknown> };
    expect(after.data).toEqual({ user: 'alice' });
  });
});
