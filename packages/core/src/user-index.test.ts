import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { SessionEngine, type SessionContext } from './engine.js';
import { SessionConfigError } from './errors.js';
import { MemoryStore } from './memory-store.js';
import type { SessionOptions } from './options.js';
import type { SessionChange, SessionStore } from './types.js';
import type { UserIndexEntry } from './user-index-store.js';

/** A MemoryStore that records every call the engine makes, index calls included. */
class RecordingStore extends MemoryStore {
  calls: string[] = [];
  override async get(id: string) {
    this.calls.push('get');
    return super.get(id);
  }
  override async save(id: string, change: SessionChange, ttl: number) {
    this.calls.push('save');
    return super.save(id, change, ttl);
  }
  override async touch(id: string, lastSeenAt: number, ttl: number) {
    this.calls.push('touch');
    return super.touch(id, lastSeenAt, ttl);
  }
  override async destroy(id: string) {
    this.calls.push('destroy');
    return super.destroy(id);
  }
  override async indexUser(userId: string, entry: UserIndexEntry, expiresAt: number) {
    this.calls.push('indexUser');
    return super.indexUser(userId, entry, expiresAt);
  }
  override async unindexUser(userId: string, id: string) {
    this.calls.push('unindexUser');
    return super.unindexUser(userId, id);
  }
}

const SECRET = 'user-index-test-secret-0123456789abcdef';
type Data = Record<string, unknown>;
const data = (context: SessionContext) => context.session as unknown as Data;
const cookieOf = (setCookie: string | undefined) => setCookie?.split(';')[0];

let store: RecordingStore;
beforeEach(() => {
  vi.useFakeTimers({ toFake: ['Date'] });
  vi.setSystemTime(new Date('2026-01-01T00:00:00Z'));
  store = new RecordingStore();
});
afterEach(async () => {
  vi.useRealTimers();
  await store.close();
});
const advance = (seconds: number) => vi.setSystemTime(Date.now() + seconds * 1000);

function engine(options: Partial<SessionOptions> = {}) {
  return new SessionEngine({ store, secret: SECRET, userKey: 'userId', ...options });
}

/** A browser: keeps its cookie between requests, as one device would. */
function device(e: SessionEngine, userAgent = 'TestBrowser/1.0', ip = '192.0.2.1') {
  let cookie: string | undefined;
  return {
    get cookie() {
      return cookie;
    },
    async load() {
      return e.load({ cookieHeader: cookie, secure: false, userAgent, ip });
    },
    async commit(context: SessionContext) {
      const set = await e.commit(context);
      if (set !== undefined) cookie = set.includes('Max-Age=0') ? undefined : cookieOf(set);
    },
    async run<T>(handler: (context: SessionContext) => T | Promise<T>): Promise<T> {
      const context = await this.load();
      const result = await handler(context);
      await this.commit(context);
      return result;
    },
    async login(userId: string) {
      await this.run(async (context) => {
        await context.session.regenerate();
        data(context).userId = userId;
      });
    },
    async user() {
      return this.run((context) => data(context).userId);
    },
  };
}

describe('the per-user index, kept by the engine', () => {
  it("lists the user's sessions, most recently seen first, marks the current one, and shows handles, never ids", async () => {
    const e = engine();
    const laptop = device(e);
    const phone = device(e);
    await laptop.login('alice');
    advance(5);
    await phone.login('alice');
    await device(e).login('bob');

    const listed = await laptop.run((context) => context.session.listUserSessions());
    expect(listed).toHaveLength(2);
    expect(listed.map((s) => s.current)).toEqual([false, true]);
    expect(listed[0]!.lastSeenAt).toBeGreaterThan(listed[1]!.lastSeenAt);
    const laptopId = await laptop.run((context) => context.id);
    for (const session of listed) {
      expect(session.handle).toMatch(/^[A-Za-z0-9_-]{22}$/);
      expect(session.handle).not.toBe(laptopId);
      expect(laptop.cookie).not.toContain(session.handle);
      // Privacy by default: nothing about the device unless the app asks.
      expect(session).not.toHaveProperty('userAgent');
      expect(session).not.toHaveProperty('ip');
    }
    expect(await e.listUserSessions('alice')).toHaveLength(2);
    expect((await e.listUserSessions('alice')).every((s) => !s.current)).toBe(true);
    expect(await e.listUserSessions('nobody')).toEqual([]);
  });

  it('records the user agent and the address only when asked to', async () => {
    const e = engine({ recordUserAgent: true, recordIp: true });
    await device(e, 'Firefox/140', '198.51.100.4').login('alice');
    expect(await e.listUserSessions('alice')).toEqual([expect.objectContaining({ userAgent: 'Firefox/140', ip: '198.51.100.4' })]);
    const agentOnly = engine({ recordUserAgent: true });
    await device(agentOnly, 'Safari/18').login('bob');
    const [bob] = await agentOnly.listUserSessions('bob');
    expect(bob).toMatchObject({ userAgent: 'Safari/18' });
    expect(bob).not.toHaveProperty('ip');
  });

  it('follows logout, regenerate and a change of user, and costs nothing for a request that changes nothing', async () => {
    const e = engine();
    const laptop = device(e);
    await laptop.login('alice');
    expect(await e.listUserSessions('alice')).toHaveLength(1);

    store.calls = [];
    await laptop.run((context) => context.session.id);
    expect(store.calls).toEqual(['get']);

    // Switching user in place moves the session from one index to the other.
    await laptop.run((context) => {
      data(context).userId = 'carol';
    });
    expect(await e.listUserSessions('alice')).toEqual([]);
    expect(await e.listUserSessions('carol')).toHaveLength(1);

    await laptop.login('dave');
    expect(await e.listUserSessions('carol')).toEqual([]);
    expect(await e.listUserSessions('dave')).toHaveLength(1);

    store.calls = [];
    await laptop.run((context) => context.session.destroy());
    expect(store.calls).toEqual(['get', 'destroy', 'unindexUser']);
    expect(await e.listUserSessions('dave')).toEqual([]);

    await laptop.login('erin');
    await laptop.run((context) => {
      delete data(context).userId;
    });
    expect(await e.listUserSessions('erin')).toEqual([]);
  });

  it('keeps the index entry alive as long as the session: touches refresh it, expiry drops both', async () => {
    const e = engine({ ttl: 100, touchAfter: 10 });
    const laptop = device(e);
    await laptop.login('alice');
    for (let i = 0; i < 5; i++) {
      advance(60);
      expect(await laptop.user()).toBe('alice');
    }
    expect(await e.listUserSessions('alice')).toHaveLength(1);
    advance(101);
    expect(await e.listUserSessions('alice')).toEqual([]);
    expect(await laptop.user()).toBeUndefined();
  });

  it('signs out everywhere else, and everywhere', async () => {
    const e = engine();
    const laptop = device(e);
    const phone = device(e);
    const tablet = device(e);
    const bobs = device(e);
    await laptop.login('alice');
    await phone.login('alice');
    await tablet.login('alice');
    await bobs.login('bob');

    expect(await laptop.run((context) => context.session.destroyUserSessions({ keepCurrent: true }))).toBe(2);
    expect(await phone.user()).toBeUndefined();
    expect(await tablet.user()).toBeUndefined();
    expect(await laptop.user()).toBe('alice');
    expect(await bobs.user()).toBe('bob');
    expect((await e.listUserSessions('alice')).map((s) => s.current)).toEqual([false]);

    await phone.login('alice');
    expect(await laptop.run((context) => context.session.destroyUserSessions())).toBe(2);
    expect(laptop.cookie).toBeUndefined();
    expect(await laptop.user()).toBeUndefined();
    expect(await phone.user()).toBeUndefined();
    expect(await e.listUserSessions('alice')).toEqual([]);

    // After the sign-out, a new login works as always.
    await phone.login('alice');
    expect(await phone.user()).toBe('alice');
    expect(await bobs.user()).toBe('bob');
  });

  it('signs out one device by its handle, from the session or from outside a request', async () => {
    const e = engine();
    const laptop = device(e);
    const phone = device(e);
    const tablet = device(e);
    await laptop.login('alice');
    advance(1);
    await phone.login('alice');
    advance(1);
    await tablet.login('alice');

    const [tabletSession, phoneSession] = await e.listUserSessions('alice');
    expect(await laptop.run((context) => context.session.destroyUserSession(phoneSession!.handle))).toBe(true);
    expect(await phone.user()).toBeUndefined();
    expect(await laptop.run((context) => context.session.destroyUserSession(phoneSession!.handle))).toBe(false);
    expect(await laptop.run((context) => context.session.destroyUserSession('not-a-handle'))).toBe(false);
    // Bob cannot sign out Alice's devices with a handle he saw somewhere.
    const bobs = device(e);
    await bobs.login('bob');
    expect(await bobs.run((context) => context.session.destroyUserSession(tabletSession!.handle))).toBe(false);
    expect(await tablet.user()).toBe('alice');

    expect(await e.destroyUserSession('alice', tabletSession!.handle)).toBe(true);
    expect(await tablet.user()).toBeUndefined();
    const [own] = await laptop.run((context) => context.session.listUserSessions());
    expect(own!.current).toBe(true);
    expect(await laptop.run((context) => context.session.destroyUserSession(own!.handle))).toBe(true);
    expect(laptop.cookie).toBeUndefined();
    expect(await e.listUserSessions('alice')).toEqual([]);
  });

  it('signs a user out everywhere from outside a request (password reset)', async () => {
    const e = engine();
    const laptop = device(e);
    await laptop.login('alice');
    await device(e).login('alice');
    await device(e).login('bob');
    expect(await e.destroyUserSessions('alice')).toBe(2);
    expect(await laptop.user()).toBeUndefined();
    expect(await e.listUserSessions('bob')).toHaveLength(1);
  });

  it('a slower request that loaded before "sign out everywhere" cannot bring its session back', async () => {
    const e = engine();
    const phone = device(e);
    await phone.login('alice');
    const slow = await phone.load();
    data(slow).cart = ['book'];
    await e.destroyUserSessions('alice');
    await phone.commit(slow);
    expect(slow.destroyed).toBe(true);
    expect(await phone.user()).toBeUndefined();
    expect(await e.listUserSessions('alice')).toEqual([]);
  });

  it('a login that began before "sign out everywhere" and commits after it is signed out too', async () => {
    const e = engine();
    const other = device(e);
    const login = await other.load();
    await login.session.regenerate();
    data(login).userId = 'alice';
    advance(0.5);
    await e.destroyUserSessions('alice');
    await other.commit(login);
    expect(other.cookie).toBeUndefined();
    expect(await other.user()).toBeUndefined();
    expect(await e.listUserSessions('alice')).toEqual([]);
    expect(await store.count()).toBe(0);
  });

  it('an entry whose session is gone is pruned when listed', async () => {
    const e = engine();
    const laptop = device(e);
    await laptop.login('alice');
    const id = await laptop.run((context) => context.id);
    await store.destroy(id);
    expect(await e.listUserSessions('alice')).toEqual([]);
    expect(await store.listByUser('alice', 10)).toEqual([]);
  });

  it('anonymous sessions never touch the index', async () => {
    const e = engine();
    const visitor = device(e);
    store.calls = [];
    await visitor.run((context) => {
      data(context).views = 1;
    });
    await visitor.run((context) => context.session.destroy());
    expect(store.calls).toEqual(['save', 'get', 'destroy']);
    expect(await visitor.run((context) => context.session.listUserSessions())).toEqual([]);
    expect(await visitor.run((context) => context.session.destroyUserSessions())).toBe(0);
  });
});

describe('per-user index options', () => {
  it('fail at startup for a store without the capability, with what to use instead', () => {
    const bare = new MemoryStore();
    const limited: SessionStore = {
      kind: 'server',
      capabilities: { deltaWrites: true },
      get: (id) => bare.get(id),
      save: (id, change, ttl) => bare.save(id, change, ttl),
      touch: (id, at, ttl) => bare.touch(id, at, ttl),
      destroy: (id) => bare.destroy(id),
      close: () => bare.close(),
    };
    expect(() => new SessionEngine({ store: limited, secret: SECRET, userKey: 'userId' })).toThrow(SessionConfigError);
    expect(() => new SessionEngine({ store: limited, secret: SECRET, userKey: 'userId' })).toThrow(/RedisStore/);
    expect(() => new SessionEngine({ store: limited, secret: SECRET })).not.toThrow();
  });

  it("refuse a userKey that is empty or one of the session's own members, and stray index options", () => {
    expect(() => engine({ userKey: '' })).toThrow(SessionConfigError);
    expect(() => engine({ userKey: 'destroy' })).toThrow(/own members/);
    expect(() => engine({ userSessionsLimit: 0 })).toThrow(/1 to 1000/);
    expect(() => new SessionEngine({ store, secret: SECRET, recordIp: true })).toThrow(/set userKey too/);
  });

  it('say to set userKey when the API is used without it', async () => {
    const e = new SessionEngine({ store, secret: SECRET });
    const context = await e.load({ cookieHeader: undefined, secure: false });
    await expect(context.session.listUserSessions()).rejects.toThrow(/userKey/);
    await expect(e.destroyUserSessions('alice')).rejects.toBeInstanceOf(SessionConfigError);
    await expect(e.listUserSessions('alice')).rejects.toThrow(/userKey/);
  });

  it('make the API names reserved: data cannot shadow them', async () => {
    const e = engine();
    const context = await e.load({ cookieHeader: undefined, secure: false });
    expect(Object.keys(context.session)).toEqual([]);
    expect(typeof context.session.listUserSessions).toBe('function');
  });
});
