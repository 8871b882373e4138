import { SessionDataError, type SessionLifetime, type SessionRecord } from '@podsafe/core';
import { isPlainObject, isSessionId, isSessionRecord } from '@podsafe/core/store';

/**
 * The `typ` header of every session token (RFC 8725 3.11 explicit typing), so
 * a session token can never pass for another kind of JWT signed with the same
 * key, nor another JWT for a session token.
 */
export const TOKEN_TYPE = 'podsafe+jwt';

/**
 * The claims of a session token. Registered claims carry the id and the
 * token's own life; two short private claims carry the session, to keep the
 * cookie small.
 */
export interface SessionClaims {
  /** The session id. */
  jti: string;
  /** Issued at, whole unix seconds. */
  iat: number;
  /** Expiry, whole unix seconds. */
  exp: number;
  iss?: string;
  aud?: string;
  /** The session data. */
  d: Record<string, unknown>;
  /**
   * `[createdAt, lastSeenAt, version]`, plus the session's own lifetime as a
   * fourth element when it has one; times in unix seconds, rounded to the millisecond.
   */
  m: [number, number, number] | [number, number, number, SessionLifetime];
}

/** What a verified token holds, in the shape `decode` returns. */
export interface SessionClaimsRead {
  id: string;
  record: SessionRecord;
  expiresAt: number;
}

/** Milliseconds are plenty for expiry bookkeeping, and keep a timestamp to 14 characters. */
function millis(seconds: number): number {
  return Math.round(seconds * 1000) / 1000;
}

/** The claims for a session, valid `ttl` seconds from `now` (never longer: `exp` rounds down). */
export function buildClaims(
  id: string,
  record: SessionRecord,
  now: number,
  ttl: number,
  issuer: string | undefined,
  audience: string | undefined,
): SessionClaims {
  const claims: SessionClaims = {
    jti: id,
    iat: Math.floor(now),
    exp: Math.floor(now + ttl),
    d: record.data,
    m: [millis(record.meta.createdAt), millis(record.meta.lastSeenAt), record.meta.version],
  };
  if (record.meta.lifetime !== undefined) claims.m = [...(claims.m as [number, number, number]), record.meta.lifetime];
  if (issuer !== undefined) claims.iss = issuer;
  if (audience !== undefined) claims.aud = audience;
  return claims;
}

/**
 * `JSON.stringify(claims)`, or a `SessionDataError` naming the first data key
 * that JSON cannot carry (a bigint, a cycle).
 */
export function serializeClaims(claims: SessionClaims): string {
  try {
    return JSON.stringify(claims);
  } catch (error) {
    for (const [key, value] of Object.entries(claims.d)) {
      try {
        JSON.stringify(value);
      } catch (cause) {
        throw new SessionDataError(key, cause);
      }
    }
    throw new SessionDataError('(session)', error);
  }
}

/**
 * Reads verified claims back into a session, or `null` when they are not the
 * claims of a live podsafe session (a foreign token that happens to share the
 * key, a malformed id, `iat` in the future, an `exp` already past).
 *
 * `exp` is enforced exactly, with no clock tolerance: the engine enforces the
 * same instant, and a sliding session's token is re-issued long before it ends.
 * The tolerance covers only `iat` (another replica's clock running ahead).
 */
export function readClaims(payload: unknown, now: number, clockTolerance: number): SessionClaimsRead | null {
  if (!isPlainObject(payload)) return null;
  const { jti, iat, exp, d, m } = payload;
  if (!isSessionId(jti)) return null;
  if (typeof iat !== 'number' || !Number.isFinite(iat) || iat > now + clockTolerance) return null;
  if (typeof exp !== 'number' || !Number.isFinite(exp) || exp <= now) return null;
  if (!isPlainObject(d) || !Array.isArray(m) || (m.length !== 3 && m.length !== 4)) return null;
  const meta: Record<string, unknown> = { createdAt: m[0], lastSeenAt: m[1], version: m[2] };
  if (m.length === 4) meta.lifetime = m[3];
  const record = { data: d, meta };
  if (!isSessionRecord(record)) return null;
  return { id: jti, record, expiresAt: exp };
}
