import { PodsafeError, SessionTooLargeError } from '@podsafe/core';
import { messageOf, storeErrors, type StoreErrors } from '@podsafe/core/store';

/**
 * Seconds a client is told to wait (`Retry-After`) when memcached is down.
 * Matches core's default, so the engine passes these errors through unchanged.
 */
export const RETRY_AFTER = 2;

/** Memcached's "Value too large" (E2BIG) answer to a write, as memjs reports it. */
export function isValueTooLarge(error: unknown): boolean {
  return /value too large/i.test(messageOf(error));
}

/**
 * What a failed memjs call becomes: podsafe's own errors pass through; anything
 * else (refused or reset connections, timeouts, error answers) means memcached
 * could not do the job, so `SessionStoreUnavailableError` naming the server.
 */
export function translate(error: unknown, operation: string, server: string, errors: StoreErrors): PodsafeError {
  if (error instanceof PodsafeError) return error;
  return errors.unavailable(`${operation} failed on ${server}: ${messageOf(error)}`, error);
}

/** One store's unavailable errors, whose messages say which servers to look at and how. */
export function memcachedErrors(servers: readonly string[]): StoreErrors {
  return storeErrors('MemcachedStore', {
    retryAfter: RETRY_AFTER,
    advice:
      `MemcachedStore servers: ${servers.join(', ')}; check that memcached runs at each address, that this pod can ` +
      `reach it, e.g. \`nc -vz host port\`, and that servers names them correctly`,
  });
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
