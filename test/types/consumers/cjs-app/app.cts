// A CommonJS TypeScript app: require() of the ESM packages, typed (TypeScript 5.8+, module nodenext).
import express = require('express');
import core = require('@podsafe/core');
import coreStore = require('@podsafe/core/store');
import coreAdapter = require('@podsafe/core/adapter');
import podsafeExpress = require('@podsafe/express');
import podsafeFastify = require('@podsafe/fastify');
import redis = require('@podsafe/redis');
import jwt = require('@podsafe/jwt');
import memcached = require('@podsafe/memcached');

const app = express();
app.use(podsafeExpress.session({ store: new core.MemoryStore(), secret: 'x'.repeat(32) }));
app.post('/remember', (req, res) => {
  req.session.setLifetime({ ttl: 30 * 86400 });
  req.session.save((error) => res.json({ error: error ?? null, id: req.sessionID }));
});
const stores: core.AnySessionStore[] = [
  new redis.RedisStore({ url: 'redis://127.0.0.1:6379' }),
  new jwt.JwtStore({ secret: 'x'.repeat(32) }),
];
const memcachedStore: core.SessionStore = new memcached.MemcachedStore({ servers: '127.0.0.1:11211' });
const plugin: typeof podsafeFastify.podsafe = podsafeFastify.default;
void stores;
void memcachedStore;
void plugin;
const timeout: number = coreStore.optionParser('MyStore').seconds('timeout', 1, { default: 1 });
const engine: coreAdapter.SessionEngine = new coreAdapter.SessionEngine({ store: new core.MemoryStore(), secret: 'x'.repeat(32) });
void timeout;
void engine;
