import { describe, expect, it } from 'vitest';
import { SessionConfigError } from '@podsafe/core';
import { RedisStore } from '../index.js';
import { legacyMeta, parseLegacy } from './connect-redis-format.js';

const make = (legacy: unknown, prefix?: string) => () =>
  new RedisStore({ url: 'redis://127.0.0.1:1', prefix, legacy: legacy as never, redisOptions: { lazyConnect: true } });

describe('RedisStore legacy option', () => {
  it('refuses what it cannot honour, saying how to fix it, before connecting', () => {
    expect(make({ format: 'connect-mongo', mode: 'read' })).toThrow(/format must be 'connect-redis'/);
    expect(make({ format: 'connect-redis', mode: 'both' })).toThrow(
      /mode must be 'dual' \(old and new pods running side by side\) or 'read'/,
    );
    expect(make({ format: 'connect-redis', mode: 'read', prefix: '' })).toThrow(/prefix must be the old app's connect-redis prefix/);
    expect(make({ format: 'connect-redis', mode: 'read', prefix: 'sess:' }, 'sess:podsafe:')).toThrow(/overlaps the store's prefix/);
    expect(make({ format: 'connect-redis', mode: 'read', ttl: 0 })).toThrow(SessionConfigError);
  });

  it('exposes the legacy sessions to the engine only when configured', async () => {
    const plain = make(undefined)();
    const legacy = make({ format: 'connect-redis', mode: 'dual' })();
    expect(plain.legacy).toBeUndefined();
    expect(legacy.legacy?.mode).toBe('dual');
    await Promise.all([plain.close(), legacy.close()]);
  });
});

describe("connect-redis's format", () => {
  it("splits express-session's JSON into data and cookie, and refuses what is not a JSON object", () => {
    const text = JSON.stringify({ cookie: { originalMaxAge: 1000, expires: null }, user: 'a', ['__proto__']: 'x' });
    const session = parseLegacy(text)!;
    expect(session.data).toEqual({ user: 'a', ['__proto__']: 'x' });
    expect(Object.getPrototypeOf(session.data)).toBe(Object.prototype);
    expect(session.whole).toHaveProperty('cookie');
    for (const corrupt of ['{', '[]', '"s"', 'null', '42']) expect(parseLegacy(corrupt)).toBeNull();
  });

  it('infers the last use from the TTL left, never in the future', () => {
    expect(legacyMeta(3_600_000, 86_400, 1_000_000)).toEqual({ createdAt: 1_000_000 - 82_800, lastSeenAt: 1_000_000 - 82_800, version: 1 });
    expect(legacyMeta(200_000_000, 86_400, 1_000_000).lastSeenAt).toBe(1_000_000);
    expect(legacyMeta(-1, 86_400, 1_000_000).lastSeenAt).toBe(1_000_000);
  });
});
