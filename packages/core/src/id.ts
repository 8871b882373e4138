import { randomBytes } from 'node:crypto';
import { InvalidSessionIdError } from './errors.js';

/** The shape of an id podsafe generates: 32 random bytes, base64url, no padding. */
const GENERATED_ID = /^[A-Za-z0-9_-]{43}$/;
/**
 * What stores accept: a key-safe charset and a bounded length. Wider than
 * {@link GENERATED_ID} so that the express-session drop-in can keep the ids
 * express-session generates (24 bytes, 32 characters).
 */
const STORABLE_ID = /^[A-Za-z0-9_-]{16,128}$/;

/** A new session id: 32 bytes (256 bits) from the OS CSPRNG, base64url. */
export function generateSessionId(): string {
  return randomBytes(32).toString('base64url');
}

/** Whether `value` has the exact shape of an id from {@link generateSessionId}. */
export function isSessionId(value: unknown): value is string {
  return typeof value === 'string' && GENERATED_ID.test(value);
}

/** Whether `value` is safe for a store to use as (part of) a key. */
export function isStorableId(value: unknown): value is string {
  return typeof value === 'string' && STORABLE_ID.test(value);
}

/** Throws `InvalidSessionIdError` unless `value` is safe for a store to use. Stores call this first. */
export function assertStorableId(value: unknown): asserts value is string {
  if (!isStorableId(value)) throw new InvalidSessionIdError(value);
}
