/**
 * A "__proto__" key in session data, from the store or from a request body,
 * must never become the session object's prototype: on real Redis (the hash
 * field written with a raw client) and through the Express adapter.
 */
import { afterAll, describe, expect, it, inject } from 'vitest';
import { Redis } from 'ioredis';
import { generateSessionId } from '@podsafe/core/store';
import { Keyring, SessionEngine } from '@podsafe/core/adapter';
import { RedisStore } from '@podsafe/redis';
import { SECRET_A } from '@podsafe/test-support/backends';
import type { RunningApp } from '@podsafe/testkit';
import { expressDriver } from '@podsafe/test-support/express-driver';
import { Browser } from '@podsafe/test-support/http';

const prefix = `test:${Math.random().toString(36).slice(2)}:proto:`;
const store = new RedisStore({ url: inject('redisUrl'), prefix });
const raw = new Redis(inject('redisUrl'));
const apps: RunningApp[] = [];
afterAll(async () => {
  await Promise.all(apps.map((app) => app.close()));
  await store.close();
  await raw.quit();
});

interface View {
  id?: string;
  isNew?: boolean;
  data: Record<string, unknown>;
}

/** A session hash as RedisStore lays it out, plus a `d:__proto__` field. */
async function plantSession(): Promise<string> {
  const id = generateSessionId();
  const now = String(Date.now() / 1000);
  await raw.hset(prefix + id, { 'm:c': now, 'm:l': now, 'm:v': '1', 'd:user': '"eve"', 'd:__proto__': '{"isAdmin":true}' });
  await raw.pexpire(prefix + id, 600_000);
  return id;
}

describe('"__proto__" in session data', () => {
  it('a d:__proto__ field in Redis gives neither isAdmin nor a broken session (engine)', async () => {
    const engine = new SessionEngine({ store, secret: SECRET_A });
    const id = await plantSession();
    const context = await engine.load({ cookieHeader: `sid=${new Keyring(SECRET_A).sign(id)}`, secure: false });
    const session = context.session as unknown as Record<string, unknown>;
    expect(context.session.id).toBe(id);
    expect(session.user).toBe('eve');
    expect(session.isAdmin).toBeUndefined();
    expect(typeof context.session.regenerate).toBe('function');
    await context.session.regenerate();
    expect(context.session.id).not.toBe(id);
  });

  it('a d:__proto__ field in Redis leaves the Express session intact', async () => {
    const app = await expressDriver.start({ store, secret: SECRET_A });
    apps.push(app);
    const id = await plantSession();
    const browser = new Browser(app.url);
    browser.cookies.set('sid', new Keyring(SECRET_A).sign(id));
    const view = (await browser.get('/session')).body as View;
    expect(view).toEqual({ id, isNew: false, data: { user: 'eve' } });
  });

  it('Object.assign(req.session, body) with a "__proto__" key changes nothing but the plain keys', async () => {
    const app = await expressDriver.start({ store, secret: SECRET_A });
    apps.push(app);
    const browser = new Browser(app.url);
    const reply = await browser.post('/set', JSON.parse('{"__proto__":{"isAdmin":true},"theme":"dark"}'));
    const view = reply.body as View;
    expect(reply.status).toBe(200);
    expect(typeof view.id).toBe('string');
    expect(view.data).toEqual({ theme: 'dark' });
    expect(await raw.hkeys(prefix + view.id)).not.toContain('d:__proto__');
    expect(((await browser.get('/session')).body as View).data).toEqual({ theme: 'dark' });
  });
});
