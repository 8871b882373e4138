// What the profiling scripts (profile.mjs, profile-fastify.mjs, store-ops.mjs)
// share: a free loopback port, a throwaway redis-server, and the top self-time
// frames of a .cpuprofile.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';

/** A port free on 127.0.0.1 right now. */
export function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
    server.once('error', reject);
  });
}

/** A redis-server on a free loopback port, without persistence; resolves once it accepts connections. */
export async function startRedis() {
  const port = await freePort();
  const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  await new Promise((resolve, reject) => {
    let text = '';
    child.once('error', () => reject(new Error('redis-server not found: install it (Debian: apt-get install -y redis-server)')));
    child.once('exit', (code) => reject(new Error(`redis-server exited (${code})`)));
    child.stdout.on('data', (chunk) => {
      text += chunk;
      if (text.includes('Ready to accept connections')) resolve();
    });
  });
  child.stdout.resume();
  return { port, pid: child.pid, url: `redis://127.0.0.1:${port}`, stop: () => child.kill() };
}

/** The `count` frames of a .cpuprofile with the most self time (by sampled time), as "percent of busy time  function  file:line". */
export function topFrames(file, count = 15) {
  const profile = JSON.parse(readFileSync(file, 'utf8'));
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const deltas = profile.timeDeltas;
  const self = new Map();
  let busy = 0;
  for (const [i, id] of profile.samples.entries()) {
    const { callFrame } = byId.get(id);
    if (callFrame.functionName === '(idle)') continue;
    const where = callFrame.url
      ? `${callFrame.url.replace(/^.*node_modules\//, '').replace(/^.*\/packages\//, 'packages/')}:${callFrame.lineNumber + 1}`
      : '';
    const key = `${callFrame.functionName || '(anonymous)'}  ${where}`;
    const us = deltas[i] ?? 0;
    self.set(key, (self.get(key) ?? 0) + us);
    busy += us;
  }
  return [...self]
    .sort((a, b) => b[1] - a[1])
    .slice(0, count)
    .map(([key, us]) => `${((100 * us) / busy).toFixed(1).padStart(5)} %  ${key}`);
}

/**
 * Express middleware doing the one thing podsafe's middleware does to every
 * request besides the session: its request and response made dictionary
 * objects (packages/express/src/cheap-properties.ts), which also makes
 * Express's own property adds cheaper. A bare app with it is the reference for
 * what sessions themselves cost.
 */
export function dictionaryObjects(req, res, next) {
  for (const [object, key] of [
    [req, 'complete'],
    [res, '_header'],
  ]) {
    const descriptor = Object.getOwnPropertyDescriptor(object, key);
    delete object[key];
    Object.defineProperty(object, key, descriptor);
  }
  next();
}

/** CPU time (user + system, µs) a process has used so far, from /proc (Linux). */
export function processCpuMicros(pid) {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  // utime and stime are fields 14 and 15 of stat(5), in clock ticks (100 per second on Linux).
  return (Number(fields[11]) + Number(fields[12])) * 10_000;
}
