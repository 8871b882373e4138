import { createHash } from 'node:crypto';
import type { DestroyByUserOptions, IndexedUserSession, UserIndexEntry } from '@podsafe/core';
import { assertStorableId } from '@podsafe/core/store';
import type { Cluster, Redis } from 'ioredis';
import type { Call } from './scan.js';

/**
 * The per-user index in Redis: for each user, a sorted set of session ids scored
 * by expiry (ms) and a hash of their entries (JSON) plus the cutoff of the last
 * "sign out everywhere". Both keys carry the same hash tag, so every script runs
 * in one Cluster slot; the sessions themselves live on their own slots and are
 * never touched here (no cross-slot script).
 *
 * Every script first drops what has expired (ZREMRANGEBYSCORE and the matching
 * hash fields) and last sets both keys to expire with the latest entry or cutoff,
 * so a user who never comes back leaves nothing behind, with no keyspace events
 * and no sweeper.
 */
const COMMON = `
local function prune(z, h, now)
  local old = redis.call('ZRANGEBYSCORE', z, '-inf', now)
  for i = 1, #old, 1000 do
    redis.call('HDEL', h, unpack(old, i, math.min(i + 999, #old)))
  end
  if #old > 0 then redis.call('ZREMRANGEBYSCORE', z, '-inf', now) end
  local cutoff = redis.call('HMGET', h, '!before', '!until', '!keep')
  if cutoff[2] and tonumber(cutoff[2]) <= now then
    redis.call('HDEL', h, '!before', '!until', '!keep')
    return {}
  end
  return cutoff
end
local function settle(z, h, now)
  local last = redis.call('ZRANGE', z, -1, -1, 'WITHSCORES')
  local at = math.max(tonumber(last[2] or '0'), tonumber(redis.call('HGET', h, '!until') or '0'))
  if at <= now then
    redis.call('UNLINK', z, h)
    return
  end
  at = string.format('%d', math.ceil(at))
  redis.call('PEXPIREAT', z, at)
  redis.call('PEXPIREAT', h, at)
end
local function entries(z, h, members)
  local out = {}
  for i = 1, #members, 2 do
    out[#out + 1] = members[i]
    out[#out + 1] = members[i + 1]
    out[#out + 1] = redis.call('HGET', h, members[i]) or ''
  end
  return out
end
`;

/** ARGV: id, expiresAt (ms), entry JSON, createdAt (ms), now (ms). 0 when refused by the cutoff. */
const INDEX = `${COMMON}
local z, h, now = KEYS[1], KEYS[2], tonumber(ARGV[5])
local cutoff = prune(z, h, now)
if cutoff[1] and tonumber(ARGV[4]) < tonumber(cutoff[1]) and ARGV[1] ~= cutoff[3] then return 0 end
redis.call('ZADD', z, ARGV[2], ARGV[1])
redis.call('HSET', h, ARGV[1], ARGV[3])
settle(z, h, now)
return 1
`;

/** ARGV: id, now (ms). */
const UNINDEX = `${COMMON}
local z, h, now = KEYS[1], KEYS[2], tonumber(ARGV[2])
redis.call('ZREM', z, ARGV[1])
redis.call('HDEL', h, ARGV[1])
prune(z, h, now)
settle(z, h, now)
return 1
`;

/** ARGV: now (ms), limit. Returns id, score, JSON triples: the entries that expire last. */
const LIST = `${COMMON}
local z, h, now = KEYS[1], KEYS[2], tonumber(ARGV[1])
prune(z, h, now)
settle(z, h, now)
return entries(z, h, redis.call('ZREVRANGE', z, 0, tonumber(ARGV[2]) - 1, 'WITHSCORES'))
`;

/** ARGV: now (ms), before (ms), until (ms), keep ('' for none). Returns the entries taken, as LIST does. */
const DESTROY = `${COMMON}
local z, h, now = KEYS[1], KEYS[2], tonumber(ARGV[1])
local cutoff = prune(z, h, now)
local keep = ARGV[4]
local all = redis.call('ZRANGE', z, 0, -1, 'WITHSCORES')
local taken = {}
for i = 1, #all, 2 do
  if all[i] ~= keep then
    taken[#taken + 1] = all[i]
    taken[#taken + 1] = all[i + 1]
  end
end
local out = entries(z, h, taken)
local ids = {}
for i = 1, #taken, 2 do ids[#ids + 1] = taken[i] end
for i = 1, #ids, 1000 do
  local last = math.min(i + 999, #ids)
  redis.call('ZREM', z, unpack(ids, i, last))
  redis.call('HDEL', h, unpack(ids, i, last))
end
local until_ = math.max(tonumber(ARGV[3]), tonumber(cutoff[2] or '0'))
redis.call('HSET', h, '!before', ARGV[2], '!until', string.format('%d', math.ceil(until_)))
if keep ~= '' then redis.call('HSET', h, '!keep', keep) else redis.call('HDEL', h, '!keep') end
settle(z, h, now)
return out
`;

interface IndexScripts {
  podsafeUserIndexV1(z: string, h: string, args: string[]): Promise<number>;
  podsafeUserUnindexV1(z: string, h: string, args: string[]): Promise<number>;
  podsafeUserListV1(z: string, h: string, args: string[]): Promise<string[]>;
  podsafeUserDestroyV1(z: string, h: string, args: string[]): Promise<string[]>;
}

function defineIndexScripts(client: Redis | Cluster): IndexScripts {
  const scripted = client as (Redis | Cluster) & Partial<IndexScripts>;
  const scripts: Array<[keyof IndexScripts, string]> = [
    ['podsafeUserIndexV1', INDEX],
    ['podsafeUserUnindexV1', UNINDEX],
    ['podsafeUserListV1', LIST],
    ['podsafeUserDestroyV1', DESTROY],
  ];
  for (const [name, lua] of scripts) if (typeof scripted[name] !== 'function') client.defineCommand(name, { numberOfKeys: 2, lua });
  return scripted as unknown as IndexScripts;
}

/**
 * The two keys of `userId`'s index. The user id is hashed: keys stay short, never
 * carry a `{`/`}` that would change the slot, and do not show user ids to
 * whoever lists the keys. `user:` then a tag is never a session id, so `ids()`,
 * `count()` and `clear()` of the sessions never see these keys.
 */
export function userIndexKeys(prefix: string, userId: string): [sortedSet: string, entries: string] {
  const tag = createHash('sha256').update(userId).digest('base64url').slice(0, 22);
  const base = `${prefix}user:{${tag}}`;
  return [base, `${base}:e`];
}

const ms = (seconds: number) => String(Math.round(seconds * 1000));

/** Triples of id, score (ms), entry JSON back to entries; unreadable ones are skipped. */
function readEntries(flat: string[]): IndexedUserSession[] {
  const result: IndexedUserSession[] = [];
  for (let i = 0; i + 2 < flat.length; i += 3) {
    const [id, score, json] = [flat[i]!, flat[i + 1]!, flat[i + 2]!];
    try {
      const entry = JSON.parse(json) as UserIndexEntry;
      if (typeof entry !== 'object' || entry === null || typeof entry.createdAt !== 'number' || typeof entry.lastSeenAt !== 'number')
        continue;
      const indexed: IndexedUserSession = { id, createdAt: entry.createdAt, lastSeenAt: entry.lastSeenAt, expiresAt: Number(score) / 1000 };
      if (typeof entry.userAgent === 'string') indexed.userAgent = entry.userAgent;
      if (typeof entry.ip === 'string') indexed.ip = entry.ip;
      result.push(indexed);
    } catch {
      // Not JSON: not an entry of ours. The score still lets it expire.
    }
  }
  return result;
}

/** The index operations of {@link RedisStore}: one EVALSHA each, on the user's slot. */
export class RedisUserIndex {
  readonly #prefix: string;
  readonly #call: Call;
  readonly #scripts: IndexScripts;

  constructor(client: Redis | Cluster, prefix: string, call: Call) {
    this.#prefix = prefix;
    this.#call = call;
    this.#scripts = defineIndexScripts(client);
  }

  async index(userId: string, entry: UserIndexEntry, expiresAt: number): Promise<boolean> {
    assertStorableId(entry.id);
    const [z, h] = this.#keys(userId);
    const json = JSON.stringify({ createdAt: entry.createdAt, lastSeenAt: entry.lastSeenAt, userAgent: entry.userAgent, ip: entry.ip });
    const args = [entry.id, ms(expiresAt), json, String(entry.createdAt * 1000), ms(Date.now() / 1000)];
    return (await this.#call('indexUser', () => this.#scripts.podsafeUserIndexV1(z, h, args))) === 1;
  }

  async unindex(userId: string, id: string): Promise<void> {
    assertStorableId(id);
    const [z, h] = this.#keys(userId);
    await this.#call('unindexUser', () => this.#scripts.podsafeUserUnindexV1(z, h, [id, ms(Date.now() / 1000)]));
  }

  async list(userId: string, limit: number): Promise<IndexedUserSession[]> {
    const [z, h] = this.#keys(userId);
    const count = Number.isFinite(limit) ? Math.max(1, Math.floor(limit)) : 1_000_000;
    const flat = await this.#call('listByUser', () => this.#scripts.podsafeUserListV1(z, h, [ms(Date.now() / 1000), String(count)]));
    return readEntries(flat).sort((a, b) => b.lastSeenAt - a.lastSeenAt);
  }

  async destroy(userId: string, options: DestroyByUserOptions): Promise<IndexedUserSession[]> {
    const [z, h] = this.#keys(userId);
    const now = Date.now() / 1000;
    const args = [ms(now), String(options.before * 1000), ms(now + options.ttl), options.keep ?? ''];
    const flat = await this.#call('destroyByUser', () => this.#scripts.podsafeUserDestroyV1(z, h, args));
    return readEntries(flat);
  }

  #keys(userId: string): [string, string] {
    if (typeof userId !== 'string' || userId === '') throw new TypeError('RedisStore: userId must be a non-empty string.');
    return userIndexKeys(this.#prefix, userId);
  }
}
