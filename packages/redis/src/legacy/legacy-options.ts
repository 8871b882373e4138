import { SessionConfigError } from '@podsafe/core';
import { optionParser } from '@podsafe/core/store';

/** How a {@link LegacyOptions} store treats the legacy keys. */
export type LegacyMode = 'read' | 'dual';

/**
 * `RedisStore({ legacy })`: read (and during a rolling deploy, keep writing) the
 * sessions an express-session + connect-redis app (or `@fastify/session` on connect-redis)
 * left in this Redis, so nobody is logged out by the switch. Remove it once every
 * legacy session has been converted or has expired.
 */
export interface LegacyOptions {
  /** The legacy record format. `'connect-redis'`: a string key holding express-session's JSON (connect-redis 3 to 9). */
  format: 'connect-redis';
  /**
   * connect-redis's `prefix` in the old app. It must not overlap the store's own `prefix`.
   * @default `'sess:'` (connect-redis's own default)
   */
  prefix?: string;
  /**
   * `'dual'` while old and new pods serve the same users (a rolling deploy): the legacy
   * key stays the one source of truth, read and written in express-session's format on
   * every change, so each side sees every change the other made.
   * `'read'` once no old pod is left: a legacy session is converted to a podsafe record
   * on first use (written first, the legacy key deleted only after that succeeded).
   */
  mode: LegacyMode;
  /**
   * connect-redis's `ttl` in the old app, in **seconds**: the expiry of sessions whose
   * cookie has no `expires` (no `cookie.maxAge`).
   * @default `86400` seconds (connect-redis's own default)
   */
  ttl?: number;
}

/** {@link LegacyOptions} after validation. */
export interface ResolvedLegacyOptions {
  prefix: string;
  mode: LegacyMode;
  ttl: number;
}

function fail(message: string): never {
  throw new SessionConfigError(`RedisStore: legacy.${message}`);
}

/** Every key of {@link LegacyOptions} (the compiler keeps the two in step). */
const LEGACY_KEYS = Object.keys({ format: true, prefix: true, mode: true, ttl: true } satisfies Record<keyof LegacyOptions, true>);

/** Validates `legacy`; the podsafe prefix must not overlap it, or one format would be read as the other. */
export function resolveLegacyOptions(legacy: LegacyOptions, podsafePrefix: string): ResolvedLegacyOptions {
  if (typeof legacy !== 'object' || legacy === null)
    fail(`must be an object, e.g. legacy: { format: 'connect-redis', prefix: 'sess:', mode: 'dual' }.`);
  optionParser('RedisStore: legacy').rejectUnknown(legacy, LEGACY_KEYS);
  if (legacy.format !== 'connect-redis')
    fail(`format must be 'connect-redis' (got ${JSON.stringify(legacy.format)}); it is the only legacy format read so far.`);
  if (legacy.mode !== 'read' && legacy.mode !== 'dual') {
    fail(`mode must be 'dual' (old and new pods running side by side) or 'read' (only new pods left), got ${JSON.stringify(legacy.mode)}.`);
  }
  const prefix = legacy.prefix ?? 'sess:';
  if (typeof prefix !== 'string' || prefix.length === 0)
    fail(`prefix must be the old app's connect-redis prefix, a non-empty string (default 'sess:').`);
  if (prefix.startsWith(podsafePrefix) || podsafePrefix.startsWith(prefix)) {
    fail(
      `prefix ${JSON.stringify(prefix)} overlaps the store's prefix ${JSON.stringify(podsafePrefix)}: give the podsafe records a prefix of their own (e.g. prefix: 'podsafe:sess:').`,
    );
  }
  const ttl = legacy.ttl ?? 86_400;
  if (typeof ttl !== 'number' || !Number.isFinite(ttl) || ttl <= 0)
    fail(`ttl must be a positive number of seconds (connect-redis's ttl; default 86400), got ${String(ttl)}.`);
  return { prefix, mode: legacy.mode, ttl };
}
