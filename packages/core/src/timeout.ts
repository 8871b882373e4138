import { PodsafeError, SessionStoreUnavailableError } from './errors.js';

/**
 * Runs one store call, bounded by `seconds`. A timeout or any failure of the
 * store becomes a `SessionStoreUnavailableError` with a message safe to show
 * clients; podsafe's other errors (too large, invalid id) pass through.
 */
export function storeCall<T>(operation: string, seconds: number, retryAfter: number, call: () => Promise<T>): Promise<T> {
  // One promise and one timer per call, no Promise.race: this runs on every store call.
  return new Promise<T>((resolve, reject) => {
    let settled = false;
    const timer = setTimeout(() => {
      settled = true;
      // Made only when the timer fires: an Error captures a stack.
      reject(new SessionStoreUnavailableError(`${operation} did not answer within ${seconds} s`, { retryAfter }));
    }, seconds * 1000);
    const fail = (error: unknown) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      reject(storeError(operation, retryAfter, error));
    };
    let pending: Promise<T>;
    try {
      pending = call();
    } catch (error) {
      fail(error);
      return;
    }
    Promise.resolve(pending).then((value) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(value);
    }, fail);
  });
}

/**
 * A store failure as a `SessionStoreUnavailableError`. The store's own words
 * (addresses, errno) stay in `cause`, for logs (pino prints causes): some
 * frameworks send `message` to the client. podsafe's other errors (too large,
 * invalid id) pass through.
 */
function storeError(operation: string, retryAfter: number, error: unknown): unknown {
  if (error instanceof PodsafeError && !(error instanceof SessionStoreUnavailableError)) return error;
  return new SessionStoreUnavailableError(`${operation} failed`, { retryAfter, cause: error });
}
