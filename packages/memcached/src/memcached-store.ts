import type { SessionChange, SessionRecord, SessionStore, SessionStoreCapabilities } from '@podsafe/core';
import { parseSessionRecord, withDeadline, type StoreErrors } from '@podsafe/core/store';
import { Client, Server } from 'memjs';
import { isValueTooLarge, memcachedErrors, refusedAsTooLarge, tooLarge, translate } from './errors.js';
import { seenKey, sessionKey } from './keys.js';
import { resolveOptions, type MemcachedStoreOptions } from './options.js';
import { serverName, useConsistentHashing } from './routing.js';
import { dropSilentSockets, retireReplacedSockets, socketsOf } from './silence.js';
import { memcachedExpiration } from './ttl.js';

/** Seconds memjs waits before retrying a failed attempt. */
const RETRY_DELAY = 0.05;

/** memjs logs every failure to `console` by default; the store reports failures as typed errors instead. */
const silent = { log: () => undefined };

/**
 * Sessions in memcached, via memjs. Each session is one item, `prefix + id`,
 * holding the JSON of the whole record (`{ data, meta }`), with memcached's own
 * expiry set from the session's ttl.
 *
 * - A new session (`change.isNew`) is written with `set`: it replaces whatever
 *   is under the id, as the contract and the express-session drop-in (which
 *   rewrites whole sessions under the same id) need. `add` would refuse that
 *   overwrite, and buys nothing for fresh 256-bit ids, which never collide.
 * - An update is written with `replace`, which memcached refuses when the item is
 *   gone, so a session destroyed (or expired) meanwhile is never brought back.
 * - Whole records, last writer wins (`capabilities.deltaWrites` is `false`):
 *   memjs exposes no CAS (`gets`/`cas`), so two requests saving different keys
 *   of one session at the same moment keep only the later one's data, and the
 *   version counts "at least" that many writes.
 * - `touch` uses memcached's `touch` and keeps `lastSeenAt` beside the record
 *   (see {@link MemcachedStore.touch}).
 * - Several servers are chosen between by consistent hashing
 *   ({@link HashRing}), so adding or removing a cache pod keeps most sessions.
 *
 * Not provided: `ids()`, `count()` and `clear()`. Memcached cannot list its keys
 * honestly (`lru_crawler metadump` is best-effort and per server) and
 * `flush_all` would wipe every app sharing the server, not just this prefix.
 * No `subscribe()` either: every call fails fast on its own while a server is
 * down and recovers by itself, and `ping()` is the health check.
 */
export class MemcachedStore implements SessionStore {
  /** A server-side store: the cookie carries only the signed id. */
  readonly kind = 'server' as const;
  /**
   * Whole-record writes, last writer wins: memjs has no CAS to merge concurrent changes with.
   * No per-user index: memcached cannot list or hold a set that never loses entries under
   * eviction, so the engine's `userKey` is refused at startup with this store.
   * Each call is bounded by `timeout` (`callTimeout`).
   */
  readonly capabilities: SessionStoreCapabilities;
  /** The servers, as `host:port`, in the order given (never with credentials). */
  readonly servers: readonly string[];
  /** Prefix of every key this store writes. */
  readonly prefix: string;
  readonly #client: Client;
  readonly #ownsClient: boolean;
  readonly #timeout: number;
  readonly #maxItemBytes: number;
  readonly #errors: StoreErrors;
  #closed = false;

  constructor(options: MemcachedStoreOptions) {
    const resolved = resolveOptions(options);
    this.prefix = resolved.prefix;
    this.#timeout = resolved.timeout;
    this.capabilities = { deltaWrites: false, userIndex: false, callTimeout: resolved.timeout };
    this.#maxItemBytes = resolved.maxItemBytes;
    if (resolved.client) {
      this.#client = resolved.client;
      this.#ownsClient = false;
    } else {
      const attempts = resolved.retries + 1;
      // Each attempt gets an equal share of the call's time, for connecting and
      // again for the answer; the store's own deadline still cuts the call at `timeout`.
      const perAttempt = resolved.timeout / attempts;
      const servers = resolved.servers!.map(
        (server) =>
          new Server(server.host, server.port, server.username, server.password, {
            timeout: perAttempt,
            conntimeout: perAttempt,
            // Idle connections through NAT or conntrack can vanish silently; probes notice.
            keepAlive: true,
            keepAliveDelay: 30,
          }),
      );
      this.#client = new Client(servers, {
        // memjs counts attempts, not retries.
        retries: attempts,
        retry_delay: RETRY_DELAY,
        failover: resolved.failover,
        failoverTime: resolved.failoverTime,
        // Never used (every write passes its own expiration); 0 would mean "forever".
        expires: 1,
        logger: silent,
      });
      useConsistentHashing(this.#client, { virtualNodes: resolved.virtualNodes });
      this.#ownsClient = true;
    }
    this.servers = this.#client.servers.map(serverName);
    this.#errors = memcachedErrors(this.servers);
  }

  /**
   * The record under `id`, or `null` if none, expired, or not a session record.
   * Reads the record and its `:seen` companion together (same server, one
   * pipelined round trip); `lastSeenAt` is the later of the two.
   */
  async get(id: string): Promise<SessionRecord | null> {
    const key = sessionKey(this.prefix, id);
    const [main, seen] = await this.#call('get', key, () => Promise.all([this.#client.get(key), this.#client.get(seenKey(key))]));
    const record = decode(main.value);
    if (!record) return null;
    const lastSeenAt = decodeSeen(seen.value);
    if (lastSeenAt !== undefined && lastSeenAt > record.meta.lastSeenAt) record.meta.lastSeenAt = lastSeenAt;
    return record;
  }

  /**
   * Writes the whole record (`change.data`) to expire `ttl` seconds from now.
   * A new session uses `set` (replacing anything under the id); an update uses
   * `replace`, which writes nothing and resolves `false` when the session is
   * gone. The update's version is `change.baseVersion + 1` when the caller
   * passes the version it loaded (podsafe's engine does: one command per
   * write); otherwise the record is read first to count, and an unreadable
   * record is refused and left alone.
   *
   * @throws SessionTooLargeError when the record's JSON exceeds `maxItemBytes`
   *   (or the servers' own item limit); nothing is written.
   */
  async save(id: string, change: SessionChange, ttl: number): Promise<boolean> {
    const key = sessionKey(this.prefix, id);
    const expires = memcachedExpiration(ttl);
    if (change.isNew) {
      const value = this.#encode({ data: change.data, meta: metaOf(change, 1) });
      await this.#call('save', key, () => this.#write(() => this.#client.set(key, value, { expires }), value));
      return true;
    }
    const base = change.baseVersion;
    if (typeof base === 'number' && Number.isInteger(base) && base >= 1) {
      const value = this.#encode({ data: change.data, meta: metaOf(change, base + 1) });
      return this.#call('save', key, () => this.#write(() => this.#client.replace(key, value, { expires }), value));
    }
    return this.#call('save', key, async () => {
      const current = decode((await this.#client.get(key)).value);
      // Gone, or unreadable (which every reader already treats as gone): refuse.
      if (!current) return false;
      const value = this.#encode({ data: change.data, meta: metaOf(change, current.meta.version + 1) });
      return this.#write(() => this.#client.replace(key, value, { expires }), value);
    });
  }

  /**
   * Extends the session's life to `ttl` seconds from now and records
   * `lastSeenAt`, without rewriting the record. Resolves `false` when there
   * is no record (destroyed or expired), `true` otherwise.
   *
   * Why not read the record and `replace` it with new meta: without CAS, a
   * save by a concurrent request that lands between that read and write would
   * be silently undone, its data lost, by a request that changed nothing.
   * Instead: memcached's `touch` extends the record (it refuses a missing
   * item, so a missing session stays missing and nothing else is written),
   * then `lastSeenAt` goes into a small companion item, `key + ':seen'`, with
   * the same expiry, and `get` takes the later of the two. Neither command can
   * overwrite data, the record never grows, and each command is atomic. The
   * companion is routed to the record's server, deleted with it, and ignored
   * when the record is gone (a touch racing a destroy can leave a stray one
   * behind, which expires by itself).
   */
  async touch(id: string, lastSeenAt: number, ttl: number): Promise<boolean> {
    const key = sessionKey(this.prefix, id);
    const expires = memcachedExpiration(ttl);
    if (typeof lastSeenAt !== 'number' || !Number.isFinite(lastSeenAt)) {
      throw new RangeError(`lastSeenAt must be unix seconds, got ${String(lastSeenAt)}.`);
    }
    return this.#call('touch', key, async () => {
      if (!(await this.#client.touch(key, expires))) return false;
      await this.#client.set(seenKey(key), String(lastSeenAt), { expires });
      return true;
    });
  }

  /** Deletes the session and its `:seen` companion. Deleting a missing session is not an error. */
  async destroy(id: string): Promise<void> {
    const key = sessionKey(this.prefix, id);
    await this.#call('destroy', key, () => Promise.all([this.#client.delete(key), this.#client.delete(seenKey(key))]));
  }

  /**
   * Resolves when at least one server answers a `stats` command; rejects with
   * `SessionStoreUnavailableError` naming the servers when none does. For
   * readiness probes: with one cache pod of three down, the sessions on the
   * other two are still served, and failing readiness on every app pod would
   * turn a partial outage into a total one.
   */
  async ping(): Promise<void> {
    await this.#call('ping', undefined, (answered) => this.#statsAnyServer(answered));
  }

  /**
   * Closes the connections of the client the store created; a client passed in
   * as `client` is left open. Calls made after `close()` reject.
   */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#ownsClient) this.#client.close();
  }

  /**
   * Runs one memjs call bounded by `timeout`, turning every failure into a typed
   * error that names the server. The deadline is the store's own, not only
   * memjs's socket timeouts: memjs can leave a request pending forever when
   * memcached closes the connection cleanly under it, and never times out a
   * silent socket that keeps getting new requests. At the deadline, a server still
   * on the socket the call went out on has its connection declared dead and
   * replaced ({@link dropSilentSockets}).
   */
  async #call<T>(operation: string, key: string | undefined, run: (answered: Set<Server>) => Promise<T>): Promise<T> {
    if (this.#closed) throw this.#errors.closed(operation);
    const server = key === undefined ? this.servers.join(', ') : this.#serverFor(key);
    const target = key === undefined ? undefined : this.#client.server(key);
    const watched = key === undefined ? this.#client.servers : target ? [target] : [];
    retireReplacedSockets(watched);
    const answered = new Set<Server>();
    let sockets: ReturnType<typeof socketsOf> = [];
    const attempt = Promise.resolve()
      .then(() => {
        const running = run(answered);
        // memjs opens or picks the socket synchronously when a request is written.
        sockets = socketsOf(watched);
        return running;
      })
      .catch((error: unknown) => {
        throw translate(error, `MemcachedStore.${operation}`, server, this.#errors);
      });
    return withDeadline(attempt, this.#timeout, () => {
      const error = this.#errors.timeout(operation, this.#timeout, server);
      dropSilentSockets(
        watched,
        sockets,
        `MemcachedStore.${operation} on ${server} did not answer within ${this.#timeout} s: connection declared dead, reconnecting`,
        answered,
      );
      return error;
    });
  }

  /** Where memjs will send `key` (after our hash ring), for messages. */
  #serverFor(key: string): string {
    const server = this.#client.server(key);
    return server ? serverName(server) : 'no server (every server is marked failed)';
  }

  /** A write that memcached may refuse as too large for its own item limit. */
  async #write(write: () => Promise<boolean>, value: string): Promise<boolean> {
    try {
      return await write();
    } catch (error) {
      if (isValueTooLarge(error)) throw refusedAsTooLarge(Buffer.byteLength(value), this.#maxItemBytes, error);
      throw error;
    }
  }

  #encode(record: SessionRecord): string {
    const value = JSON.stringify(record);
    const size = Buffer.byteLength(value);
    if (size > this.#maxItemBytes) throw tooLarge(size, this.#maxItemBytes);
    return value;
  }

  /** Resolves on the first server that answers `stats`; adds each server that answers to `answered`. */
  #statsAnyServer(answered: Set<Server>): Promise<void> {
    return new Promise((resolve, reject) => {
      const expected = this.#client.servers.length;
      const calledBack = new Set<string>();
      const failed: string[] = [];
      // memjs calls back once per server, with its "host:port".
      this.#client.stats((error, server) => {
        if (calledBack.has(server)) return;
        calledBack.add(server);
        if (error) failed.push(`${server} (${error instanceof Error ? error.message : String(error)})`);
        if (!error) {
          const replied = this.#client.servers.find((candidate) => `${candidate.host}:${candidate.port}` === server);
          if (replied) answered.add(replied);
          resolve();
        } else if (failed.length === expected) reject(this.#errors.unavailable(`MemcachedStore.ping: no answer from ${failed.join(', ')}`));
      });
    });
  }
}

/** Exactly the stored meta fields, whatever else a caller's object carries. */
function metaOf(change: SessionChange, version: number): SessionRecord['meta'] {
  const meta: SessionRecord['meta'] = { createdAt: change.meta.createdAt, lastSeenAt: change.meta.lastSeenAt, version };
  if (change.meta.lifetime !== undefined) meta.lifetime = change.meta.lifetime;
  return meta;
}

/** A record from memcached's bytes; `null` for anything that is not one. */
function decode(value: unknown): SessionRecord | null {
  if (Buffer.isBuffer(value)) return parseSessionRecord(value.toString('utf8'));
  return typeof value === 'string' ? parseSessionRecord(value) : null;
}

/** The `lastSeenAt` a touch left; `undefined` when there is none or it is unreadable. */
function decodeSeen(value: unknown): number | undefined {
  const text = Buffer.isBuffer(value) ? value.toString('utf8') : typeof value === 'string' ? value : undefined;
  if (text === undefined || !/^\d+(\.\d+)?(e[+-]?\d+)?$/i.test(text.trim())) return undefined;
  const seconds = Number(text);
  return Number.isFinite(seconds) && seconds > 0 ? seconds : undefined;
}
