import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { MemoryStore } from './memory-store.js';
import { SessionEngine } from './engine.js';
import type { SessionStore } from './types.js';

const SECRET = 'podsafe-secret-0123456789abcdef0123456789';
const legacyStore = (): SessionStore => Object.assign(new MemoryStore(), { legacy: { mode: 'read' as const, store: new MemoryStore() } });
const mac = (id: string, secret: string) => createHmac('sha256', secret).update(id).digest('base64').replace(/=+$/, '');

describe('legacyCookie options', () => {
  it('needs a store that offers legacy sessions, and a name of its own', () => {
    expect(
      () => new SessionEngine({ store: new MemoryStore(), secret: SECRET, legacyCookie: { name: 'connect.sid', secret: 'old' } }),
    ).toThrow(/the store has no legacy sessions to load.*RedisStore\(\{ legacy/);
    expect(
      () =>
        new SessionEngine({
          store: legacyStore(),
          secret: SECRET,
          cookieName: 'connect.sid',
          legacyCookie: { name: 'connect.sid', secret: 'old' },
        }),
    ).toThrow(/must differ from cookieName/);
    expect(() => new SessionEngine({ store: legacyStore(), secret: SECRET, legacyCookie: { name: 'connect.sid', secret: [] } })).toThrow(
      /secret is empty/,
    );
  });

  it('refuses an option it does not take (a typo would silently keep the default)', () => {
    const legacyCookie = { name: 'connect.sid', secret: 'old', domian: 'example.com' } as never;
    expect(() => new SessionEngine({ store: legacyStore(), secret: SECRET, legacyCookie })).toThrow(
      /^legacyCookie: unknown option "domian"\. Valid options: name, secret, format, path, domain\.$/,
    );
  });

  it("verifies express-session's and @fastify/session's signatures under every secret, and nothing else", () => {
    const engine = new SessionEngine({
      store: legacyStore(),
      secret: SECRET,
      legacyCookie: { name: 'connect.sid', secret: ['new-old', 'old'] },
    });
    const cookie = engine.options.legacyCookie!;
    const id = 'AbCdEfGhIjKlMnOpQrStUvWxYz012345';
    expect(cookie.verify(`s:${id}.${mac(id, 'old')}`)).toBe(id);
    expect(cookie.verify(`${id}.${mac(id, 'new-old')}`)).toBe(id);
    expect(cookie.sign(id)).toBe(`s:${id}.${mac(id, 'new-old')}`);
    expect(cookie.verify(`s:${id}.${mac(id, 'other')}`)).toBeUndefined();
    expect(cookie.verify(`s:${id}.${mac(id, 'old')}=`)).toBeUndefined();
    expect(cookie.verify(`s:${id}`)).toBeUndefined();
    // A well-signed value that no store could use as a key is still refused.
    expect(cookie.verify(`s:a*b.${mac('a*b', 'old')}`)).toBeUndefined();
  });
});
