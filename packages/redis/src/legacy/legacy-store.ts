import type { LegacySessionSource, SessionChange, SessionRecord, SessionStore, SessionStoreCapabilities } from '@podsafe/core';
import { assertStorableId } from '@podsafe/core/store';
import { legacyCookieField } from './connect-redis-format.js';
import type { LegacyKeyspace, LegacyRead } from './legacy-keyspace.js';

/** What the legacy support needs of the podsafe records, the RedisStore's own operations. */
export interface PodsafeRecords {
  get(id: string): Promise<SessionRecord | null>;
  save(id: string, change: SessionChange, ttl: number): Promise<boolean>;
  touch(id: string, lastSeenAt: number, ttl: number): Promise<boolean>;
}

type Found = Extract<LegacyRead, { state: 'found' }>;

/**
 * The legacy sessions as `session()`'s `legacyCookie` sees them: a store addressed by
 * the legacy library's ids, whose data is the legacy session without its `cookie`
 * field (which only gave the expiry). In `'dual'` mode the engine serves a legacy
 * cookie's session through it (reads and writes go to the legacy key, in the legacy
 * format); in `'read'` mode the engine copies the session under a new podsafe id and
 * then destroys it here.
 *
 * A session `podsafe-migrate` already converted lives at `prefix + legacy id`; it is
 * read from there when the legacy key is gone, so converting in bulk logs nobody out.
 */
class LegacySessionView implements SessionStore {
  readonly kind = 'server' as const;
  readonly capabilities: SessionStoreCapabilities = { deltaWrites: true };
  readonly #keys: LegacyKeyspace;
  readonly #podsafe: PodsafeRecords;

  constructor(keys: LegacyKeyspace, podsafe: PodsafeRecords) {
    this.#keys = keys;
    this.#podsafe = podsafe;
  }

  async get(id: string): Promise<SessionRecord | null> {
    assertStorableId(id);
    const read = await this.#keys.read(id);
    if (read.state === 'found') return { data: read.session.data, meta: read.meta };
    if (read.state === 'corrupt') return null;
    const converted = await this.#podsafe.get(id);
    if (!converted) return null;
    const { cookie: _cookie, ...data } = converted.data;
    return { data, meta: converted.meta };
  }

  async save(id: string, change: SessionChange, ttl: number): Promise<boolean> {
    assertStorableId(id);
    // A session a new pod creates must load on an old pod too: express-session requires its cookie field.
    if (change.isNew) {
      await this.#keys.write(id, { ...change.data, cookie: legacyCookieField(ttl) }, ttl);
      return true;
    }
    return this.#keys.update(id, change, ttl, true);
  }

  async touch(id: string, _lastSeenAt: number, ttl: number): Promise<boolean> {
    assertStorableId(id);
    return this.#keys.expire(id, ttl);
  }

  async destroy(id: string): Promise<void> {
    assertStorableId(id);
    await this.#keys.remove(id);
  }

  async close(): Promise<void> {
    // The RedisStore owns the connection.
  }
}

/**
 * `RedisStore({ legacy })`: legacy sessions for both migration paths.
 *
 * - The drop-in (express-session stays, `ExpressSessionStore` replaces connect-redis):
 *   ids are the same on both sides, so the RedisStore's own operations route here.
 *   `'read'`: a miss of the podsafe record reads the legacy key and converts it.
 *   `'dual'`: the legacy key is the record (read first, written on every change).
 * - `session()` with `legacyCookie`: {@link LegacySupport.source}.
 */
export class LegacySupport {
  /** The capability the engine uses for `legacyCookie`. */
  readonly source: LegacySessionSource;
  readonly #keys: LegacyKeyspace;
  readonly #podsafe: PodsafeRecords;

  constructor(keys: LegacyKeyspace, podsafe: PodsafeRecords) {
    this.#keys = keys;
    this.#podsafe = podsafe;
    this.source = { mode: keys.options.mode, store: new LegacySessionView(keys, podsafe) };
  }

  get mode(): 'read' | 'dual' {
    return this.#keys.options.mode;
  }

  async get(id: string): Promise<SessionRecord | null> {
    if (this.mode === 'dual') {
      const read = await this.#keys.read(id);
      if (read.state === 'found') return { data: read.session.whole, meta: read.meta };
      if (read.state === 'corrupt') return null;
      return this.#podsafe.get(id);
    }
    const record = await this.#podsafe.get(id);
    if (record) return record;
    const read = await this.#keys.read(id);
    return read.state === 'found' ? this.#convert(id, read) : null;
  }

  async save(id: string, change: SessionChange, ttl: number): Promise<boolean> {
    if (this.mode === 'read') return this.#podsafe.save(id, change, ttl);
    if (change.isNew) {
      await this.#keys.write(id, change.data, ttl);
      return true;
    }
    // Not in the legacy format (a podsafe record from before the switch to dual): update it where it is.
    return (await this.#keys.update(id, change, ttl, false)) || this.#podsafe.save(id, change, ttl);
  }

  async touch(id: string, lastSeenAt: number, ttl: number): Promise<boolean> {
    if (this.mode === 'dual' && (await this.#keys.expire(id, ttl))) return true;
    return this.#podsafe.touch(id, lastSeenAt, ttl);
  }

  /** Deletes both copies. */
  async destroy(id: string): Promise<void> {
    await this.#keys.remove(id);
  }

  /**
   * A session converted on first use. Two first requests of one session may convert
   * it at once: one creates the podsafe record, the other finds it and reads it back,
   * and neither undoes the other's work.
   */
  async #convert(id: string, found: Found): Promise<SessionRecord | null> {
    const { created } = await this.#keys.convert(id, found);
    return created ? { data: found.session.whole, meta: found.meta } : this.#podsafe.get(id);
  }
}
