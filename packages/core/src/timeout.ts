import { PodsafeError, SessionStoreUnavailableError } from './errors.js';

/**
 * Runs one store call, bounded by `seconds`. A timeout or an unexpected error
 * becomes `SessionStoreUnavailableError`; podsafe's own errors pass through.
 */
export async function storeCall<T>(operation: string, seconds: number, retryAfter: number, call: () => Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new SessionStoreUnavailableError(`${operation} did not answer within ${seconds} s`, { retryAfter })),
      seconds * 1000,
    );
  });
  try {
    return await Promise.race([Promise.resolve().then(call), timeout]);
  } catch (error) {
    if (error instanceof SessionStoreUnavailableError && error.retryAfter === retryAfter) throw error;
    if (error instanceof SessionStoreUnavailableError) {
      throw new SessionStoreUnavailableError(`${operation} failed`, { retryAfter, cause: error });
    }
    if (error instanceof PodsafeError) throw error;
    const message = error instanceof Error ? error.message : String(error);
    throw new SessionStoreUnavailableError(`${operation} failed (${message})`, { retryAfter, cause: error });
  } finally {
    clearTimeout(timer);
  }
}
