import type { Cluster, Redis } from 'ioredis';
import { META } from './codec.js';

/**
 * The Lua scripts. Each touches exactly one key (KEYS[1], the session hash), so it
 * runs atomically on one node and, in a Cluster, in one slot.
 *
 * `live_version` is the script-side "does this session exist": KEYS[1] is a hash
 * whose meta fields are valid (numbers, createdAt > 0, lastSeenAt >= createdAt, an
 * integer version >= 1), the same rule `isSessionMeta` applies on read. A string, a
 * foreign hash or broken meta counts as missing, so an update or a touch never
 * revives or grafts onto something that reads as "no session". (Data fields are not
 * parsed here; one that is not JSON keeps the record unreadable whatever is written.)
 */
const LIVE_VERSION = `
local function live_version(key)
  -- pcall: a key of another type answers WRONGTYPE, which means "no session", as on read.
  -- One HMGET instead of TYPE + HMGET: each redis.call costs about a microsecond of Redis CPU.
  local meta = redis.pcall('HMGET', key, '${META.createdAt}', '${META.lastSeenAt}', '${META.version}')
  if meta.err then return nil end
  local created, seen, version = meta[1], meta[2], meta[3]
  -- Digits, sign, point and exponent only: tonumber() would also take " 1", "0x1f", "nan"
  -- and "inf", which the reader refuses.
  local find, number = string.find, '^%-?%d[%d%.eE%+%-]*$'
  if not (created and seen and version and find(created, number) and find(seen, number) and find(version, number)) then return nil end
  created, seen, version = tonumber(created), tonumber(seen), tonumber(version)
  if not (created and seen and version) then return nil end
  -- seen >= created > 0, so an infinite created ("1e999") makes seen infinite too; inf % 1 is nan.
  if created <= 0 or seen < created or seen == math.huge or version < 1 or version % 1 ~= 0 then return nil end
  return version
end
`;

/**
 * save: ARGV = isNew ('1' | '0'), ttl (ms), createdAt, lastSeenAt, n,
 * then n field/value pairs to set, then the fields to delete.
 * isNew: the record becomes exactly the given fields (what was there, if anything else, is UNLINKed), version 1.
 * Otherwise: refused (0, nothing written) unless the session exists; set, delete,
 * version + 1. Both write the meta and PEXPIRE. Returns 1 when written.
 *
 * Meta and data go in one HSET (one command, not two: the script's cost is mostly
 * per command). Large writes go in chunks because Lua's unpack() has a stack limit
 * (~8000 values).
 */
const SAVE = `${LIVE_VERSION}
local key = KEYS[1]
local version = 1
local first = 6
local last = 5 + 2 * tonumber(ARGV[5])
local exact = false
if ARGV[1] == '1' then
  -- HSET first: a script's first write decides whether maxmemory applies (UNLINK is
  -- allowed when Redis is full), so a full Redis refuses a new record with OOM instead
  -- of growing past maxmemory. Then, when the hash holds exactly the fields just
  -- written (a fresh id, or a whole-session rewrite with the same keys, as
  -- express-session does on every change), it already is the record: no EXISTS, no
  -- UNLINK and no second hash. Anything else (other fields left over, another type) is
  -- replaced below.
  if last - first < 1000 then
    local added = redis.pcall('HSET', key, '${META.createdAt}', ARGV[3], '${META.lastSeenAt}', ARGV[4], '${META.version}', version, unpack(ARGV, first, last))
    if type(added) == 'table' and added.err and string.sub(added.err, 1, 9) ~= 'WRONGTYPE' then return redis.error_reply(added.err) end
    exact = type(added) == 'number' and redis.call('HLEN', key) == 3 + (last - first + 1) / 2
  end
  if not exact and redis.call('EXISTS', key) == 1 then redis.call('UNLINK', key) end
else
  local current = live_version(key)
  if not current then return 0 end
  version = current + 1
end
if not exact then
  if last - first < 1000 then
    redis.call('HSET', key, '${META.createdAt}', ARGV[3], '${META.lastSeenAt}', ARGV[4], '${META.version}', version, unpack(ARGV, first, last))
  else
    redis.call('HSET', key, '${META.createdAt}', ARGV[3], '${META.lastSeenAt}', ARGV[4], '${META.version}', version)
    for i = first, last, 1000 do
      redis.call('HSET', key, unpack(ARGV, i, math.min(i + 999, last)))
    end
  end
end
for i = last + 1, #ARGV, 1000 do
  redis.call('HDEL', key, unpack(ARGV, i, math.min(i + 999, #ARGV)))
end
redis.call('PEXPIRE', key, ARGV[2])
return 1
`;

/**
 * touch: ARGV = lastSeenAt, ttl (ms). Records lastSeenAt and extends the TTL of an
 * existing session; a missing one stays missing.
 *
 * Not a bare PEXPIRE: the engine enforces idle expiry and `touchAfter` from the
 * stored `lastSeenAt`, so a touch that only moved the TTL would leave the engine
 * seeing a stale lastSeenAt, expiring active sessions and touching on every request.
 */
const TOUCH = `${LIVE_VERSION}
local key = KEYS[1]
if not live_version(key) then return 0 end
redis.call('HSET', key, '${META.lastSeenAt}', ARGV[1])
redis.call('PEXPIRE', key, ARGV[2])
return 1
`;

/** The script commands the store defines on its client. Names are namespaced and versioned to never clash with an app's own. */
export interface ScriptCommands {
  podsafeSaveV1(key: string, args: string[]): Promise<number>;
  podsafeTouchV1(key: string, args: string[]): Promise<number>;
}

/**
 * Defines the scripts on `client` (ioredis runs them with EVALSHA, sending the source
 * with EVAL the first time on each connection, so a restarted or flushed Redis never
 * costs an extra round trip for NOSCRIPT).
 */
export function defineScripts(client: Redis | Cluster): ScriptCommands {
  const scripted = client as (Redis | Cluster) & Partial<ScriptCommands>;
  if (typeof scripted.podsafeSaveV1 !== 'function') client.defineCommand('podsafeSaveV1', { numberOfKeys: 1, lua: SAVE });
  if (typeof scripted.podsafeTouchV1 !== 'function') client.defineCommand('podsafeTouchV1', { numberOfKeys: 1, lua: TOUCH });
  return scripted as unknown as ScriptCommands;
}
