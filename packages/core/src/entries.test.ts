import { describe, expect, it } from 'vitest';
import * as adapter from '@podsafe/core/adapter';
import * as main from '@podsafe/core';
import * as store from '@podsafe/core/store';

/**
 * The runtime exports of each entry point, by audience. A change here is a
 * change of public API: add to the right entry on purpose, never by accident.
 */
describe('entry points', () => {
  it('@podsafe/core (app authors): errors, MemoryStore, MIN_SECRET_BYTES', () => {
    expect(Object.keys(main).sort()).toEqual([
      'InvalidSessionIdError',
      'MIN_SECRET_BYTES',
      'MemoryStore',
      'PodsafeError',
      'SessionConfigError',
      'SessionDataError',
      'SessionDestroyedError',
      'SessionStoreUnavailableError',
      'SessionTooLargeError',
    ]);
  });

  it('@podsafe/core/store (store authors): record and id helpers, option checks, deadline, store errors', () => {
    expect(Object.keys(store).sort()).toEqual([
      'assertStorableId',
      'generateSessionId',
      'isPlainObject',
      'isSessionId',
      'isSessionLifetime',
      'isSessionMeta',
      'isSessionRecord',
      'isStorableId',
      'messageOf',
      'nowSeconds',
      'optionParser',
      'parseSessionRecord',
      'storeErrors',
      'withDeadline',
    ]);
  });

  it('@podsafe/core/adapter (adapter authors): the engine, the session object and cookie plumbing', () => {
    expect(Object.keys(adapter).sort()).toEqual([
      'FOREIGN_COOKIE_OPTIONS',
      'FOREIGN_SESSION_OPTIONS',
      'Keyring',
      'LegacyCookie',
      'MAX_SESSION_COOKIES',
      'RESERVED_KEYS',
      'SessionContext',
      'SessionCookieView',
      'SessionEngine',
      'WholeSessionBridge',
      'callbackSessionMembers',
      'isClientStore',
      'markSessionExempt',
      'readCookies',
      'reportLateChange',
      'sessionControls',
      'sessionHandle',
      'sessionPrototype',
      'settle',
    ]);
  });

  it('no value is offered by two entries', () => {
    const seen = [...Object.keys(main), ...Object.keys(store), ...Object.keys(adapter)];
    expect(new Set(seen).size).toBe(seen.length);
  });
});
