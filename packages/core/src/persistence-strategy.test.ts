import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { SessionEngine } from './engine.js';
import { SessionConfigError, SessionTooLargeError } from './errors.js';
import { MemoryStore } from './memory-store.js';
import { ServerSideStrategy } from './server-side-strategy.js';
import { Keyring } from './signing.js';
import type { ClientSessionStore, DecodedClientSession, SessionRecord } from './types.js';

const SECRET = 'strategy-test-secret-0123456789abcdef';
const T0 = new Date('2026-01-01T00:00:00Z');
type Data = Record<string, unknown>;

/**
 * A client-side store whose token is the record in base64url JSON (no
 * signature: these tests are about what the engine does with a token, not about
 * tokens), recording its revocations.
 */
class PlainTokenStore implements ClientSessionStore {
  readonly kind = 'client';
  readonly revoked: Array<{ id: string; expiresAt: number }> = [];
  async decode(token: string): Promise<DecodedClientSession | null> {
    try {
      const { id, record, expiresAt } = JSON.parse(Buffer.from(token, 'base64url').toString()) as {
        id: string;
        record: SessionRecord;
        expiresAt: number;
      };
      return this.revoked.some((entry) => entry.id === id) ? null : { id, record, expiresAt, reissue: false };
    } catch {
      return null;
    }
  }
  async encode(id: string, record: SessionRecord, ttl: number): Promise<string> {
    return Buffer.from(JSON.stringify({ id, record, expiresAt: Date.now() / 1000 + ttl })).toString('base64url');
  }
  async destroy(id: string, expiresAt: number): Promise<void> {
    this.revoked.push({ id, expiresAt });
  }
  async close(): Promise<void> {}
}

beforeEach(() => {
  vi.useFakeTimers({ toFake: ['Date'] });
  vi.setSystemTime(T0);
});
afterEach(() => {
  vi.useRealTimers();
});

const pair = (setCookie: string | undefined) => setCookie?.split(';')[0];

describe('the cookie decision', () => {
  it('is a value: set (the signed id, for the ttl), none for a read that changes nothing, clear once after a destroy', async () => {
    const engine = new SessionEngine({ store: new MemoryStore(), secret: SECRET, ttl: 600 });
    const created = await engine.load({ cookieHeader: undefined, secure: false });
    (created.session as unknown as Data).user = 'alice';
    await created.flush();
    expect(created.takeCookie()).toEqual({ kind: 'set', value: new Keyring(SECRET).sign(created.id), maxAge: 600, persistent: true });
    expect(created.takeCookie()).toEqual({ kind: 'none' });

    const cookie = `sid=${new Keyring(SECRET).sign(created.id)}`;
    const unchanged = await engine.load({ cookieHeader: cookie, secure: false });
    await unchanged.flush();
    expect(unchanged.takeCookie()).toEqual({ kind: 'none' });

    await unchanged.destroy();
    await unchanged.flush();
    expect(unchanged.takeCookie()).toEqual({ kind: 'clear' });
    // The browser was told to drop it: a second commit has nothing left to clear.
    expect(await engine.commit(unchanged)).toBeUndefined();
  });

  it('an empty cookie value of our name is cleared, as a tampered one is', async () => {
    const engine = new SessionEngine({ store: new MemoryStore(), secret: SECRET });
    const context = await engine.load({ cookieHeader: 'sid=', secure: false });
    expect(context.isNew).toBe(true);
    expect(await engine.commit(context)).toMatch(/^sid=; Max-Age=0/);
  });
});

describe('server-side strategy', () => {
  it('refuses options without a keyring, saying what to pass', () => {
    const engine = new SessionEngine({ store: new MemoryStore(), secret: SECRET });
    const store = new MemoryStore();
    expect(() => new ServerSideStrategy(engine, store, { ...engine.options, keyring: undefined })).toThrow(SessionConfigError);
    expect(() => new ServerSideStrategy(engine, store, { ...engine.options, keyring: undefined })).toThrow(/`secret` is required/);
  });
});

describe('client-side strategy', () => {
  it('the token is the session: written on every commit that must send it, read back without a store, revoked on destroy for its longest life', async () => {
    const store = new PlainTokenStore();
    const engine = new SessionEngine({ store, ttl: 600, storeTimeout: 2 });
    const created = await engine.load({ cookieHeader: undefined, secure: false });
    (created.session as unknown as Data).views = 1;
    const cookie = pair(await engine.commit(created))!;
    expect(cookie).toMatch(/^sid=/);

    const next = await engine.load({ cookieHeader: cookie, secure: false });
    expect(next.id).toBe(created.id);
    expect((next.session as unknown as Data).views).toBe(1);
    (next.session as unknown as Data).views = 2;
    await next.session.reload();
    // Nothing is stored beyond the cookie: reload goes back to what it held.
    expect((next.session as unknown as Data).views).toBe(1);

    next.session.setLifetime({ ttl: 3600 });
    await next.session.destroy();
    expect(await engine.commit(next)).toMatch(/^sid=; Max-Age=0/);
    // Revoked until the longest token of this id could expire (its own ttl), plus storeTimeout.
    expect(store.revoked).toEqual([{ id: created.id, expiresAt: T0.getTime() / 1000 + 3600 + 2 }]);
    expect((await engine.load({ cookieHeader: cookie, secure: false })).isNew).toBe(true);
  });

  it('a token too large for a browser cookie fails the commit loudly', async () => {
    const engine = new SessionEngine({ store: new PlainTokenStore() });
    const context = await engine.load({ cookieHeader: undefined, secure: false });
    (context.session as unknown as Data).blob = 'x'.repeat(4096);
    await expect(engine.commit(context)).rejects.toThrow(SessionTooLargeError);
  });

  it('a token the store answers from its cache (decodeCached) is read without decode; undefined or a throw falls back to decode', async () => {
    /** Knows the tokens it issued; counts the decodes that reach it. */
    class CachingStore extends PlainTokenStore {
      decodes = 0;
      readonly issued = new Map<string, DecodedClientSession>();
      broken = false;
      override async decode(token: string) {
        this.decodes++;
        return super.decode(token);
      }
      override async encode(id: string, record: SessionRecord, ttl: number) {
        const token = await super.encode(id, record, ttl);
        this.issued.set(token, { id, record: structuredClone(record), expiresAt: Date.now() / 1000 + ttl, reissue: false });
        return token;
      }
      decodeCached(token: string): DecodedClientSession | null | undefined {
        if (this.broken) throw new Error('cache is broken');
        const hit = this.issued.get(token);
        return hit === undefined ? undefined : structuredClone(hit);
      }
    }
    const store = new CachingStore();
    const engine = new SessionEngine({ store, ttl: 600 });
    const created = await engine.load({ cookieHeader: undefined, secure: false });
    (created.session as unknown as Data).views = 1;
    const cookie = pair(await engine.commit(created))!;

    const cached = await engine.load({ cookieHeader: cookie, secure: false });
    expect((cached.session as unknown as Data).views).toBe(1);
    expect(store.decodes).toBe(0);

    store.issued.clear();
    expect((await engine.load({ cookieHeader: cookie, secure: false })).id).toBe(created.id);
    expect(store.decodes).toBe(1);
    store.broken = true;
    expect((await engine.load({ cookieHeader: cookie, secure: false })).id).toBe(created.id);
    expect(store.decodes).toBe(2);
  });
});
