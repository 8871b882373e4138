import { withDeadline } from './deadline.js';
import { PodsafeError, SessionStoreUnavailableError } from './errors.js';

/**
 * Runs one store call, bounded by `seconds`. A timeout or any failure of the
 * store becomes a `SessionStoreUnavailableError` with a message safe to show
 * clients; podsafe's other errors (too large, invalid id) pass through.
 */
export function storeCall<T>(operation: string, seconds: number, retryAfter: number, call: () => Promise<T>): Promise<T> {
  // No async frames: this wraps every store call of every request.
  let timedOut = false;
  const timeout = () => {
    timedOut = true;
    return new SessionStoreUnavailableError(`${operation} did not answer within ${seconds} s`, { retryAfter });
  };
  return withDeadline(call, seconds, timeout).then(undefined, (error: unknown) => {
    throw timedOut ? error : storeError(operation, retryAfter, error);
  });
}

function storeError(operation: string, retryAfter: number, error: unknown): unknown {
  if (error instanceof PodsafeError && !(error instanceof SessionStoreUnavailableError)) return error;
  return new SessionStoreUnavailableError(`${operation} failed`, { retryAfter, cause: error });
}
