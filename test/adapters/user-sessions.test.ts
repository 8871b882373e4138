/**
 * Both adapters hand the engine what the per-user index may record about a
 * device (user agent, client address), and only when the app turns it on.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { MemoryStore } from '@podsafe/core';
import type { AppDriver, RunningApp } from '@podsafe/testkit';
import { expressDriver } from '@podsafe/test-support/express-driver';
import { fastifyDriver } from '@podsafe/test-support/fastify-driver';
import { Browser } from '@podsafe/test-support/http';

const SECRET = 'adapter-user-sessions-secret-0123456789abcdef';

describe.each<AppDriver>([expressDriver, fastifyDriver])('$name: the per-user index sees the device', (driver) => {
  const apps: RunningApp[] = [];
  const stores: MemoryStore[] = [];
  afterAll(async () => {
    await Promise.all(apps.map((app) => app.close()));
    await Promise.all(stores.map((store) => store.close()));
  });
  async function start(record: boolean) {
    const store = new MemoryStore();
    stores.push(store);
    const app = await driver.start({ store, secret: SECRET, userKey: 'user', recordUserAgent: record, recordIp: record });
    apps.push(app);
    return { store, app };
  }

  it('records the User-Agent and the client address (trust proxy honoured) when asked to', async () => {
    const { store, app } = await start(true);
    const browser = new Browser(app.url);
    await browser.post('/login', { user: 'alice' }, { 'user-agent': 'Firefox/140 (test)', 'x-forwarded-for': '203.0.113.9' });
    expect(await store.listByUser('alice', 10)).toEqual([expect.objectContaining({ userAgent: 'Firefox/140 (test)', ip: '203.0.113.9' })]);
    await browser.post('/logout');
    expect(await store.listByUser('alice', 10)).toEqual([]);
  });

  it('records neither by default', async () => {
    const { store, app } = await start(false);
    await new Browser(app.url).post('/login', { user: 'bob' }, { 'user-agent': 'Firefox/140 (test)' });
    const [entry] = await store.listByUser('bob', 10);
    expect(entry).toBeDefined();
    expect(entry).not.toHaveProperty('userAgent');
    expect(entry).not.toHaveProperty('ip');
  });
});
