/**
 * podsafe-migrate on 100k connect-redis sessions (MIGRATE_SESSIONS to change):
 * seeds them with pipelines, converts them as the CLI does (an auto-pipelining
 * ioredis client), and prints the rate in sessions/s. Run with `pnpm bench`.
 */
import { it } from 'vitest';
import { Redis } from 'ioredis';
import { migrateLegacySessions } from '@podsafe/redis/migrate';
import { startRedis } from '@podsafe/test-support/servers';

const SESSIONS = Number(process.env.MIGRATE_SESSIONS ?? 100_000);

it(`podsafe-migrate: ${SESSIONS} sessions`, async () => {
  const redis = await startRedis();
  const client = new Redis(redis.url, { enableAutoPipelining: true });
  try {
    const expires = new Date(Date.now() + 86_400_000).toISOString();
    const seedStart = performance.now();
    for (let start = 0; start < SESSIONS; start += 1000) {
      const pipeline = client.pipeline();
      for (let i = start; i < Math.min(SESSIONS, start + 1000); i++) {
        const session = {
          cookie: { originalMaxAge: 86_400_000, expires, secure: false, httpOnly: true, path: '/' },
          userId: `user-${i}`,
          cart: [i, i + 1],
          views: i,
        };
        pipeline.set(`sess:bench-${String(i).padStart(24, '0')}`, JSON.stringify(session), 'EX', 86_400);
      }
      await pipeline.exec();
    }
    const seeded = (performance.now() - seedStart) / 1000;
    const summary = await migrateLegacySessions({ client, onProgress: () => undefined });
    console.log(
      `podsafe-migrate: ${summary.converted} of ${SESSIONS} sessions converted in ${summary.seconds.toFixed(1)} s ` +
        `= ${Math.round(summary.scanned / summary.seconds)} sessions/s (counting pass included; seeding took ${seeded.toFixed(1)} s)`,
    );
  } finally {
    client.disconnect();
    await redis.stop();
  }
});
