/**
 * `@podsafe/memcached`: a podsafe `SessionStore` on memcached (memjs), with
 * consistent hashing across servers and memcached's expiry rules handled.
 *
 * ```ts
 * import { MemcachedStore } from '@podsafe/memcached';
 * const store = new MemcachedStore({ servers: 'cache-0.cache:11211,cache-1.cache:11211' });
 * ```
 *
 * @packageDocumentation
 */
export { MemcachedStore } from './memcached-store.js';
export {
  type MemcachedStoreOptions,
  DEFAULT_TIMEOUT,
  DEFAULT_RETRIES,
  DEFAULT_FAILOVER_TIME,
  DEFAULT_MAX_ITEM_BYTES,
  MEMCACHED_ITEM_LIMIT,
} from './options.js';
export { HashRing, DEFAULT_VIRTUAL_NODES, type HashRingOptions } from './hash-ring.js';
export { useConsistentHashing } from './routing.js';
export { memcachedExpiration, MAX_RELATIVE_EXPIRATION, MAX_EXPIRATION } from './ttl.js';
export { DEFAULT_PREFIX, MAX_KEY_BYTES, MAX_PREFIX_BYTES } from './keys.js';
