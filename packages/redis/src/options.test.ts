import { afterEach, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { SessionConfigError } from '@podsafe/core';
import { RedisStore, type RedisStoreOptions } from './index.js';

// lazyConnect: nothing here opens a connection.
const lazy = { lazyConnect: true };
const opened: RedisStore[] = [];
afterEach(async () => {
  await Promise.all(opened.splice(0).map((store) => store.close()));
});

function construct(options: RedisStoreOptions): RedisStore {
  const store = new RedisStore(options);
  opened.push(store);
  return store;
}

describe('RedisStore options', () => {
  it('defaults: local Redis, prefix podsafe:sess:, 1 s commands, 2 s of silence, 5 s connects, no auto-pipelining, no retry budget', () => {
    const store = construct({ redisOptions: lazy });
    expect(store.prefix).toBe('podsafe:sess:');
    expect((store.client as Redis).options).toMatchObject({
      host: '127.0.0.1',
      port: 6379,
      commandTimeout: 1000,
      socketTimeout: 2000,
      connectTimeout: 5000,
      enableAutoPipelining: false,
      enableOfflineQueue: true,
      maxRetriesPerRequest: 0,
      autoResendUnfulfilledCommands: false,
    });
  });

  it('declares its per-call bound (capabilities.callTimeout, seconds), except with legacy, where a call may be two lookups', () => {
    expect(construct({ redisOptions: lazy }).capabilities.callTimeout).toBe(1);
    expect(construct({ redisOptions: lazy, timeout: 0.25 }).capabilities.callTimeout).toBe(0.25);
    const legacy = construct({ redisOptions: lazy, legacy: { format: 'connect-redis', mode: 'read' } });
    expect(legacy.capabilities.callTimeout).toBeUndefined();
    expect(legacy.capabilities.deltaWrites).toBe(true);
  });

  it('takes seconds and converts them to milliseconds for ioredis', () => {
    const store = construct({
      url: 'rediss://:pw@cache.example:6380/3',
      timeout: 0.25,
      socketTimeout: 0.5,
      connectTimeout: 2,
      redisOptions: lazy,
    });
    expect((store.client as Redis).options).toMatchObject({
      host: 'cache.example',
      port: 6380,
      db: 3,
      commandTimeout: 250,
      socketTimeout: 500,
      connectTimeout: 2000,
    });
  });

  it('reconnects with a backoff capped at maxReconnectDelay, and never gives up', () => {
    const store = construct({ maxReconnectDelay: 0.5, redisOptions: lazy });
    const retry = (store.client as Redis).options.retryStrategy!;
    const delays = Array.from({ length: 50 }, (_, i) => retry(i + 1));
    expect(delays.every((delay) => typeof delay === 'number')).toBe(true); // a non-number would stop reconnecting
    for (const delay of delays as number[]) {
      expect(delay).toBeGreaterThan(0);
      expect(delay).toBeLessThanOrEqual(500);
    }
    expect(Math.max(...(delays as number[]).slice(-10))).toBeGreaterThanOrEqual(250);
  });

  it.each<[string, RedisStoreOptions, RegExp]>([
    ['a timeout in milliseconds', { timeout: 1000 }, /seconds, not\s+milliseconds: for 1000 ms pass 1/],
    ['a negative timeout', { timeout: -1 }, /timeout must be a number of seconds greater than 0/],
    ['a negative timeout under its former name', { commandTimeout: -1 }, /commandTimeout must be a number of seconds greater than 0/],
    [
      'timeout and its former name commandTimeout',
      { timeout: 1, commandTimeout: 1 },
      /pass timeout or commandTimeout \(its former name\), not both/,
    ],
    [
      'a timeout that is a string',
      { connectTimeout: '5' as unknown as number },
      /connectTimeout must be a number of seconds greater than 0/,
    ],
    ['a zero reconnect delay', { maxReconnectDelay: 0 }, /maxReconnectDelay must be a number of seconds greater than 0/],
    ['an empty prefix', { prefix: '' }, /prefix must be a non-empty string/],
    ['an http URL', { url: 'http://redis:6379' }, /not a redis:\/\/ or rediss:\/\/ URL/],
    ['a URL that is not one', { url: 'redis-host:6379' }, /not a redis:\/\/ or rediss:\/\/ URL/],
    [
      'url and sentinels',
      { url: 'redis://x', redisOptions: { sentinels: [{ host: 's', port: 26379 }], name: 'm' } },
      /either url or redisOptions\.sentinels/,
    ],
    ['sentinels without a name', { redisOptions: { sentinels: [{ host: 's', port: 26379 }] } }, /name the master group/],
    ['an ioredis keyPrefix', { redisOptions: { keyPrefix: 'app:' } }, /Use the store's prefix option/],
    [
      'an ioredis commandTimeout',
      { redisOptions: { commandTimeout: 500 } },
      /store's timeout option \(in seconds\) instead of redisOptions\.commandTimeout/,
    ],
    ['an ioredis socketTimeout', { redisOptions: { socketTimeout: 2000 } }, /store's socketTimeout option \(in seconds\)/],
    ['a socket timeout in milliseconds', { socketTimeout: 2000 }, /socketTimeout is 2000 seconds.*pass 2\./],
    [
      'a typo in a legacy option',
      { legacy: { format: 'connect-redis', mode: 'read', prefx: 'old:' } } as RedisStoreOptions,
      /legacy: unknown option "prefx"\. Valid options: format, prefix, mode, ttl/,
    ],
    [
      'a typo in an option name',
      { commandTimeoutMs: 1 } as RedisStoreOptions,
      /unknown option "commandTimeoutMs"\. Valid options: url, client/,
    ],
    ['a client that is not ioredis', { client: {} as Redis }, /client must be an ioredis Redis or Cluster instance/],
  ])('refuses %s with a SessionConfigError that says what to do', (_label, options, message) => {
    let thrown: unknown;
    try {
      construct(options);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(SessionConfigError);
    expect(thrown).toMatchObject({ code: 'ERR_SESSION_CONFIG' });
    expect((thrown as Error).message).toMatch(/^RedisStore: /);
    expect((thrown as Error).message).toMatch(message);
  });

  it('still takes the former name commandTimeout (deprecated), with the same meaning as timeout', () => {
    const store = construct({ commandTimeout: 0.25, redisOptions: lazy });
    expect((store.client as Redis).options.commandTimeout).toBe(250);
  });

  it('refuses connection options next to a client, and a client with a keyPrefix', () => {
    const client = new Redis(lazy);
    const prefixed = new Redis({ ...lazy, keyPrefix: 'app:' });
    try {
      expect(() => construct({ client, url: 'redis://other:6379' })).toThrow(/url cannot be combined with client/);
      expect(() => construct({ client, redisOptions: {} })).toThrow(/redisOptions cannot be combined with client/);
      expect(() => construct({ client, socketTimeout: 2 })).toThrow(/socketTimeout cannot be combined with client/);
      expect(() => construct({ client: prefixed })).toThrow(/ioredis keyPrefix/);
      expect(construct({ client, timeout: 0.5 }).client).toBe(client);
    } finally {
      client.disconnect();
      prefixed.disconnect();
    }
  });

  it('checks the id before any Redis call: a malformed id never reaches the client', async () => {
    const store = construct({ redisOptions: lazy });
    await expect(store.get('../etc/passwd')).rejects.toMatchObject({ code: 'ERR_INVALID_SESSION_ID' });
    expect((store.client as Redis).status).toBe('wait');
  });
});
