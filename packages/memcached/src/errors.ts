import { PodsafeError, SessionStoreUnavailableError, SessionTooLargeError } from '@podsafe/core';

/**
 * Seconds a client is told to wait (`Retry-After`) when memcached is down.
 * Matches core's default, so the engine passes these errors through unchanged.
 */
export const RETRY_AFTER = 2;

/** The message of whatever memjs rejected with (it sometimes rejects with a bare string). */
export function messageOf(error: unknown): string {
  if (error instanceof Error) return error.message;
  return typeof error === 'string' ? error : String(error);
}

/** Memcached's "Value too large" (E2BIG) answer to a write, as memjs reports it. */
export function isValueTooLarge(error: unknown): boolean {
  return /value too large/i.test(messageOf(error));
}

/**
 * What a failed memjs call becomes: podsafe's own errors pass through; anything
 * else (refused or reset connections, timeouts, error answers) means memcached
 * could not do the job, so `SessionStoreUnavailableError` naming the server.
 */
export function translate(error: unknown, operation: string, server: string, servers: readonly string[]): PodsafeError {
  if (error instanceof PodsafeError) return error;
  return unavailable(`${operation} failed on ${server}: ${messageOf(error)}`, servers, error);
}

/** `SessionStoreUnavailableError` whose message says which servers to look at and how. */
export function unavailable(detail: string, servers: readonly string[], cause?: unknown): SessionStoreUnavailableError {
  return new SessionStoreUnavailableError(
    `${detail} (MemcachedStore servers: ${servers.join(', ')}; check that memcached runs at each address, that this pod can ` +
      `reach it, e.g. \`nc -vz host port\`, and that servers names them correctly)`,
    { retryAfter: RETRY_AFTER, cause },
  );
}

/** A record over `maxItemBytes`, with advice that fits a memcached store (core's default suggests a server-side store). */
export function tooLarge(size: number, maxItemBytes: number): SessionTooLargeError {
  return new SessionTooLargeError(
    'The session record (as JSON)',
    size,
    maxItemBytes,
    "Nothing was written; the limit is MemcachedStore's maxItemBytes. Keep less in the session (store ids and look " +
      "the rest up), or raise maxItemBytes together with the servers' item size limit (memcached -I).",
  );
}

/**
 * Memcached refused a record as too large although it is within `maxItemBytes`:
 * the servers run with a smaller item size limit (`memcached -I`).
 */
export function refusedAsTooLarge(size: number, maxItemBytes: number, cause: unknown): SessionTooLargeError {
  const error = new SessionTooLargeError('The session record', size, maxItemBytes);
  error.message =
    `Memcached refused the ${size}-byte session record as too large, although it is within maxItemBytes (${maxItemBytes}): ` +
    `the servers' item size limit (memcached -I, default 1m) is smaller. Set maxItemBytes below that limit so the store ` +
    `refuses oversized sessions itself, or keep less in the session (store ids and look the rest up).`;
  error.cause = cause;
  return error;
}
