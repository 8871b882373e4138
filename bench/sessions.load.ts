/**
 * Load benchmark: podsafe against express-session + connect-redis on one real
 * Redis. Prints, per app: requests/s and p99 latency for a read-only and a
 * writing request, Redis round trips per request, and updates lost when two
 * requests of one user change different keys at once. Run with `pnpm bench`
 * (BENCH_SECONDS sets the duration of each load run, default 5).
 */
import { it } from 'vitest';
import autocannon from 'autocannon';
import { startRedis } from '../test/support/servers.js';
import { Browser } from '../test/support/http.js';
import { CommandCounter } from '../test/support/redis-monitor.js';
import { connectRedisApp, dropInApp, podsafeApp, type BenchApp } from './apps.js';

const seconds = Number(process.env.BENCH_SECONDS ?? 5);
const ROUNDS = 200;

async function load(url: string, method: 'GET' | 'POST', cookie: string) {
  const result = await autocannon({ url, method, duration: seconds, connections: 20, headers: { cookie, 'content-type': 'application/json' }, body: method === 'POST' ? '{}' : undefined });
  return { rps: Math.round(result.requests.average), p99: result.latency.p99, total: result.requests.total, errors: result.errors + result.non2xx };
}

async function roundTripsPerRequest(counter: CommandCounter, browser: Browser, method: 'GET' | 'POST', path: string) {
  const n = 100;
  const counts = await counter.during(async () => {
    for (let i = 0; i < n; i++) await browser.request(method, path);
  });
  return Object.values(counts).reduce((a, b) => a + b, 0) / n;
}

async function lostUpdates(app: BenchApp) {
  let lost = 0;
  for (let round = 0; round < ROUNDS; round++) {
    const browser = new Browser(app.url);
    await browser.post('/login');
    await Promise.all([browser.clone().post('/set/a'), browser.clone().post('/set/b')]);
    const keys = (await browser.get('/keys')).body as string[];
    if (!keys.includes('a') || !keys.includes('b')) lost++;
  }
  return lost;
}

it('benchmark', async () => {
  const redis = await startRedis();
  const counter = new CommandCounter(redis.url);
  const rows: string[] = [];
  try {
    for (const make of [podsafeApp, dropInApp, connectRedisApp]) {
      const app = await make(redis.url);
      try {
        const browser = new Browser(app.url);
        await browser.post('/login');
        const cookie = [...browser.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
        const read = await load(`${app.url}/read`, 'GET', cookie);
        const write = await load(`${app.url}/write`, 'POST', cookie);
        const readCommands = await roundTripsPerRequest(counter, browser, 'GET', '/read');
        const writeCommands = await roundTripsPerRequest(counter, browser, 'POST', '/write');
        const lost = await lostUpdates(app);
        rows.push(
          `| ${app.name} | ${read.rps} | ${read.p99} | ${write.rps} | ${write.p99} | ${readCommands.toFixed(2)} | ${writeCommands.toFixed(2)} | ${lost}/${ROUNDS} |`,
        );
      } finally {
        await app.close();
      }
    }
  } finally {
    counter.close();
    await redis.stop();
  }
  console.log(
    [
      `\nSessions on one local Redis, ${seconds} s per run, 20 connections, 2-core machine:\n`,
      '| app | read req/s | read p99 ms | write req/s | write p99 ms | Redis round trips/read | Redis round trips/write | lost updates |',
      '|---|---|---|---|---|---|---|---|',
      ...rows,
    ].join('\n'),
  );
});
