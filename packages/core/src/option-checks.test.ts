import { describe, expect, it } from 'vitest';
import { SessionEngine } from './engine.js';
import { MemoryStore } from './memory-store.js';
import { resolveOptions, type SessionOptions } from './options.js';

const store = new MemoryStore();
const secret = 's'.repeat(32);
const resolve = (extra: Partial<SessionOptions>) => resolveOptions({ store, secret, ...extra });

/** Options that used to pass at startup and then break every request. */
describe('options that would break every request fail at startup', () => {
  it.each<[string, Partial<SessionOptions>, RegExp]>([
    ['a path not starting with /', { cookie: { path: 'app' } }, /cookie\.path "app".*must start with '\/'/],
    ['a path with ;', { cookie: { path: '/a;b' } }, /cookie\.path.*';'/],
    ['a path with a newline', { cookie: { path: '/a\nSet-Cookie: x=1' } }, /cookie\.path/],
    ['a domain with a scheme', { cookie: { domain: 'https://example.com' } }, /cookie\.domain.*no scheme, port/],
    ['a domain with a space', { cookie: { domain: 'example .com' } }, /cookie\.domain/],
    ['a domain with ;', { cookie: { domain: 'example.com;x' } }, /cookie\.domain/],
    ['storeTimeout beyond the timer range', { storeTimeout: 30 * 86_400 }, /storeTimeout 2592000 s is beyond what a timer can wait/],
    ['a fractional retryAfter', { retryAfter: 1.5 }, /retryAfter must be a whole number of seconds/],
    ['a negative retryAfter', { retryAfter: -1 }, /retryAfter must be a number of seconds greater than 0/],
    [
      "sameSite 'none' with secure false",
      { cookie: { sameSite: 'none', secure: false } },
      /sameSite 'none' needs a Secure cookie.*secure: true or leave it unset/,
    ],
    ["sameSite 'none' with secure 'auto'", { cookie: { sameSite: 'none', secure: 'auto' } }, /sameSite 'none' needs a Secure cookie/],
    [
      'a __Host- name with secure auto',
      { cookieName: '__Host-sid', cookie: { secure: 'auto' } },
      /__Host- cookie name \(__Host-sid\) needs a Secure cookie/,
    ],
    [
      'a __Host- name with a domain',
      { cookieName: '__Host-sid', cookie: { domain: 'example.com' } },
      /__Host-.*cannot have cookie\.domain/,
    ],
    ['a __Host- name with a path', { cookieName: '__Host-sid', cookie: { path: '/app' } }, /__Host-.*needs cookie\.path '\/'/],
    ['a __host- name in any case', { cookieName: '__host-sid', cookie: { domain: 'example.com' } }, /__Host-/],
    [
      'a __Secure- name with secure false',
      { cookieName: '__Secure-sid', cookie: { secure: false } },
      /__Secure- cookie name.*needs a Secure cookie/,
    ],
    ['a secure that is not a boolean', { cookie: { secure: 'true' as never } }, /cookie\.secure must be true, false or 'auto'/],
  ])('%s', (_label, options, message) => {
    expect(() => resolve(options)).toThrow(message);
    expect(() => resolve(options)).toThrow(/^podsafe session options: /);
    expect(() => resolve(options)).toThrow(expect.objectContaining({ code: 'ERR_SESSION_CONFIG' }));
  });

  it.each<[string, Partial<SessionOptions>]>([
    ['a sub-path', { cookie: { path: '/app' } }],
    ['a parent domain', { cookie: { domain: '.example.com' } }],
    ['the longest timer', { storeTimeout: 2_147_483 }],
    ['a __Secure- name with a domain', { cookieName: '__Secure-sid', cookie: { domain: 'example.com' } }],
  ])('accepts %s', (_label, options) => {
    expect(() => resolve(options)).not.toThrow();
  });

  it("sameSite 'none' and __Host- names default to a Secure cookie, even on a plain-http request", async () => {
    expect(resolve({ cookie: { sameSite: 'none' } }).cookie.secure).toBe(true);
    const engine = new SessionEngine({ store, secret, cookieName: '__Host-sid' });
    const context = await engine.load({ cookieHeader: undefined, secure: false });
    (context.session as unknown as Record<string, unknown>).a = 1;
    const line = await engine.commit(context);
    expect(line).toMatch(/^__Host-sid=/);
    expect(line).toMatch(/; Path=\/;/);
    expect(line).toMatch(/; Secure/);
    expect(line).not.toMatch(/Domain/);
  });
});
