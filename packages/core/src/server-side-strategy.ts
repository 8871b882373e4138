import { setCookie } from './cookie-decision.js';
import type { SessionEngine } from './engine.js';
import { SessionConfigError } from './errors.js';
import { idleTtl, isExpired } from './expiry.js';
import { isSessionId } from './id.js';
import { LegacyAdoption } from './legacy-adoption.js';
import type { ResolvedOptions } from './options.js';
import type { FoundSession, PendingWrite, PersistenceStrategy, WriteResult } from './persistence-strategy.js';
import { isSessionRecord } from './record.js';
import type { Keyring } from './signing.js';
import type { SessionChange, SessionRecord, SessionStore } from './types.js';
import { throughIndex } from './user-index.js';
import type { IndexedUserSession, UserIndexEntry } from './user-index-store.js';

/**
 * Another request destroyed (logout) or replaced (login) the session since it
 * was loaded, or it expired: send no cookie at all. Clearing it would delete
 * whatever the browser holds now, which may be the new login's cookie that the
 * other response just set.
 */
const ENDED_ELSEWHERE: WriteResult = Object.freeze({ action: 'refused', clear: false });

function ignore(): void {}

/** A server-side store: it keeps the record, the cookie carries the id signed with the engine's keyring. */
export class ServerSideStrategy implements PersistenceStrategy {
  readonly options: ResolvedOptions;
  readonly legacy: LegacyAdoption | undefined;
  readonly writesBeforeIndexing = true;
  /** The store, for the legacy adoption's copy. */
  readonly store: SessionStore;
  readonly #engine: SessionEngine;
  readonly #keyring: Pick<Keyring, 'sign' | 'verify'>;
  /** The store's own bound on get/save/touch/destroy: with it, the engine sets no timer of its own. */
  readonly #bound: number | undefined;

  /**
   * @param options - the engine's, or a `LegacyCookie`'s (the old library's store, cookie and signing).
   * @throws SessionConfigError without a keyring (`resolveOptions` asks for `secret` first).
   */
  constructor(engine: SessionEngine, store: SessionStore, options: ResolvedOptions) {
    if (options.keyring === undefined)
      throw new SessionConfigError(
        '`secret` is required to sign the session cookie of a server-side store: pass `secret` (at least 32 random bytes, e.g. from `openssl rand -base64 32`).',
      );
    this.#engine = engine;
    this.store = store;
    this.#bound = store.capabilities?.callTimeout;
    this.options = options;
    this.#keyring = options.keyring;
    this.legacy =
      options.legacyCookie === undefined
        ? undefined
        : new LegacyAdoption(
            engine,
            this,
            new ServerSideStrategy(engine, options.legacyCookie.source.store, options.legacyCookie.options),
            options.legacyCookie,
          );
  }

  async read(raw: string, now: number): Promise<FoundSession | 'invalid-cookie' | 'missing' | 'corrupt' | 'expired'> {
    const verified = this.#keyring.verify(raw);
    if (!verified.valid || !isSessionId(verified.value)) return 'invalid-cookie';
    const id = verified.value;
    const store = this.store;
    const record = await this.#engine.call('get', () => store.get(id), this.#bound);
    if (record === null) return 'missing';
    if (!isSessionRecord(record)) return 'corrupt';
    if (isExpired(record.meta, now, this.options)) {
      // The store's own TTL would drop it soon; deleting now keeps expiry exact.
      store.destroy(id).catch(ignore);
      return 'expired';
    }
    return { id, record, expiresAt: undefined, reissue: verified.rotated };
  }

  reread(id: string): Promise<SessionRecord | null> {
    const store = this.store;
    return this.#engine.call('get', () => store.get(id), this.#bound);
  }

  async write(pending: PendingWrite): Promise<WriteResult> {
    const engine = this.#engine;
    const store = this.store;
    const { id, now, ttl, changes } = pending;
    if (pending.isNew || pending.changed) {
      const isNew = pending.isNew;
      const change: SessionChange = {
        isNew,
        set: isNew ? changes.data : changes.set,
        unset: isNew ? [] : changes.unset,
        data: changes.data,
        meta: pending.next,
        lifetimeChanged: pending.lifetimeChanged,
      };
      if (!isNew) change.baseVersion = pending.meta.version;
      const written = await throughIndex(engine.users, pending, () => engine.call('save', () => store.save(id, change, ttl), this.#bound));
      if (!written) return ENDED_ELSEWHERE;
      const meta = { ...pending.next, version: pending.meta.version + 1 };
      return { action: 'save', meta, cookie: setCookie(this.#keyring.sign(id), ttl, pending.persistent), expiresAt: undefined };
    }
    if (pending.touchDue) {
      // `false` = the record is gone; a store returning nothing (older contract) touched it.
      const touched = await throughIndex(
        engine.users,
        pending,
        async () => (await engine.call('touch', () => store.touch(id, now, ttl), this.#bound)) !== false,
      );
      if (!touched) return ENDED_ELSEWHERE;
      const meta = { ...pending.meta, lastSeenAt: now };
      return { action: 'touch', meta, cookie: setCookie(this.#keyring.sign(id), ttl, pending.persistent), expiresAt: undefined };
    }
    // Only the signing secret rotated: re-sign the cookie, no store write.
    const meta = pending.meta;
    const left = Math.min(meta.lastSeenAt + idleTtl(meta, this.options) - now, ttl);
    return { action: 'none', meta, cookie: setCookie(this.#keyring.sign(id), left, pending.persistent), expiresAt: undefined };
  }

  async revoke(id: string): Promise<void> {
    const store = this.store;
    await this.#engine.call('destroy', () => store.destroy(id), this.#bound);
  }

  async liveEntry(entry: IndexedUserSession, now: number): Promise<UserIndexEntry | null> {
    // An entry can outlive its session (a destroy whose unindex failed, a touch racing a logout).
    const store = this.store;
    const record = await this.#engine.call('get', () => store.get(entry.id), this.#bound);
    if (record && !isExpired(record.meta, now, this.options))
      return { ...entry, createdAt: record.meta.createdAt, lastSeenAt: record.meta.lastSeenAt };
    return null;
  }

  noUserIndex(storeName: string): string {
    return (
      `userKey needs a store that keeps a per-user index (capabilities.userIndex), and ${storeName} does not. ` +
      `Use RedisStore (or MemoryStore in development), or leave userKey out.`
    );
  }
}
