/**
 * FastifySessionStore: a podsafe store behind a real @fastify/session (with
 * @fastify/cookie), for apps that keep @fastify/session and only swap its store.
 */
import { createRequire } from 'node:module';
import Fastify, { type FastifyInstance, type FastifyRequest } from 'fastify';
import fastifyCookie from '@fastify/cookie';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { MemoryStore, SessionConfigError, type ClientSessionStore, type SessionStore } from '@podsafe/core';
import { FastifySessionStore } from '@podsafe/fastify';
import { SECRET_A } from '@podsafe/test-support/backends';

// Loaded without its types: @fastify/session declares its own request.session,
// which would clash with podsafe's in this test program.
const fastifySession = createRequire(import.meta.url)('@fastify/session') as Parameters<FastifyInstance['register']>[0];

/** The part of a @fastify/session session these routes use. */
interface FSession {
  sessionId: string;
  user?: string;
  regenerate(): Promise<void>;
  destroy(): Promise<void>;
}
const sessionOf = (request: FastifyRequest) => (request as unknown as { session: FSession }).session;

const apps: FastifyInstance[] = [];
afterEach(async () => {
  await Promise.all(apps.splice(0).map((app) => app.close()));
});

async function makeApp(store: SessionStore, cookie: Record<string, unknown> = {}): Promise<FastifyInstance> {
  const app = Fastify({ logger: false });
  apps.push(app);
  await app.register(fastifyCookie);
  await app.register(fastifySession, {
    secret: SECRET_A,
    store: new FastifySessionStore({ store, timeout: 0.5 }),
    saveUninitialized: false,
    cookie: { secure: false, ...cookie },
  });
  app.post<{ Body: { user: string } }>('/login', async (request) => {
    await sessionOf(request).regenerate();
    sessionOf(request).user = request.body.user;
    return { ok: true };
  });
  app.get('/me', async (request) => ({ id: sessionOf(request).sessionId, user: sessionOf(request).user ?? null }));
  app.post('/logout', async (request) => {
    await sessionOf(request).destroy();
    return { ok: true };
  });
  return app;
}

const sessionCookie = (reply: { cookies: Array<{ name: string; value: string }> }) =>
  reply.cookies.find((c) => c.name === 'sessionId')!.value;

describe('FastifySessionStore with @fastify/session', () => {
  it('stores sessions in the podsafe store, so another instance serves them', async () => {
    const store = new MemoryStore();
    const first = await makeApp(store);
    const second = await makeApp(store);
    const login = await first.inject({ method: 'POST', url: '/login', payload: { user: 'alice' } });
    const sessionId = sessionCookie(login);
    const me = await second.inject({ url: '/me', cookies: { sessionId } });
    expect(me.json()).toMatchObject({ user: 'alice' });
    const record = await store.get((me.json() as { id: string }).id);
    expect(record?.data).toMatchObject({ user: 'alice', cookie: { path: '/' } });
  });

  it('keeps a session as long as its cookie lives (maxAge), the default ttl otherwise', async () => {
    const store = new MemoryStore();
    const save = vi.spyOn(store, 'save');
    const withMaxAge = await makeApp(store, { maxAge: 600_000 });
    await withMaxAge.inject({ method: 'POST', url: '/login', payload: { user: 'bob' } });
    const ttl = save.mock.calls.at(-1)![2];
    expect(ttl).toBeGreaterThan(595);
    expect(ttl).toBeLessThanOrEqual(600);
    const browserSession = await makeApp(store);
    await browserSession.inject({ method: 'POST', url: '/login', payload: { user: 'bob' } });
    expect(save.mock.calls.at(-1)![2]).toBe(86_400);
  });

  it('destroy removes the session from the podsafe store', async () => {
    const store = new MemoryStore();
    const app = await makeApp(store);
    const sessionId = sessionCookie(await app.inject({ method: 'POST', url: '/login', payload: { user: 'carol' } }));
    const { id } = (await app.inject({ url: '/me', cookies: { sessionId } })).json() as { id: string };
    await app.inject({ method: 'POST', url: '/logout', cookies: { sessionId } });
    expect(await store.get(id)).toBeNull();
    expect((await app.inject({ url: '/me', cookies: { sessionId } })).json()).toMatchObject({ user: null });
  });

  it('a store that does not answer is a 503 with Retry-After, through Fastify error handling', async () => {
    const store = new MemoryStore();
    const app = await makeApp(store);
    const sessionId = sessionCookie(await app.inject({ method: 'POST', url: '/login', payload: { user: 'dave' } }));
    vi.spyOn(store, 'get').mockImplementation(() => new Promise(() => undefined));
    const reply = await app.inject({ url: '/me', cookies: { sessionId } });
    expect(reply.statusCode).toBe(503);
    expect(reply.headers['retry-after']).toBe('2');
    expect(reply.json()).toMatchObject({ code: 'ERR_SESSION_STORE_UNAVAILABLE' });
  });

  it('answers null for ids it could never have stored, without asking the store', async () => {
    const store = new MemoryStore();
    const get = vi.spyOn(store, 'get');
    const adapter = new FastifySessionStore({ store });
    const result = await new Promise((resolve, reject) =>
      adapter.get('../../etc/passwd', (error, session) => (error ? reject(error) : resolve(session))),
    );
    expect(result).toBeNull();
    expect(get).not.toHaveBeenCalled();
  });

  it('refuses a client-side (JWT) store with a clear error', () => {
    const jwtLike = { kind: 'client' } as unknown as ClientSessionStore;
    expect(() => new FastifySessionStore({ store: jwtLike })).toThrow(SessionConfigError);
    expect(() => new FastifySessionStore({ store: jwtLike })).toThrow(/server-side podsafe store/);
  });
});
