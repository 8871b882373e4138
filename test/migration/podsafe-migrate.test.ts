/**
 * podsafe-migrate: bulk conversion of connect-redis sessions. Seeds 10k sessions in
 * connect-redis's format (the 100k run is bench/migrate.load.ts), converts them,
 * interrupted and resumed, with corrupt values counted rather than fatal.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { RedisStore } from '@podsafe/redis';
import { migrateLegacySessions, runMigrateCli } from '@podsafe/redis/migrate';
import { Browser } from '@podsafe/test-support/http';
import { startRedis } from '@podsafe/test-support/servers';
import { NEW_SECRET, OLD_SECRET, startDropInApp, startNewExpressApp, startOldExpressApp, type RunningApp } from './apps.js';

const SESSIONS = 10_000;
let redis: Awaited<ReturnType<typeof startRedis>>;
let admin: Redis;

beforeAll(async () => {
  redis = await startRedis();
  // Auto-pipelining batches the per-session commands of a page into few round trips, as the CLI's client does.
  admin = new Redis(redis.url, { enableAutoPipelining: true });
});

afterAll(async () => {
  admin.disconnect();
  await redis.stop();
});

/** `count` sessions as connect-redis writes them (one pipeline per 1000), ids `seed-000001`... */
async function seed(count: number, prefix = 'sess:'): Promise<void> {
  const expires = new Date(Date.now() + 3_600_000).toISOString();
  for (let start = 0; start < count; start += 1000) {
    const pipeline = admin.pipeline();
    for (let i = start; i < Math.min(count, start + 1000); i++) {
      const id = `seed-${String(i).padStart(12, '0')}`;
      const session = {
        cookie: { originalMaxAge: 3_600_000, expires, secure: false, httpOnly: true, path: '/' },
        user: `user-${i}`,
        count: i,
      };
      pipeline.set(prefix + id, JSON.stringify(session), 'EX', 3600);
    }
    await pipeline.exec();
  }
}

async function countKeys(pattern: string): Promise<number> {
  let cursor = '0';
  let n = 0;
  do {
    const [next, keys] = await admin.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
    cursor = next;
    n += keys.length;
  } while (cursor !== '0');
  return n;
}

describe('podsafe-migrate', () => {
  it(`converts ${SESSIONS} sessions keeping their TTL, survives an interruption, and counts corrupt values`, async () => {
    await admin.flushdb();
    await seed(SESSIONS);
    await admin.set('sess:corrupt-json-000001', '{not json', 'EX', 3600);
    await admin.set('sess:corrupt-array-00001', '[1,2,3]', 'EX', 3600);
    await admin.hset('sess:corrupt-hash-000001', 'a', '1');

    const dry = await migrateLegacySessions({ client: admin, dryRun: true });
    expect(dry).toMatchObject({ scanned: SESSIONS + 3, converted: SESSIONS, corrupt: 3, skipped: 0 });
    expect(await countKeys('podsafe:*')).toBe(0);

    // Interrupted after the first page...
    const stop = new AbortController();
    const first = await migrateLegacySessions({ client: admin, signal: stop.signal, onProgress: () => stop.abort() });
    expect(first.interrupted).toBe(true);
    expect(first.converted).toBeGreaterThan(0);
    expect(first.converted).toBeLessThan(SESSIONS);
    // ...and resumed by running it again.
    const second = await migrateLegacySessions({ client: admin });
    expect(second.interrupted).toBe(false);
    expect(first.converted + second.converted).toBe(SESSIONS);
    expect(second.corrupt).toBe(3);
    expect(await countKeys('sess:*')).toBe(3);
    expect(await countKeys('podsafe:sess:*')).toBe(SESSIONS);

    // A third run finds nothing left to do.
    expect(await migrateLegacySessions({ client: admin })).toMatchObject({ converted: 0, skipped: 0, corrupt: 3 });

    const id = 'seed-000000004242';
    expect(await admin.hgetall(`podsafe:sess:${id}`)).toMatchObject({ 'd:user': '"user-4242"', 'd:count': '4242', 'm:v': '1' });
    const ttl = await admin.ttl(`podsafe:sess:${id}`);
    expect(ttl).toBeGreaterThan(3500);
    expect(ttl).toBeLessThanOrEqual(3600);
    console.log(`podsafe-migrate: ${SESSIONS} sessions in ${(first.seconds + second.seconds).toFixed(2)} s`);
  });

  it('never overwrites a podsafe record: a run interrupted between write and delete is finished by the next', async () => {
    await admin.flushdb();
    await seed(1);
    const id = 'seed-000000000000';
    // As if the first run wrote the record, died before deleting the legacy key, and the app changed the record since.
    await migrateLegacySessions({ client: admin });
    await admin.hset(`podsafe:sess:${id}`, 'd:count', '99');
    await seed(1);
    expect(await migrateLegacySessions({ client: admin })).toMatchObject({ converted: 0, skipped: 1 });
    expect(await admin.exists(`sess:${id}`)).toBe(0);
    expect(await admin.hget(`podsafe:sess:${id}`, 'd:count')).toBe('99');
  });

  it('converted sessions keep their users logged in, through the drop-in and through session() with legacyCookie', async () => {
    await admin.flushdb();
    const apps: RunningApp[] = [];
    const stores: RedisStore[] = [];
    try {
      const old = await startOldExpressApp(redis.url);
      apps.push(old);
      const viaDropIn = new Browser(old.url);
      const viaSession = new Browser(old.url);
      await viaDropIn.post('/login', { user: 'kim' });
      await viaSession.post('/login', { user: 'lou' });
      await viaSession.post('/increment');

      const out: string[] = [];
      const io = { stdout: { write: (t: string) => out.push(t) }, stderr: { write: (t: string) => out.push(t) } };
      expect(await runMigrateCli(['--url', redis.url], io)).toBe(0);
      expect(out.join('')).toMatch(/^converted 2, skipped 0, corrupt 0 \(2 legacy keys in [\d.]+ s, \d+ sessions\/s\)\n$/);

      const legacy = { format: 'connect-redis', mode: 'read' } as const;
      const dropInStore = new RedisStore({ url: redis.url, legacy });
      const sessionStore = new RedisStore({ url: redis.url, legacy });
      stores.push(dropInStore, sessionStore);
      const dropIn = await startDropInApp(dropInStore);
      const modern = await startNewExpressApp({
        store: sessionStore,
        secret: NEW_SECRET,
        legacyCookie: { name: 'connect.sid', secret: OLD_SECRET },
      });
      apps.push(dropIn, modern);
      viaDropIn.baseUrl = dropIn.url;
      expect((await viaDropIn.get('/me')).body).toEqual({ user: 'kim', count: 0 });
      viaSession.baseUrl = modern.url;
      expect((await viaSession.get('/me')).body).toEqual({ user: 'lou', count: 1 });
      expect((await viaSession.post('/increment')).body).toEqual({ user: 'lou', count: 2 });
    } finally {
      for (const app of apps) await app.close();
      for (const store of stores) await store.close();
    }
  });

  it('refuses bad arguments with a message that says what to do', async () => {
    const err: string[] = [];
    const io = { stdout: { write: () => undefined }, stderr: { write: (t: string) => err.push(t) } };
    expect(await runMigrateCli(['--ttl', 'soon'], io)).toBe(2);
    expect(err.join('')).toMatch(/--ttl must be a positive number of seconds/);
    expect(await runMigrateCli(['--nope'], io)).toBe(2);
    expect(err.join('')).toMatch(/--help/);
  });
});
