/**
 * Options of express-session, @fastify/session and the connect-* stores are
 * refused at startup with what to write instead, and no unknown option is
 * ignored anywhere: not by the adapters, not by any store.
 */
import { EventEmitter } from 'node:events';
import Fastify from 'fastify';
import { describe, expect, it } from 'vitest';
import { MemoryStore, SessionConfigError, type SessionOptions } from '@podsafe/core';
import { session } from '@podsafe/express';
import { ExpressSessionStore } from '@podsafe/express/express-session';
import { podsafe, FastifySessionStore } from '@podsafe/fastify';
import { JwtStore } from '@podsafe/jwt';
import { RedisStore } from '@podsafe/redis';
import { MemcachedStore } from '@podsafe/memcached';
import { SECRET_A } from '@podsafe/test-support/backends';

const base = () => ({ store: new MemoryStore(), secret: SECRET_A });
/** The options as an app migrating from another library would pass them (the types already refuse them). */
const foreign = (extra: Record<string, unknown>) => ({ ...base(), ...extra }) as unknown as SessionOptions;

function refusal(make: () => unknown): string {
  try {
    make();
  } catch (error) {
    expect(error).toBeInstanceOf(SessionConfigError);
    return (error as Error).message;
  }
  throw new Error('expected a SessionConfigError');
}

describe('express-session and @fastify/session options', () => {
  it.each([
    [{ cookie: { maxAge: 86_400_000 } }, /cookie\.maxAge: 86400000 \(ms\) -> ttl: 86400 \(seconds\)/],
    [{ name: 'connect.sid' }, /cookieName: "connect\.sid"/],
    [{ resave: false }, /never rewrites an unchanged session.*remove resave/],
    [{ rolling: true }, /touchAfter: 0 \(seconds\)/],
    [{ genid: () => 'x' }, /remove genid/],
    [{ idGenerator: () => 'x' }, /remove idGenerator/],
    [{ unset: 'destroy' }, /session\.destroy\(\)/],
    [{ proxy: true }, /trust proxy.*trustProxy/],
    [{ cookiePrefix: '__Host-' }, /cookieName: "__Host-sid"/],
    [{ expiry: 3600 }, /ttl: 3600/],
    [{ cookie: { expires: new Date() } }, /ttl \(seconds of idle life\)/],
    [{ cookie: { signed: true } }, /always signs/],
    [{ cookie: { sameSite: true } }, /sameSite: 'strict'/],
    [{ sesion: {} }, /unknown option "sesion".*Valid options: store, secret, cookieName, ttl/],
    [{ cookie: { secur: true } }, /unknown option "secur".*Valid options: secure, sameSite/],
  ])('refuses %o, saying what to write instead', (extra, message) => {
    expect(refusal(() => session(foreign(extra)))).toMatch(message);
  });

  it('refuses an express-session store (connect-redis...) and the drop-in wrapper, naming the podsafe store', () => {
    const connectRedisLike = Object.assign(new EventEmitter(), { get() {}, set() {}, destroy() {} });
    expect(refusal(() => session(foreign({ store: connectRedisLike })))).toMatch(/new RedisStore\(\{ client \}\)/);
    const dropIn = new ExpressSessionStore({ store: new MemoryStore() });
    expect(refusal(() => session(foreign({ store: dropIn })))).toMatch(/its \.store/);
  });

  it('the Fastify plugin refuses them at registration', async () => {
    const app = Fastify();
    await expect(app.register(podsafe, foreign({ cookie: { maxAge: 3_600_000 } }))).rejects.toThrow(/ttl: 3600 \(seconds\)/);
    const ok = Fastify();
    await expect(ok.register(podsafe, base())).resolves.toBeDefined();
    await ok.close();
  });
});

describe('store options', () => {
  it.each([
    [
      'RedisStore',
      () => new RedisStore({ url: 'redis://127.0.0.1:1', lazyConnect: true } as never),
      /RedisStore: unknown option "lazyConnect"/,
    ],
    [
      'RedisStore (connect-redis ttl)',
      () => new RedisStore({ url: 'redis://127.0.0.1:1', ttl: 60 } as never),
      /session option ttl \(seconds\)/,
    ],
    [
      'MemcachedStore (connect-memcached hosts)',
      () => new MemcachedStore({ hosts: ['127.0.0.1:1'] } as never),
      /servers: \["127\.0\.0\.1:1"\]/,
    ],
    [
      'JwtStore',
      () => new JwtStore({ secret: SECRET_A, expiresIn: '1h' } as never),
      /JwtStore: "expiresIn" is not a podsafe option.*ttl \(seconds\)/,
    ],
    [
      'JwtStore (typo)',
      () => new JwtStore({ secret: SECRET_A, issuerr: 'x' } as never),
      /unknown option "issuerr".*Valid options: secret, secrets, keys/,
    ],
    ['MemoryStore', () => new MemoryStore({ sweep: 1 } as never), /MemoryStore: unknown option "sweep"/],
    [
      'ExpressSessionStore',
      () => new ExpressSessionStore({ store: new MemoryStore(), client: {} } as never),
      /new RedisStore\(\{ client \}\)/,
    ],
    ['FastifySessionStore', () => new FastifySessionStore({ store: new MemoryStore(), prefx: 'x' } as never), /unknown option "prefx"/],
  ])('%s refuses unknown keys with a hint', (_name, make, message) => {
    expect(refusal(make)).toMatch(message);
  });
});
