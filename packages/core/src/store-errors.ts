import { SessionStoreUnavailableError } from './errors.js';

/** What every `SessionStoreUnavailableError` of one store carries. */
export interface StoreErrorOptions {
  /** Seconds a client is told to wait (`Retry-After`). @default `2` */
  retryAfter?: number;
  /**
   * What to check, added to every message in parentheses, e.g. which servers
   * to look at. Names no address when the message may reach clients.
   * @default none
   */
  advice?: string;
}

/** The errors a store reports when it cannot do a call, made by {@link storeErrors}. */
export interface StoreErrors {
  /** The store could not do `detail`; its own error, with addresses and errno, goes in `cause`. */
  unavailable(detail: string, cause?: unknown): SessionStoreUnavailableError;
  /** A call on a store after `close()`. */
  closed(operation: string): SessionStoreUnavailableError;
  /**
   * A call that did not answer within `seconds`.
   * @param on - where the call went, e.g. `'cache-0:11211'`.
   * @param extra - appended to the detail, e.g. `'; last connection error: ...'`.
   */
  timeout(operation: string, seconds: number, on?: string, extra?: string): SessionStoreUnavailableError;
}

/**
 * One store's `SessionStoreUnavailableError`s, all with the same `retryAfter`
 * and advice, so a store's messages read the same whatever failed.
 *
 * @param storeName - the store's class name, e.g. `'RedisStore'`.
 */
export function storeErrors(storeName: string, options: StoreErrorOptions = {}): StoreErrors {
  const retryAfter = options.retryAfter ?? 2;
  const advice = options.advice === undefined ? '' : ` (${options.advice})`;
  const unavailable = (detail: string, cause?: unknown) =>
    new SessionStoreUnavailableError(`${detail}${advice}`, cause === undefined ? { retryAfter } : { retryAfter, cause });
  return {
    unavailable,
    closed: (operation) =>
      unavailable(`${storeName}.${operation} was called after close(); create a new store, or close it only at shutdown`),
    timeout: (operation, seconds, on, extra = '') =>
      unavailable(`${storeName}.${operation}${on === undefined ? '' : ` on ${on}`} did not answer within ${seconds} s${extra}`),
  };
}

/** The message of whatever a driver rejected with (some reject with a bare string). */
export function messageOf(error: unknown): string {
  if (error instanceof Error) return error.message;
  return typeof error === 'string' ? error : String(error);
}
