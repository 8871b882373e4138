// Client CPU per store call, in one process (no HTTP, no framework): the
// express-session drop-in (ExpressSessionStore on RedisStore) beside connect-redis
// on node-redis, and the bare ioredis commands underneath, 50 calls in flight at
// a time, best of 5 rounds. `node bench/store-ops.mjs [name filter]`, on the
// built packages.
import { ExpressSessionStore } from '@podsafe/express/express-session';
import { RedisStore } from '@podsafe/redis';
import { RedisStore as ConnectRedisStore } from 'connect-redis';
import { createClient } from 'redis';
import { Redis } from 'ioredis';
import { startRedis } from './profiling.mjs';

const redis = await startRedis();
const url = redis.url;
const sid = 'abcdefghijklmnopqrstuvwxyz012345';
const session = { cookie: { originalMaxAge: null, expires: null, httpOnly: true, path: '/' }, user: 'bench', counter: 3 };
const drop = new ExpressSessionStore({ store: new RedisStore({ url, prefix: 'x:' }) });
const node = createClient({ url });
await node.connect();
const cr = new ConnectRedisStore({ client: node, prefix: 'y:' });
const raw = new Redis(url, { enableAutoPipelining: true });
const rawPlain = new Redis(url);
await drop.set(sid, session);
await new Promise((r) => cr.set(sid, session, r));
const p = (f) => new Promise((res, rej) => f((e, v) => (e ? rej(e) : res(v))));
const cases = {
  'drop-in get+touch': async () => {
    const s = await drop.get(sid);
    await drop.touch(sid, s);
  },
  'drop-in set': async () => {
    await drop.set(sid, session);
  },
  'drop-in get': async () => {
    await drop.get(sid);
  },
  'store.get (RedisStore)': async () => {
    await drop.store.get(sid);
  },
  'raw ioredis autopipe hgetall': async () => {
    await raw.hgetall(`x:${sid}`);
  },
  'store client hgetall': async () => {
    await drop.store.client.hgetall(`x:${sid}`);
  },
  'store client evalsha touch': async () => {
    await drop.store.client.podsafeTouchV1(`x:${sid}`, [String(Date.now() / 1000), '86400000']);
  },
  'raw ioredis hgetall': async () => {
    await rawPlain.hgetall(`x:${sid}`);
  },
  'connect-redis get+touch': async () => {
    const s = await p((cb) => cr.get(sid, cb));
    await p((cb) => cr.touch(sid, s, cb));
  },
  'connect-redis set': async () => {
    await p((cb) => cr.set(sid, session, cb));
  },
  'node-redis get': async () => {
    await node.get(`y:${sid}`);
  },
};
const only = process.argv[2];
const best = {};
for (let round = 0; round < 5; round++) {
  for (const [name, op] of Object.entries(cases)) {
    if (only && !name.includes(only)) continue;
    const run = async (n) => {
      for (let i = 0; i < n; i += 50) await Promise.all(Array.from({ length: 50 }, op));
    };
    await run(2000);
    const c0 = process.cpuUsage();
    const N = 10000;
    await run(N);
    const c = process.cpuUsage(c0);
    best[name] = Math.min(best[name] ?? Infinity, (c.user + c.system) / N);
  }
}
for (const [name, us] of Object.entries(best)) console.log(name.padEnd(32), us.toFixed(1), 'µs/op (best of 5)');
redis.stop();
process.exit(0);
