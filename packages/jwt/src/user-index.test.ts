import { randomBytes } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { MemoryStore, SessionConfigError } from '@podsafe/core';
import { SessionEngine, type SessionContext } from '@podsafe/core/adapter';
import { describeUserIndex } from '@podsafe/testkit';
import { JwtStore } from './jwt-store.js';

describeUserIndex(
  'JwtStore with a MemoryStore revocation store',
  () => new JwtStore({ secret: randomBytes(32), revocation: new MemoryStore() }),
);

type Data = Record<string, unknown>;
const data = (context: SessionContext) => context.session as unknown as Data;

describe('sessions per user with JwtStore and its revocation store', () => {
  beforeEach(() => {
    // jose and the engine both read Date: fake it to move through touchAfter without waiting.
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(new Date('2026-01-01T00:00:00Z'));
  });
  afterEach(() => {
    vi.useRealTimers();
  });
  const advance = (seconds: number) => vi.setSystemTime(Date.now() + seconds * 1000);

  function setup() {
    const revocation = new MemoryStore();
    const secret = randomBytes(32);
    // Two pods: same keys, same revocation store, separate token caches.
    const podA = new SessionEngine({ store: new JwtStore({ secret, revocation }), userKey: 'userId', touchAfter: 60 });
    const podB = new SessionEngine({ store: new JwtStore({ secret, revocation }), userKey: 'userId', touchAfter: 60 });
    return { revocation, podA, podB };
  }

  /** A browser holding its token cookie. */
  function device(engine: SessionEngine) {
    const jar = { cookie: undefined as string | undefined };
    const load = () => engine.load({ cookieHeader: jar.cookie, secure: false });
    const commit = async (context: SessionContext, on = engine) => {
      const set = await on.commit(context);
      if (set !== undefined) jar.cookie = set.includes('Max-Age=0') ? undefined : set.split(';')[0];
    };
    const run = async <T>(handler: (context: SessionContext) => T | Promise<T>, on = engine) => {
      const context = await on.load({ cookieHeader: jar.cookie, secure: false });
      const result = await handler(context);
      await commit(context, on);
      return result;
    };
    return {
      jar,
      load,
      commit,
      run,
      login: (userId: string) =>
        run(async (context) => {
          await context.session.regenerate();
          data(context).userId = userId;
        }),
      user: (on = engine) => run((context) => data(context).userId, on),
    };
  }

  it('lists the tokens a user holds, and signs out everywhere else: the other tokens are refused on every pod', async () => {
    const { podA, podB } = setup();
    const laptop = device(podA);
    const phone = device(podA);
    await laptop.login('alice');
    await phone.login('alice');
    const stolen = phone.jar.cookie;

    const listed = await laptop.run((context) => context.session.listUserSessions(), podB);
    expect(listed.map((s) => s.current).sort()).toEqual([false, true]);
    expect(await laptop.run((context) => context.session.destroyUserSessions({ keepCurrent: true }), podB)).toBe(1);

    expect(await phone.user(podA)).toBeUndefined();
    phone.jar.cookie = stolen;
    expect(await phone.user(podB)).toBeUndefined();
    expect(await laptop.user(podA)).toBe('alice');
    expect(await podA.listUserSessions('alice')).toHaveLength(1);
  });

  it('a token minted by a slower request that loaded before the sign-out dies with the rest', async () => {
    const { podA, podB } = setup();
    const phone = device(podA);
    await phone.login('alice');
    const slow = await phone.load();
    data(slow).cart = ['book'];
    advance(1);
    expect(await podB.destroyUserSessions('alice')).toBe(1);
    await phone.commit(slow);
    expect(slow.destroyed).toBe(true);
    expect(phone.jar.cookie).toBeUndefined();
  });

  it('a login that began before the sign-out and mints after it gets no token', async () => {
    const { podA, podB } = setup();
    const tablet = device(podA);
    const login = await tablet.load();
    await login.session.regenerate();
    data(login).userId = 'alice';
    advance(0.5);
    await podB.destroyUserSessions('alice');
    await tablet.commit(login);
    expect(tablet.jar.cookie).toBeUndefined();
    expect(await podA.listUserSessions('alice')).toEqual([]);

    // A login after the sign-out is a login like any other.
    advance(0.5);
    await tablet.login('alice');
    expect(await tablet.user(podB)).toBe('alice');
  });

  it('signs out one device by handle; its token is refused though it has not expired', async () => {
    const { podA, podB } = setup();
    const laptop = device(podA);
    const phone = device(podA);
    await laptop.login('alice');
    advance(1);
    await phone.login('alice');
    const [phoneSession] = await podB.listUserSessions('alice');
    expect(await laptop.run((context) => context.session.destroyUserSession(phoneSession!.handle), podB)).toBe(true);
    expect(await phone.user(podA)).toBeUndefined();
    expect(await laptop.user(podA)).toBe('alice');
    expect(await podA.listUserSessions('alice')).toHaveLength(1);
  });

  it('logout and expiry leave the index', async () => {
    const { podA } = setup();
    const laptop = device(podA);
    await laptop.login('alice');
    await laptop.run((context) => context.session.destroy());
    expect(await podA.listUserSessions('alice')).toEqual([]);
    await laptop.login('alice');
    advance(86_401);
    expect(await podA.listUserSessions('alice')).toEqual([]);
  });

  it('fails at startup without a revocation store, or with one that cannot keep the index, saying what to pass', () => {
    expect(() => new SessionEngine({ store: new JwtStore({ secret: randomBytes(32) }), userKey: 'userId' })).toThrow(SessionConfigError);
    expect(() => new SessionEngine({ store: new JwtStore({ secret: randomBytes(32) }), userKey: 'userId' })).toThrow(
      /revocation: new RedisStore/,
    );
    const plain = new MemoryStore();
    const withoutIndex = Object.assign(Object.create(plain) as MemoryStore, { capabilities: { deltaWrites: true } });
    expect(
      () => new SessionEngine({ store: new JwtStore({ secret: randomBytes(32), revocation: withoutIndex }), userKey: 'userId' }),
    ).toThrow(/revocation store/);
    expect(new JwtStore({ secret: randomBytes(32), revocation: plain }).capabilities.userIndex).toBe(true);
  });
});
