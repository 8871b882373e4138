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
  return serialize(options.cookieName, value, {
    ...attributes(options, secureRequest),
    maxAge: persistent ? Math.max(1, Math.floor(maxAge)) : undefined,
    // Values are base64url and '.', or a JWT: nothing to encode.
    encode: (v) => v,
  });
}

/** The `Set-Cookie` header value that deletes the session cookie in the browser. */
export function clearedCookie(options: ResolvedOptions, secureRequest: boolean): string {
  return serialize(options.cookieName, '', { ...attributes(options, secureRequest), expires: new Date(0), maxAge: 0 });
}
