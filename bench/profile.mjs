// Server CPU per request of one bench app, steadier than throughput on a shared machine:
//   node profile.mjs [--requests N] [--route read|write] [--prof DIR] [app name part ...]
// Starts its own redis-server and memcached on free ports, forks servers.mjs for each app
// (built packages, `dist/`), logs in once, then sends N keep-alive requests (10 in flight)
// with the session cookie and prints the app process's process.cpuUsage() delta / N.
// --prof DIR runs the app under `node --cpu-prof` and prints its top self-time frames.
import { fork, spawn } from 'node:child_process';
import { mkdtempSync, readdirSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { userInfo } from 'node:os';
import { join, resolve } from 'node:path';
import { freePort, topFrames } from './profiling.mjs';

const args = process.argv.slice(2);
let requests = 20_000;
let routes = ['read', 'write'];
let profDir;
const parts = [];
for (let i = 0; i < args.length; i++) {
  if (args[i] === '--requests') requests = Number(args[++i]);
  else if (args[i] === '--route') routes = [args[++i]];
  else if (args[i] === '--prof') profDir = resolve(args[++i]);
  else parts.push(args[i]);
}
// servers.mjs runs an app when imported with an argument, so the Express apps are named here.
const EXPRESS_APPS = [
  'express bare',
  'express podsafe + RedisStore',
  'express podsafe + JwtStore',
  'express podsafe + MemcachedStore',
  'express podsafe + MemoryStore',
  'express-session + podsafe drop-in (Redis)',
  'express-session + connect-redis (node-redis)',
  'express hand-written jose HS256 cookie',
];
const apps = EXPRESS_APPS.filter((name) => name.startsWith('express') && (parts.length === 0 || parts.some((p) => name.includes(p))));

async function startStores() {
  const redisPort = await freePort();
  const memcachedPort = await freePort();
  const redis = spawn('redis-server', ['--port', String(redisPort), '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
  const memcached = spawn('memcached', ['-p', String(memcachedPort), '-l', '127.0.0.1', '-U', '0', '-u', userInfo().username], {
    stdio: 'ignore',
  });
  await new Promise((done) => setTimeout(done, 300)); // both listen within milliseconds; a failed connect below says so if not
  return { redis, memcached, env: { REDIS_URL: `redis://127.0.0.1:${redisPort}`, MEMCACHED: `127.0.0.1:${memcachedPort}` } };
}

const agent = new Agent({ keepAlive: true, maxSockets: 10 });
function send(port, method, path, cookie) {
  return new Promise((done, fail) => {
    const req = request({ port, host: '127.0.0.1', method, path, agent, headers: cookie ? { cookie } : {} }, (res) => {
      res.resume();
      res.on('end', () =>
        res.statusCode < 300 ? done(res.headers['set-cookie']) : fail(new Error(`${method} ${path}: ${res.statusCode}`)),
      );
    });
    req.on('error', fail);
    req.end();
  });
}

async function drive(port, method, path, cookie, n) {
  let next = 0;
  const worker = async () => {
    while (next++ < n) await send(port, method, path, cookie);
  };
  await Promise.all(Array.from({ length: 10 }, worker));
}

const stores = await startStores();
try {
  for (const name of apps) {
    const execArgv = profDir ? ['--cpu-prof', '--cpu-prof-dir', mkdtempSync(join(profDir, 'p-'))] : [];
    const child = fork(join(import.meta.dirname, 'servers.mjs'), [name], {
      env: { ...process.env, ...stores.env },
      execArgv,
      stdio: 'inherit',
    });
    const port = await new Promise((done) => child.on('message', (m) => m.port && done(m.port)));
    const cpu = () =>
      new Promise((done) => {
        child.once('message', (m) => done(m.cpu.user + m.cpu.system));
        child.send('cpu');
      });
    const cookie = (await send(port, 'POST', '/login'))?.map((c) => c.split(';')[0]).join('; ');
    const line = [name.padEnd(42)];
    for (const route of routes) {
      const [method, path] = route === 'read' ? ['GET', '/read'] : ['POST', '/write'];
      await drive(port, method, path, cookie, Math.min(2000, requests)); // warm up the JIT
      const before = await cpu();
      await drive(port, method, path, cookie, requests);
      line.push(`${route} ${((await cpu()) - before) / requests} µs/req`.padEnd(24));
    }
    console.log(line.join(' '));
    child.send('exit');
    await new Promise((done) => child.on('exit', done));
    if (profDir) {
      const dir = execArgv[2];
      for (const file of readdirSync(dir))
        console.log(
          `  ${join(dir, file)}\n${topFrames(join(dir, file))
            .map((l) => `  ${l}`)
            .join('\n')}`,
        );
    }
  }
} finally {
  agent.destroy();
  stores.redis.kill();
  stores.memcached.kill();
}
