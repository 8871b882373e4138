import { serialize } from 'cookie';
import { optionParser, type OptionParser } from './option-parser.js';

/**
 * Startup checks for options that would otherwise pass `resolveOptions` and
 * then break every request (a cookie the browser drops, a header that cannot
 * be written, a timer that fires at once).
 */

/** The checks of the session options (`session()`, the Fastify plugin, `new SessionEngine()`). */
export const sessionOptions: OptionParser = optionParser('podsafe session options');
const fail: (message: string) => never = sessionOptions.fail;

/** Longest delay `setTimeout` honours, in seconds (2^31-1 ms); a longer one fires immediately. */
export const MAX_TIMER_SECONDS = 2_147_483.647;

/** Cookie name prefixes that browsers enforce (case-insensitively): the cookie is dropped unless its attributes match. */
function cookiePrefix(cookieName: string): '__Host-' | '__Secure-' | undefined {
  const lower = cookieName.toLowerCase();
  if (lower.startsWith('__host-')) return '__Host-';
  if (lower.startsWith('__secure-')) return '__Secure-';
  return undefined;
}

/**
 * The `Secure` setting to use. A cookie that browsers only accept with
 * `Secure` (`SameSite=None`, a `__Host-` or `__Secure-` name) is always
 * Secure: unset means `true`, and `false` or `'auto'` (which would drop
 * `Secure` on plain http, so the browser rejects the cookie) fail here.
 */
export function resolveSecure(cookieName: string, sameSite: string, secure: unknown): boolean | 'auto' {
  if (secure !== undefined && typeof secure !== 'boolean' && secure !== 'auto') {
    fail(`cookie.secure must be true, false or 'auto', got ${JSON.stringify(secure)}.`);
  }
  const prefix = cookiePrefix(cookieName);
  const why = prefix ? `a ${prefix} cookie name (${cookieName})` : sameSite === 'none' ? "cookie.sameSite 'none'" : undefined;
  if (why === undefined) return secure ?? 'auto';
  if (secure === undefined || secure === true) return true;
  fail(
    `${why} needs a Secure cookie (browsers drop it otherwise), but cookie.secure is ${JSON.stringify(secure)}: ` +
      `set secure: true or leave it unset. Serve the app over https (behind a proxy, enable the framework's trust-proxy setting); ` +
      `browsers also accept Secure cookies on http://localhost for development.`,
  );
}

/** Whether `value` can be written as a cookie attribute `name` (no control characters, no `;`). */
function writable(name: 'path' | 'domain', value: string): boolean {
  try {
    serialize('a', 'b', { [name]: value });
    return true;
  } catch {
    return false;
  }
}

/** The cookie `Path`: a string starting with `/` that fits in a `Set-Cookie` header. */
export function checkCookiePath(path: unknown, cookieName: string): string {
  if (path === undefined) return '/';
  if (typeof path !== 'string' || !path.startsWith('/') || !writable('path', path)) {
    fail(
      `cookie.path ${JSON.stringify(path)} is not a usable cookie path: it must start with '/' and contain no ';' or control characters ` +
        `(browsers ignore any other path and scope the cookie to the request's directory). Use e.g. '/' or '/app'.`,
    );
  }
  if (cookiePrefix(cookieName) === '__Host-' && path !== '/') {
    fail(`A __Host- cookie name (${cookieName}) needs cookie.path '/' (browsers drop it otherwise), got ${JSON.stringify(path)}.`);
  }
  return path;
}

/** The cookie `Domain`, if any: a host name (letters, digits, `-`, dots) that fits in a `Set-Cookie` header. */
export function checkCookieDomain(domain: unknown, cookieName: string): string | undefined {
  if (domain === undefined) return undefined;
  if (typeof domain !== 'string' || !writable('domain', domain)) {
    fail(
      `cookie.domain ${JSON.stringify(domain)} is not a valid cookie domain: give a host name such as 'example.com' ` +
        `(no scheme, port, path or spaces), or leave it unset for a cookie only this host receives.`,
    );
  }
  if (cookiePrefix(cookieName) === '__Host-') {
    fail(
      `A __Host- cookie name (${cookieName}) cannot have cookie.domain (browsers drop it otherwise): remove domain ${JSON.stringify(domain)}.`,
    );
  }
  return domain;
}

/** `storeTimeout` in seconds, within what a timer can wait. */
export function checkStoreTimeout(seconds: number): number {
  if (seconds > MAX_TIMER_SECONDS) {
    fail(
      `storeTimeout ${seconds} s is beyond what a timer can wait (${MAX_TIMER_SECONDS} s); it would fire at once and fail every store call. ` +
        `Use a few seconds (default 2): a store slower than that should answer 503.`,
    );
  }
  return seconds;
}

/** `retryAfter` in seconds: `Retry-After` takes a whole number of seconds. */
export function checkRetryAfter(seconds: number): number {
  if (!Number.isSafeInteger(seconds)) {
    fail(`retryAfter must be a whole number of seconds (Retry-After carries no fractions), got ${seconds}. Use e.g. 2.`);
  }
  return seconds;
}
