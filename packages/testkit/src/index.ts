/**
 * `@podsafe/testkit`: the SessionStore conformance suite. Any store, podsafe's
 * or your own, proves the contract with one call inside a vitest test file:
 *
 * ```ts
 * import { describeSessionStore } from '@podsafe/testkit';
 * describeSessionStore('MyStore', () => new MyStore(), { writeCorrupt: ... });
 * ```
 *
 * @packageDocumentation
 */
export { describeSessionStore, type SessionStoreSuiteOptions } from './describe-session-store.js';
export { describeClientSessionStore, type ClientSessionStoreSuiteOptions } from './describe-client-session-store.js';
export { describeUserIndex, type UserIndexSuiteOptions, type UserIndexStore } from './describe-user-index.js';
export { BAD_IDS, RICH_DATA, create, update, newId, elapse } from './fixtures.js';
