#!/usr/bin/env node
// `pnpm demo`: the local stand-in for the Kubernetes cluster. Several replicas
// of the example app behind a round-robin load balancer with no affinity,
// sessions in a shared store, replicas restarted when they die. Kill them from
// the page or from here and watch nobody get logged out.
import { randomBytes } from 'node:crypto';
import { createInterface } from 'node:readline';
import { startBackend } from './backend.js';
import { APPS, startCluster } from './cluster.js';
import { freePort, isPortFree } from './net.js';

const say = (message) => console.log(`demo: ${message}`);
const fail = (message) => {
  console.error(`demo: ${message}`);
  process.exit(1);
};

function integerEnv(name, fallback, min, max) {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) fail(`${name} must be an integer from ${min} to ${max}; got ${JSON.stringify(raw)}.`);
  return value;
}

const replicas = integerEnv('REPLICAS', 3, 1, 20);
const app = process.env.DEMO_APP || 'express-app';
if (!APPS.includes(app)) fail(`DEMO_APP must be one of ${APPS.join(', ')}; got ${JSON.stringify(app)}.`);
const front = process.env.DEMO_FRONT || 'auto';
if (!['auto', 'nginx', 'node'].includes(front)) fail(`DEMO_FRONT must be nginx or node; got ${JSON.stringify(front)}.`);
const wantedPort = integerEnv('PORT', 8080, 1, 65535);
const port = (await isPortFree(wantedPort)) ? wantedPort : await freePort();
if (port !== wantedPort) say(`port ${wantedPort} is taken; using ${port} instead (set PORT to choose).`);

let backend;
let cluster;
let stopping = false;

async function stop(code) {
  if (stopping) return;
  stopping = true;
  say('stopping...');
  await cluster?.stop();
  await backend?.stop();
  say('stopped.');
  process.exit(code);
}

process.on('SIGINT', () => {
  // A second Ctrl-C while stopping: leave now (the children are killed on exit).
  if (stopping) process.exit(1);
  void stop(0);
});
process.on('SIGTERM', () => void stop(0));

try {
  backend = await startBackend(process.env, (message) => say(`NOTE: ${message}`));
  // One secret for every replica, or none of them could read another's cookies.
  const secret = process.env.SESSION_SECRET || randomBytes(48).toString('base64url');
  cluster = await startCluster({ app, replicas, port, front, env: { ...backend.env, SESSION_SECRET: secret }, restartDelayMs: 1000 });
} catch (error) {
  console.error(`demo: could not start: ${error.message}`);
  await cluster?.stop().catch(() => undefined);
  await backend?.stop().catch(() => undefined);
  process.exit(1);
}

const { events } = cluster;
events.on('exit', (e) => {
  if (e.expected) return;
  say(`✗ ${e.pod} (pid ${e.pid}) died: ${e.signal ?? `exit code ${e.code}`}`);
});
events.on('restarting', (e) => say(`  restarting ${e.pod} in ${(e.delayMs / 1000).toFixed(1)}s, on the same port, as Kubernetes would`));
events.on('ready', (e) => {
  if (e.starts > 1) say(`✓ ${e.pod} is back (pid ${e.pid}, port ${e.port})`);
});
events.on('rotation', (e) => say(`  ${e.pod} ${e.inRotation ? 'back in' : 'out of'} the load balancer's rotation`));
events.on('failure', (e) => say(`! ${e.pod}: ${e.error.message}`));
events.on('output', (e) => {
  // The app's own lines (startup, shutdown, errors), not per-request noise.
  console.log(`  [${e.pod}] ${readable(e.line)}`);
});

/** A pino JSON line (the Fastify app logs through pino) as its level and message, like the Express app's plain lines. */
function readable(line) {
  if (!line.startsWith('{')) return line;
  try {
    const { level, msg } = JSON.parse(line);
    if (typeof msg !== 'string') return line;
    return level >= 50 ? `ERROR ${msg}` : level >= 40 ? `WARN ${msg}` : msg;
  } catch {
    return line;
  }
}
events.on('front-log', (e) => {
  if (/\[(emerg|alert|crit)\]/.test(e.line)) console.log(`  [nginx] ${e.line}`);
});

const lines = [
  '',
  `  podsafe demo: open ${cluster.url}`,
  '',
  `  load balancer  ${cluster.front === 'nginx' ? 'nginx' : `built-in Node proxy${front === 'node' ? '' : ' (nginx is not installed)'}`}, round robin, no affinity`,
  `  sessions       ${backend.description}`,
  `  app            examples/${app} (DEMO_APP=${APPS.find((a) => a !== app)} for its twin)`,
  `  replicas       ${cluster.replicas.map((r) => `${r.pod} :${r.port}`).join(', ')}`,
  '',
  '  Log in, then press "Kill this replica": reload, another replica answers and you are still logged in.',
  process.stdin.isTTY ? '  Here: k [n] = SIGKILL replica n (or a random one), t [n] = SIGTERM, r = rolling restart, s = status, q = quit.' : '',
  '  Ctrl-C stops everything.',
  '',
];
console.log(lines.filter((l, i) => l !== '' || i === 0 || lines[i - 1] !== '').join('\n'));

if (process.stdin.isTTY) {
  const input = createInterface({ input: process.stdin });
  input.on('line', (line) => void command(line.trim()));
  input.on('close', () => void stop(0));
}

async function command(line) {
  const [verb, arg] = line.split(/\s+/);
  const pick = () => (arg === undefined ? Math.floor(Math.random() * cluster.replicas.length) : Number(arg));
  try {
    switch (verb) {
      case 'k':
      case 't': {
        const index = pick();
        const replica = cluster.replicas[index];
        if (!replica) return say(`no replica ${arg}; there are 0 to ${cluster.replicas.length - 1}.`);
        if (!replica.running) return say(`${replica.pod} is not running right now.`);
        say(`sending ${verb === 'k' ? 'SIGKILL' : 'SIGTERM'} to ${replica.pod} (pid ${replica.pid})`);
        await cluster.kill(index, verb === 'k' ? 'SIGKILL' : 'SIGTERM');
        return;
      }
      case 'r':
        say('rolling restart: one replica at a time, each out of rotation before SIGTERM and ready before the next');
        await cluster.rollingRestart();
        return say('rolling restart done.');
      case 's':
        for (const r of cluster.replicas) say(`${r.pod} :${r.port} ${r.state}${r.pid ? ` pid ${r.pid}` : ''}, ${r.starts} start(s)`);
        return;
      case 'q':
        return stop(0);
      case '':
        return;
      default:
        return say(`unknown command ${JSON.stringify(verb)}: k [n], t [n], r, s, q`);
    }
  } catch (error) {
    say(`${verb}: ${error.message}`);
  }
}
