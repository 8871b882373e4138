import type { Cluster, Redis } from 'ioredis';
import { META } from '../codec.js';

/**
 * Lua scripts for the legacy (connect-redis) keys. Each touches exactly one key, so
 * it runs on one node and, in a Cluster, in one slot: a legacy key and its podsafe
 * counterpart live in different slots, so no script ever spans both.
 *
 * Compare-and-set uses the SHA-1 of the value read (`redis.sha1hex`), so an old pod's
 * write between our read and our write is detected rather than overwritten.
 */

/** read: the type of KEYS[1] and, for a string, its value and PTTL (ms, -1 without expiry). */
const READ = `
local kind = redis.call('TYPE', KEYS[1])['ok']
if kind ~= 'string' then return { kind } end
return { kind, redis.call('GET', KEYS[1]), redis.call('PTTL', KEYS[1]) }
`;

/** cas: ARGV = sha1 of the value read, new value, ttl (ms). -1 when gone, 0 when changed since, 1 when written. */
const CAS = `
if redis.call('TYPE', KEYS[1])['ok'] ~= 'string' then return -1 end
if redis.sha1hex(redis.call('GET', KEYS[1])) ~= ARGV[1] then return 0 end
redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3])
return 1
`;

/** cas-delete: ARGV = sha1 of the value read. -1 when gone, 0 when changed since (left alone), 1 when deleted. */
const CAS_DELETE = `
if redis.call('TYPE', KEYS[1])['ok'] ~= 'string' then return -1 end
if redis.sha1hex(redis.call('GET', KEYS[1])) ~= ARGV[1] then return 0 end
redis.call('UNLINK', KEYS[1])
return 1
`;

/**
 * convert: the podsafe hash KEYS[1] is created from the save script's ARGV layout
 * (isNew, ttl, createdAt, lastSeenAt, n, pairs), only if no key is there. 0 when one
 * is: a podsafe record, possibly changed since it was converted, always wins over the
 * legacy copy, so re-running a conversion never rolls a session back.
 */
const CONVERT = `
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
redis.call('HSET', KEYS[1], '${META.createdAt}', ARGV[3], '${META.lastSeenAt}', ARGV[4], '${META.version}', 1)
local last = 5 + 2 * tonumber(ARGV[5])
for i = 6, last, 1000 do
  redis.call('HSET', KEYS[1], unpack(ARGV, i, math.min(i + 999, last)))
end
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return 1
`;

/** The legacy script commands, namespaced and versioned like the store's own. */
export interface LegacyScriptCommands {
  podsafeLegacyReadV1(key: string): Promise<[string] | [string, string, number]>;
  podsafeLegacyCasV1(key: string, sha1: string, value: string, ttlMs: string): Promise<number>;
  podsafeLegacyCasDeleteV1(key: string, sha1: string): Promise<number>;
  podsafeLegacyConvertV1(key: string, args: string[]): Promise<number>;
}

const SCRIPTS: Record<keyof LegacyScriptCommands, string> = {
  podsafeLegacyReadV1: READ,
  podsafeLegacyCasV1: CAS,
  podsafeLegacyCasDeleteV1: CAS_DELETE,
  podsafeLegacyConvertV1: CONVERT,
};

/** Defines the legacy scripts on `client` (EVALSHA, the source sent once per connection). */
export function defineLegacyScripts(client: Redis | Cluster): LegacyScriptCommands {
  const scripted = client as unknown as Record<string, unknown>;
  for (const [name, lua] of Object.entries(SCRIPTS)) {
    if (typeof scripted[name] !== 'function') client.defineCommand(name, { numberOfKeys: 1, lua });
  }
  return client as unknown as LegacyScriptCommands;
}
