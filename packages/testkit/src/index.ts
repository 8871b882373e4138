/**
 * `@podsafe/testkit`: the SessionStore conformance suite and the framework adapter behaviour suite. Any store, podsafe's
 * or your own, proves the contract with one call inside a vitest test file:
 *
 * ```ts
 * import { describeSessionStore } from '@podsafe/testkit';
 * describeSessionStore('MyStore', () => new MyStore(), { writeCorrupt: ... });
 * ```
 *
 * Framework adapters prove themselves the same way with
 * `describeAdapterBehaviour(driver, () => backend)`, the driver serving the
 * routes documented on {@link AppDriver}.
 *
 * @packageDocumentation
 */
export { describeSessionStore, type SessionStoreSuiteOptions } from './describe-session-store.js';
export { describeClientSessionStore, type ClientSessionStoreSuiteOptions } from './describe-client-session-store.js';
export { describeUserIndex, type UserIndexSuiteOptions, type UserIndexStore } from './describe-user-index.js';
export { BAD_IDS, RICH_DATA, create, update, newId, elapse } from './fixtures.js';
export { describeAdapterBehaviour } from './describe-adapter-behaviour.js';
export type { AdapterBackend, AppDriver, RunningApp, StoppableAdapterBackend } from './adapter-driver.js';
export { Browser, cookieAttributes, type Reply } from './browser.js';
export { openGate, reachedGate, waitAtGate } from './gates.js';
