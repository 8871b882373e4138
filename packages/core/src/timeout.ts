import { withDeadline } from './deadline.js';
import { PodsafeError, SessionStoreUnavailableError } from './errors.js';

/**
 * Runs one store call, bounded by `seconds`. A timeout or any failure of the
 * store becomes a `SessionStoreUnavailableError` with a message safe to show
 * clients; podsafe's other errors (too large, invalid id) pass through.
 *
 * `storeBound` is the store's own promise for this call
 * (`capabilities.callTimeout`): when it is no longer than `seconds`, the store
 * settles first anyway, so no timer of our own is set.
 */
export function storeCall<T>(
  operation: string,
  seconds: number,
  retryAfter: number,
  call: () => Promise<T>,
  storeBound?: number,
): Promise<T> {
  // No async frames: this wraps every store call of every request.
  const failed = (error: unknown): never => {
    throw storeError(operation, retryAfter, error);
  };
  if (storeBound !== undefined && storeBound <= seconds) {
    try {
      return Promise.resolve(call()).then(undefined, failed);
    } catch (error) {
      return Promise.reject(storeError(operation, retryAfter, error));
    }
  }
  let timedOut = false;
  const timeout = () => {
    timedOut = true;
    return new SessionStoreUnavailableError(`${operation} did not answer within ${seconds} s`, { retryAfter });
  };
  return withDeadline(call, seconds, timeout, (error: unknown) => {
    if (timedOut) throw error;
    return failed(error);
  });
}

function storeError(operation: string, retryAfter: number, error: unknown): unknown {
  if (error instanceof PodsafeError && !(error instanceof SessionStoreUnavailableError)) return error;
  return new SessionStoreUnavailableError(`${operation} failed`, { retryAfter, cause: error });
}
