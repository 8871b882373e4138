/**
 * `@podsafe/redis`: a podsafe session store on Redis (standalone, Sentinel or
 * Cluster) through ioredis. One hash per session, atomic delta writes in one
 * round trip, fast and clear failures while Redis is down.
 *
 * @packageDocumentation
 */
export { RedisStore } from './redis-store.js';
export type { RedisStoreOptions } from './options.js';
export type { LegacyOptions, LegacyMode } from './legacy/legacy-options.js';
