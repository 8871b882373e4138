/**
 * The Redis a migration test file shares: started before its tests, with an admin
 * client to look at keys directly, and everything the tests started on it
 * (apps, stores) stopped after them.
 */
import { Redis } from 'ioredis';
import { afterAll, beforeAll } from 'vitest';
import type { RedisStore } from '@podsafe/redis';
import { startRedis } from '@podsafe/test-support/servers';
import type { RunningApp } from './apps.js';

export interface MigrationRedis {
  /** `redis://127.0.0.1:PORT` (after `beforeAll`). */
  readonly url: string;
  /** A plain ioredis client, for reading and seeding keys. */
  readonly admin: Redis;
  /** Apps to close after the file's tests. */
  readonly running: RunningApp[];
  /** Stores to close after the file's tests. */
  readonly stores: RedisStore[];
}

/** Registers the file's `beforeAll`/`afterAll` and returns the fixture they fill. */
export function useMigrationRedis(): MigrationRedis {
  let redis: Awaited<ReturnType<typeof startRedis>> | undefined;
  let admin: Redis | undefined;
  const running: RunningApp[] = [];
  const stores: RedisStore[] = [];

  beforeAll(async () => {
    redis = await startRedis();
    admin = new Redis(redis.url);
  });

  afterAll(async () => {
    for (const app of running) await app.close();
    for (const store of stores) await store.close();
    admin?.disconnect();
    await redis?.stop();
  });

  return {
    get url() {
      if (!redis) throw new Error('the migration Redis starts in beforeAll');
      return redis.url;
    },
    get admin() {
      if (!admin) throw new Error('the migration Redis starts in beforeAll');
      return admin;
    },
    running,
    stores,
  };
}
