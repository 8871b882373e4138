/**
 * Starts one shared redis-server and memcached for the whole test run and
 * hands their addresses to tests through `inject('redisUrl')` / `inject('memcachedServers')`.
 * Tests that stop a server (outage tests) start their own with `startRedis()`.
 */
import type { TestProject } from 'vitest/node';
import { startMemcached, startRedis } from './servers.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** `redis://127.0.0.1:PORT` of the shared test Redis. */
    redisUrl: string;
    /** `127.0.0.1:PORT` of the shared test memcached. */
    memcachedServers: string;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const redis = await startRedis();
  const memcached = await startMemcached();
  project.provide('redisUrl', redis.url);
  project.provide('memcachedServers', memcached.address);
  return async () => {
    await Promise.all([redis.stop(), memcached.stop()]);
  };
}
