// Where the demo keeps sessions: the store named by SESSION_BACKEND, else Redis
// (the one at REDIS_URL, or a private redis-server started from PATH), else the
// JWT cookie store, which needs no server at all.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LOOPBACK, canConnect, freePort, pollUntil } from './net.js';

const BACKENDS = ['redis', 'memcached', 'jwt'];

/**
 * The podsafe fleet's session store, and its server when the demo started one.
 * @typedef {object} Backend
 * @property {string} kind `redis`, `memcached` or `jwt`
 * @property {Record<string, string>} env what the replicas need to reach it (SESSION_BACKEND, REDIS_URL...)
 * @property {string} description where sessions live, in words
 * @property {() => Promise<void>} stop stops the server the demo started (nothing for an external one)
 */

/**
 * @param {Record<string, string | undefined>} env
 * @param {(message: string) => void} notice
 * @returns {Promise<Backend>}
 */
export async function startBackend(env, notice) {
  const chosen = env.SESSION_BACKEND?.trim().toLowerCase();
  if (chosen && !BACKENDS.includes(chosen))
    throw new Error(`SESSION_BACKEND must be one of ${BACKENDS.join(', ')}; got ${JSON.stringify(chosen)}.`);

  if (chosen === 'jwt') return jwt('SESSION_BACKEND=jwt');

  if (chosen === 'memcached') {
    if (env.MEMCACHED_SERVERS)
      return external('memcached', { MEMCACHED_SERVERS: env.MEMCACHED_SERVERS }, `memcached at ${env.MEMCACHED_SERVERS}`);
    if (!onPath('memcached'))
      throw new Error(
        'SESSION_BACKEND=memcached but memcached is not installed: `apt-get install -y memcached`, or set MEMCACHED_SERVERS.',
      );
    const server = await startServer('memcached', (port) => [
      ...(process.getuid?.() === 0 ? ['-u', 'root'] : []),
      '-l',
      LOOPBACK,
      '-p',
      String(port),
      '-U',
      '0',
      '-m',
      '64',
    ]);
    return {
      kind: 'memcached',
      env: { SESSION_BACKEND: 'memcached', MEMCACHED_SERVERS: `${LOOPBACK}:${server.port}` },
      description: `memcached started for the demo on ${LOOPBACK}:${server.port}`,
      stop: server.stop,
    };
  }

  if (env.REDIS_URL) return external('redis', { REDIS_URL: env.REDIS_URL }, `Redis at ${env.REDIS_URL}`);
  if (!onPath('redis-server')) {
    if (chosen === 'redis')
      throw new Error('SESSION_BACKEND=redis but redis-server is not installed: `apt-get install -y redis-server`, or set REDIS_URL.');
    notice('redis-server is not installed (`apt-get install -y redis-server`), so the demo keeps sessions in signed JWT cookies instead.');
    return jwt('no redis-server installed');
  }
  const server = await startServer('redis-server', (port, dir) => [
    '--port',
    String(port),
    '--bind',
    LOOPBACK,
    '--save',
    '',
    '--appendonly',
    'no',
    '--dir',
    dir,
  ]);
  return {
    kind: 'redis',
    env: { SESSION_BACKEND: 'redis', REDIS_URL: `redis://${LOOPBACK}:${server.port}` },
    description: `redis-server started for the demo on ${LOOPBACK}:${server.port} (no persistence)`,
    stop: server.stop,
  };
}

/**
 * @param {string} why
 * @returns {Backend}
 */
function jwt(why) {
  return {
    kind: 'jwt',
    env: { SESSION_BACKEND: 'jwt' },
    description: `signed JWT cookies (${why}): no server, the browser carries the session`,
    stop: async () => {},
  };
}

/**
 * @param {string} kind
 * @param {Record<string, string>} env
 * @param {string} description
 * @returns {Backend}
 */
function external(kind, env, description) {
  return { kind, env: { SESSION_BACKEND: kind, ...env }, description, stop: async () => {} };
}

/** @param {string} command */
function onPath(command) {
  return spawnSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' }).status === 0;
}

/**
 * Starts `command` on a free loopback port in its own temporary directory; resolves once it accepts connections.
 * @param {string} command
 * @param {(port: number, dir: string) => string[]} args
 */
async function startServer(command, args) {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), `podsafe-demo-${command}-`));
  // Its own process group: a Ctrl-C in the terminal reaches the demo, which stops things in order.
  const child = spawn(command, args(port, dir), { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  let output = '';
  child.stdout.on('data', (c) => (output += c));
  child.stderr.on('data', (c) => (output += c));
  let exited = false;
  const exit = new Promise((resolve) =>
    child.once('exit', () => {
      exited = true;
      resolve(undefined);
    }),
  );
  const died = exit.then(() => new Error(`${command} exited before it was ready:\n${output}`));
  child.once('error', () => undefined);
  process.once('exit', () => {
    if (!exited) child.kill('SIGKILL');
  });
  try {
    await pollUntil(() => canConnect(port), { what: `${command} on port ${port}`, timeoutMs: 10_000, abort: died });
  } catch (error) {
    child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
  return {
    port,
    async stop() {
      if (!exited) {
        child.kill('SIGTERM');
        await exit;
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
