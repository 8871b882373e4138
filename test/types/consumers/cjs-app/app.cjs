// A CommonJS app: every podsafe package through require(), as built (dist/).
'use strict';
const express = require('express');
const Fastify = require('fastify');
const { MemoryStore } = require('@podsafe/core');
const { SessionEngine } = require('@podsafe/core/adapter');
const { optionParser } = require('@podsafe/core/store');
const { session } = require('@podsafe/express');
const { ExpressSessionStore } = require('@podsafe/express/express-session');
const { podsafe, FastifySessionStore } = require('@podsafe/fastify');
const { RedisStore } = require('@podsafe/redis');
const { MemcachedStore } = require('@podsafe/memcached');
const { JwtStore } = require('@podsafe/jwt');
const { describeSessionStore } = require('@podsafe/testkit');

const secret = 'a-cjs-secret-of-at-least-32-bytes-0123';

async function main() {
  const loaded = {
    SessionEngine,
    optionParser,
    ExpressSessionStore,
    FastifySessionStore,
    RedisStore,
    MemcachedStore,
    describeSessionStore,
  };
  for (const [name, value] of Object.entries(loaded)) if (typeof value !== 'function') throw new Error(`${name} did not load`);

  const app = express();
  app.use(session({ store: new MemoryStore(), secret }));
  app.post('/views', (req, res) => {
    req.session.views = (req.session.views || 0) + 1;
    res.json({ views: req.session.views, sessionID: req.sessionID === req.session.id });
  });
  const server = app.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  const base = `http://127.0.0.1:${server.address().port}`;
  const first = await fetch(`${base}/views`, { method: 'POST' });
  const cookie = first.headers.get('set-cookie').split(';')[0];
  const second = await (await fetch(`${base}/views`, { method: 'POST', headers: { cookie } })).json();
  server.close();
  server.closeAllConnections();

  const fastify = Fastify();
  await fastify.register(podsafe, { store: new JwtStore({ secret }) });
  fastify.get('/', async (request) => {
    request.session.set('n', 1);
    return { n: request.session.get('n') };
  });
  const reply = await fastify.inject({ url: '/' });
  await fastify.close();

  process.stdout.write(JSON.stringify({ express: second, fastify: reply.json() }));
}

main().catch((error) => {
  process.stderr.write(String(error?.stack ? error.stack : error));
  process.exit(1);
});
