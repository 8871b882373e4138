import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { SessionConfigError } from '@podsafe/core';
import { SessionEngine, type SessionContext } from '@podsafe/core/adapter';
import { JwtStore } from '@podsafe/jwt';
import { MemcachedStore } from '@podsafe/memcached';
import { RedisStore } from '@podsafe/redis';
import { describeUserIndex } from '@podsafe/testkit';

const run = `${process.pid}-${Date.now().toString(36)}`;
const revocationPrefix = `podsafe:test:${run}:jwt-revoked:`;

describeUserIndex(
  'JwtStore with a RedisStore revocation store',
  () => new JwtStore({ secret: randomBytes(32), revocation: new RedisStore({ url: inject('redisUrl'), prefix: revocationPrefix }) }),
  {
    anotherPod: () =>
      new JwtStore({ secret: randomBytes(32), revocation: new RedisStore({ url: inject('redisUrl'), prefix: revocationPrefix }) }),
  },
);

describe('sessions per user: JwtStore + RedisStore revocation, two pods', () => {
  const revocations: RedisStore[] = [];
  let podA: SessionEngine;
  let podB: SessionEngine;
  beforeAll(() => {
    const secret = randomBytes(32);
    const pod = () => {
      const revocation = new RedisStore({ url: inject('redisUrl'), prefix: `podsafe:test:${run}:jwt-engine:` });
      revocations.push(revocation);
      return new SessionEngine({ store: new JwtStore({ secret, revocation }), userKey: 'userId' });
    };
    podA = pod();
    podB = pod();
  });
  afterAll(async () => {
    await Promise.all(revocations.map((store) => store.close()));
  });

  async function request(engine: SessionEngine, cookie: string | undefined, handler: (context: SessionContext) => unknown) {
    const context = await engine.load({ cookieHeader: cookie, secure: false });
    const result = await handler(context);
    const set = await engine.commit(context);
    return { result, cookie: set === undefined ? cookie : set.includes('Max-Age=0') ? undefined : set.split(';')[0], context };
  }
  const signIn = (context: SessionContext) => {
    (context.session as unknown as Record<string, unknown>).userId = 'alice';
  };
  const whoami = (context: SessionContext) => (context.session as unknown as Record<string, unknown>).userId;

  it('signs out everywhere from pod B: every token from pod A is refused, also one a slower request mints afterwards', async () => {
    const laptop = (await request(podA, undefined, signIn)).cookie;
    const phone = (await request(podA, undefined, signIn)).cookie;
    expect(await podB.listUserSessions('alice')).toHaveLength(2);

    const slow = await podA.load({ cookieHeader: phone, secure: false });
    (slow.session as unknown as Record<string, unknown>).cart = ['book'];
    expect(await podB.destroyUserSessions('alice')).toBe(2);
    const minted = await podA.commit(slow);
    expect(minted).toMatch(/Max-Age=0/);

    expect((await request(podA, laptop, whoami)).result).toBeUndefined();
    expect((await request(podB, phone, whoami)).result).toBeUndefined();
    expect(await podA.listUserSessions('alice')).toEqual([]);
  });
});

describe('stores without a per-user index fail at startup, not at the first request', () => {
  it('MemcachedStore', async () => {
    const store = new MemcachedStore({ servers: inject('memcachedServers') });
    try {
      expect(store.capabilities.userIndex).toBeFalsy();
      expect(() => new SessionEngine({ store, secret: 'startup-check-secret-0123456789abcdef', userKey: 'userId' })).toThrow(
        SessionConfigError,
      );
      expect(() => new SessionEngine({ store, secret: 'startup-check-secret-0123456789abcdef', userKey: 'userId' })).toThrow(
        /MemcachedStore does not/,
      );
      // As a JWT revocation store it cannot keep the index either.
      expect(() => new SessionEngine({ store: new JwtStore({ secret: randomBytes(32), revocation: store }), userKey: 'userId' })).toThrow(
        /revocation store/,
      );
    } finally {
      await store.close();
    }
  });
});
