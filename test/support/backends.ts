import { inject } from 'vitest';
import { MemoryStore, type AnySessionStore, type SessionOptions } from '@podsafe/core';
import { startMemcached, startRedis, type ServerProcess } from './servers.js';

/** Secrets of 32+ bytes; A is the one in use, B the one rotated in. */
export const SECRET_A = 'test-secret-A-0123456789abcdef0123456789';
export const SECRET_B = 'test-secret-B-0123456789abcdef0123456789';

/** A backend that can be stopped and started again, for outage tests. */
export interface StoppableBackend {
  options(): Promise<SessionOptions>;
  stop(): Promise<void>;
  start(): Promise<void>;
  close(): Promise<void>;
}

/**
 * A session backend under test. Every `options()` call makes a new store
 * instance (its own connections), as another pod would; all of them share
 * sessions, as pods sharing one Redis do.
 */
export interface Backend {
  readonly name: string;
  /** Concurrent saves of different keys both persist. */
  readonly deltaWrites: boolean;
  /** The session travels in the cookie itself, so its size is bounded by the browser's cookie limit. */
  readonly cookieCarried?: boolean;
  /** Session options for one app instance; `secrets` newest first. */
  options(secrets?: string[]): Promise<SessionOptions>;
  /** Overwrites the stored session `id` with data that is not a session. Server-side stores only. */
  corrupt?(id: string): Promise<void>;
  /** A private server that the test may stop. */
  stoppable?(): Promise<StoppableBackend>;
  /** Closes every store this backend made. */
  close(): Promise<void>;
}

const prefix = () => `test:${Math.random().toString(36).slice(2)}:`;

function tracking() {
  const stores: AnySessionStore[] = [];
  return {
    track<S extends AnySessionStore>(store: S): S {
      stores.push(store);
      return store;
    },
    async closeAll() {
      await Promise.allSettled(stores.splice(0).map((s) => s.close()));
    },
  };
}

/**
 * A private server the test may stop, and session options on it. `makeOptions`
 * gets `track` so the stores it makes are closed with the server.
 */
function stoppableOn(
  server: ServerProcess,
  makeOptions: (track: <S extends AnySessionStore>(store: S) => S) => Promise<SessionOptions>,
): StoppableBackend {
  const own = tracking();
  return {
    options: () => makeOptions((store) => own.track(store)),
    stop: () => server.stop('SIGKILL'),
    start: async () => void (await server.start()),
    close: async () => {
      await own.closeAll();
      await server.stop();
    },
  };
}

export function memoryBackend(): Backend {
  const store = new MemoryStore();
  return {
    name: 'memory',
    deltaWrites: true,
    async options(secrets = [SECRET_A]) {
      return { store, secret: secrets };
    },
    async corrupt(id) {
      store.putRaw(id, 'not json at all', 600);
    },
    close: () => store.close(),
  };
}

export function redisBackend(): Backend {
  const stores = tracking();
  const keyPrefix = prefix();
  return {
    name: 'redis',
    deltaWrites: true,
    async options(secrets = [SECRET_A]) {
      const { RedisStore } = await import('@podsafe/redis');
      return { store: stores.track(new RedisStore({ url: inject('redisUrl'), prefix: keyPrefix })), secret: secrets };
    },
    async corrupt(id) {
      const { Redis } = await import('ioredis');
      const client = new Redis(inject('redisUrl'));
      await client.del(keyPrefix + id);
      await client.set(keyPrefix + id, 'garbage that is not a hash');
      await client.quit();
    },
    async stoppable() {
      const server = await startRedis();
      const { RedisStore } = await import('@podsafe/redis');
      return stoppableOn(server, async (track) => ({
        store: track(new RedisStore({ url: server.url, prefix: keyPrefix })),
        secret: [SECRET_A],
        storeTimeout: 1.5,
      }));
    },
    close: () => stores.closeAll(),
  };
}

export function memcachedBackend(): Backend {
  const stores = tracking();
  const keyPrefix = prefix();
  return {
    name: 'memcached',
    // memjs has no CAS: whole-record writes, last writer wins.
    deltaWrites: false,
    async options(secrets = [SECRET_A]) {
      const { MemcachedStore } = await import('@podsafe/memcached');
      return { store: stores.track(new MemcachedStore({ servers: inject('memcachedServers'), prefix: keyPrefix })), secret: secrets };
    },
    async corrupt(id) {
      const { Client } = await import('memjs');
      const client = Client.create(inject('memcachedServers'), { logger: { log: () => undefined } });
      await client.set(keyPrefix + id, 'garbage that is not a session', { expires: 600 });
      client.close();
    },
    async stoppable() {
      const server = await startMemcached();
      const { MemcachedStore } = await import('@podsafe/memcached');
      return stoppableOn(server, async (track) => ({
        store: track(new MemcachedStore({ servers: server.address, prefix: keyPrefix })),
        secret: [SECRET_A],
        storeTimeout: 1.5,
      }));
    },
    close: () => stores.closeAll(),
  };
}

/**
 * Sessions in signed JWT cookies. Logout revokes through a revocation store
 * shared by every instance (as pods would share a Redis); the stoppable
 * variant keeps that list in a Redis the test can stop.
 */
export function jwtBackend(): Backend {
  const revocation = new MemoryStore();
  return {
    name: 'jwt',
    deltaWrites: false,
    cookieCarried: true,
    async options(secrets = [SECRET_A]) {
      const { JwtStore } = await import('@podsafe/jwt');
      return { store: new JwtStore({ secret: secrets, revocation }) };
    },
    async stoppable() {
      const server = await startRedis();
      const [{ JwtStore }, { RedisStore }] = await Promise.all([import('@podsafe/jwt'), import('@podsafe/redis')]);
      return stoppableOn(server, async (track) => ({
        store: new JwtStore({ secret: [SECRET_A], revocation: track(new RedisStore({ url: server.url, prefix: prefix() })) }),
        storeTimeout: 1.5,
      }));
    },
    close: () => revocation.close(),
  };
}

/** Every backend the adapter suites run on. */
export const BACKENDS: Array<() => Backend> = [memoryBackend, redisBackend, memcachedBackend, jwtBackend];
