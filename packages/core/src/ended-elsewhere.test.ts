import { describe, expect, it } from 'vitest';
import { SessionEngine, type SessionContext } from './engine.js';
import type { SessionEvent } from './events.js';
import { MemoryStore } from './memory-store.js';
import type { SessionStore } from './types.js';

/**
 * Races around login and logout: a request that loaded a session before a
 * concurrent request replaced (regenerate) or destroyed it finishes last. Its
 * response must not send a cookie, least of all `sid=; Max-Age=0`, which would
 * delete the new login cookie the browser just got from the other response.
 */
const SECRET = 'ended-elsewhere-secret-0123456789abcdef';
type Data = Record<string, unknown>;
const data = (context: SessionContext) => context.session as unknown as Data;
const pair = (setCookie: string | undefined) => setCookie?.split(';')[0];

function setup(store: SessionStore = new MemoryStore(), touchAfter?: number) {
  const events: SessionEvent[] = [];
  const engine = new SessionEngine({ store, secret: SECRET, touchAfter, onEvent: (event) => events.push(event) });
  const request = (cookie?: string) => engine.load({ cookieHeader: cookie, secure: false });
  const commits = () => events.flatMap((event) => (event.type === 'commit' ? [event.action] : []));
  return { engine, request, commits, store };
}

async function signIn({ engine, request }: ReturnType<typeof setup>) {
  const context = await request();
  data(context).cart = ['book'];
  return pair(await engine.commit(context))!;
}

describe('a request whose session ended in another request', () => {
  it('a slow save after a concurrent login (regenerate) sends no cookie, so the login cookie survives', async () => {
    const s = setup();
    const anonymous = await signIn(s);
    const slow = await s.request(anonymous);
    const login = await s.request(anonymous);
    await login.session.regenerate();
    data(login).user = 'alice';
    const loginCookie = await s.engine.commit(login);
    expect(loginCookie).toMatch(/^sid=[^;]+; Max-Age=86400/);

    data(slow).viewed = ['late'];
    expect(await s.engine.commit(slow)).toBeUndefined();
    expect(slow.destroyed).toBe(true);
    expect(s.commits().at(-1)).toBe('refused');
    // The new session is untouched and the old one stays gone.
    expect(await s.store.get(login.session.id)).toMatchObject({ data: { user: 'alice' } });
    expect(await s.store.get(slow.session.id)).toBeNull();
  });

  it('a save() in the handler that was refused sends no cookie at commit either', async () => {
    const s = setup();
    const cookie = await signIn(s);
    const slow = await s.request(cookie);
    const logout = await s.request(cookie);
    await logout.session.destroy();
    expect(await s.engine.commit(logout)).toMatch(/Max-Age=0/);
    data(slow).cart = ['late'];
    await slow.session.save();
    expect(await s.engine.commit(slow)).toBeUndefined();
  });

  it('a touch of a session destroyed meanwhile sends no cookie for the dead id and does not revive it', async () => {
    const s = setup(new MemoryStore(), 0);
    const cookie = await signIn(s);
    const slow = await s.request(cookie);
    const logout = await s.request(cookie);
    await logout.session.destroy();
    await s.engine.commit(logout);
    expect(await s.engine.commit(slow)).toBeUndefined();
    expect(s.commits().at(-1)).toBe('refused');
    expect(await s.store.get(slow.session.id)).toBeNull();
  });

  it('a request that loads the old session after a concurrent login replaced it sends no cookie', async () => {
    const s = setup();
    const anonymous = await signIn(s);
    const login = await s.request(anonymous);
    await login.session.regenerate();
    data(login).user = 'alice';
    await s.engine.commit(login);
    const late = await s.request(anonymous);
    expect(late.isNew).toBe(true);
    expect(await s.engine.commit(late)).toBeUndefined();
  });

  it('a request that finds its session idle-expired sends no cookie either (another may be logging in)', async () => {
    const store = new MemoryStore();
    const s = setup(store);
    const cookie = await signIn(s);
    const { id } = (await s.request(cookie)).session;
    const record = (await store.get(id))!;
    // Unused for two days by its meta (the idle ttl is one), while the store still holds it.
    record.meta.lastSeenAt = record.meta.createdAt = Date.now() / 1000 - 2 * 86_400;
    store.putRaw(id, JSON.stringify(record), 600);
    const expired = await s.request(cookie);
    expect(expired.isNew).toBe(true);
    expect(await s.engine.commit(expired)).toBeUndefined();
  });

  it('a cookie that fails verification is still cleared (no concurrent request can make it valid)', async () => {
    const s = setup();
    expect(await s.engine.commit(await s.request('sid=forged.value'))).toMatch(/^sid=; Max-Age=0/);
  });

  it('a store that resolves touch() with nothing (the older contract) counts as touched', async () => {
    class VoidTouchStore extends MemoryStore {
      override async touch(id: string, lastSeenAt: number, ttl: number): Promise<boolean> {
        await super.touch(id, lastSeenAt, ttl);
        return undefined as unknown as boolean;
      }
    }
    const s = setup(new VoidTouchStore(), 0);
    const cookie = await signIn(s);
    const touched = await s.engine.commit(await s.request(cookie));
    expect(pair(touched)).toBe(cookie);
    expect(s.commits().at(-1)).toBe('touch');
  });
});
