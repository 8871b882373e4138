// One benchmark server per process: `node servers.mjs <scenario>`, started by
// bench.load.ts with an IPC channel. It reports its port once listening and
// answers 'cpu' with process.cpuUsage(), so CPU is measured per server, apart
// from the load generator and the store. Plain JavaScript on the built packages
// (`dist/`), the code users run.
//
// Every app has the same routes: POST /login (starts a session), GET /read
// (reads one key), POST /write (increments a counter), POST /set/:key (sets one
// key: two at once show lost updates), GET /keys (the session's keys).
import express from 'express';
import expressSession from 'express-session';
import Fastify from 'fastify';
import { RedisStore as ConnectRedisStore } from 'connect-redis';
import connectMemcached from 'connect-memcached';
import { createClient } from 'redis';
import { getIronSession } from 'iron-session';
import { SignJWT, jwtVerify } from 'jose';
import { MemoryStore } from '@podsafe/core';
import { session } from '@podsafe/express';
import { ExpressSessionStore } from '@podsafe/express/express-session';
import { podsafe } from '@podsafe/fastify';
import { JwtStore } from '@podsafe/jwt';
import { MemcachedStore } from '@podsafe/memcached';
import { RedisStore } from '@podsafe/redis';
import { dictionaryObjects } from './profiling.mjs';

export const SECRET = 'bench-secret-0123456789abcdef0123456789';
const { REDIS_URL, MEMCACHED } = process.env;

/** Express routes over a session-like bag; `persist` runs before a changed bag's response (for the hand-written cookie apps). */
function expressRoutes(app, bag, persist = async () => {}) {
  app.use(express.json());
  const changed = (handler) => async (req, res, next) => {
    try {
      const body = handler(await bag(req), req);
      await persist(req, res, await bag(req));
      res.json(body);
    } catch (error) {
      next(error);
    }
  };
  app.post(
    '/login',
    changed((b) => {
      Object.assign(b, { user: 'bench', counter: 0 });
      return { ok: true };
    }),
  );
  app.get('/read', async (req, res, next) => {
    try {
      res.json({ user: (await bag(req)).user ?? null });
    } catch (error) {
      next(error);
    }
  });
  app.post(
    '/write',
    changed((b) => {
      b.counter = (b.counter ?? 0) + 1;
      return { counter: b.counter };
    }),
  );
  app.post(
    '/set/:key',
    changed((b, req) => {
      b[req.params.key] = true;
      return { ok: true };
    }),
  );
  app.get('/keys', async (req, res) => res.json(Object.keys(await bag(req)).filter((k) => k !== 'cookie')));
  return app;
}

function fastifyRoutes(app, bag, set) {
  app.post('/login', async (request) => {
    set(request, 'user', 'bench');
    set(request, 'counter', 0);
    return { ok: true };
  });
  app.get('/read', async (request) => ({ user: bag(request).user ?? null }));
  app.post('/write', async (request) => {
    const counter = (bag(request).counter ?? 0) + 1;
    set(request, 'counter', counter);
    return { counter };
  });
  app.post('/set/:key', async (request) => {
    set(request, request.params.key, true);
    return { ok: true };
  });
  app.get('/keys', async (request) => Object.keys(bag(request)).filter((k) => k !== 'cookie'));
  return app;
}

const podsafeBag = (req) => req.session;
const podsafeSet = (request, key, value) => {
  request.session[key] = value;
};
const bareState = { user: null };

const jwtKey = new TextEncoder().encode(SECRET);

/** The usual hand-written stateless session: an HS256 JWT in a cookie, verified on every request, re-signed on every change. */
async function joseBag(req) {
  if (req.joseBag) return req.joseBag;
  const token = /(?:^|;\s*)jwt=([^;]+)/.exec(req.headers.cookie ?? '')?.[1];
  let data = {};
  if (token) {
    try {
      ({ payload: data } = await jwtVerify(token, jwtKey, { algorithms: ['HS256'] }));
      delete data.iat;
      delete data.exp;
    } catch {
      data = {};
    }
  }
  req.joseBag = data;
  return data;
}

async function josePersist(_req, res, data) {
  const token = await new SignJWT(data).setProtectedHeader({ alg: 'HS256' }).setIssuedAt().setExpirationTime('1d').sign(jwtKey);
  res.cookie('jwt', token, { httpOnly: true, sameSite: 'lax', maxAge: 86_400_000 });
}

const ironOptions = { password: SECRET, cookieName: 'iron', cookieOptions: { secure: false } };

const scenarios = {
  'express bare': () => expressRoutes(express(), () => bareState),
  // Not a session app: what podsafe's ratio owes to making Express's objects dictionaries (see profiling.mjs).
  'express bare, dictionary objects': () => expressRoutes(express().use(dictionaryObjects), () => bareState),
  'express podsafe + RedisStore': () => {
    const app = express();
    app.use(session({ store: new RedisStore({ url: REDIS_URL, prefix: 'b:podsafe:' }), secret: SECRET }));
    return expressRoutes(app, podsafeBag);
  },
  'express-session + podsafe drop-in (Redis)': () => {
    const app = express();
    const store = new ExpressSessionStore({ store: new RedisStore({ url: REDIS_URL, prefix: 'b:dropin:' }) });
    app.use(expressSession({ store, secret: SECRET, resave: false, saveUninitialized: false }));
    return expressRoutes(app, podsafeBag);
  },
  'express-session + connect-redis (node-redis)': async () => {
    const client = createClient({ url: REDIS_URL });
    await client.connect();
    const app = express();
    app.use(
      expressSession({
        store: new ConnectRedisStore({ client, prefix: 'b:connect:' }),
        secret: SECRET,
        resave: false,
        saveUninitialized: false,
      }),
    );
    return expressRoutes(app, podsafeBag);
  },
  'express podsafe + MemcachedStore': () => {
    const app = express();
    app.use(session({ store: new MemcachedStore({ servers: MEMCACHED, prefix: 'b:podsafe:' }), secret: SECRET }));
    return expressRoutes(app, podsafeBag);
  },
  'express-session + connect-memcached': () => {
    const Store = connectMemcached(expressSession);
    const app = express();
    app.use(
      expressSession({
        store: new Store({ hosts: [MEMCACHED], prefix: 'b:connect:' }),
        secret: SECRET,
        resave: false,
        saveUninitialized: false,
      }),
    );
    return expressRoutes(app, podsafeBag);
  },
  'express podsafe + JwtStore': () => {
    const app = express();
    app.use(session({ store: new JwtStore({ secret: SECRET }) }));
    return expressRoutes(app, podsafeBag);
  },
  'express hand-written jose HS256 cookie': () => expressRoutes(express(), joseBag, josePersist),
  'express iron-session': () =>
    expressRoutes(
      express(),
      async (req) => (req.iron ??= await getIronSession(req, req.res, ironOptions)),
      async (req) => req.iron.save(),
    ),
  'express podsafe + MemoryStore': () => {
    const app = express();
    app.use(session({ store: new MemoryStore(), secret: SECRET }));
    return expressRoutes(app, podsafeBag);
  },
  'fastify bare': () =>
    fastifyRoutes(
      Fastify(),
      () => bareState,
      () => {},
    ),
  'fastify podsafe + RedisStore': async () => {
    const app = Fastify();
    await app.register(podsafe, { store: new RedisStore({ url: REDIS_URL, prefix: 'b:fpodsafe:' }), secret: SECRET });
    return fastifyRoutes(app, podsafeBag, podsafeSet);
  },
  '@fastify/session + connect-redis (node-redis)': async () => {
    const { default: fastifyCookie } = await import('@fastify/cookie');
    const { default: fastifySession } = await import('@fastify/session');
    const client = createClient({ url: REDIS_URL });
    await client.connect();
    const app = Fastify();
    await app.register(fastifyCookie);
    await app.register(fastifySession, {
      secret: SECRET,
      store: new ConnectRedisStore({ client, prefix: 'b:fsession:' }),
      saveUninitialized: false,
      cookie: { secure: false },
    });
    const bag = (request) => {
      const data = {};
      for (const key of ['user', 'counter', 'a', 'b']) if (request.session.get(key) !== undefined) data[key] = request.session.get(key);
      return data;
    };
    return fastifyRoutes(app, bag, (request, key, value) => request.session.set(key, value));
  },
  'fastify podsafe + JwtStore': async () => {
    const app = Fastify();
    await app.register(podsafe, { store: new JwtStore({ secret: SECRET }) });
    return fastifyRoutes(app, podsafeBag, podsafeSet);
  },
  // Not in the bench table: the floor of any plugin that works as podsafe does (an async onRequest and an async onSend hook).
  'fastify two empty async hooks': () => {
    const app = Fastify();
    app.addHook('onRequest', async () => {});
    app.addHook('onSend', async (_request, _reply, payload) => payload);
    return fastifyRoutes(
      app,
      () => bareState,
      () => {},
    );
  },
  'fastify podsafe + MemoryStore': async () => {
    const app = Fastify();
    await app.register(podsafe, { store: new MemoryStore(), secret: SECRET });
    return fastifyRoutes(app, podsafeBag, podsafeSet);
  },
};

export const SCENARIOS = Object.keys(scenarios);

async function main(name) {
  const app = await scenarios[name]();
  let port;
  if (typeof app.listen === 'function' && app.server !== undefined) {
    await app.listen({ port: 0, host: '127.0.0.1' });
    port = app.server.address().port;
  } else {
    const server = app.listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    port = server.address().port;
  }
  process.on('message', (message) => {
    if (message === 'cpu') process.send({ cpu: process.cpuUsage() });
    if (message === 'exit') process.exit(0);
  });
  process.send({ port });
}

if (process.argv[2] !== undefined) {
  if (!(process.argv[2] in scenarios)) throw new Error(`unknown scenario ${process.argv[2]}; one of: ${SCENARIOS.join(', ')}`);
  await main(process.argv[2]);
}
