/** The HTTP client the tests use: the testkit's cookie-jar browser, re-exported for tests that need no adapter suite. */
export { Browser, cookieAttributes, type Reply } from '@podsafe/testkit';
