/**
 * What only the Fastify adapter has to get right (the shared behaviour suite,
 * the testkit's describeAdapterBehaviour, covers the session semantics): plugin
 * metadata and encapsulation, living next to @fastify/cookie, Fastify's error handling and logging, inject,
 * hijacked replies, and the secret-rotation bug @fastify/session has.
 */
import { createRequire } from 'node:module';
import { Writable } from 'node:stream';
import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify';
import fastifyCookie from '@fastify/cookie';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  MemoryStore,
  SessionConfigError,
  SessionStoreUnavailableError,
  SessionTooLargeError,
  type SessionChange,
  type SessionOptions,
  type SessionRecord,
  type SessionStore,
} from '@podsafe/core';
import { SessionEngine } from '@podsafe/core/adapter';
import podsafeDefault, { fastifyPodsafe, podsafe } from '@podsafe/fastify';
import { SECRET_A, SECRET_B } from '@podsafe/test-support/backends';
import { Browser, cookieAttributes } from '@podsafe/testkit';

type Data = Record<string, unknown>;
type CookiePlacement = 'none' | 'before' | 'after';

/** A MemoryStore that can be switched off (every call then fails like a lost connection) and caps record size. */
class FlakyStore implements SessionStore {
  readonly kind = 'server' as const;
  readonly capabilities = { deltaWrites: true };
  readonly inner = new MemoryStore();
  down = false;
  maxBytes = Number.POSITIVE_INFINITY;

  async get(id: string): Promise<SessionRecord | null> {
    this.#check();
    return this.inner.get(id);
  }
  async save(id: string, change: SessionChange, ttl: number): Promise<boolean> {
    this.#check();
    const size = Buffer.byteLength(JSON.stringify(change.data));
    if (size > this.maxBytes) throw new SessionTooLargeError('The session', size, this.maxBytes);
    return this.inner.save(id, change, ttl);
  }
  async touch(id: string, lastSeenAt: number, ttl: number): Promise<boolean> {
    this.#check();
    return this.inner.touch(id, lastSeenAt, ttl);
  }
  async destroy(id: string): Promise<void> {
    this.#check();
    return this.inner.destroy(id);
  }
  close(): Promise<void> {
    return this.inner.close();
  }
  #check(): void {
    if (this.down) throw new Error('connect ECONNREFUSED 127.0.0.1:6379');
  }
}

interface AppSetup {
  options?: Partial<SessionOptions>;
  cookie?: CookiePlacement;
  fastify?: FastifyServerOptions;
  routes?: (app: FastifyInstance) => void;
}

const apps: FastifyInstance[] = [];
afterEach(async () => {
  await Promise.all(apps.splice(0).map((app) => app.close()));
});

/** A Fastify app with podsafe (and @fastify/cookie where asked) and a few routes. */
async function makeApp(setup: AppSetup = {}): Promise<FastifyInstance> {
  const app = Fastify({ logger: false, trustProxy: true, forceCloseConnections: true, ...setup.fastify });
  apps.push(app);
  if (setup.cookie === 'before') await app.register(fastifyCookie);
  await app.register(podsafe, { store: new MemoryStore(), secret: SECRET_A, ...setup.options });
  if (setup.cookie === 'after') await app.register(fastifyCookie);
  app.get('/session', async (request) => ({
    id: request.session.id,
    isNew: request.session.isNew,
    data: { ...(request.session as unknown as Data) },
  }));
  app.post<{ Body: { user: string } }>('/login', async (request) => {
    await request.session.regenerate();
    (request.session as unknown as Data).user = request.body.user;
    return { ok: true };
  });
  setup.routes?.(app);
  return app;
}

async function listen(app: FastifyInstance): Promise<string> {
  return app.listen({ port: 0, host: '127.0.0.1' });
}

/** Collects the JSON lines a Fastify (pino) logger writes. */
function logSink(): { lines: Array<Record<string, unknown>>; stream: Writable } {
  const lines: Array<Record<string, unknown>> = [];
  const stream = new Writable({
    write(chunk, _encoding, done) {
      for (const line of String(chunk).split('\n').filter(Boolean)) lines.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  return { lines, stream };
}

const sessionCookieOf = (setCookies: string[]) => setCookies.find((line) => line.startsWith('sid='));

describe('plugin metadata and registration', () => {
  it('is a fastify-plugin named @podsafe/fastify for Fastify 5, exported as default, podsafe and fastifyPodsafe', async () => {
    const meta = (podsafe as unknown as Record<symbol, unknown>)[Symbol.for('plugin-meta')];
    expect(meta).toMatchObject({ name: '@podsafe/fastify', fastify: '5.x' });
    expect((podsafe as unknown as Record<symbol, unknown>)[Symbol.for('skip-override')]).toBe(true);
    expect(podsafeDefault).toBe(podsafe);
    expect(fastifyPodsafe).toBe(podsafe);
    const app = await makeApp();
    expect(app.hasPlugin('@podsafe/fastify')).toBe(true);
  });

  it('decorates the instance with the engine, for readiness probes and metrics', async () => {
    const store = new MemoryStore();
    const app = await makeApp({ options: { store, cookieName: 'app_sid' } });
    expect(app.podsafe).toBeInstanceOf(SessionEngine);
    expect(app.podsafe.options.store).toBe(store);
    expect(app.podsafe.options.cookieName).toBe('app_sid');
  });

  it('refuses bad options at registration, not on the first request', async () => {
    const app = Fastify({ logger: false });
    apps.push(app);
    await expect(app.register(podsafe, { store: new MemoryStore(), secret: 'too short' })).rejects.toThrow(SessionConfigError);
  });

  it('registered twice in one context: a clear error at startup', async () => {
    const app = Fastify({ logger: false });
    apps.push(app);
    app.register(podsafe, { store: new MemoryStore(), secret: SECRET_A });
    app.register(podsafe, { store: new MemoryStore(), secret: SECRET_A });
    await expect(app.ready()).rejects.toThrow(/registered twice/);
  });

  it('next to @fastify/session: a clear error instead of two plugins fighting over request.session', async () => {
    // Loaded without its types: they declare their own request.session.
    const fastifySession = createRequire(import.meta.url)('@fastify/session') as Parameters<FastifyInstance['register']>[0];
    const app = Fastify({ logger: false });
    apps.push(app);
    app.register(fastifyCookie);
    app.register(fastifySession, { secret: SECRET_A });
    app.register(podsafe, { store: new MemoryStore(), secret: SECRET_A });
    await expect(app.ready()).rejects.toThrow(/@fastify\/session/);
  });
});

describe('encapsulation', () => {
  it('registered at the root, routes in child contexts (prefixes, nested plugins) see request.session', async () => {
    const app = await makeApp({
      routes(app) {
        app.register(
          async (api) => {
            api.post('/remember', async (request) => {
              (request.session as unknown as Data).remembered = true;
              return { ok: true };
            });
            api.register(async (nested) => {
              nested.get('/deep', async (request) => ({ data: { ...(request.session as unknown as Data) } }));
            });
          },
          { prefix: '/api' },
        );
      },
    });
    const browser = new Browser(await listen(app));
    expect((await browser.post('/api/remember')).setCookies).toHaveLength(1);
    expect((await browser.get('/api/deep')).body).toEqual({ data: { remembered: true } });
    expect(((await browser.get('/session')).body as { data: Data }).data).toEqual({ remembered: true });
  });

  it('registered inside a child context, it stays in that context', async () => {
    const app = Fastify({ logger: false });
    apps.push(app);
    await app.register(async (child) => {
      await child.register(podsafe, { store: new MemoryStore(), secret: SECRET_A });
      child.get('/inside', async (request) => ({ hasSession: typeof request.session?.id === 'string' }));
    });
    app.get('/outside', async (request) => ({ session: request.session ?? 'absent' }));
    expect((await app.inject('/inside')).json()).toEqual({ hasSession: true });
    expect((await app.inject('/outside')).json()).toEqual({ session: 'absent' });
  });
});

describe('cookies, with and without @fastify/cookie', () => {
  it.each<CookiePlacement>(['none', 'before', 'after'])(
    '@fastify/cookie %s: sessions work, and every Set-Cookie the route set is kept beside the session cookie',
    async (cookie) => {
      const app = await makeApp({
        cookie,
        routes(app) {
          app.post('/mixed', async (request, reply) => {
            (request.session as unknown as Data).theme = 'dark';
            reply.header('set-cookie', 'plain=1; Path=/');
            reply.raw.setHeader('x-raw', 'yes');
            if (cookie !== 'none') (reply as unknown as { setCookie(n: string, v: string): void }).setCookie('pref', 'compact');
            return { ok: true };
          });
        },
      });
      const browser = new Browser(await listen(app));
      await browser.post('/login', { user: 'alice' });
      const reply = await browser.post('/mixed');
      const names = reply.setCookies.map((line) => line.split('=')[0]).sort();
      expect(names).toEqual(cookie === 'none' ? ['plain', 'sid'] : ['plain', 'pref', 'sid']);
      expect(reply.headers.get('x-raw')).toBe('yes');
      expect(((await browser.get('/session')).body as { data: Data }).data).toEqual({ user: 'alice', theme: 'dark' });
    },
  );

  it('keeps a Set-Cookie written straight on reply.raw, which Fastify would otherwise override', async () => {
    const app = await makeApp({
      routes(app) {
        app.post('/raw', async (request, reply) => {
          (request.session as unknown as Data).n = 1;
          reply.raw.setHeader('set-cookie', ['raw=1; Path=/']);
          return { ok: true };
        });
      },
    });
    const browser = new Browser(await listen(app));
    const reply = await browser.post('/raw');
    expect(reply.setCookies.map((line) => line.split('=')[0]).sort()).toEqual(['raw', 'sid']);
  });

  it('reads the session cookie from request.cookies when @fastify/cookie parsed it first', async () => {
    const app = Fastify({ logger: false });
    apps.push(app);
    await app.register(fastifyCookie);
    let planted: string | undefined;
    // Sits between @fastify/cookie's parse and podsafe's load: only a plugin reading request.cookies sees this.
    app.addHook('onRequest', async (request) => {
      if (planted !== undefined && request.headers['x-plant'] === '1') request.cookies.sid = planted;
    });
    await app.register(podsafe, { store: new MemoryStore(), secret: SECRET_A });
    app.post('/login', async (request) => {
      await request.session.regenerate();
      (request.session as unknown as Data).user = 'ivan';
      return { ok: true };
    });
    app.get('/who', async (request) => ({ user: (request.session as unknown as Data).user ?? null }));

    const login = await app.inject({ method: 'POST', url: '/login' });
    planted = login.cookies.find((c) => c.name === 'sid')!.value;
    expect((await app.inject({ url: '/who', headers: { 'x-plant': '1' } })).json()).toEqual({ user: 'ivan' });
    expect((await app.inject({ url: '/who' })).json()).toEqual({ user: null });
  });

  it('with @fastify/cookie parsing late (hook: preHandler), it falls back to the raw Cookie header', async () => {
    const app = Fastify({ logger: false });
    apps.push(app);
    await app.register(fastifyCookie, { hook: 'preHandler' });
    await app.register(podsafe, { store: new MemoryStore(), secret: SECRET_A });
    app.post('/set', async (request) => {
      (request.session as unknown as Data).n = 7;
      return { ok: true };
    });
    app.get('/n', async (request) => ({ n: (request.session as unknown as Data).n ?? null, parsedByCookie: Object.keys(request.cookies) }));
    const set = await app.inject({ method: 'POST', url: '/set' });
    const sid = set.cookies.find((c) => c.name === 'sid')!.value;
    expect((await app.inject({ url: '/n', cookies: { sid, other: 'x' } })).json()).toEqual({ n: 7, parsedByCookie: ['sid', 'other'] });
  });
});

describe('fastify.inject', () => {
  it('works without a listening server: login, then read back with the cookie', async () => {
    const app = await makeApp();
    const login = await app.inject({ method: 'POST', url: '/login', payload: { user: 'judy' } });
    expect(login.statusCode).toBe(200);
    const sid = login.cookies.find((c) => c.name === 'sid');
    expect(sid?.httpOnly).toBe(true);
    expect(sid?.sameSite).toBe('Lax');
    const read = await app.inject({ url: '/session', cookies: { sid: sid!.value } });
    expect(read.json()).toMatchObject({ isNew: false, data: { user: 'judy' } });
    expect(read.headers['set-cookie']).toBeUndefined();
  });
});

describe('payloads', () => {
  it('a Buffer payload is sent intact, with the session cookie', async () => {
    const bytes = Buffer.from([0, 1, 2, 250, 251, 252]);
    const app = await makeApp({
      routes(app) {
        app.get('/bytes', async (request, reply) => {
          (request.session as unknown as Data).downloaded = true;
          reply.type('application/octet-stream');
          return bytes;
        });
      },
    });
    const reply = await app.inject({ url: '/bytes' });
    expect(reply.rawPayload.equals(bytes)).toBe(true);
    expect(reply.headers['content-length']).toBe(String(bytes.length));
    expect(reply.cookies.map((c) => c.name)).toEqual(['sid']);
  });

  it('reply.redirect right after login carries a cookie that already works', async () => {
    const app = await makeApp({
      routes(app) {
        app.post<{ Body: { user: string } }>('/go', async (request, reply) => {
          await request.session.regenerate();
          (request.session as unknown as Data).user = request.body.user;
          return reply.redirect('/session');
        });
      },
    });
    const go = await app.inject({ method: 'POST', url: '/go', payload: { user: 'kim' } });
    expect(go.statusCode).toBe(302);
    const sid = go.cookies.find((c) => c.name === 'sid')!.value;
    expect((await app.inject({ url: go.headers.location as string, cookies: { sid } })).json()).toMatchObject({ data: { user: 'kim' } });
  });

  it('a hijacked reply is left alone (no commit, no crash); save() before hijack persists the data', async () => {
    const app = await makeApp({
      routes(app) {
        app.get('/hijack', async (request, reply) => {
          (request.session as unknown as Data).lost = true;
          reply.hijack();
          reply.raw.writeHead(200, { 'content-type': 'text/plain' });
          reply.raw.end('raw body');
        });
        app.get('/hijack-saved', async (request, reply) => {
          (request.session as unknown as Data).kept = true;
          await request.session.save();
          reply.hijack();
          reply.raw.end('saved');
        });
      },
    });
    const browser = new Browser(await listen(app));
    await browser.post('/login', { user: 'leo' });
    const hijacked = await browser.get('/hijack');
    expect(hijacked.body).toBe('raw body');
    expect(hijacked.setCookies).toEqual([]);
    expect((await browser.get('/hijack-saved')).body).toBe('saved');
    expect(((await browser.get('/session')).body as { data: Data }).data).toEqual({ user: 'leo', kept: true });
  });
});

describe('errors and logging', () => {
  let consoleSpies: Array<ReturnType<typeof vi.spyOn>>;
  beforeEach(() => {
    consoleSpies = (['log', 'info', 'warn', 'error', 'debug', 'trace'] as const).map((method) => vi.spyOn(console, method));
    consoleSpies.push(vi.spyOn(process, 'emitWarning'));
  });
  afterEach(() => {
    // Nothing podsafe (or Fastify on its behalf) does may print: logs go through request.log only.
    for (const spy of consoleSpies) {
      expect(spy).not.toHaveBeenCalled();
      spy.mockRestore();
    }
  });

  it("Fastify's default error handler applies error.headers (what the 503 + Retry-After relies on)", async () => {
    const app = Fastify({ logger: false });
    apps.push(app);
    app.get('/', async () => {
      throw new SessionStoreUnavailableError('test', { retryAfter: 7 });
    });
    const reply = await app.inject('/');
    expect(reply.statusCode).toBe(503);
    expect(reply.headers['retry-after']).toBe('7');
  });

  it('a store outage during load is a 503 with Retry-After, logged through request.log', async () => {
    const store = new FlakyStore();
    const { lines, stream } = logSink();
    const app = await makeApp({ options: { store, retryAfter: 5 }, fastify: { logger: { level: 'info', stream } } });
    const login = await app.inject({ method: 'POST', url: '/login', payload: { user: 'mia' } });
    const sid = login.cookies.find((c) => c.name === 'sid')!.value;
    store.down = true;
    const down = await app.inject({ url: '/session', cookies: { sid } });
    expect(down.statusCode).toBe(503);
    expect(down.headers['retry-after']).toBe('5');
    expect(down.headers['set-cookie']).toBeUndefined();
    expect(down.json()).toMatchObject({ code: 'ERR_SESSION_STORE_UNAVAILABLE' });
    const logged = lines.find((line) => line.level === 50);
    expect(logged).toMatchObject({
      reqId: expect.any(String),
      err: { type: 'SessionStoreUnavailableError', code: 'ERR_SESSION_STORE_UNAVAILABLE' },
    });
    store.down = false;
    expect((await app.inject({ url: '/session', cookies: { sid } })).json()).toMatchObject({ data: { user: 'mia' } });
  });

  it('a store outage during commit answers 503 with Retry-After instead of the prepared reply, without a session cookie', async () => {
    const store = new FlakyStore();
    const app = await makeApp({
      options: { store },
      routes(app) {
        app.post('/write-then-fail', async (request, reply) => {
          (request.session as unknown as Data).n = 1;
          store.down = true; // goes down between load and commit
          reply.header('location', '/elsewhere');
          return reply.code(302).send();
        });
      },
    });
    const reply = await app.inject({ method: 'POST', url: '/write-then-fail' });
    expect(reply.statusCode).toBe(503);
    expect(reply.headers['retry-after']).toBe('2');
    expect(reply.headers['set-cookie']).toBeUndefined();
  });

  it('errors reach a custom setErrorHandler as the podsafe error, with Retry-After already on the reply', async () => {
    const store = new FlakyStore();
    const seen: unknown[] = [];
    const app = await makeApp({
      options: { store },
      routes(app) {
        app.setErrorHandler(async (error, _request, reply) => {
          seen.push(error);
          return reply.code((error as { statusCode?: number }).statusCode ?? 500).send({ mine: true });
        });
        app.post('/fail-commit', async (request) => {
          (request.session as unknown as Data).n = 1;
          store.down = true;
          return { ok: true };
        });
      },
    });
    const login = await app.inject({ method: 'POST', url: '/login', payload: { user: 'ned' } });
    const sid = login.cookies.find((c) => c.name === 'sid')!.value;

    store.down = true;
    const atLoad = await app.inject({ url: '/session', cookies: { sid } });
    store.down = false;
    const atCommit = await app.inject({ method: 'POST', url: '/fail-commit', cookies: { sid } });

    for (const reply of [atLoad, atCommit]) {
      expect(reply.statusCode).toBe(503);
      expect(reply.json()).toEqual({ mine: true });
      expect(reply.headers['retry-after']).toBe('2');
    }
    expect(seen).toHaveLength(2);
    for (const error of seen) {
      expect(error).toBeInstanceOf(SessionStoreUnavailableError);
      expect(error).toMatchObject({ statusCode: 503, code: 'ERR_SESSION_STORE_UNAVAILABLE', headers: { 'Retry-After': '2' } });
    }
  });

  it('a session too large for the store is a 500 whose SessionTooLargeError is logged through request.log', async () => {
    const store = new FlakyStore();
    store.maxBytes = 1000;
    const { lines, stream } = logSink();
    const app = await makeApp({
      options: { store },
      fastify: { logger: { level: 'info', stream } },
      routes(app) {
        app.get<{ Params: { bytes: string } }>('/big/:bytes', async (request) => {
          (request.session as unknown as Data).big = 'x'.repeat(Number(request.params.bytes));
          return { ok: true };
        });
      },
    });
    expect((await app.inject('/big/10')).statusCode).toBe(200);
    const reply = await app.inject('/big/5000');
    expect(reply.statusCode).toBe(500);
    expect(reply.headers['set-cookie']).toBeUndefined();
    expect(reply.json()).toMatchObject({ code: 'ERR_SESSION_TOO_LARGE' });
    const logged = lines.filter((line) => line.level === 50);
    expect(logged).toHaveLength(1);
    expect(logged[0]).toMatchObject({ reqId: expect.any(String), err: { type: 'SessionTooLargeError', code: 'ERR_SESSION_TOO_LARGE' } });
    expect(String(logged[0]!.msg)).toMatch(/over the limit of 1000 bytes/);
  });

  it('a normal request logs nothing of its own and prints nothing', async () => {
    const { lines, stream } = logSink();
    const app = await makeApp({ fastify: { logger: { level: 'warn', stream } } });
    const browser = new Browser(await listen(app));
    await browser.post('/login', { user: 'olga' });
    await browser.get('/session');
    expect(lines).toEqual([]);
  });
});

describe('secret rotation (the @fastify/session bug with saveUninitialized: false)', () => {
  it.each<CookiePlacement>(['none', 'before'])(
    '@fastify/cookie %s: a read-only request under rotated secrets re-issues the cookie instead of logging the user out',
    async (cookie) => {
      const store = new MemoryStore();
      const options = (secret: string[]) => ({ store, secret, saveUninitialized: false });
      const oldApp = await makeApp({ cookie, options: options([SECRET_A]) });
      const rotated = await makeApp({ cookie, options: options([SECRET_B, SECRET_A]) });
      const onlyB = await makeApp({ cookie, options: options([SECRET_B]) });
      const browser = new Browser(await listen(oldApp));
      await browser.post('/login', { user: 'pat' });
      const signedWithA = browser.cookies.get('sid')!;

      browser.baseUrl = await listen(rotated);
      const read = await browser.get('/session');
      expect((read.body as { data: Data }).data).toEqual({ user: 'pat' });
      expect(read.setCookies).toHaveLength(1);
      const reissued = sessionCookieOf(read.setCookies)!;
      expect(Number(cookieAttributes(reissued).get('max-age'))).toBeGreaterThan(0);
      expect(browser.cookies.get('sid')).not.toBe(signedWithA);
      // The next read-only request is quiet again: the re-issue happened once.
      expect((await browser.get('/session')).setCookies).toEqual([]);

      browser.baseUrl = await listen(onlyB);
      expect(((await browser.get('/session')).body as { data: Data }).data).toEqual({ user: 'pat' });
    },
  );
});
