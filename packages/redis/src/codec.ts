import { SessionDataError, type SessionChange, type SessionRecord } from '@podsafe/core';
import { isSessionRecord } from '@podsafe/core/store';

/**
 * Hash field layout. Data fields carry a `d:` prefix and meta fields an `m:` prefix,
 * so no data key (not even `"m:v"` or `"__meta"`) can ever land on a meta field.
 */
export const DATA_PREFIX = 'd:';
export const META = { createdAt: 'm:c', lastSeenAt: 'm:l', version: 'm:v', lifetime: 'm:t' } as const;

/** The hash field holding the data key `key`. */
export function dataField(key: string): string {
  return DATA_PREFIX + key;
}

/** A TTL in seconds as PEXPIRE milliseconds: at least 1, since PEXPIRE 0 would delete the key outright. */
export function ttlMillis(ttl: number): number {
  if (typeof ttl !== 'number' || !Number.isFinite(ttl))
    throw new RangeError(`RedisStore: ttl must be a finite number of seconds, got ${String(ttl)}.`);
  return Math.max(1, Math.ceil(ttl * 1000));
}

/** A unix time (seconds) as stored text; `String()` keeps every digit of a fractional time. */
export function timeText(name: string, value: number): string {
  if (typeof value !== 'number' || !Number.isFinite(value))
    throw new RangeError(`RedisStore: ${name} must be a finite unix time in seconds, got ${String(value)}.`);
  return String(value);
}

function encodeValue(key: string, value: unknown): string | undefined {
  try {
    return JSON.stringify(value);
  } catch (error) {
    throw new SessionDataError(key, error);
  }
}

/**
 * The ARGV of the save script (see `scripts.ts` for the layout). A new session
 * writes the whole of `change.data`, since the contract says the record becomes
 * exactly that. A value JSON drops (`undefined`, a function) is removed, as it
 * would vanish from a JSON record.
 */
export function saveArgs(change: SessionChange, ttl: number): string[] {
  const source = change.isNew ? change.data : change.set;
  const pairs: string[] = [];
  const removed: string[] = [];
  for (const [key, value] of Object.entries(source)) {
    const json = encodeValue(key, value);
    if (json === undefined) removed.push(dataField(key));
    else pairs.push(dataField(key), json);
  }
  if (!change.isNew) for (const key of change.unset) removed.push(dataField(key));
  // The session's own lifetime rides along as one more field: set when present,
  // removed only when this change cleared it (an update that left it alone keeps it).
  if (change.meta.lifetime !== undefined) pairs.push(META.lifetime, JSON.stringify(change.meta.lifetime));
  else if (!change.isNew && change.lifetimeChanged === true) removed.push(META.lifetime);
  return [
    change.isNew ? '1' : '0',
    String(ttlMillis(ttl)),
    timeText('createdAt', change.meta.createdAt),
    timeText('lastSeenAt', change.meta.lastSeenAt),
    String(pairs.length / 2),
    ...pairs,
    ...removed,
  ];
}

const NUMBER = /^-?\d+(\.\d+)?(e[+-]?\d+)?$/i;

function parseNumber(text: string | undefined): number | undefined {
  return text !== undefined && NUMBER.test(text) ? Number(text) : undefined;
}

/**
 * A session record from an HGETALL reply, or `null` for anything that is not one
 * (no meta, bad numbers, a field that is not JSON). Unknown fields are ignored so a
 * later version can add fields without breaking this one.
 */
export function decodeRecord(hash: Record<string, string>): SessionRecord | null {
  const version = parseNumber(hash[META.version]);
  if (version === undefined || !Number.isSafeInteger(version) || version < 1) return null;
  // One pass, no entries arrays: this runs on every request that reads a session.
  const data: Record<string, unknown> = {};
  for (const field of Object.keys(hash)) {
    if (!field.startsWith(DATA_PREFIX)) continue;
    const key = field.slice(DATA_PREFIX.length);
    let value: unknown;
    try {
      value = JSON.parse(hash[field]!);
    } catch {
      return null;
    }
    // "__proto__" must stay a data key, never become the prototype.
    if (key === '__proto__') Object.defineProperty(data, key, { value, enumerable: true, writable: true, configurable: true });
    else data[key] = value;
  }
  const meta: Record<string, unknown> = {
    createdAt: parseNumber(hash[META.createdAt]),
    lastSeenAt: parseNumber(hash[META.lastSeenAt]),
    version,
  };
  const lifetime = hash[META.lifetime];
  if (lifetime !== undefined) {
    try {
      meta.lifetime = JSON.parse(lifetime);
    } catch {
      return null;
    }
  }
  const record = { data, meta };
  return isSessionRecord(record) ? record : null;
}
