// CPU cost per request of one or more apps of servers.mjs, steadier than the
// throughput ratios of `pnpm bench` on a shared machine: the app's own
// process.cpuUsage() over a fixed number of requests, and Redis's own
// accounting (INFO commandstats) over the same requests.
//
//   node bench/profile-fastify.mjs [--requests N] [--repeat R] [--prof DIR] [--routes read,write] ['app name' ...]
//
// Defaults: 3 passes of 10000 requests per route after 3000 of warm-up, 50
// connections, the lowest pass shown (other work on the machine only ever adds
// CPU time, so the minimum is the steadiest estimate), the
// Fastify apps and the two express-session drop-in rivals. `--prof DIR` runs each
// app under `node --cpu-prof` (one .cpuprofile per app in DIR) and prints its top
// self-time frames. Run on the built packages (`pnpm exec tsc -b` first).
import { fork } from 'node:child_process';
import { readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import autocannon from 'autocannon';
import { Redis } from 'ioredis';
import { processCpuMicros, startRedis as startRedisServer, topFrames } from './profiling.mjs';

const here = import.meta.dirname;
const args = process.argv.slice(2);
let requests = 10_000;
let repeat = 3;
let profDir;
let routes = ['read', 'write'];
const names = [];
for (let i = 0; i < args.length; i++) {
  if (args[i] === '--requests') requests = Number(args[++i]);
  else if (args[i] === '--repeat') repeat = Number(args[++i]);
  else if (args[i] === '--prof') profDir = args[++i];
  else if (args[i] === '--routes') routes = args[++i].split(',');
  else names.push(args[i]);
}
if (names.length === 0) {
  names.push(
    'fastify bare',
    'fastify two empty async hooks',
    'fastify podsafe + RedisStore',
    'fastify podsafe + JwtStore',
    'express-session + podsafe drop-in (Redis)',
    'express-session + connect-redis (node-redis)',
  );
}
const CONNECTIONS = 50;
const WARMUP = 3000;

async function startRedis() {
  const redis = await startRedisServer();
  const admin = new Redis({ port: redis.port, host: '127.0.0.1' });
  return {
    url: redis.url,
    admin,
    cpu: () => processCpuMicros(redis.pid),
    stop: () => {
      admin.disconnect();
      redis.stop();
    },
  };
}

async function startApp(name, env) {
  if (profDir) rmSync(join(profDir, slug(name)), { recursive: true, force: true });
  const execArgv = profDir ? ['--cpu-prof', '--cpu-prof-dir', join(profDir, slug(name))] : [];
  const child = fork(join(here, 'servers.mjs'), [name], {
    env: { ...process.env, NODE_OPTIONS: '', ...env },
    execArgv,
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const port = await new Promise((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`${name} exited (${code}) before listening`)));
    child.once('message', (message) => resolve(message.port));
  });
  const cpu = () =>
    new Promise((resolve) => {
      const onMessage = (message) => {
        if (!message.cpu) return;
        child.off('message', onMessage);
        resolve(message.cpu);
      };
      child.on('message', onMessage);
      child.send('cpu');
    });
  const stop = async () => {
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.send('exit');
    await exited;
  };
  return { url: `http://127.0.0.1:${port}`, cpu, stop };
}

const slug = (name) => name.replace(/[^a-z0-9]+/gi, '-').replace(/^-|-$/g, '');

async function login(url) {
  const response = await fetch(`${url}/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
  return response.headers
    .getSetCookie()
    .map((c) => c.split(';')[0])
    .join('; ');
}

function load(url, method, cookie, amount) {
  const headers = { 'content-type': 'application/json', ...(cookie ? { cookie } : {}) };
  return autocannon({ url, amount, connections: CONNECTIONS, requests: [{ method, headers, body: method === 'POST' ? '{}' : undefined }] });
}

async function redisUsec(admin) {
  const info = await admin.info('commandstats');
  const perCommand = {};
  let total = 0;
  for (const [, name, calls, usec] of info.matchAll(/^cmdstat_([^:]+):calls=(\d+),usec=(\d+)/gm)) {
    if (/^(info|config)/.test(name)) continue;
    perCommand[name] = { calls: Number(calls), usec: Number(usec) };
    total += Number(usec);
  }
  return { total, perCommand };
}

const redis = await startRedis();
const rows = [];
for (const name of names) {
  const app = await startApp(name, { REDIS_URL: redis.url });
  const cookie = name.includes('podsafe') || name.includes('session') ? await login(app.url) : '';
  for (const route of routes) {
    const method = route === 'read' ? 'GET' : 'POST';
    const url = `${app.url}/${route}`;
    await load(url, method, cookie, WARMUP);
    let best;
    for (let pass = 0; pass < repeat; pass++) {
      await redis.admin.config('RESETSTAT');
      const cpu0 = await app.cpu();
      const redisCpu0 = redis.cpu();
      const result = await load(url, method, cookie, requests);
      const cpu1 = await app.cpu();
      const served = result.requests.total;
      const redisProcess = (redis.cpu() - redisCpu0) / served;
      const stats = await redisUsec(redis.admin);
      const commands = Object.entries(stats.perCommand)
        .map(([command, { calls, usec }]) => `${command} ${(calls / served).toFixed(2)}×${(usec / calls).toFixed(1)}µs`)
        .join(', ');
      const cpu = (cpu1.user + cpu1.system - cpu0.user - cpu0.system) / served;
      const row = {
        name,
        route,
        cpu,
        user: (cpu1.user - cpu0.user) / served,
        redis: stats.total / served,
        redisProcess,
        rps: served / result.duration,
        errors: result.errors + result.non2xx,
        commands,
      };
      if (best === undefined || row.cpu < best.cpu)
        best = {
          ...row,
          redis: Math.min(row.redis, best?.redis ?? Infinity),
          redisProcess: Math.min(row.redisProcess, best?.redisProcess ?? Infinity),
        };
      else {
        best.redis = Math.min(best.redis, row.redis);
        best.redisProcess = Math.min(best.redisProcess, row.redisProcess);
      }
    }
    rows.push(best);
  }
  await app.stop();
  if (profDir) {
    const dir = join(profDir, slug(name));
    const files = readdirSync(dir).filter((f) => f.endsWith('.cpuprofile'));
    console.log(`\n${name}: ${join(dir, files[0])}\n${topFrames(join(dir, files[0])).join('\n')}`);
  }
}
redis.stop();

console.log(
  '\n| app | route | server CPU µs/req | of which user | Redis commands µs/req | Redis process µs/req | req/s | errors | Redis commands per request × µs each |',
);
console.log('|---|---|---|---|---|---|---|---|---|');
for (const row of rows) {
  console.log(
    `| ${row.name} | ${row.route} | ${row.cpu.toFixed(1)} | ${row.user.toFixed(1)} | ${row.redis.toFixed(1)} | ${row.redisProcess.toFixed(1)} | ${Math.round(row.rps)} | ${row.errors} | ${row.commands} |`,
  );
}
