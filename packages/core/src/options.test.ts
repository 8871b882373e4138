import { describe, expect, it } from 'vitest';
import { MemoryStore } from './memory-store.js';
import { resolveOptions } from './options.js';
import type { ClientSessionStore } from './types.js';

const store = new MemoryStore();
const secret = 's'.repeat(32);

describe('options', () => {
  it('defaults: sid cookie, 1 day idle ttl, touch every 1/10 ttl capped at an hour, Lax, HttpOnly, auto Secure', () => {
    const o = resolveOptions({ store, secret });
    expect(o.cookieName).toBe('sid');
    expect(o.ttl).toBe(86_400);
    expect(o.touchAfter).toBe(3600);
    expect(o.maxLifetime).toBeUndefined();
    expect(o.saveUninitialized).toBe(false);
    expect(o.cookie).toMatchObject({ sameSite: 'lax', httpOnly: true, secure: 'auto', path: '/', persistent: true });
    expect(o.storeTimeout).toBe(2);
    expect(resolveOptions({ store, secret, ttl: 600 }).touchAfter).toBe(60);
  });

  it.each([
    [{ store, secret: 'short' }, /at least 32/],
    [{ store }, /secret.*is required/],
    [{ secret }, /store.*is required/],
    [{ store, secret, ttl: 0 }, /ttl must be a number of seconds/],
    [{ store, secret, ttl: '1d' }, /ttl must be a number of seconds.*86400/],
    [{ store, secret, maxLifetime: -5 }, /maxLifetime/],
    [{ store, secret, ttl: 60, touchAfter: 60 }, /touchAfter \(60 s\) must be shorter than ttl/],
    [{ store, secret, cookieName: 'bad name' }, /not a valid cookie name/],
    [{ store, secret, cookie: { sameSite: 'none', secure: false } }, /needs a Secure cookie/],
    [{ store, secret, cookie: { sameSite: 'loose' } }, /sameSite must be/],
  ])('refuses %o at startup with a message saying what to fix', (options, message) => {
    expect(() => resolveOptions(options as never)).toThrow(message);
    expect(() => resolveOptions(options as never)).toThrow(/^podsafe session options: /);
    expect(() => resolveOptions(options as never)).toThrow(expect.objectContaining({ code: 'ERR_SESSION_CONFIG' }));
  });

  it('a client-side store needs no cookie secret', () => {
    const client = { kind: 'client' } as unknown as ClientSessionStore;
    expect(() => resolveOptions({ store: client })).not.toThrow();
  });
});
