/**
 * Load benchmark: every podsafe adapter x backend beside the bare framework and
 * the usual peers, in one run, interleaved (each route runs every app in turn, so
 * a noisy neighbour slows them all alike). Each app is its own child process
 * (servers.mjs), so its CPU is measured apart from the load generator
 * (autocannon, here) and the stores. Prints and writes bench/results.md and the
 * ratio chart bench/results.svg. `pnpm bench [--quick] [--scale] [--seconds N]`.
 *
 * Speed is measured here, never in a test's pass/fail.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { createHash, createHmac } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { it } from 'vitest';
import autocannon from 'autocannon';
import { Redis } from 'ioredis';
import { RedisStore } from '@podsafe/redis';
import { ServerProcess, freePort, startRedis } from '@podsafe/test-support/servers';
import { Browser } from '@podsafe/test-support/http';
import { CommandCounter } from '@podsafe/test-support/redis-monitor';
import { ratioChart } from './chart.js';

const quick = process.env.BENCH_QUICK === '1';
const scaleOnly = process.env.BENCH_SCALE === '1';
const seconds = Number(process.env.BENCH_SECONDS ?? (quick ? 2 : 3));
/** Each app runs this many times per route, interleaved with the others; the median run counts. */
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? (quick ? 1 : 3));
/** BENCH_ONLY=redis,bare: only the apps whose name contains one of these (the bare frameworks always run). */
const only = process.env.BENCH_ONLY?.split(',').filter(Boolean);
const warmup = quick ? 0.5 : 1;
const CONNECTIONS = 50;
const LOST_ROUNDS = quick ? 10 : 50;
const TRIP_REQUESTS = 50;
const SCALE_SESSIONS = quick ? 100_000 : 1_000_000;
const SECRET = 'bench-secret-0123456789abcdef0123456789';
const here = import.meta.dirname;
const TICK_US = 10_000; // /proc CPU times are in clock ticks of 1/100 s on Linux

type Backend = 'redis' | 'memcached' | 'none';
interface Scenario {
  name: string;
  framework: 'express' | 'fastify';
  backend: Backend;
  /** A session app: the correctness columns apply. */
  sessions: boolean;
}

const ALL_SCENARIOS: Scenario[] = [
  { name: 'express bare', framework: 'express', backend: 'none', sessions: false },
  { name: 'express bare, dictionary objects', framework: 'express', backend: 'none', sessions: false },
  { name: 'express podsafe + RedisStore', framework: 'express', backend: 'redis', sessions: true },
  { name: 'express-session + podsafe drop-in (Redis)', framework: 'express', backend: 'redis', sessions: true },
  { name: 'express-session + connect-redis (node-redis)', framework: 'express', backend: 'redis', sessions: true },
  { name: 'express podsafe + MemcachedStore', framework: 'express', backend: 'memcached', sessions: true },
  { name: 'express-session + connect-memcached', framework: 'express', backend: 'memcached', sessions: true },
  { name: 'express podsafe + JwtStore', framework: 'express', backend: 'none', sessions: true },
  { name: 'express hand-written jose HS256 cookie', framework: 'express', backend: 'none', sessions: true },
  { name: 'express iron-session', framework: 'express', backend: 'none', sessions: true },
  { name: 'express podsafe + MemoryStore', framework: 'express', backend: 'none', sessions: true },
  { name: 'fastify bare', framework: 'fastify', backend: 'none', sessions: false },
  { name: 'fastify podsafe + RedisStore', framework: 'fastify', backend: 'redis', sessions: true },
  { name: '@fastify/session + connect-redis (node-redis)', framework: 'fastify', backend: 'redis', sessions: true },
  { name: 'fastify podsafe + JwtStore', framework: 'fastify', backend: 'none', sessions: true },
  { name: 'fastify podsafe + MemoryStore', framework: 'fastify', backend: 'none', sessions: true },
];
const SCENARIOS = ALL_SCENARIOS.filter((s) => !s.sessions || !only || only.some((part) => s.name.includes(part)));

/** CPU time (user + system) of a process from /proc, in µs. */
function procCpuUs(pid: number | undefined): number {
  if (pid === undefined) return 0;
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) * TICK_US;
}

class AppProcess {
  port = 0;
  constructor(
    readonly scenario: Scenario,
    readonly child: ChildProcess,
  ) {}

  static async start(scenario: Scenario, env: Record<string, string>): Promise<AppProcess> {
    // No inherited execArgv/NODE_OPTIONS: the vitest worker's source-resolution flags would load TypeScript.
    const child = fork(join(here, 'servers.mjs'), [scenario.name], {
      env: { ...process.env, NODE_OPTIONS: '', ...env },
      execArgv: [],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    const app = new AppProcess(scenario, child);
    app.port = await new Promise<number>((resolve, reject) => {
      child.once('exit', (code) => reject(new Error(`${scenario.name} exited (${code}) before listening`)));
      child.once('message', (message) => resolve((message as { port: number }).port));
    });
    return app;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** The server process's own CPU time (user + system) so far, in µs. */
  cpuUs(): Promise<number> {
    return new Promise((resolve) => {
      const onMessage = (message: unknown) => {
        const cpu = (message as { cpu?: NodeJS.CpuUsage }).cpu;
        if (!cpu) return;
        this.child.off('message', onMessage);
        resolve(cpu.user + cpu.system);
      };
      this.child.on('message', onMessage);
      this.child.send('cpu');
    });
  }

  async stop(): Promise<void> {
    const exited = new Promise((resolve) => this.child.once('exit', resolve));
    this.child.send('exit');
    await exited;
  }
}

async function cookieOf(url: string): Promise<string> {
  const browser = new Browser(url);
  await browser.post('/login');
  return [...browser.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
}

/** memcached's `stats` counters (text protocol, one request). */
async function memcachedStats(address: string): Promise<Record<string, number>> {
  const [host, port] = address.split(':');
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), host!);
    let text = '';
    socket.on('data', (chunk) => {
      text += chunk.toString();
      if (!text.endsWith('END\r\n')) return;
      socket.end();
      const stats: Record<string, number> = {};
      for (const [, key, value] of text.matchAll(/^STAT (\S+) (\S+)\r$/gm)) stats[key!] = Number(value);
      resolve(stats);
    });
    socket.on('error', reject);
    socket.write('stats\r\n');
  });
}

const memcachedOps = (s: Record<string, number>) =>
  (s.cmd_get ?? 0) + (s.cmd_set ?? 0) + (s.cmd_touch ?? 0) + (s.delete_hits ?? 0) + (s.delete_misses ?? 0);

/** Redis CPU as Redis itself accounts it: the sum of `usec` over INFO commandstats (scripts included, INFO/CONFIG left out). */
async function redisCommandUsec(admin: Redis): Promise<number> {
  const info = await admin.info('commandstats');
  let usec = 0;
  for (const [, name, value] of info.matchAll(/^cmdstat_([^:]+):calls=\d+,usec=(\d+)/gm))
    if (!/^(info|config)/.test(name!)) usec += Number(value);
  return usec;
}

interface Run {
  rps: number;
  p99: number;
  requests: number;
  errors: number;
  serverCpuUs: number;
  storeCpuUs: number | undefined;
  redisUsec: number | undefined;
}

interface Stores {
  redis: ServerProcess & { url: string };
  memcached: ServerProcess & { address: string };
  admin: Redis;
}

async function load(
  url: string,
  method: 'GET' | 'POST',
  headers: Record<string, string>,
  duration: number,
  setupRequest?: autocannon.Request['setupRequest'],
) {
  return autocannon({
    url,
    duration,
    connections: CONNECTIONS,
    requests: [
      {
        method,
        headers: { 'content-type': 'application/json', ...headers },
        body: method === 'POST' ? '{}' : undefined,
        ...(setupRequest ? { setupRequest } : {}),
      },
    ],
  });
}

async function measure(
  app: AppProcess,
  stores: Stores,
  route: 'read' | 'write',
  cookie: string,
  setupRequest?: autocannon.Request['setupRequest'],
): Promise<Run> {
  const method = route === 'read' ? 'GET' : 'POST';
  const url = `${app.url}/${route}`;
  const headers: Record<string, string> = cookie ? { cookie } : {};
  await load(url, method, headers, warmup, setupRequest);
  const storePid =
    app.scenario.backend === 'redis' ? stores.redis.pid : app.scenario.backend === 'memcached' ? stores.memcached.pid : undefined;
  if (app.scenario.backend === 'redis') await stores.admin.config('RESETSTAT');
  const cpu0 = await app.cpuUs();
  const store0 = procCpuUs(storePid);
  const result = await load(url, method, headers, seconds, setupRequest);
  const cpu1 = await app.cpuUs();
  const store1 = procCpuUs(storePid);
  const requests = result.requests.total;
  const redisUsec = app.scenario.backend === 'redis' ? (await redisCommandUsec(stores.admin)) / requests : undefined;
  return {
    rps: Math.round(result.requests.average),
    p99: result.latency.p99,
    requests,
    errors: result.errors + result.non2xx + result.timeouts,
    serverCpuUs: (cpu1 - cpu0) / requests,
    storeCpuUs: storePid === undefined ? undefined : (store1 - store0) / requests,
    redisUsec,
  };
}

/** Store round trips per request: MONITOR for Redis, `stats` counters for memcached. */
async function roundTrips(
  app: AppProcess,
  stores: Stores,
  counter: CommandCounter,
  method: 'GET' | 'POST',
  path: string,
): Promise<number | undefined> {
  const browser = new Browser(app.url);
  await browser.post('/login');
  const work = async () => {
    for (let i = 0; i < TRIP_REQUESTS; i++) await browser.request(method, path, method === 'POST' ? { json: {} } : {});
  };
  if (app.scenario.backend === 'redis') {
    const counts = await counter.during(work);
    return Object.values(counts).reduce((a, b) => a + b, 0) / TRIP_REQUESTS;
  }
  if (app.scenario.backend === 'memcached') {
    const before = memcachedOps(await memcachedStats(stores.memcached.address));
    await work();
    return (memcachedOps(await memcachedStats(stores.memcached.address)) - before) / TRIP_REQUESTS;
  }
  return 0;
}

/** Rounds out of LOST_ROUNDS where two concurrent requests setting different keys lose one. */
async function lostUpdates(app: AppProcess): Promise<number> {
  let lost = 0;
  for (let round = 0; round < LOST_ROUNDS; round++) {
    const browser = new Browser(app.url);
    await browser.post('/login');
    const a = browser.clone();
    const b = browser.clone();
    await Promise.all([a.post('/set/a'), b.post('/set/b')]);
    // A cookie store carries the session in the cookie: the last response's cookie is what survives.
    for (const [k, v] of b.cookies) browser.cookies.set(k, v);
    const keys = (await browser.get('/keys')).body as string[];
    if (!keys.includes('a') || !keys.includes('b')) lost++;
  }
  return lost;
}

async function startStores(): Promise<Stores> {
  const redis = await startRedis();
  const port = await freePort();
  const asRoot = process.getuid?.() === 0 ? ['-u', 'root'] : [];
  // No -vv here (unlike the test helper): logging every command would be billed to memcached's CPU.
  const memcached = new ServerProcess('memcached', port, {
    command: 'memcached',
    args: [...asRoot, '-l', '127.0.0.1', '-p', String(port), '-U', '0', '-m', '1024'],
  });
  await memcached.start();
  return { redis, memcached: Object.assign(memcached, { address: `127.0.0.1:${port}` }), admin: new Redis(redis.url) };
}

/** The run with the median req/s; its other figures come along (CPU per request barely moves with load). */
function median(runs: Run[]): Run {
  return [...runs].sort((a, b) => a.rps - b.rps)[Math.floor(runs.length / 2)]!;
}

const fmt = (n: number | undefined, digits = 0) => (n === undefined || !Number.isFinite(n) ? '–' : n.toFixed(digits));

async function mainTable(stores: Stores): Promise<string> {
  const env = { REDIS_URL: stores.redis.url, MEMCACHED: stores.memcached.address };
  const apps: AppProcess[] = [];
  for (const scenario of SCENARIOS) apps.push(await AppProcess.start(scenario, env));
  const counter = new CommandCounter(stores.redis.url);
  const runs = new Map<string, { read?: Run; write?: Run; tripsRead?: number; tripsWrite?: number; lost?: number }>();
  try {
    const cookies = new Map<string, string>();
    for (const app of apps) cookies.set(app.scenario.name, await cookieOf(app.url));
    const all = new Map<string, Run[]>();
    for (let round = 1; round <= ROUNDS; round++) {
      for (const route of ['read', 'write'] as const) {
        for (const app of apps) {
          const run = await measure(app, stores, route, cookies.get(app.scenario.name)!);
          const key = `${route} ${app.scenario.name}`;
          all.set(key, [...(all.get(key) ?? []), run]);
          console.log(
            `round ${round} ${key}: ${run.rps} req/s, ${fmt(run.serverCpuUs)} µs CPU/request${run.errors ? `, ${run.errors} errors` : ''}`,
          );
        }
      }
    }
    for (const app of apps) {
      for (const route of ['read', 'write'] as const) {
        runs.set(app.scenario.name, { ...runs.get(app.scenario.name), [route]: median(all.get(`${route} ${app.scenario.name}`)!) });
      }
    }
    for (const app of apps) {
      const entry = runs.get(app.scenario.name)!;
      entry.tripsRead = await roundTrips(app, stores, counter, 'GET', '/read');
      entry.tripsWrite = await roundTrips(app, stores, counter, 'POST', '/write');
      if (app.scenario.sessions) entry.lost = await lostUpdates(app);
    }
  } finally {
    counter.close();
    for (const app of apps) await app.stop();
  }

  const bare = (framework: string, route: 'read' | 'write') => runs.get(`${framework} bare`)![route]!.rps;
  const rows: string[] = [];
  const chart: { name: string; read: number; write: number }[] = [];
  for (const scenario of SCENARIOS) {
    const { read, write, tripsRead, tripsWrite, lost } = runs.get(scenario.name)!;
    const readRatio = read!.rps / bare(scenario.framework, 'read');
    const writeRatio = write!.rps / bare(scenario.framework, 'write');
    chart.push({ name: scenario.name, read: readRatio, write: writeRatio });
    const both = (f: (r: Run) => number | undefined, digits = 0) => `${fmt(f(read!), digits)} / ${fmt(f(write!), digits)}`;
    rows.push(
      `| ${scenario.name} | ${read!.rps} | **${readRatio.toFixed(2)}** | ${write!.rps} | **${writeRatio.toFixed(2)}** | ${both((r) => r.p99)} | ${both((r) => r.serverCpuUs)} | ${both((r) => r.storeCpuUs, 1)} | ${both((r) => r.redisUsec, 1)} | ${fmt(tripsRead, 2)} / ${fmt(tripsWrite, 2)} | ${scenario.sessions ? `${lost}/${LOST_ROUNDS}` : '–'} | ${read!.errors + write!.errors} |`,
    );
  }
  writeFileSync(
    join(here, quick || only ? 'results-quick.svg' : 'results.svg'),
    ratioChart(chart, `Throughput relative to the bare framework (same run, ${seconds} s per run, ${CONNECTIONS} connections)`),
  );
  return [
    '| app | read req/s | read ×bare | write req/s | write ×bare | p99 ms read / write | server CPU µs/req read / write | store CPU µs/req read / write (/proc) | Redis µs/req read / write (commandstats) | store round trips read / write | lost updates | errors |',
    '|---|---|---|---|---|---|---|---|---|---|---|---|',
    ...rows,
  ].join('\n');
}

/** Deterministic session ids and their signed cookies, so a million sessions need no list in memory. */
function scaleId(i: number): string {
  return createHash('sha256').update(`bench-session-${i}`).digest('base64url');
}
function scaleCookie(i: number): string {
  const id = scaleId(i);
  return `sid=${id}.${createHmac('sha256', SECRET).update(id).digest('base64url')}`;
}

async function seed(url: string, from: number, to: number): Promise<void> {
  // Through the store itself (its real save script), pipelined: many saves in flight on one autopipelined connection.
  const store = new RedisStore({ url, prefix: 'b:podsafe:' });
  const now = Date.now() / 1000;
  const inFlight = new Set<Promise<unknown>>();
  for (let i = from; i < to; i++) {
    const saving = store.save(
      scaleId(i),
      { isNew: true, data: { user: `user-${i}`, counter: 0 }, set: {}, unset: [], meta: { createdAt: now, lastSeenAt: now } },
      3600,
    );
    inFlight.add(saving);
    void saving.finally(() => inFlight.delete(saving));
    if (inFlight.size >= 2000) await Promise.race(inFlight);
  }
  await Promise.all(inFlight);
  await store.close();
}

/**
 * 1k against 1M live sessions, each on its own Redis with its own app process, the
 * runs interleaved round by round: the two figures then see the same machine load.
 */
async function scaleTable(stores: Stores): Promise<string> {
  const scenario = SCENARIOS.find((s) => s.name === 'express podsafe + RedisStore') ?? ALL_SCENARIOS[1]!;
  const big = await startRedis();
  const bigAdmin = new Redis(big.url);
  const sides = [
    { live: 1000, redis: stores.redis, admin: stores.admin },
    { live: SCALE_SESSIONS, redis: big, admin: bigAdmin },
  ];
  const rows: string[] = [];
  const apps: AppProcess[] = [];
  try {
    const seeded: { seconds: number; keys: number; memory: string | undefined }[] = [];
    for (const side of sides) {
      const started = performance.now();
      await seed(side.redis.url, 0, side.live);
      seeded.push({
        seconds: (performance.now() - started) / 1000,
        keys: await side.admin.dbsize(),
        memory: (await side.admin.info('memory')).match(/used_memory_human:(\S+)/)?.[1],
      });
      apps.push(await AppProcess.start(scenario, { REDIS_URL: side.redis.url, MEMCACHED: stores.memcached.address }));
    }
    const runs = sides.map(() => ({ read: [] as Run[], write: [] as Run[] }));
    for (let round = 1; round <= ROUNDS; round++) {
      for (const route of ['read', 'write'] as const) {
        for (const [index, side] of sides.entries()) {
          const spread: autocannon.Request['setupRequest'] = (request: { headers?: Record<string, string> }) => ({
            ...request,
            headers: { ...request.headers, cookie: scaleCookie(Math.floor(Math.random() * side.live)) },
          });
          const run = await measure(apps[index]!, { ...stores, redis: side.redis, admin: side.admin }, route, '', spread);
          runs[index]![route].push(run);
          console.log(`scale round ${round} ${route} ${side.live}: ${run.rps} req/s`);
        }
      }
    }
    const base = { read: median(runs[0]!.read).rps, write: median(runs[0]!.write).rps };
    for (const [index, side] of sides.entries()) {
      const read = median(runs[index]!.read);
      const write = median(runs[index]!.write);
      const { seconds: seedSeconds, keys, memory } = seeded[index]!;
      rows.push(
        `| ${side.live.toLocaleString('en')} | ${keys.toLocaleString('en')} | ${memory} | ${seedSeconds.toFixed(1)} | ${read.rps} (${(read.rps / base.read).toFixed(2)}) | ${write.rps} (${(write.rps / base.write).toFixed(2)}) | ${fmt(read.serverCpuUs)} / ${fmt(write.serverCpuUs)} | ${fmt(read.redisUsec, 1)} / ${fmt(write.redisUsec, 1)} | ${read.errors + write.errors} |`,
      );
    }
  } finally {
    for (const app of apps) await app.stop();
    bigAdmin.disconnect();
    await big.stop();
  }
  return [
    '| live sessions | Redis keys | Redis memory | seeding s | read req/s (×1k) | write req/s (×1k) | server CPU µs/req read / write | Redis µs/req read / write | errors |',
    '|---|---|---|---|---|---|---|---|---|',
    ...rows,
  ].join('\n');
}

it('benchmark', async () => {
  const stores = await startStores();
  const sections: string[] = [];
  const started = new Date().toISOString().slice(0, 16).replace('T', ' ');
  try {
    if (!scaleOnly) {
      sections.push(
        `## Every adapter x backend beside the bare framework and the peers\n\n${started} UTC, ${ROUNDS} interleaved round(s) of ${seconds} s per app and route after ${warmup} s of warm-up (median shown), ${CONNECTIONS} connections, one session cookie per app.\n` +
          "×bare is requests/s relative to the bare framework of the same row, in this run: the figure to compare (absolute req/s move with the machine's load).\n\n" +
          (await mainTable(stores)),
      );
    }
    if ((!quick && !only) || scaleOnly) {
      sections.push(
        `## Many live sessions (podsafe Express + RedisStore)\n\nSessions seeded through the store, 1k and 1M each on its own Redis and app process, runs interleaved (median of the rounds); every request picks one of the live sessions at random.\n\n${await scaleTable(stores)}`,
      );
    }
  } finally {
    stores.admin.disconnect();
    await stores.memcached.stop();
    await stores.redis.stop();
  }
  const text = `# Benchmark results\n\nGenerated by \`pnpm bench${quick ? ' --quick' : ''}${scaleOnly ? ' --scale' : ''}\`. The load generator, the app and the store share the machine's cores.\n\n${sections.join('\n\n')}\n`;
  if (!quick && !scaleOnly && !only) writeFileSync(join(here, 'results.md'), text);
  else if (scaleOnly && !quick && existsSync(join(here, 'results.md'))) {
    // --scale refreshes only its own section of the full results.
    const full = readFileSync(join(here, 'results.md'), 'utf8');
    const at = full.indexOf('## Many live sessions');
    writeFileSync(join(here, 'results.md'), `${at < 0 ? `${full}\n` : full.slice(0, at)}${sections.at(-1)}\n`);
  } else writeFileSync(join(here, 'results-quick.md'), text);
  console.log(`\n${text}`);
});
