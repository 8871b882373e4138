import { parse, serialize, type SerializeOptions } from 'cookie';
import type { ResolvedOptions } from './options.js';

/**
 * The first value of cookie `name`, percent-decoded: for another library's cookie
 * (express-session writes `s%3A<id>.<sig>`). podsafe's own cookies are read
 * undecoded, every one of the name, by `readCookies` (cookie-jar.ts).
 */
export function readCookie(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined;
  return parse(header)[name];
}

/** The attributes every session cookie carries, set or cleared alike. */
function attributes(options: ResolvedOptions, secureRequest: boolean): SerializeOptions {
  const c = options.cookie;
  return {
    path: c.path,
    domain: c.domain,
    httpOnly: c.httpOnly,
    sameSite: c.sameSite,
    secure: c.secure === 'auto' ? secureRequest : c.secure,
    partitioned: c.partitioned || undefined,
  };
}

/** cookie-octet (RFC 6265), as the `cookie` package checks it. */
const COOKIE_VALUE = /^[\u0021-\u003A\u003C-\u007E]*$/;

/**
 * `Set-Cookie` text around the value, per options and request security: everything
 * but the value and Max-Age is the same on every response, so it is serialised once
 * (by the `cookie` package, whose output this splits) instead of on every write.
 */
interface CookieTemplate {
  prefix: string;
  /** After `; Max-Age=N` (persistent) or right after the value (session cookie). */
  suffix: string;
}
const templates = new WeakMap<ResolvedOptions, [CookieTemplate | null, CookieTemplate | null]>();
const PROBE_VALUE = 'v';
const PROBE_AGE = 1;

function template(options: ResolvedOptions, secureRequest: boolean): CookieTemplate | null {
  let pair = templates.get(options);
  if (pair === undefined) {
    pair = [null, null];
    for (const secure of [false, true]) {
      const persistent = options.cookie.persistent;
      const full = serialize(options.cookieName, PROBE_VALUE, {
        ...attributes(options, secure),
        maxAge: persistent ? PROBE_AGE : undefined,
      });
      const prefix = `${options.cookieName}=`;
      const head = `${prefix}${PROBE_VALUE}${persistent ? `; Max-Age=${PROBE_AGE}` : ''}`;
      // Should the package ever order attributes differently, fall back to it on every call.
      pair[secure ? 1 : 0] = full.startsWith(head) ? { prefix, suffix: full.slice(head.length) } : null;
    }
    templates.set(options, pair);
  }
  return pair[secureRequest ? 1 : 0];
}

/**
 * The `Set-Cookie` header value carrying `value`. `maxAge` is in seconds and is
 * sent only for persistent cookies (`persistent`, default the app's option); `secureRequest` tells whether the request
 * came over https (for `secure: 'auto'`).
 */
export function sessionCookie(
  options: ResolvedOptions,
  value: string,
  maxAge: number,
  secureRequest: boolean,
  persistent = options.cookie.persistent,
): string {
  const age = persistent ? Math.max(1, Math.floor(maxAge)) : undefined;
  const cached = template(options, secureRequest);
  if (cached !== null && COOKIE_VALUE.test(value) && (age === undefined || Number.isInteger(age))) {
    return age === undefined ? cached.prefix + value + cached.suffix : `${cached.prefix}${value}; Max-Age=${age}${cached.suffix}`;
  }
  return serialize(options.cookieName, value, {
    ...attributes(options, secureRequest),
    maxAge: age,
    // Values are base64url and '.', or a JWT: nothing to encode.
    encode: (v) => v,
  });
}

/** The `Set-Cookie` header value that deletes the session cookie in the browser. */
export function clearedCookie(options: ResolvedOptions, secureRequest: boolean): string {
  return serialize(options.cookieName, '', { ...attributes(options, secureRequest), expires: new Date(0), maxAge: 0 });
}
