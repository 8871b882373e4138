import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { SessionEngine, type SessionContext } from './engine.js';
import type { SessionEvent } from './events.js';
import { MemoryStore } from './memory-store.js';
import type { SessionOptions } from './options.js';
import type { SessionChange, SessionRecord, SessionStore } from './types.js';

/** A MemoryStore that counts what the engine asks of it. */
class CountingStore extends MemoryStore {
  calls: Array<{ op: string; change?: SessionChange; ttl?: number }> = [];
  override async get(id: string) {
    this.calls.push({ op: 'get' });
    return super.get(id);
  }
  override async save(id: string, change: SessionChange, ttl: number) {
    this.calls.push({ op: 'save', change, ttl });
    return super.save(id, change, ttl);
  }
  override async touch(id: string, lastSeenAt: number, ttl: number) {
    this.calls.push({ op: 'touch', ttl });
    return super.touch(id, lastSeenAt, ttl);
  }
  override async destroy(id: string) {
    this.calls.push({ op: 'destroy' });
    return super.destroy(id);
  }
  writes() {
    return this.calls.filter((c) => c.op !== 'get');
  }
}

const SECRET = 'engine-test-secret-0123456789abcdef';
const T0 = new Date('2026-01-01T00:00:00Z');
type Data = Record<string, unknown>;
const data = (context: SessionContext) => context.session as unknown as Data;
const cookieValue = (setCookie: string | undefined) => setCookie?.split(';')[0];

let store: CountingStore;
beforeEach(() => {
  vi.useFakeTimers({ toFake: ['Date'] });
  vi.setSystemTime(T0);
  store = new CountingStore();
});
afterEach(() => {
  vi.useRealTimers();
});
const advance = (seconds: number) => vi.setSystemTime(Date.now() + seconds * 1000);

function engine(options: Partial<SessionOptions> = {}) {
  return new SessionEngine({ store, secret: SECRET, ...options });
}

/** A request that carries `cookie` (a `name=value` pair), as a browser would send it. */
async function request(e: SessionEngine, cookie?: string, secure = false) {
  return e.load({ cookieHeader: cookie, secure });
}

async function createSession(e: SessionEngine, content: Data = { user: 'alice' }) {
  const context = await request(e);
  Object.assign(data(context), content);
  const cookie = cookieValue(await e.commit(context));
  store.calls = [];
  return { id: context.session.id, cookie: cookie! };
}

describe('load', () => {
  it('no cookie: a new, empty session without a store call', async () => {
    const context = await request(engine());
    expect(context.session.isNew).toBe(true);
    expect(store.calls).toEqual([]);
  });

  it('a cookie that fails verification never reaches the store', async () => {
    const e = engine();
    const { cookie } = await createSession(e);
    const forged = cookie.slice(0, -1) + (cookie.endsWith('A') ? 'B' : 'A');
    expect((await request(e, forged)).session.isNew).toBe(true);
    expect(store.calls).toEqual([]);
  });

  it('enforces the idle ttl from stored meta, even while the store still holds the session', async () => {
    const { cookie } = await createSession(engine({ ttl: 1000 }));
    advance(200);
    const strict = engine({ ttl: 100, touchAfter: 10 });
    expect((await request(strict, cookie)).session.isNew).toBe(true);
  });

  it('enforces maxLifetime however active the session is', async () => {
    const e = engine({ ttl: 100, touchAfter: 10, maxLifetime: 250 });
    const { cookie } = await createSession(e);
    for (let t = 0; t < 240; t += 60) {
      advance(60);
      const context = await request(e, cookie);
      expect(data(context).user).toBe('alice');
      await e.commit(context);
    }
    advance(20); // 260 s after creation
    expect(data(await request(e, cookie))).toEqual({});
  });

  it('reports the outcome of every load', async () => {
    const events: SessionEvent[] = [];
    const e = engine({ onEvent: (event) => events.push(event) });
    const { cookie } = await createSession(e);
    await request(e, cookie);
    await request(e, 'sid=garbage');
    const outcomes = events.filter((ev) => ev.type === 'load').map((ev) => (ev as { outcome: string }).outcome);
    expect(outcomes).toEqual(['none', 'found', 'invalid-cookie']);
  });

  it('a throwing onEvent hook does not break requests', async () => {
    const e = engine({
      onEvent: () => {
        throw new Error('metrics down');
      },
    });
    await expect(createSession(e)).resolves.toBeDefined();
  });
});

describe('commit', () => {
  it('an empty new session is neither stored nor given a cookie (saveUninitialized: false)', async () => {
    const e = engine();
    const context = await request(e);
    expect(await e.commit(context)).toBeUndefined();
    expect(store.writes()).toEqual([]);
  });

  it('saveUninitialized: true stores the empty session and sends its cookie', async () => {
    const e = engine({ saveUninitialized: true });
    const context = await request(e);
    expect(await e.commit(context)).toMatch(/^sid=/);
    expect(store.writes()).toHaveLength(1);
  });

  it('an unchanged session costs zero writes and no cookie', async () => {
    const e = engine();
    const { cookie } = await createSession(e);
    const context = await request(e, cookie);
    void data(context).user; // read only
    expect(await e.commit(context)).toBeUndefined();
    expect(store.writes()).toEqual([]);
  });

  it('writes only the keys that changed, and the keys that were removed', async () => {
    const e = engine();
    const { cookie } = await createSession(e, { user: 'alice', cart: [1], theme: 'dark', nested: { a: { b: 1 } } });
    const context = await request(e, cookie);
    data(context).theme = 'light';
    (data(context).nested as { a: { b: number } }).a.b = 2; // deep change, same object
    delete data(context).cart;
    await e.commit(context);
    const [write] = store.writes();
    expect(write?.op).toBe('save');
    expect(write?.change?.set).toEqual({ theme: 'light', nested: { a: { b: 2 } } });
    expect(write?.change?.unset).toEqual(['cart']);
    expect(write?.change?.isNew).toBe(false);
  });

  it('an update names the version it was loaded with (baseVersion); a new session has none', async () => {
    const e = engine();
    const { cookie } = await createSession(e);
    for (const expected of [1, 2]) {
      store.calls = [];
      const context = await request(e, cookie);
      data(context).n = expected;
      await e.commit(context);
      expect(store.writes()[0]?.change?.baseVersion).toBe(expected);
    }
    const fresh = await request(e);
    data(fresh).user = 'bob';
    store.calls = [];
    await e.commit(fresh);
    expect(store.writes()[0]?.change?.isNew).toBe(true);
    expect(store.writes()[0]?.change?.baseVersion).toBeUndefined();
  });

  it('re-assigning an equal value is not a change', async () => {
    const e = engine();
    const { cookie } = await createSession(e, { prefs: { a: 1 } });
    const context = await request(e, cookie);
    data(context).prefs = { a: 1 };
    await e.commit(context);
    expect(store.writes()).toEqual([]);
  });

  it('touches an unchanged session at most once per touchAfter, re-sending the cookie', async () => {
    const e = engine({ ttl: 1000, touchAfter: 100 });
    const { cookie } = await createSession(e);
    advance(50);
    expect(await e.commit(await request(e, cookie))).toBeUndefined();
    advance(60); // 110 s since the last write
    const touched = await e.commit(await request(e, cookie));
    expect(touched).toMatch(/Max-Age=1000/);
    expect(store.writes().map((w) => w.op)).toEqual(['touch']);
    advance(50);
    expect(await e.commit(await request(e, cookie))).toBeUndefined();
    expect(store.writes()).toHaveLength(1);
  });

  it('a touched session outlives its original ttl', async () => {
    const e = engine({ ttl: 100, touchAfter: 10 });
    const { cookie } = await createSession(e);
    for (let i = 0; i < 5; i++) {
      advance(60);
      await e.commit(await request(e, cookie));
    }
    expect(data(await request(e, cookie)).user).toBe('alice');
  });

  it('never extends a session past maxLifetime: the store ttl and cookie Max-Age shrink to what is left', async () => {
    const e = engine({ ttl: 1000, touchAfter: 10, maxLifetime: 1500 });
    const { cookie } = await createSession(e);
    advance(900);
    const context = await request(e, cookie);
    data(context).n = 1;
    const setCookie = await e.commit(context);
    expect(store.writes()[0]?.ttl).toBeCloseTo(600, 0);
    expect(setCookie).toMatch(/Max-Age=600/);
  });

  it('commits are idempotent: a second commit with nothing new writes nothing', async () => {
    const e = engine();
    const context = await request(e);
    data(context).a = 1;
    await context.session.save();
    expect(await e.commit(context)).toMatch(/^sid=/); // the cookie from save() is still handed over
    expect(await e.commit(context)).toBeUndefined();
    expect(store.writes()).toHaveLength(1);
  });

  it('refuses data JSON cannot carry, naming the key', async () => {
    const e = engine();
    const context = await request(e);
    data(context).count = 10n;
    await expect(e.commit(context)).rejects.toThrow(/"count" cannot be stored.*BigInt/s);
  });

  it('cookie attributes follow the options and the request scheme', async () => {
    const insecure = await request(engine());
    data(insecure).a = 1;
    expect(await engine().commit(insecure)).not.toMatch(/Secure/);
    const e = engine({ cookie: { persistent: false, domain: 'example.com', sameSite: 'strict' } });
    const https = await request(e, undefined, true);
    data(https).a = 1;
    const line = await e.commit(https);
    expect(line).toMatch(/Secure/);
    expect(line).toMatch(/Domain=example.com/);
    expect(line).toMatch(/SameSite=Strict/);
    expect(line).not.toMatch(/Max-Age/);
  });
});

// commitNow(): the adapters' synchronous first try. It must settle exactly the
// commits that need no store call, and hand every other one to commitCookies()
// with nothing lost or written twice.
describe('commitNow', () => {
  it('settles an unchanged read on the spot: no cookie, no store call', async () => {
    const e = engine();
    const { cookie } = await createSession(e);
    const context = await request(e, cookie);
    void data(context).user;
    expect(e.commitNow(context)).toEqual([]);
    expect(store.writes()).toEqual([]);
  });

  it('clears a tampered cookie on the spot, with no store call', async () => {
    const e = engine();
    const context = await request(e, 'sid=forged.value');
    const cookies = e.commitNow(context);
    expect(cookies).toHaveLength(1);
    expect(cookies?.[0]).toMatch(/^sid=; .*Max-Age=0/);
    expect(store.writes()).toEqual([]);
  });

  it('hands a change to commitCookies(), which writes it once, as decided', async () => {
    const e = engine();
    const { cookie } = await createSession(e);
    const context = await request(e, cookie);
    data(context).theme = 'dark';
    expect(e.commitNow(context)).toBeUndefined();
    expect(store.writes()).toEqual([]);
    await e.commitCookies(context);
    expect(store.writes().map((w) => [w.op, w.change?.set])).toEqual([['save', { theme: 'dark' }]]);
    expect(await e.commit(context)).toBeUndefined();
    expect(store.writes()).toHaveLength(1);
  });

  it('waits for work still queued (a save() in flight) instead of deciding beside it', async () => {
    const e = engine();
    const { cookie } = await createSession(e);
    const context = await request(e, cookie);
    data(context).theme = 'dark';
    const saving = context.session.save();
    expect(e.commitNow(context)).toBeUndefined();
    await saving;
    await e.commitCookies(context);
    expect(store.writes().map((w) => w.op)).toEqual(['save']);
  });

  it('leaves data JSON cannot carry to commitCookies(), which reports it', async () => {
    const e = engine();
    const context = await request(e);
    data(context).count = 10n;
    expect(e.commitNow(context)).toBeUndefined();
    await expect(e.commitCookies(context)).rejects.toThrow(/"count" cannot be stored/);
  });
});

describe('session methods', () => {
  it('id and methods cannot be overwritten by data', async () => {
    const context = await request(engine());
    expect(() => {
      (context.session as unknown as Data).id = 'x';
    }).toThrow(TypeError);
    expect(() => {
      (context.session as unknown as Data).save = 'x';
    }).toThrow(TypeError);
    expect(Object.keys(context.session)).toEqual([]);
  });

  it('regenerate gives a new id, destroys the old one, and drops data unless asked to keep it', async () => {
    const e = engine();
    const { id, cookie } = await createSession(e, { cart: ['book'] });
    const context = await request(e, cookie);
    await context.session.regenerate({ keepData: true });
    expect(context.session.id).not.toBe(id);
    expect(data(context)).toEqual({ cart: ['book'] });
    expect(await store.get(id)).toBeNull();
    await context.session.regenerate();
    expect(data(context)).toEqual({});
  });

  it('destroy deletes the session and clears the cookie; save() after it says what to do', async () => {
    const e = engine();
    const { id, cookie } = await createSession(e);
    const context = await request(e, cookie);
    await context.session.destroy();
    expect(await store.get(id)).toBeNull();
    expect(await e.commit(context)).toMatch(/^sid=; .*Max-Age=0/);
    await expect(context.session.save()).rejects.toThrow(/regenerate/);
  });

  it('a save refused because another request destroyed the session leaves it destroyed', async () => {
    const e = engine();
    const { id, cookie } = await createSession(e);
    const slow = await request(e, cookie);
    const logout = await request(e, cookie);
    await logout.session.destroy();
    await e.commit(logout);
    data(slow).cart = ['late'];
    expect(await e.commit(slow)).toBeUndefined();
    expect(await store.get(id)).toBeNull();
  });
});

describe('store failures', () => {
  const hanging: SessionStore = {
    capabilities: { deltaWrites: true },
    get: () => new Promise<SessionRecord | null>(() => undefined),
    save: () => new Promise<boolean>(() => undefined),
    touch: () => new Promise<void>(() => undefined),
    destroy: () => new Promise<void>(() => undefined),
    close: async () => undefined,
  };

  it('a store that does not answer fails the load with SessionStoreUnavailableError after storeTimeout', async () => {
    vi.useRealTimers();
    const e = new SessionEngine({ store: hanging, secret: SECRET, storeTimeout: 0.05, retryAfter: 7 });
    const cookie = `sid=${new (await import('./signing.js')).Keyring(SECRET).sign('a'.repeat(43))}`;
    const error = await e.load({ cookieHeader: cookie, secure: false }).catch((err: unknown) => err);
    expect(error).toMatchObject({ code: 'ERR_SESSION_STORE_UNAVAILABLE', statusCode: 503, headers: { 'Retry-After': '7' } });
    expect((error as Error).message).toMatch(/did not answer within 0.05 s.*Check that the store is running/s);
  });

  it('a store that throws is reported as unavailable, with the cause kept', async () => {
    const failing = Object.assign(new MemoryStore(), {
      get: async () => {
        throw new Error('ECONNREFUSED');
      },
    });
    const e = new SessionEngine({ store: failing, secret: SECRET });
    const cookie = `sid=${new (await import('./signing.js')).Keyring(SECRET).sign('a'.repeat(43))}`;
    const error = (await e.load({ cookieHeader: cookie, secure: false }).catch((err: unknown) => err)) as Error;
    expect(error).toMatchObject({ code: 'ERR_SESSION_STORE_UNAVAILABLE' });
    expect((error.cause as Error).message).toBe('ECONNREFUSED');
  });

  it('corrupt data from a store is a fresh session', async () => {
    const foreign: SessionStore = { ...hanging, get: async () => ({ data: 'x', meta: {} }) as unknown as SessionRecord };
    const e = new SessionEngine({ store: foreign, secret: SECRET });
    const cookie = `sid=${new (await import('./signing.js')).Keyring(SECRET).sign('a'.repeat(43))}`;
    const context = await e.load({ cookieHeader: cookie, secure: false });
    expect(context.session.isNew).toBe(true);
  });
});
