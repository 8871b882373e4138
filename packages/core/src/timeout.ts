import { PodsafeError, SessionStoreUnavailableError } from './errors.js';

/**
 * Runs one store call, bounded by `seconds`. A timeout or any failure of the
 * store becomes a `SessionStoreUnavailableError` with a message safe to show
 * clients; podsafe's other errors (too large, invalid id) pass through.
 */
export async function storeCall<T>(operation: string, seconds: number, retryAfter: number, call: () => Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  // Made only when the timer fires: an Error captures a stack, and this runs on every store call.
  let timedOut: SessionStoreUnavailableError | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      timedOut = new SessionStoreUnavailableError(`${operation} did not answer within ${seconds} s`, { retryAfter });
      reject(timedOut);
    }, seconds * 1000);
  });
  try {
    return await Promise.race([Promise.resolve().then(call), timeout]);
  } catch (error) {
    if (timedOut !== undefined && error === timedOut) throw error;
    if (error instanceof PodsafeError && !(error instanceof SessionStoreUnavailableError)) throw error;
    // The store's own words (addresses, errno) stay in `cause`, for logs (pino
    // prints causes): some frameworks send `message` to the client.
    throw new SessionStoreUnavailableError(`${operation} failed`, { retryAfter, cause: error });
  } finally {
    clearTimeout(timer);
  }
}
