import { optionParser, type OptionHint, type OptionParser } from '@podsafe/core/store';
import type { Cluster, Redis, RedisOptions } from 'ioredis';
import { resolveLegacyOptions, type LegacyOptions, type ResolvedLegacyOptions } from './legacy/legacy-options.js';

/**
 * Options of {@link RedisStore}. Every duration is in **seconds** (fractions
 * allowed: `0.5` is 500 ms), like everywhere else in podsafe's public API.
 *
 * Give either `client` (a connection you own) or the connection options
 * (`url`, `redisOptions`, `socketTimeout`, `connectTimeout`, `maxReconnectDelay`), not both.
 */
export interface RedisStoreOptions {
  /**
   * Where Redis is, as a `redis://` or `rediss://` (TLS) URL, optionally with
   * credentials and a database number: `redis://:secret@redis:6379/2`.
   * Leave it out when `redisOptions.sentinels` is set.
   * @default `'redis://127.0.0.1:6379'` (none with `redisOptions.sentinels`)
   */
  url?: string;
  /**
   * An ioredis `Redis` or `Cluster` instance to use instead of creating one. The store
   * never closes it (your code does), and uses it as configured: set ioredis's `commandTimeout`,
   * `maxRetriesPerRequest` and `enableAutoPipelining` on it yourself. It must not
   * have a `keyPrefix` (use {@link RedisStoreOptions.prefix}).
   * @default none (the store creates and closes its own client)
   */
  client?: Redis | Cluster;
  /**
   * Prefix of every key the store writes; one session is the hash `prefix + id`.
   * `clear()`, `ids()` and `count()` only ever see keys under it.
   * Use different prefixes for apps that share one Redis.
   * @default `'podsafe:sess:'`
   */
  prefix?: string;
  /**
   * Seconds one Redis round trip may take before the call rejects with
   * `SessionStoreUnavailableError`. Bounds every call, also on a `client` you pass in,
   * also while Redis is down (commands never wait longer than this). Keep it below the
   * engine's `storeTimeout`, so the error reported is this store's, which names Redis's address.
   * Same name and meaning as `MemcachedStore`'s `timeout`.
   * @default `1` second
   */
  timeout?: number;
  /**
   * Former name of {@link RedisStoreOptions.timeout}; give one of the two.
   * @deprecated Use `timeout` (same value, in seconds).
   * @default none (`timeout` applies)
   */
  commandTimeout?: number;
  /**
   * Seconds the connection may stay silent while commands wait for an answer before
   * the store declares it dead, destroys the socket and reconnects. This is what
   * notices a network that drops packets without a reset (a rescheduled Redis pod, a
   * partitioned node): the kernel alone would keep such a socket open for many
   * minutes, and every call would time out on it. Any reply from Redis counts as
   * life, so a busy but healthy Redis is never cut off. Refused with
   * `client`: set ioredis's `socketTimeout` (ms) on your client instead.
   * @default `2` seconds
   */
  socketTimeout?: number;
  /**
   * Seconds one attempt to open a connection (TCP, TLS, AUTH) may take before it is
   * abandoned and retried. Refused with `client`.
   * @default `5` seconds
   */
  connectTimeout?: number;
  /**
   * Upper bound, in seconds, of the wait between two reconnection attempts while Redis
   * is unreachable (the wait grows exponentially from 50 ms, with jitter, up to this).
   * The store retries forever, so it recovers by itself when Redis comes back.
   * Refused with `client`.
   * @default `2` seconds
   */
  maxReconnectDelay?: number;
  /**
   * Extra ioredis options for the client the store creates: `password`, `username`, `db`,
   * `tls`, and Sentinel (`sentinels`, `name`, `sentinelPassword`, ...). They override the
   * store's defaults (`enableAutoPipelining: false`, `maxRetriesPerRequest: 0`,
   * `enableOfflineQueue: true`, `autoResendUnfulfilledCommands: false`, a capped
   * reconnect backoff). Times here are ioredis's own (milliseconds); for the three
   * timeouts use the store's `timeout`, `socketTimeout` and `connectTimeout`
   * (seconds) instead. Refused with `client`.
   * @default `{}` (only the store's own ioredis settings)
   */
  redisOptions?: RedisOptions;
  /**
   * Also read the sessions an express-session + connect-redis app left in this Redis
   * (and, in `'dual'` mode, keep writing them in its format), so switching logs nobody
   * out. See the README's migration guide.
   * @default none (no legacy sessions read)
   */
  legacy?: LegacyOptions;
}

/** Options after validation, in the units the code uses. */
export interface ResolvedOptions {
  prefix: string;
  timeoutMs: number;
  socketTimeoutMs: number;
  connectTimeoutMs: number;
  maxReconnectDelayMs: number;
  url: string | undefined;
  redisOptions: RedisOptions;
  client: Redis | Cluster | undefined;
  legacy: ResolvedLegacyOptions | undefined;
}

export const DEFAULT_URL = 'redis://127.0.0.1:6379';
export const DEFAULT_PREFIX = 'podsafe:sess:';

const KNOWN = [
  'url',
  'client',
  'prefix',
  'timeout',
  'commandTimeout',
  'socketTimeout',
  'connectTimeout',
  'maxReconnectDelay',
  'redisOptions',
  'legacy',
];
const CONNECTION_ONLY = ['url', 'redisOptions', 'socketTimeout', 'connectTimeout', 'maxReconnectDelay'] as const;

/** connect-redis options, with what to write instead. */
const CONNECT_REDIS_OPTIONS: Readonly<Record<string, OptionHint>> = {
  ttl: () => "the session's life is the session option ttl (seconds), in session({ ttl }) or the Fastify plugin's options, not the store's",
  disableTouch: () => 'podsafe touches at most every touchAfter seconds (a session option): raise touchAfter instead',
  disableTTL: () => 'every podsafe session expires (a key without a TTL would live forever): remove disableTTL',
  serializer: () => 'RedisStore keeps one JSON hash field per top-level key: remove serializer',
  scanCount: () => 'RedisStore scans with its own batch size: remove scanCount',
};

const parse: OptionParser = optionParser('RedisStore');
const fail: (message: string) => never = parse.fail;

/** A duration in seconds (a value over `max` is probably milliseconds), as the milliseconds ioredis takes. */
function milliseconds(name: string, value: unknown, fallback: number, max: number): number {
  return Math.max(1, Math.round(parse.seconds(name, value, { default: fallback, max }) * 1000));
}

/** `timeout`, or its former name `commandTimeout`: one, not both. */
function timeoutOf(options: RedisStoreOptions): number {
  if (options.commandTimeout === undefined) return milliseconds('timeout', options.timeout, 1, 60);
  if (options.timeout !== undefined) fail('pass timeout or commandTimeout (its former name), not both: keep timeout.');
  return milliseconds('commandTimeout', options.commandTimeout, 1, 60);
}

function isIoredisClient(value: unknown): value is Redis | Cluster {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as { isCluster?: unknown }).isCluster === 'boolean' &&
    typeof (value as { hgetall?: unknown }).hgetall === 'function' &&
    typeof (value as { defineCommand?: unknown }).defineCommand === 'function'
  );
}

function keyPrefixOf(client: Redis | Cluster): unknown {
  return (client.options as { keyPrefix?: unknown }).keyPrefix;
}

/** Validates {@link RedisStoreOptions}; every failure is a `SessionConfigError` that says how to fix it. */
export function resolveOptions(options: RedisStoreOptions): ResolvedOptions {
  if (typeof options !== 'object' || options === null) fail('options must be an object, e.g. new RedisStore({ url }).');
  parse.rejectUnknown(options, KNOWN, CONNECT_REDIS_OPTIONS);

  const prefix = options.prefix ?? DEFAULT_PREFIX;
  if (typeof prefix !== 'string' || prefix.length === 0) {
    fail(
      `prefix must be a non-empty string (got ${JSON.stringify(prefix)}); without one clear() would reach every key. Default: "${DEFAULT_PREFIX}".`,
    );
  }

  const legacy = options.legacy === undefined ? undefined : resolveLegacyOptions(options.legacy, prefix);
  const timeoutMs = timeoutOf(options);
  const socketTimeoutMs = milliseconds('socketTimeout', options.socketTimeout, 2, 300);
  const connectTimeoutMs = milliseconds('connectTimeout', options.connectTimeout, 5, 300);
  const maxReconnectDelayMs = milliseconds('maxReconnectDelay', options.maxReconnectDelay, 2, 300);

  if (options.client !== undefined) {
    if (!isIoredisClient(options.client))
      fail('client must be an ioredis Redis or Cluster instance (new Redis(...) or new Cluster([...])).');
    const extra = CONNECTION_ONLY.filter((key) => options[key] !== undefined);
    if (extra.length > 0) {
      fail(
        `${extra.join(', ')} cannot be combined with client: a store given a client uses it as it is. ` +
          `Configure that client instead, or drop client and let the store create its own connection.`,
      );
    }
    if (keyPrefixOf(options.client)) {
      fail(
        "the client has an ioredis keyPrefix, which SCAN (ids, count, clear) does not apply. Remove keyPrefix from the client and pass it as the store's prefix option.",
      );
    }
    return {
      prefix,
      timeoutMs,
      socketTimeoutMs,
      connectTimeoutMs,
      maxReconnectDelayMs,
      url: undefined,
      redisOptions: {},
      client: options.client,
      legacy,
    };
  }

  const redisOptions = options.redisOptions ?? {};
  if (typeof redisOptions !== 'object' || redisOptions === null) fail('redisOptions must be an object of ioredis options.');
  if (redisOptions.keyPrefix)
    fail("redisOptions.keyPrefix is not supported (SCAN does not apply it). Use the store's prefix option instead.");
  for (const [name, ours] of [
    ['commandTimeout', 'timeout'],
    ['socketTimeout', 'socketTimeout'],
    ['connectTimeout', 'connectTimeout'],
  ] as const) {
    if (redisOptions[name] !== undefined) {
      fail(
        `set the store's ${ours} option (in seconds) instead of redisOptions.${name} (ioredis milliseconds), so one value bounds every call.`,
      );
    }
  }

  const sentinel = Array.isArray(redisOptions.sentinels) && redisOptions.sentinels.length > 0;
  let url = options.url;
  if (url !== undefined) {
    if (sentinel) {
      fail(
        'pass either url or redisOptions.sentinels, not both. With Sentinel, set the master group in redisOptions.name and credentials in redisOptions.password / redisOptions.sentinelPassword.',
      );
    }
    let parsed: URL | undefined;
    try {
      parsed = new URL(url);
    } catch {
      parsed = undefined;
    }
    if (!parsed || (parsed.protocol !== 'redis:' && parsed.protocol !== 'rediss:')) {
      fail(`url ${JSON.stringify(url)} is not a redis:// or rediss:// URL. Example: redis://:password@redis.default.svc:6379/0.`);
    }
  } else if (!sentinel) {
    url = DEFAULT_URL;
  }
  if (sentinel && typeof redisOptions.name !== 'string') {
    fail(
      'redisOptions.sentinels is set but redisOptions.name is not: name the master group the sentinels monitor (e.g. name: "mymaster").',
    );
  }
  return { prefix, timeoutMs, socketTimeoutMs, connectTimeoutMs, maxReconnectDelayMs, url, redisOptions, client: undefined, legacy };
}
