import { optionParser, type OptionHint, type OptionParser } from '@podsafe/core/store';
import type { Client } from 'memjs';
import { DEFAULT_VIRTUAL_NODES } from './hash-ring.js';
import { DEFAULT_PREFIX, assertPrefix } from './keys.js';
import { parseServers, type ServerAddress } from './servers.js';

/** Options of {@link MemcachedStore}. Every time is in seconds, every size in bytes. */
export interface MemcachedStoreOptions {
  /**
   * The memcached servers: `'host:port'`, several comma-separated
   * (`'cache-0.cache:11211,cache-1.cache:11211'`), or a list of them. Port
   * defaults to `11211`; IPv6 literals go in brackets (`'[fd00::5]:11211'`);
   * SASL credentials as `'user:password@host:port'` (never shown in error
   * messages). With several servers, each
   * session lives on one of them, chosen by consistent hashing on the server
   * names as written here: use stable names (a StatefulSet's pod DNS names).
   * Required unless `client` is given.
   * @default none (required without `client`)
   */
  servers?: string | readonly string[];
  /**
   * A memjs client to use instead of creating one. The store never closes it,
   * never changes its server selection (call `useConsistentHashing(client)`
   * for consistent hashing), and leaves its own timeouts and retries in charge
   * of each attempt; `timeout` still bounds every store call. Its serializer
   * must be memjs's default (bytes in, bytes out). Give `servers` or `client`,
   * not both; `retries`, `failover`, `failoverTime` and `virtualNodes` configure
   * the client the store creates, so they cannot be combined with `client`.
   * @default none (the store creates and closes its own client)
   */
  client?: Client;
  /**
   * Prefix of every key the store writes: a session is `prefix + id` (its
   * `lastSeenAt`, after a touch, is `prefix + id + ':seen'`). Printable ASCII
   * without spaces, at most 117 bytes so every key fits memcached's 250-byte
   * limit. Use different prefixes for apps sharing a memcached.
   * @default `'podsafe:sess:'`
   */
  prefix?: string;
  /**
   * Seconds one store call (`get`, `save`, `touch`, `destroy`, `ping`) may take,
   * retries included, before it rejects with `SessionStoreUnavailableError`.
   * Each attempt may spend up to `timeout / (retries + 1)` seconds connecting
   * and as long again waiting for the answer. Keep it below the engine's
   * `storeTimeout` so this store's error, which names the memcached server,
   * is the one reported. A call that reaches it while its server is still on
   * the connection the call went out on declares that connection dead (a
   * silent network: packets dropped, no reset): it is destroyed with what is
   * queued on it and reopened.
   * @default `1` second
   */
  timeout?: number;
  /**
   * How many times a failed attempt (refused or reset connection, timeout) is
   * retried, after 0.05 s, on a fresh connection, within `timeout`. One retry
   * rides out a connection that went stale when memcached restarted. From 0 to 10.
   * @default `1` retry
   */
  retries?: number;
  /**
   * `true`: when a server keeps failing, its sessions go to the next server
   * in the list for `failoverTime` seconds instead of failing with 503. Those
   * users are logged out (their session is on the failed server), and a logout
   * while their server is unreachable cannot delete the session there, so it
   * is valid again when the server comes back. `false`: a down server makes
   * its sessions' requests fail fast (503 with Retry-After) until it is back
   * or removed from `servers`.
   * @default `false`
   */
  failover?: boolean;
  /**
   * With `failover`, seconds a failed server is skipped before it is tried again.
   * @default `60` seconds
   */
  failoverTime?: number;
  /**
   * Largest session record (its JSON, in bytes) the store writes; a bigger one
   * rejects with `SessionTooLargeError` and nothing is written. Memcached's
   * default item limit is 1 MiB (`memcached -I 1m`) including the key and
   * item header, hence 512 bytes less by default. Lower it to match a
   * smaller `-I`; raise it only with a larger one.
   * @default `1048064` bytes (1 MiB - 512)
   */
  maxItemBytes?: number;
  /**
   * Points per server on the consistent-hashing ring: at the default, each
   * server gets within a few percent of its fair share of sessions.
   * @default `160` points
   */
  virtualNodes?: number;
}

/** Default {@link MemcachedStoreOptions.timeout}, in seconds. */
export const DEFAULT_TIMEOUT = 1;
/** Default {@link MemcachedStoreOptions.retries}. */
export const DEFAULT_RETRIES = 1;
/** Default {@link MemcachedStoreOptions.failoverTime}, in seconds. */
export const DEFAULT_FAILOVER_TIME = 60;
/** Memcached's default item size limit (`-I 1m`), in bytes. */
export const MEMCACHED_ITEM_LIMIT = 1024 * 1024;
/** Default {@link MemcachedStoreOptions.maxItemBytes}: room left for the key (up to 250 bytes) and the item header. */
export const DEFAULT_MAX_ITEM_BYTES = MEMCACHED_ITEM_LIMIT - 512;

/** Options after defaults and validation. */
export interface ResolvedOptions {
  servers: ServerAddress[] | undefined;
  client: Client | undefined;
  prefix: string;
  timeout: number;
  retries: number;
  failover: boolean;
  failoverTime: number;
  maxItemBytes: number;
  virtualNodes: number;
}

const KNOWN = ['servers', 'client', 'prefix', 'timeout', 'retries', 'failover', 'failoverTime', 'maxItemBytes', 'virtualNodes'];
/** Options that configure the client the store creates, meaningless with `client`. */
const OWN_CLIENT_ONLY = ['servers', 'retries', 'failover', 'failoverTime', 'virtualNodes'] as const;

/** connect-memcached options, with what to write instead. */
const CONNECT_MEMCACHED_OPTIONS: Readonly<Record<string, OptionHint>> = {
  hosts: (value) => `connect-memcached's hosts is servers here: servers: ${JSON.stringify(value)}`,
  ttl: () => "the session's life is the session option ttl (seconds), not the store's",
  secret: () => 'podsafe signs the session cookie with the session option secret; data in memcached is not encrypted: remove secret',
  algorithm: () => 'podsafe does not encrypt data in memcached: remove algorithm',
};

/** The checks of MemcachedStore's options (also used by `parseServers`). */
export const memcachedOptions: OptionParser = optionParser('MemcachedStore');
const parse: OptionParser = memcachedOptions;
const fail: (message: string) => never = parse.fail;

/** Whether `value` quacks like a memjs `Client` (duck-typed: another copy of memjs is fine too). */
function isMemjsClient(value: unknown): value is Client {
  if (typeof value !== 'object' || value === null) return false;
  const client = value as Record<string, unknown>;
  return (
    Array.isArray(client.servers) &&
    ['get', 'set', 'replace', 'delete', 'touch', 'stats', 'close'].every((method) => typeof client[method] === 'function')
  );
}

/** Whether the client's serializer hands bytes through untouched, as the store's JSON records need. */
function hasBytesSerializer(client: Client): boolean {
  const serializer = client.serializer;
  if (!serializer) return true;
  try {
    const extras = Buffer.alloc(8);
    const bytes = Buffer.from('{"probe":1}');
    const out = serializer.serialize(1, '{"probe":1}', extras);
    const back = serializer.deserialize(0, bytes, extras);
    return String(out.value) === '{"probe":1}' && Buffer.isBuffer(back.value) && back.value.equals(bytes);
  } catch {
    return false;
  }
}

/** Validates {@link MemcachedStoreOptions}; every failure is a `SessionConfigError` that says how to fix it. */
export function resolveOptions(options: MemcachedStoreOptions): ResolvedOptions {
  if (typeof options !== 'object' || options === null) {
    fail(`options must be an object, e.g. new MemcachedStore({ servers: "cache-0.cache:11211" }).`);
  }
  parse.rejectUnknown(options, KNOWN, CONNECT_MEMCACHED_OPTIONS);

  const given = options as Record<string, unknown>;
  let client: Client | undefined;
  let servers: ServerAddress[] | undefined;
  if (given.client !== undefined) {
    if (!isMemjsClient(given.client)) fail('client must be a memjs Client, e.g. memjs.Client.create("cache-0.cache:11211").');
    const clash = OWN_CLIENT_ONLY.filter((key) => given[key] !== undefined);
    if (clash.length > 0) {
      fail(
        `${clash.join(', ')} cannot be combined with client: they configure the client the store creates. Set them on your client, or pass servers instead of client.`,
      );
    }
    if (given.client.servers.length === 0) fail('the client has no servers.');
    if (!hasBytesSerializer(given.client)) {
      fail(
        "the client has a serializer that changes values; the store writes JSON bytes itself. Use a client with memjs's default serializer.",
      );
    }
    client = given.client;
  } else {
    if (given.servers === undefined)
      fail(`servers is required (or pass a memjs client), e.g. servers: "cache-0.cache:11211,cache-1.cache:11211".`);
    servers = parseServers(given.servers);
  }

  const prefix = given.prefix ?? DEFAULT_PREFIX;
  assertPrefix(prefix);

  return {
    servers,
    client,
    prefix,
    timeout: parse.seconds('timeout', given.timeout, { default: DEFAULT_TIMEOUT, max: 60 }),
    retries: parse.integer('retries', given.retries, { default: DEFAULT_RETRIES, min: 0, max: 10, unit: 'retries' }),
    failover: parse.boolean('failover', given.failover, false),
    failoverTime: parse.seconds('failoverTime', given.failoverTime, { default: DEFAULT_FAILOVER_TIME, max: 3600 }),
    maxItemBytes: parse.integer('maxItemBytes', given.maxItemBytes, {
      default: DEFAULT_MAX_ITEM_BYTES,
      min: 1024,
      max: 1024 * 1024 * 1024,
      unit: 'bytes',
    }),
    virtualNodes: parse.integer('virtualNodes', given.virtualNodes, {
      default: DEFAULT_VIRTUAL_NODES,
      min: 1,
      max: 10_000,
      unit: 'points',
    }),
  };
}
