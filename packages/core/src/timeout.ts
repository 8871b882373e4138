import { withDeadline } from './deadline.js';
import { PodsafeError, SessionStoreUnavailableError } from './errors.js';

/**
 * Runs one store call, bounded by `seconds`. A timeout or any failure of the
 * store becomes a `SessionStoreUnavailableError` with a message safe to show
 * clients; podsafe's other errors (too large, invalid id) pass through.
 */
export function storeCall<T>(operation: string, seconds: number, retryAfter: number, call: () => Promise<T>): Promise<T> {
  const run = async () => {
    try {
      return await call();
    } catch (error) {
      throw storeError(operation, retryAfter, error);
    }
  };
  return withDeadline(run, seconds, () => new SessionStoreUnavailableError(`${operation} did not answer within ${seconds} s`, { retryAfter }));
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
