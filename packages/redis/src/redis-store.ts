import type {
  DestroyByUserOptions,
  IndexedUserSession,
  LegacySessionSource,
  PodsafeError,
  SessionChange,
  SessionRecord,
  SessionStore,
  SessionStoreCapabilities,
  SessionStoreStatus,
  UserIndexEntry,
} from '@podsafe/core';
import { InvalidSessionIdError } from '@podsafe/core';
import { assertStorableId, isStorableId, withDeadline } from '@podsafe/core/store';
import type { Cluster, Redis } from 'ioredis';
import { createClient, describeAddress } from './client.js';
import { decodeRecord, saveArgs, timeText, ttlMillis } from './codec.js';
import { ConnectionWatch } from './connection-watch.js';
import { CallTimeout, closedError, isWrongType, toStoreError } from './errors.js';
import { idFromKey, keyPattern, sessionKey } from './keys.js';
import { resolveOptions, type RedisStoreOptions } from './options.js';
import { scanPages, unlinkKeys, type Call } from './scan.js';
import { defineScripts, type ScriptCommands } from './scripts.js';
import { writeBatcher } from './write-batching.js';
import { RedisUserIndex } from './user-index.js';
import { LegacyKeyspace } from './legacy/legacy-keyspace.js';
import { LegacySupport, type PodsafeRecords } from './legacy/legacy-store.js';

function noSessionOnWrongType(error: unknown): null {
  if (isWrongType(error)) return null;
  throw error;
}

/** `assertStorableId` as a rejected promise, for the methods that have no async frame. */
function refusedId(id: string): Promise<never> | undefined {
  return isStorableId(id) ? undefined : Promise.reject(new InvalidSessionIdError(id));
}

const decodeReply = (hash: Record<string, string> | null): SessionRecord | null => (hash ? decodeRecord(hash) : null);

/**
 * Sessions in Redis (standalone, Sentinel or Cluster) through ioredis: one hash per
 * session, so that concurrent requests changing different keys of one session both
 * persist.
 *
 * Cost per operation: `get` one HGETALL; `save` and `touch` one EVALSHA each (an
 * atomic Lua script); `destroy` one UNLINK. Each touches one key, so one Cluster slot.
 *
 * When Redis is unreachable every call rejects with `SessionStoreUnavailableError`
 * within `timeout` seconds (default 1), and the store reconnects by itself,
 * also when the connection merely falls silent (`socketTimeout`, default 2 s).
 * When Redis refuses (NOAUTH, WRONGPASS, DENIED, OOM), the error names it.
 *
 * ```ts
 * const store = new RedisStore({ url: process.env.REDIS_URL });
 * app.use(session({ store, secret: process.env.SESSION_SECRET }));
 * ```
 */
export class RedisStore implements SessionStore {
  /** A server-side store: the cookie carries only the signed id. */
  readonly kind = 'server' as const;
  /**
   * Saves apply per-key deltas atomically: concurrent changes to different keys both persist.
   * Keeps a per-user index (for the engine's `userKey`), pruned by expiry. Each call is
   * bounded by `timeout` (`callTimeout`), except with `legacy`, where one call may be
   * two lookups.
   */
  readonly capabilities: SessionStoreCapabilities;
  /** The ioredis client in use: the one passed as `client`, or the one the store created. */
  readonly client: Redis | Cluster;
  /** The key prefix; a session is the hash `prefix + id`. */
  readonly prefix: string;
  /**
   * With the `legacy` option: the legacy (connect-redis) sessions, for `session()`'s
   * `legacyCookie`. `undefined` otherwise.
   */
  readonly legacy: LegacySessionSource | undefined;
  readonly #legacy: LegacySupport | undefined;
  readonly #ownsClient: boolean;
  readonly #timeoutMs: number;
  readonly #scripts: ScriptCommands;
  readonly #watch: ConnectionWatch;
  readonly #users: RedisUserIndex;
  readonly #batchWrites: () => void;
  #closed = false;

  /** @throws {SessionConfigError} when an option is invalid; the message says how to fix it. */
  constructor(options: RedisStoreOptions = {}) {
    const resolved = resolveOptions(options);
    this.prefix = resolved.prefix;
    this.#timeoutMs = resolved.timeoutMs;
    this.#ownsClient = resolved.client === undefined;
    this.capabilities = resolved.legacy
      ? { deltaWrites: true, userIndex: true }
      : { deltaWrites: true, userIndex: true, callTimeout: resolved.timeoutMs / 1000 };
    this.client = resolved.client ?? createClient(resolved);
    this.#scripts = defineScripts(this.client);
    this.#batchWrites = writeBatcher(this.client);
    this.#watch = new ConnectionWatch(this.client, this.#ownsClient);
    this.#users = new RedisUserIndex(this.client, this.prefix, this.#bound);
    if (resolved.legacy) {
      const keys = new LegacyKeyspace(this.client, this.#bound, this.prefix, resolved.legacy);
      const own: PodsafeRecords = {
        get: (id) => this.#get(id),
        save: (id, change, ttl) => this.#save(id, change, ttl),
        touch: (id, lastSeenAt, ttl) => this.#touch(id, lastSeenAt, ttl),
      };
      this.#legacy = new LegacySupport(keys, own);
    }
    this.legacy = this.#legacy?.source;
  }

  /** The session under `id` (one HGETALL), or `null` when there is none or what is there is not a valid session. */
  get(id: string): Promise<SessionRecord | null> {
    // No async frames here or below: one promise per layer less on every request.
    const invalid = refusedId(id);
    if (invalid) return invalid;
    return this.#legacy ? this.#legacy.get(id) : this.#get(id);
  }

  #get(id: string): Promise<SessionRecord | null> {
    const key = sessionKey(this.prefix, id);
    // WRONGTYPE means the key holds something that is not a session: "no session", like any corrupt data.
    return this.#call('get', () => this.client.hgetall(key), noSessionOnWrongType).then(decodeReply);
  }

  /**
   * Applies `change` and sets the session to expire `ttl` seconds from now, in one
   * atomic script (one EVALSHA). Resolves `false`, writing nothing, for an update to a
   * session that no longer exists.
   */
  save(id: string, change: SessionChange, ttl: number): Promise<boolean> {
    const invalid = refusedId(id);
    if (invalid) return invalid;
    return this.#legacy ? this.#legacy.save(id, change, ttl) : this.#save(id, change, ttl);
  }

  async #save(id: string, change: SessionChange, ttl: number): Promise<boolean> {
    const key = sessionKey(this.prefix, id);
    // Outside the call: a bad ttl or unencodable data is the caller's error, not an outage.
    const args = saveArgs(change, ttl);
    return (await this.#call('save', () => this.#scripts.podsafeSaveV1(key, args))) === 1;
  }

  /** Records `lastSeenAt` (unix seconds) and extends the TTL to `ttl` seconds, in one EVALSHA; a missing session stays missing and resolves `false`. */
  touch(id: string, lastSeenAt: number, ttl: number): Promise<boolean> {
    const invalid = refusedId(id);
    if (invalid) return invalid;
    return this.#legacy ? this.#legacy.touch(id, lastSeenAt, ttl) : this.#touch(id, lastSeenAt, ttl);
  }

  async #touch(id: string, lastSeenAt: number, ttl: number): Promise<boolean> {
    const key = sessionKey(this.prefix, id);
    const args = [timeText('lastSeenAt', lastSeenAt), String(ttlMillis(ttl))];
    return (await this.#call('touch', () => this.#scripts.podsafeTouchV1(key, args))) === 1;
  }

  /** Deletes the session (one UNLINK); deleting a missing one is not an error. */
  async destroy(id: string): Promise<void> {
    assertStorableId(id);
    return this.#legacy ? this.#legacy.destroy(id) : this.#destroy(id);
  }

  async #destroy(id: string): Promise<void> {
    const key = sessionKey(this.prefix, id);
    await this.#call('destroy', () => this.client.unlink(key));
  }

  /**
   * Adds or refreshes session `entry.id` in `userId`'s index until `expiresAt` (unix
   * seconds), in one EVALSHA on the user's slot (a sorted set scored by expiry, plus a
   * hash of entries); drops the user's expired entries first. `false` when refused by
   * a "sign out everywhere" that came after the session was created.
   */
  async indexUser(userId: string, entry: UserIndexEntry, expiresAt: number): Promise<boolean> {
    return this.#users.index(userId, entry, expiresAt);
  }

  /** Removes session `id` from `userId`'s index (one EVALSHA). */
  async unindexUser(userId: string, id: string): Promise<void> {
    return this.#users.unindex(userId, id);
  }

  /** `userId`'s live entries (one EVALSHA, pruning the expired ones), at most `limit`, most recently seen first. */
  async listByUser(userId: string, limit: number): Promise<IndexedUserSession[]> {
    return this.#users.list(userId, limit);
  }

  /** Takes every entry of `userId` but `options.keep` and sets the cutoff, in one EVALSHA; the engine destroys the sessions. */
  async destroyByUser(userId: string, options: DestroyByUserOptions): Promise<IndexedUserSession[]> {
    return this.#users.destroy(userId, options);
  }

  /** Resolves when Redis answers PING within `timeout`; for readiness probes. */
  async ping(): Promise<void> {
    await this.#call('ping', () => this.client.ping());
  }

  /**
   * Every session id under the prefix, by SCAN (on every master of a Cluster). Costs
   * one round trip per 1000 keys scanned and holds the ids seen so far in memory (to
   * never list one twice): an admin operation, not for request paths.
   */
  async *ids(): AsyncIterable<string> {
    const seen = new Set<string>();
    for await (const keys of scanPages(this.client, keyPattern(this.prefix), this.#bound, 'ids')) {
      for (const key of keys) {
        const id = idFromKey(this.prefix, key);
        if (id === undefined || seen.has(id)) continue;
        seen.add(id);
        yield id;
      }
    }
  }

  /** How many sessions there are under the prefix: a full SCAN, like {@link RedisStore.ids}. */
  async count(): Promise<number> {
    let count = 0;
    for await (const _ of this.ids()) count++;
    return count;
  }

  /**
   * Deletes every session under the prefix (SCAN, then UNLINK page by page) and nothing
   * else: never FLUSHDB, and keys of a store whose prefix extends this one's are left alone.
   */
  async clear(): Promise<void> {
    for await (const keys of scanPages(this.client, keyPattern(this.prefix), this.#bound, 'clear')) {
      const ours = keys.filter((key) => idFromKey(this.prefix, key) !== undefined);
      await this.#call('clear', () => unlinkKeys(this.client, ours));
    }
  }

  /**
   * Calls `listener` with `'down'` when the connection to Redis is lost and `'ready'`
   * when it is (re-)established; repeats are dropped. Returns the unsubscribe function.
   */
  subscribe(listener: (status: SessionStoreStatus) => void): () => void {
    return this.#watch.subscribe(listener);
  }

  /**
   * Closes the connection the store created (QUIT, so in-flight commands finish, then
   * waits for the socket to close; bounded by `timeout`, so a wedged Redis
   * cannot hold up shutdown). A client passed in is left open. Safe to call twice.
   */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#watch.detach();
    if (!this.#ownsClient) return;
    const client = this.client;
    if (client.status === 'end') return;
    // Only an open or opening socket emits 'end'; between reconnect attempts there is none to wait for.
    const ended = ['connecting', 'connect', 'ready'].includes(client.status)
      ? new Promise<void>((resolve) => client.once('end', () => resolve()))
      : undefined;
    if (client.status === 'ready') await this.#call('close', () => client.quit()).catch(() => undefined);
    client.disconnect();
    if (ended) await this.#call('close', () => ended).catch(() => undefined);
  }

  readonly #bound: Call = (operation, command) => this.#call(operation, command);

  /**
   * One round trip, bounded by `timeout` by the store itself (so also on a
   * client passed in without a timeout), with every failure mapped to a podsafe error.
   * `recover` turns a failure into an answer (WRONGTYPE into "no session").
   */
  #call<T>(operation: string, command: () => Promise<T>, recover?: (error: unknown) => T): Promise<T> {
    if (this.#closed && operation !== 'close') return Promise.reject(closedError(operation));
    this.#batchWrites();
    // No async frame: this runs on every request; a timeout is never "recovered".
    return withDeadline(
      command,
      this.#timeoutMs / 1000,
      () => new CallTimeout(),
      (error: unknown) => {
        if (recover === undefined || error instanceof CallTimeout) throw this.#error(error, operation);
        try {
          return recover(error);
        } catch (unrecovered) {
          throw this.#error(unrecovered, operation);
        }
      },
    );
  }

  #error(error: unknown, operation: string): PodsafeError {
    return toStoreError(error, {
      address: describeAddress(this.client),
      operation,
      timeoutSeconds: this.#timeoutMs / 1000,
      lastConnectionError: this.#watch.lastError,
    });
  }
}
