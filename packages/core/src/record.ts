import type { SessionLifetime, SessionMeta, SessionRecord } from './types.js';

function isFiniteNumber(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value);
}

/** Whether `value` is a plain JSON object (not null, not an array). */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Whether `value` is a well-formed {@link SessionLifetime}. */
export function isSessionLifetime(value: unknown): value is SessionLifetime {
  if (!isPlainObject(value)) return false;
  const { ttl, persistent } = value;
  return (ttl === undefined || (isFiniteNumber(ttl) && ttl > 0)) && (persistent === undefined || typeof persistent === 'boolean');
}

/** Whether `value` is well-formed session meta. */
export function isSessionMeta(value: unknown): value is SessionMeta {
  return (
    isPlainObject(value) &&
    isFiniteNumber(value.createdAt) &&
    isFiniteNumber(value.lastSeenAt) &&
    isFiniteNumber(value.version) &&
    value.createdAt > 0 &&
    value.lastSeenAt >= value.createdAt &&
    (value.lifetime === undefined || isSessionLifetime(value.lifetime))
  );
}

/**
 * Whether `value` is a session record. Stores run what they read through this
 * so that corrupt or foreign data reads as "no session" instead of crashing.
 */
export function isSessionRecord(value: unknown): value is SessionRecord {
  return isPlainObject(value) && isPlainObject(value.data) && isSessionMeta(value.meta);
}

/** Parses JSON text into a session record; `null` for anything else. */
export function parseSessionRecord(text: string): SessionRecord | null {
  try {
    const value: unknown = JSON.parse(text);
    return isSessionRecord(value) ? value : null;
  } catch {
    return null;
  }
}
