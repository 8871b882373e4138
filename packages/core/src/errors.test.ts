import { describe, expect, it } from 'vitest';
import {
  InvalidSessionIdError,
  PodsafeError,
  SessionConfigError,
  SessionDataError,
  SessionDestroyedError,
  SessionStoreUnavailableError,
  SessionTooLargeError,
  type PodsafeErrorCode,
} from './errors.js';

/** The codes are API: apps and log queries match on them, so a rename is a breaking change. */
describe('error codes', () => {
  it.each<[string, { readonly code: PodsafeErrorCode }, PodsafeError, PodsafeErrorCode]>([
    ['PodsafeError', PodsafeError, new PodsafeError('x'), 'ERR_PODSAFE'],
    ['SessionConfigError', SessionConfigError, new SessionConfigError('x'), 'ERR_SESSION_CONFIG'],
    ['SessionStoreUnavailableError', SessionStoreUnavailableError, new SessionStoreUnavailableError('x'), 'ERR_SESSION_STORE_UNAVAILABLE'],
    ['SessionTooLargeError', SessionTooLargeError, new SessionTooLargeError('x', 2, 1), 'ERR_SESSION_TOO_LARGE'],
    ['InvalidSessionIdError', InvalidSessionIdError, new InvalidSessionIdError('x'), 'ERR_INVALID_SESSION_ID'],
    ['SessionDataError', SessionDataError, new SessionDataError('k', new Error('x')), 'ERR_SESSION_DATA'],
    ['SessionDestroyedError', SessionDestroyedError, new SessionDestroyedError('save'), 'ERR_SESSION_DESTROYED'],
  ])('%s: the static code and the instance code', (name, Class, error, code) => {
    expect(Class.code).toBe(code);
    expect(error.code).toBe(code);
    expect(error.name).toBe(name);
    expect(error).toBeInstanceOf(PodsafeError);
  });
});
