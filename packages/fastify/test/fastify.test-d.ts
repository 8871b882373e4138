/**
 * Types of @podsafe/fastify: request.session is core's Session (so SessionData
 * augmentation types it), the options are core's SessionOptions, and the
 * instance carries the engine.
 */
import Fastify, { type FastifyPluginAsync } from 'fastify';
import { describe, expectTypeOf, it } from 'vitest';
import { MemoryStore, type Session, type SessionOptions } from '@podsafe/core';
import type { SessionEngine } from '@podsafe/core/adapter';
import podsafeDefault, { FastifySessionStore, podsafe, type FastifyPodsafeOptions, type FastifySession } from '@podsafe/fastify';

declare module '@podsafe/core' {
  interface SessionData {
    userId?: string;
  }
}

const secret = 'a-secret-of-at-least-32-bytes-0123456789';

describe('@podsafe/fastify types', () => {
  it('types request.session as core Session plus the @fastify/session API, with augmented SessionData keys', () => {
    const app = Fastify();
    app.get('/', async (request) => {
      expectTypeOf(request.session).toEqualTypeOf<FastifySession>();
      expectTypeOf(request.session).toMatchTypeOf<Session>();
      expectTypeOf(request.session.get('userId')).toEqualTypeOf<string | undefined>();
      expectTypeOf(request.session.sessionId).toEqualTypeOf<string>();
      expectTypeOf(request.session.cookie.maxAge).toEqualTypeOf<number | null>();
      expectTypeOf(request.session.id).toEqualTypeOf<string>();
      expectTypeOf(request.session.isNew).toEqualTypeOf<boolean>();
      expectTypeOf(request.session.createdAt).toEqualTypeOf<number>();
      expectTypeOf(request.session.userId).toEqualTypeOf<string | undefined>();
      expectTypeOf(request.session.regenerate).returns.toEqualTypeOf<Promise<void>>();
      expectTypeOf(request.session.regenerate(['userId'])).toEqualTypeOf<Promise<void>>();
      expectTypeOf(request.session.regenerate({ keepData: true })).toEqualTypeOf<Promise<void>>();
      expectTypeOf(request.session.regenerate((error) => void error)).toEqualTypeOf<Promise<void>>();
      // @ts-expect-error set() keeps the declared type of a key
      request.session.set('userId', 42);
      expectTypeOf(request.session.destroy).returns.toEqualTypeOf<Promise<void>>();
      expectTypeOf(request.session.save).returns.toEqualTypeOf<Promise<void>>();
      request.session.userId = 'u1';
      // @ts-expect-error augmented keys keep their type
      request.session.userId = 42;
      // @ts-expect-error keys not declared in SessionData are not there
      request.session.notDeclared = true;
      // @ts-expect-error the session id is read-only
      request.session.id = 'x';
      return {};
    });
  });

  it('takes exactly core SessionOptions', () => {
    expectTypeOf<FastifyPodsafeOptions>().toEqualTypeOf<SessionOptions>();
    expectTypeOf(podsafe).toEqualTypeOf<FastifyPluginAsync<SessionOptions>>();
    expectTypeOf(podsafeDefault).toEqualTypeOf(podsafe);

    const app = Fastify();
    void app.register(podsafe, {
      store: new MemoryStore(),
      secret,
      ttl: 3600,
      maxLifetime: 86_400,
      touchAfter: 60,
      saveUninitialized: false,
      cookie: { sameSite: 'strict' },
    });
    void app.register(podsafe, { store: new MemoryStore(), secret: [secret, Buffer.from(secret)] });
    // @ts-expect-error a numeric secret is refused
    void app.register(podsafe, { store: new MemoryStore(), secret: 123 });
    // @ts-expect-error the store is required
    void app.register(podsafe, { secret });
    // @ts-expect-error times are numbers of seconds, not strings
    void app.register(podsafe, { store: new MemoryStore(), secret, ttl: '1d' });
    // @ts-expect-error cookie.sameSite is one of lax | strict | none
    void app.register(podsafe, { store: new MemoryStore(), secret, cookie: { sameSite: 'sometimes' } });
  });

  it('exposes the engine on the instance', () => {
    expectTypeOf(Fastify().podsafe).toEqualTypeOf<SessionEngine>();
  });

  it('FastifySessionStore takes a podsafe store and offers the @fastify/session callbacks', () => {
    const store = new FastifySessionStore({ store: new MemoryStore(), ttl: 600 });
    expectTypeOf(store.get).parameter(0).toEqualTypeOf<string>();
    expectTypeOf(store.set).returns.toEqualTypeOf<void>();
    // @ts-expect-error the store is required
    new FastifySessionStore({});
  });
});
