/**
 * Cookie tossing over real HTTP: a sibling subdomain sets `sid` for the parent
 * domain, so the browser sends two `sid` cookies. The adapters hand the engine
 * every one of them (also when @fastify/cookie parsed the header first), and the
 * one that holds a session wins.
 */
import type { AddressInfo } from 'node:net';
import Fastify from 'fastify';
import fastifyCookie from '@fastify/cookie';
import { afterAll, describe, expect, it } from 'vitest';
import { podsafe } from '@podsafe/fastify';
import { memoryBackend } from '@podsafe/test-support/backends';
import type { AppDriver, RunningApp } from '@podsafe/testkit';
import { expressDriver } from '@podsafe/test-support/express-driver';
import { fastifyDriver } from '@podsafe/test-support/fastify-driver';
import { Browser } from '@podsafe/test-support/http';

const backend = memoryBackend();
const apps: RunningApp[] = [];
afterAll(async () => {
  await Promise.all(apps.map((app) => app.close()));
  await backend.close();
});

/** The Fastify driver's routes we need, with @fastify/cookie registered before podsafe. */
const fastifyWithCookieDriver: AppDriver = {
  name: 'fastify + @fastify/cookie',
  async start(options) {
    const app = Fastify({ logger: false, forceCloseConnections: true });
    await app.register(fastifyCookie);
    await app.register(podsafe, options);
    app.get('/session', async (request) => ({ id: request.session.id, isNew: request.session.isNew, data: { ...request.session } }));
    app.post<{ Body: { user: string } }>('/login', async (request) => {
      await request.session.regenerate();
      (request.session as unknown as Record<string, unknown>).user = request.body.user;
      return { ok: true };
    });
    await app.listen({ port: 0, host: '127.0.0.1' });
    return { url: `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`, close: () => app.close() };
  },
};

describe.each([expressDriver, fastifyDriver, fastifyWithCookieDriver])('$name: two cookies named sid', (driver) => {
  it('a tossed cookie sent first does not hide the session, and is not answered with a cookie', async () => {
    const app = await driver.start(await backend.options());
    apps.push(app);
    const browser = new Browser(app.url);
    await browser.post('/login', { user: 'alice' });
    const real = browser.cookies.get('sid')!;
    // A jar-less client: the header goes out exactly as written.
    const reply = await new Browser(app.url).get('/session', { cookie: `sid=tossed-by-a-sibling.x; sid=${real}` });
    expect(reply.body).toMatchObject({ isNew: false, data: { user: 'alice' } });
    expect(reply.setCookies).toEqual([]);
  });
});
