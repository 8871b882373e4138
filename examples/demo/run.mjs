#!/usr/bin/env node
// `pnpm demo`: two fleets of the example app side by side on this machine,
// "sticky" (sessions in each replica's memory, client-address affinity) and
// "podsafe" (sessions in a shared store, round robin), the same simulated crowd
// on both, and a page that shows what a kill, a scale-out and a changed client
// address do to each. `pnpm demo --compare` measures the same, headless, and
// prints one table.
import { parseArgs } from 'node:util';
import { createInterface } from 'node:readline';
import { APPS } from './cluster.js';
import { formatTable, runCompare } from './compare.js';
import { startDemo } from './demo.js';
import { freePort, isPortFree } from './net.js';

/** @import { Demo } from './demo.js' */

const say = (/** @type {string} */ message) => console.log(`demo: ${message}`);
/** @type {(message: string) => never} */
const fail = (message) => {
  console.error(`demo: ${message}`);
  process.exit(1);
};

/** @type {{ compare?: boolean, users?: string }} */
let args = {};
try {
  args = parseArgs({ options: { compare: { type: 'boolean' }, users: { type: 'string' } } }).values;
} catch (error) {
  fail(`${/** @type {Error} */ (error).message}. Usage: pnpm demo [--compare] [--users N]`);
}

/**
 * @param {string} name
 * @param {string | undefined} raw
 * @param {number} fallback
 * @param {number} min
 * @param {number} max
 */
function integer(name, raw, fallback, min, max) {
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max)
    fail(`${name} must be an integer from ${min} to ${max}; got ${JSON.stringify(raw)}.`);
  return value;
}

const replicas = integer('REPLICAS', process.env.REPLICAS, 3, 2, 5);
const users = integer('--users (or DEMO_USERS)', args.users ?? process.env.DEMO_USERS, 50, 1, 500);
const app = /** @type {import('./cluster.js').ExampleApp} */ (process.env.DEMO_APP || 'express-app');
if (!APPS.includes(app)) fail(`DEMO_APP must be one of ${APPS.join(', ')}; got ${JSON.stringify(app)}.`);
const front = /** @type {'auto' | 'nginx' | 'node'} */ (process.env.DEMO_FRONT || 'auto');
if (!['auto', 'nginx', 'node'].includes(front)) fail(`DEMO_FRONT must be nginx or node; got ${JSON.stringify(front)}.`);

if (args.compare) {
  try {
    const comparison = await runCompare({ users, app, front, replicas, log: say });
    console.log(`\n${formatTable(comparison)}`);
    process.exit(0);
  } catch (error) {
    fail(`the comparison failed: ${/** @type {Error} */ (error).message}`);
  }
}

const wantedPort = integer('PORT', process.env.PORT, 8080, 1, 65535);
const port = (await isPortFree(wantedPort)) ? wantedPort : await freePort();
if (port !== wantedPort) say(`port ${wantedPort} is taken; using ${port} instead (set PORT to choose).`);

/** @type {Demo | undefined} */
let demo;
let stopping = false;
/** @param {number} code */
async function stop(code) {
  if (stopping) return;
  stopping = true;
  say('stopping...');
  await demo?.stop();
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
  demo = await startDemo({ users, app, front, replicas, port, log: say });
} catch (error) {
  fail(`could not start: ${/** @type {Error} */ (error).message}`);
}

for (const fleet of demo.fleets) {
  const { events } = fleet.cluster;
  const tag = (/** @type {string} */ pod) => `${fleet.name}/${pod}`;
  events.on('exit', (e) => !e.expected && say(`✗ ${tag(e.pod)} (pid ${e.pid}) died: ${e.signal ?? `exit code ${e.code}`}`));
  events.on('ready', (e) => e.starts > 1 && say(`✓ ${tag(e.pod)} is back (pid ${e.pid}, port ${e.port})`));
  events.on('failure', (e) => say(`! ${tag(e.pod)}: ${e.error.message}`));
  events.on('front-log', (e) => /\[(emerg|alert|crit)\]/.test(e.line) && console.log(`  [${fleet.name} nginx] ${e.line}`));
}

const [sticky, podsafe] = demo.fleets;
console.log(
  [
    '',
    `  podsafe demo: open ${demo.url}`,
    '',
    `  sticky   ${sticky.front}`,
    `           sessions in ${sticky.sessions}; app page ${sticky.cluster.url}`,
    `  podsafe  ${podsafe.front}`,
    `           sessions in ${podsafe.sessions}; app page ${podsafe.cluster.url}`,
    ...demo.notes.map((n) => `  note     ${n}`),
    `  crowd    ${users} virtual users on each fleet, each its own cookies and client address (127.0.0.x)`,
    `  app      examples/${app} (DEMO_APP=${APPS.find((a) => a !== app)} for its twin)`,
    '',
    '  On the page: kill a replica, add one, change your address; watch who gets logged out.',
    process.stdin.isTTY ? '  Here: k = kill a replica, a = add one, m = move my address, c = crowd on/off, q = quit.' : '',
    '  Ctrl-C stops everything. `pnpm demo --compare` measures the same headless.',
    '',
  ]
    .filter((l, i, all) => l !== '' || all[i - 1] !== '')
    .join('\n'),
);

if (process.stdin.isTTY) {
  const input = createInterface({ input: process.stdin });
  /** @type {Record<string, string | undefined>} */
  const paths = { k: '/api/kill', a: '/api/scale', m: '/api/address' };
  let crowdOn = true;
  input.on('line', async (line) => {
    const verb = line.trim();
    if (verb === 'q') return void stop(0);
    if (verb === '') return;
    const path = verb === 'c' ? '/api/crowd' : paths[verb];
    if (!path) return say(`unknown command ${JSON.stringify(verb)}: k, a, m, c, q`);
    if (verb === 'c') crowdOn = !crowdOn;
    // The page's own API, so the terminal and the page never disagree.
    const response = await fetch(demo.url + path, { method: 'POST', body: JSON.stringify({ running: crowdOn }) }).catch((e) => ({
      json: async () => ({ error: e.message }),
    }));
    const body = /** @type {{ message?: string, error?: string }} */ (await response.json());
    say(String(body.message ?? body.error));
  });
  input.on('close', () => void stop(0));
}
