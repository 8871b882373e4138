import type { SessionDataRecord, SessionMeta } from '@podsafe/core';
import { isPlainObject } from '@podsafe/core/store';

/**
 * connect-redis's record format: one string key, `prefix + id`, holding
 * `JSON.stringify(session)` of an express-session (or `@fastify/session`) session, with
 * a Redis TTL taken from `session.cookie.expires` (connect-redis's `ttl`, 86400 s by
 * default, when the cookie has no expiry).
 */

/** express-session's serialised cookie, as connect-redis stores it in the `cookie` field. */
export interface ExpressCookieJson {
  /** Milliseconds the cookie was given (`cookie.maxAge`), `null` for a browser-session cookie. */
  originalMaxAge: number | null;
  /** ISO time the cookie expires, `null` for a browser-session cookie. */
  expires: string | null;
  httpOnly?: boolean;
  path?: string;
  [attribute: string]: unknown;
}

/** A legacy session split into what podsafe keeps: the data, and the cookie that gave its expiry. */
export interface LegacySession {
  /** The whole stored object, `cookie` included: what the express-session drop-in reads back. */
  whole: SessionDataRecord;
  /** Everything but `cookie`: the session's data as `session()` sees it. */
  data: SessionDataRecord;
}

/** The session in a connect-redis value, or `null` when it is not a JSON object (corrupt or foreign). */
export function parseLegacy(text: string): LegacySession | null {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return null;
  }
  if (!isPlainObject(parsed)) return null;
  // Rebuilt with fromEntries so a "__proto__" key stays data, never a prototype.
  const whole = Object.fromEntries(Object.entries(parsed));
  const data = Object.fromEntries(Object.entries(parsed).filter(([key]) => key !== 'cookie'));
  return { whole, data };
}

/** The value connect-redis would store for `whole` (express-session's `JSON.stringify`). */
export function serializeLegacy(whole: SessionDataRecord): string {
  return JSON.stringify(whole);
}

/**
 * The cookie field for a session a podsafe pod creates in the legacy format, so an
 * old pod's express-session can load it (it requires `cookie`). `ttl` in seconds.
 */
export function legacyCookieField(ttl: number, now = Date.now()): ExpressCookieJson {
  const maxAge = Math.round(ttl * 1000);
  return { originalMaxAge: maxAge, expires: new Date(now + maxAge).toISOString(), httpOnly: true, path: '/' };
}

/**
 * The lifetime, in seconds, a legacy session was given when last written: its cookie's
 * `originalMaxAge` (what connect-redis's TTL came from), else connect-redis's `ttl`.
 */
export function legacyLifetime(session: LegacySession, ttl: number): number {
  const cookie = session.whole.cookie as { originalMaxAge?: unknown } | undefined;
  const maxAge = cookie?.originalMaxAge;
  return typeof maxAge === 'number' && Number.isFinite(maxAge) && maxAge > 0 ? maxAge / 1000 : ttl;
}

/**
 * Meta for a legacy session, which records neither creation nor last use. The last
 * use is inferred from the TTL left: written `ttl - left` seconds ago (`ttl` from
 * {@link legacyLifetime}). That keeps
 * podsafe's `touchAfter` sliding the expiry of a session only ever read. Creation is
 * unknown, so `maxLifetime` counts from that time too.
 */
export function legacyMeta(remainingMs: number, ttl: number, now: number): SessionMeta {
  const left = remainingMs > 0 ? remainingMs / 1000 : ttl;
  const lastSeenAt = now - Math.min(ttl, Math.max(0, ttl - left));
  return { createdAt: lastSeenAt, lastSeenAt, version: 1 };
}
