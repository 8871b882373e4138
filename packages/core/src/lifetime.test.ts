/** Per-session lifetime: `session.setLifetime()`, kept in the session's meta and enforced from it. */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { SessionEngine } from './engine.js';
import { MemoryStore } from './memory-store.js';
import type { SessionLifetime } from './types.js';

const SECRET = 'lifetime-test-secret-0123456789abcdef';
const T0 = new Date('2026-01-01T00:00:00Z');
type Data = Record<string, unknown>;
const pair = (setCookie: string | undefined) => setCookie!.split(';')[0]!;
const maxAge = (setCookie: string | undefined) => /Max-Age=(\d+)/.exec(setCookie ?? '')?.[1];

let store: MemoryStore;
beforeEach(() => {
  vi.useFakeTimers({ toFake: ['Date'] });
  vi.setSystemTime(T0);
  store = new MemoryStore();
});
afterEach(() => {
  vi.useRealTimers();
});
const advance = (seconds: number) => vi.setSystemTime(Date.now() + seconds * 1000);
const engine = () => new SessionEngine({ store, secret: SECRET, ttl: 3600 });

/** A signed-in session with its own lifetime, as a "remember me" login makes it. Returns its cookie. */
async function remembered(e: SessionEngine, lifetime: SessionLifetime) {
  const context = await e.load({ cookieHeader: undefined, secure: false });
  (context.session as unknown as Data).user = 'ada';
  context.session.setLifetime(lifetime);
  const cookie = await e.commit(context);
  return { cookie, context };
}

describe('session.setLifetime', () => {
  it('a longer ttl outlives the app ttl, on another engine (pod), and slides', async () => {
    const { cookie } = await remembered(engine(), { ttl: 30 * 86400 });
    expect(maxAge(cookie)).toBe(String(30 * 86400));
    advance(10 * 86400);
    const other = engine();
    const later = await other.load({ cookieHeader: pair(cookie), secure: false });
    expect(later.isNew).toBe(false);
    expect(later.session.lifetime).toEqual({ ttl: 30 * 86400, persistent: true });
    // The touch that slides it re-issues the cookie with the session's own ttl.
    expect(maxAge(await other.commit(later))).toBe(String(30 * 86400));
  });

  it('a shorter ttl expires the session on the server, whatever the cookie says', async () => {
    const { cookie } = await remembered(engine(), { ttl: 60 });
    advance(61);
    const later = await engine().load({ cookieHeader: pair(cookie), secure: false });
    expect(later.isNew).toBe(true);
  });

  it('persistent false gives a browser-session cookie (no Max-Age) for this session only', async () => {
    const e = engine();
    const { cookie } = await remembered(e, { persistent: false });
    expect(cookie).toMatch(/^sid=/);
    expect(maxAge(cookie)).toBeUndefined();
    const plain = await e.load({ cookieHeader: undefined, secure: false });
    (plain.session as unknown as Data).user = 'bob';
    expect(maxAge(await e.commit(plain))).toBe('3600');
  });

  it('changing only the lifetime is a write; setLifetime({}) goes back to the app options', async () => {
    const e = engine();
    const { cookie } = await remembered(e, { ttl: 86400 });
    const context = await e.load({ cookieHeader: pair(cookie), secure: false });
    context.session.setLifetime({});
    expect(maxAge(await e.commit(context))).toBe('3600');
    const id = context.id;
    expect((await store.get(id))?.meta.lifetime).toBeUndefined();
  });

  it('regenerate() starts the new session on the app options', async () => {
    const e = engine();
    const { cookie } = await remembered(e, { ttl: 86400, persistent: false });
    const context = await e.load({ cookieHeader: pair(cookie), secure: false });
    await context.session.regenerate({ keepData: true });
    expect(context.session.lifetime).toEqual({ ttl: 3600, persistent: true });
  });

  it('refuses a ttl that is not a positive number of seconds, naming the unit', async () => {
    const context = await engine().load({ cookieHeader: undefined, secure: false });
    expect(() => context.session.setLifetime({ ttl: 0 })).toThrow(/positive number of seconds/);
    expect(() => context.session.setLifetime({ ttl: Number.NaN })).toThrow(TypeError);
  });
});

describe('session.reload', () => {
  it('drops unsaved changes and reads what another request saved meanwhile', async () => {
    const e = engine();
    const { cookie } = await remembered(e, {});
    const mine = await e.load({ cookieHeader: pair(cookie), secure: false });
    const theirs = await e.load({ cookieHeader: pair(cookie), secure: false });
    (theirs.session as unknown as Data).theme = 'dark';
    await e.commit(theirs);
    (mine.session as unknown as Data).draft = 'unsaved';
    await mine.session.reload();
    expect({ ...(mine.session as unknown as Data) }).toEqual({ user: 'ada', theme: 'dark' });
  });

  it('rejects for a session destroyed by another request', async () => {
    const e = engine();
    const { cookie } = await remembered(e, {});
    const mine = await e.load({ cookieHeader: pair(cookie), secure: false });
    const theirs = await e.load({ cookieHeader: pair(cookie), secure: false });
    await theirs.session.destroy();
    await expect(mine.session.reload()).rejects.toThrow(/destroy/);
  });
});
