import { assertStorableId } from './id.js';
import { optionParser } from './option-parser.js';
import { nowSeconds } from './expiry.js';
import { parseSessionRecord } from './record.js';
import type { SessionChange, SessionRecord, SessionStore, SessionStoreCapabilities } from './types.js';
import { MemoryUserIndex } from './memory-user-index.js';
import type { DestroyByUserOptions, IndexedUserSession, UserIndexEntry } from './user-index-store.js';

/** Options of {@link MemoryStore}. */
export interface MemoryStoreOptions {
  /**
   * Seconds between sweeps that drop expired sessions, so an idle process does
   * not hold them. Expired sessions are never returned either way.
   * @default `60` seconds
   */
  sweepInterval?: number;
}

interface Entry {
  /** The record as JSON, so callers can never share mutable state with the store. */
  json: string;
  /** Unix time in seconds after which the entry is gone. */
  expiresAt: number;
}

/**
 * Sessions in this process's memory, with real TTL expiry. For tests and
 * development only: it is exactly the per-pod state podsafe exists to avoid,
 * so sessions vanish when the process restarts and are not shared between replicas.
 */
export class MemoryStore implements SessionStore {
  readonly kind = 'server' as const;
  readonly capabilities: SessionStoreCapabilities = { deltaWrites: true, userIndex: true };
  readonly #entries = new Map<string, Entry>();
  readonly #users = new MemoryUserIndex();
  readonly #sweeper: NodeJS.Timeout;

  constructor(options: MemoryStoreOptions = {}) {
    const parse = optionParser('MemoryStore');
    parse.rejectUnknown(options, ['sweepInterval']);
    const interval = parse.seconds('sweepInterval', options.sweepInterval, { default: 60, max: 86_400 });
    this.#sweeper = setInterval(() => this.#sweep(), interval * 1000);
    this.#sweeper.unref();
  }

  async get(id: string): Promise<SessionRecord | null> {
    assertStorableId(id);
    const entry = this.#live(id);
    return entry ? parseSessionRecord(entry.json) : null;
  }

  async save(id: string, change: SessionChange, ttl: number): Promise<boolean> {
    assertStorableId(id);
    const current = this.#live(id);
    let record: SessionRecord;
    if (change.isNew) {
      record = { data: { ...change.data }, meta: { ...change.meta, version: 1 } };
    } else {
      const existing = current ? parseSessionRecord(current.json) : null;
      if (!existing) return false;
      const data = { ...existing.data, ...change.set };
      for (const key of change.unset) delete data[key];
      const meta: SessionRecord['meta'] = { ...change.meta, version: existing.meta.version + 1 };
      // Like Redis's per-field writes: a lifetime this change did not touch stays as stored.
      if (!change.lifetimeChanged && change.meta.lifetime === undefined && existing.meta.lifetime !== undefined)
        meta.lifetime = existing.meta.lifetime;
      record = { data, meta };
    }
    this.#entries.set(id, { json: JSON.stringify(record), expiresAt: nowSeconds() + ttl });
    return true;
  }

  async touch(id: string, lastSeenAt: number, ttl: number): Promise<boolean> {
    assertStorableId(id);
    const entry = this.#live(id);
    const record = entry ? parseSessionRecord(entry.json) : null;
    if (!entry || !record) return false;
    record.meta.lastSeenAt = lastSeenAt;
    this.#entries.set(id, { json: JSON.stringify(record), expiresAt: nowSeconds() + ttl });
    return true;
  }

  async destroy(id: string): Promise<void> {
    assertStorableId(id);
    this.#entries.delete(id);
  }

  async close(): Promise<void> {
    clearInterval(this.#sweeper);
  }

  async ping(): Promise<void> {}

  async *ids(): AsyncIterable<string> {
    for (const id of [...this.#entries.keys()]) if (this.#live(id)) yield id;
  }

  async count(): Promise<number> {
    this.#sweep();
    return this.#entries.size;
  }

  async clear(): Promise<void> {
    this.#entries.clear();
    this.#users.clear();
  }

  async indexUser(userId: string, entry: UserIndexEntry, expiresAt: number): Promise<boolean> {
    assertStorableId(entry.id);
    return this.#users.index(userId, entry, expiresAt);
  }

  async unindexUser(userId: string, id: string): Promise<void> {
    this.#users.unindex(userId, id);
  }

  async listByUser(userId: string, limit: number): Promise<IndexedUserSession[]> {
    return this.#users.list(userId, limit);
  }

  async destroyByUser(userId: string, options: DestroyByUserOptions): Promise<IndexedUserSession[]> {
    return this.#users.destroy(userId, options);
  }

  /**
   * Stores raw text under `id`, bypassing the contract. For tests that need
   * corrupt data in the store.
   */
  putRaw(id: string, text: string, ttl: number): void {
    this.#entries.set(id, { json: text, expiresAt: nowSeconds() + ttl });
  }

  #live(id: string): Entry | undefined {
    const entry = this.#entries.get(id);
    if (entry && entry.expiresAt <= nowSeconds()) {
      this.#entries.delete(id);
      return undefined;
    }
    return entry;
  }

  #sweep(): void {
    const now = nowSeconds();
    for (const [id, entry] of this.#entries) if (entry.expiresAt <= now) this.#entries.delete(id);
    this.#users.sweep();
  }
}
