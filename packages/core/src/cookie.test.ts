import { serialize } from 'cookie';
import { describe, expect, it } from 'vitest';
import { clearedCookie, readCookie, sessionCookie } from './cookie.js';
import { MemoryStore } from './memory-store.js';
import { resolveOptions, type SessionCookieOptions } from './options.js';

const SECRET = 'cookie-test-secret-0123456789abcdef0123';
const VALUE = 'AbC-_0123456789abcdefghijklmnopqrstuvwxyzAB.sig-_x';

/** What the `cookie` package makes of the same options: sessionCookie caches the attribute text and must say exactly this. */
function expected(cookie: SessionCookieOptions, value: string, maxAge: number, secureRequest: boolean, cookieName = 'sid'): string {
  const options = resolveOptions({ store: new MemoryStore(), secret: SECRET, cookie, cookieName });
  const c = options.cookie;
  return serialize(cookieName, value, {
    path: c.path,
    domain: c.domain,
    httpOnly: c.httpOnly,
    sameSite: c.sameSite,
    secure: c.secure === 'auto' ? secureRequest : c.secure,
    partitioned: c.partitioned || undefined,
    maxAge: c.persistent ? Math.max(1, Math.floor(maxAge)) : undefined,
    encode: (v) => v,
  });
}

describe('sessionCookie', () => {
  const cases: SessionCookieOptions[] = [
    {},
    { secure: true },
    { secure: false, sameSite: 'strict' },
    { sameSite: 'none', secure: true, partitioned: true },
    { domain: 'example.test', path: '/app', httpOnly: false },
    { persistent: false },
    { persistent: false, secure: 'auto', domain: 'example.test' },
  ];
  it.each(cases.flatMap((cookie) => [false, true].map((secureRequest) => [JSON.stringify(cookie), secureRequest, cookie] as const)))(
    'with %s (https: %s) says exactly what the cookie package says, for every max-age',
    (_label, secureRequest, cookie) => {
      const options = resolveOptions({ store: new MemoryStore(), secret: SECRET, cookie, cookieName: 'app.sid' });
      for (const maxAge of [0.2, 1, 59.9, 86_400]) {
        expect(sessionCookie(options, VALUE, maxAge, secureRequest)).toBe(expected(cookie, VALUE, maxAge, secureRequest, 'app.sid'));
        // Twice: the second call uses the cached attribute text.
        expect(sessionCookie(options, VALUE, maxAge, secureRequest)).toBe(expected(cookie, VALUE, maxAge, secureRequest, 'app.sid'));
      }
    },
  );

  it('still refuses a value that is not a cookie-octet string, and a max-age that is not finite', () => {
    const options = resolveOptions({ store: new MemoryStore(), secret: SECRET });
    expect(() => sessionCookie(options, 'a b;c', 60, false)).toThrow(/invalid/);
    expect(() => sessionCookie(options, VALUE, Number.POSITIVE_INFINITY, false)).toThrow(/invalid/);
  });

  it('clearedCookie and readCookie are unchanged', () => {
    const options = resolveOptions({ store: new MemoryStore(), secret: SECRET });
    expect(clearedCookie(options, false)).toBe('sid=; Max-Age=0; Path=/; Expires=Thu, 01 Jan 1970 00:00:00 GMT; HttpOnly; SameSite=Lax');
    expect(readCookie('a=1; sid=xyz; b=2', 'sid')).toBe('xyz');
  });
});
