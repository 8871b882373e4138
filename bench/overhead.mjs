// The adapter's own CPU per request, without sockets, load generator or store
// network: `node overhead.mjs [--requests N] [--rounds R] [--concurrency C] [--route read|write] [app ...]`. Each request is a real
// IncomingMessage/ServerResponse pair handed to the Express app in-process (no
// socket: Node buffers the response), one after another, so the difference to
// the bare app is what podsafe's middleware and engine cost, with far less noise
// than a load test on a shared machine. Built packages (`dist/`).
import { IncomingMessage, ServerResponse } from 'node:http';
import { Duplex } from 'node:stream';
import express from 'express';
import Fastify from 'fastify';
import { podsafe } from '@podsafe/fastify';
import { MemoryStore } from '@podsafe/core';
import { session } from '@podsafe/express';
import { ExpressSessionStore } from '@podsafe/express/express-session';
import expressSession from 'express-session';
import { JwtStore } from '@podsafe/jwt';
import { RedisStore } from '@podsafe/redis';
import { RedisStore as ConnectRedisStore } from 'connect-redis';
import { createClient } from 'redis';
import { dictionaryObjects, startRedis } from './profiling.mjs';

const SECRET = 'bench-secret-0123456789abcdef0123456789';
const args = process.argv.slice(2);
const flag = (name, fallback) => (args.includes(name) ? Number(args[args.indexOf(name) + 1]) : fallback);
const requests = flag('--requests', 50_000);
const rounds = flag('--rounds', 5);
// Requests in flight at once (as from that many connections): with a network store, what one turn of the event loop issues goes out together.
const concurrency = flag('--concurrency', 1);
const only = args.includes('--route') ? args[args.indexOf('--route') + 1] : undefined;

function routes(app, bag) {
  app.get('/read', async (req, res) => res.json({ user: (await bag(req)).user ?? null }));
  app.post('/login', async (req, res) => {
    Object.assign(await bag(req), { user: 'bench', counter: 0 });
    res.json({ ok: true });
  });
  app.post('/write', async (req, res) => {
    const b = await bag(req);
    b.counter = (b.counter ?? 0) + 1;
    res.json({ counter: b.counter });
  });
  return app;
}

const bareState = { user: null };
const apps = {
  bare: () => routes(express(), () => bareState),
  bareDict: () => routes(express().use(dictionaryObjects), () => bareState),
  MemoryStore: () => {
    const app = express();
    app.use(session({ store: new MemoryStore(), secret: SECRET }));
    return routes(app, (req) => req.session);
  },
  JwtStore: () => {
    const app = express();
    app.use(session({ store: new JwtStore({ secret: SECRET }) }));
    return routes(app, (req) => req.session);
  },
  // express-session on its own MemoryStore against the drop-in on podsafe's: the difference is the bridge.
  'express-session': () => expressSessionApp(new expressSession.MemoryStore()),
  'drop-in': () => expressSessionApp(new ExpressSessionStore({ store: new MemoryStore() })),
  // The same three over a real redis-server (started when one of them is chosen): the difference is the client.
  RedisStore: () => {
    const app = express();
    app.use(session({ store: new RedisStore({ url: redisUrl(), prefix: 'o:podsafe:' }), secret: SECRET }));
    return routes(app, (req) => req.session);
  },
  'drop-in Redis': () => expressSessionApp(new ExpressSessionStore({ store: new RedisStore({ url: redisUrl(), prefix: 'o:dropin:' }) })),
  'connect-redis': async () => {
    const client = createClient({ url: redisUrl() });
    await client.connect();
    return expressSessionApp(new ConnectRedisStore({ client, prefix: 'o:connect:' }));
  },
};

let redis;
const redisUrl = () => redis.url;

function expressSessionApp(store) {
  const app = express();
  app.use(expressSession({ store, secret: SECRET, resave: false, saveUninitialized: false }));
  return routes(app, (req) => req.session);
}

// A socket that takes every write and discards it: the response runs Node's whole write path.
function fastifyRoutes(app, bag) {
  app.get('/read', async (request) => ({ user: bag(request).user ?? null }));
  app.post('/login', async (request) => {
    Object.assign(bag(request), { user: 'bench', counter: 0 });
    return { ok: true };
  });
  app.post('/write', async (request) => {
    const b = bag(request);
    b.counter = (b.counter ?? 0) + 1;
    return { counter: b.counter };
  });
  return app;
}
/** A Fastify app, driven through `inject` (light-my-request: no socket either). */
async function fastifyApp(store) {
  const app = Fastify();
  if (store) await app.register(podsafe, { store, secret: SECRET });
  fastifyRoutes(app, store ? (request) => request.session : () => bareState);
  await app.ready();
  return app;
}
const fastifyApps = {
  'fastify bare': () => fastifyApp(),
  'fastify MemoryStore': () => fastifyApp(new MemoryStore()),
  'fastify JwtStore': () => fastifyApp(new JwtStore({ secret: SECRET })),
};

function discardingSocket() {
  const socket = new Duplex({ write: (_chunk, _encoding, callback) => callback(), writev: (_chunks, callback) => callback(), read() {} });
  socket.setMaxListeners(0);
  return socket;
}
// One per request in flight: a socket carries one response at a time.
const sockets = Array.from({ length: concurrency }, discardingSocket);
/** One request through the app; resolves with the response's Set-Cookie once it has been written. */
function requestExpress(app, method, url, cookie, socket = sockets[0]) {
  return new Promise((done) => {
    const req = new IncomingMessage(socket);
    req.method = method;
    req.url = url;
    req.headers = cookie ? { host: 'bench', cookie } : { host: 'bench' };
    req.push(null);
    const res = new ServerResponse(req);
    res.assignSocket(socket);
    res.on('finish', () => {
      res.detachSocket(socket);
      done(res.getHeader('set-cookie'));
    });
    app(req, res);
  });
}

async function injected(app, method, url, cookie) {
  const reply = await app.inject({ method, url, headers: cookie ? { cookie } : {}, payload: method === 'POST' ? {} : undefined });
  return reply.headers['set-cookie'];
}

async function measure(name, route) {
  const fastify = name in fastifyApps;
  const app = fastify ? await fastifyApps[name]() : await apps[name]();
  const request = fastify ? (_app, ...rest) => injected(app, ...rest) : requestExpress;
  const login = await request(app, 'POST', '/login');
  const cookie = login ? [login].flat()[0].split(';')[0] : undefined;
  const method = route === 'read' ? 'GET' : 'POST';
  const run = async (count) => {
    for (let i = 0; i < count; i += concurrency)
      await Promise.all(sockets.map((socket) => request(app, method, `/${route}`, cookie, socket)));
  };
  await run(5000); // warm up
  const start = process.cpuUsage();
  await run(requests);
  const used = process.cpuUsage(start);
  return (used.user + used.system) / requests;
}

const names = args.filter((a, i) => !a.startsWith('--') && args[i - 1] !== '--route' && Number.isNaN(Number(a)));
const chosen = names.length > 0 ? names : [...Object.keys(apps), ...Object.keys(fastifyApps)];
if (chosen.some((name) => /redis/i.test(name))) redis = await startRedis();
for (const route of only ? [only] : ['read', 'write']) {
  const results = Object.fromEntries(chosen.map((n) => [n, []]));
  for (let r = 0; r < rounds; r++) for (const name of chosen) results[name].push(await measure(name, route));
  for (const name of chosen) {
    const sorted = results[name].sort((a, b) => a - b);
    const median = sorted[Math.floor(sorted.length / 2)];
    console.log(
      `${route.padEnd(5)} ${name.padEnd(12)} ${median.toFixed(1).padStart(7)} µs/req median, ${sorted[0].toFixed(1)} best of ${rounds}`,
    );
  }
}
redis?.stop();
process.exit(0);
