import { describe, expectTypeOf, it } from 'vitest';
import type { Request } from 'express';
import { session, type SessionMiddleware } from '@podsafe/express';
import { MemoryStore } from '@podsafe/core';

declare module '@podsafe/core' {
  interface SessionData {
    userId?: string;
    views?: number;
  }
}

describe('@podsafe/express types', () => {
  it('req.session has typed data and the session methods', () => {
    expectTypeOf<Request['session']['id']>().toEqualTypeOf<string>();
    expectTypeOf<Request['session']['userId']>().toEqualTypeOf<string | undefined>();
    expectTypeOf<Request['session']['views']>().toEqualTypeOf<number | undefined>();
    expectTypeOf<Request['session']['regenerate']>().returns.toEqualTypeOf<Promise<void>>();
    expectTypeOf<Request['session']['destroy']>().returns.toEqualTypeOf<Promise<void>>();
    expectTypeOf<Request['session']['save']>().returns.toEqualTypeOf<Promise<void>>();
    expectTypeOf<Request['sessionID']>().toEqualTypeOf<string>();
    expectTypeOf<Request['session']['cookie']['maxAge']>().toEqualTypeOf<number | null>();
    expectTypeOf<Request['session']['setLifetime']>().parameter(0).toEqualTypeOf<{ ttl?: number; persistent?: boolean }>();
  });

  it('session() takes the core options and returns a middleware', () => {
    expectTypeOf(session({ store: new MemoryStore(), secret: 'x'.repeat(32) })).toEqualTypeOf<SessionMiddleware>();
    // @ts-expect-error secret must be a string, bytes, or a list of them
    session({ store: new MemoryStore(), secret: 42 });
    // @ts-expect-error sameSite is 'lax' | 'strict' | 'none'
    session({ store: new MemoryStore(), secret: 'x'.repeat(32), cookie: { sameSite: 'loose' } });
  });
});
