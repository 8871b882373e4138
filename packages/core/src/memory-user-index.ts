import { nowSeconds } from './expiry.js';
import type { DestroyByUserOptions, IndexedUserSession, UserIndexEntry } from './user-index-store.js';

interface UserEntries {
  /** Session id to its entry, as JSON so callers never share state with the index. */
  entries: Map<string, { json: string; expiresAt: number }>;
  /** Set by destroyByUser: entries created before `before` are refused until `until`. */
  cutoff?: { before: number; until: number; keep: string | undefined };
}

/** The per-user index of {@link MemoryStore}, with the same expiry and cutoff rules as RedisStore's. */
export class MemoryUserIndex {
  readonly #users = new Map<string, UserEntries>();

  index(userId: string, entry: UserIndexEntry, expiresAt: number): boolean {
    const now = nowSeconds();
    const user = this.#live(userId, now) ?? ({ entries: new Map() } as UserEntries);
    const cutoff = user.cutoff;
    if (cutoff && entry.createdAt < cutoff.before && entry.id !== cutoff.keep) return false;
    user.entries.set(entry.id, { json: JSON.stringify(entry), expiresAt });
    this.#users.set(userId, user);
    return true;
  }

  unindex(userId: string, id: string): void {
    this.#live(userId, nowSeconds())?.entries.delete(id);
  }

  list(userId: string, limit: number): IndexedUserSession[] {
    const user = this.#live(userId, nowSeconds());
    if (!user) return [];
    return [...user.entries.values()]
      .map(({ json, expiresAt }) => ({ ...(JSON.parse(json) as UserIndexEntry), expiresAt }))
      .sort((a, b) => b.expiresAt - a.expiresAt)
      .slice(0, limit)
      .sort((a, b) => b.lastSeenAt - a.lastSeenAt);
  }

  destroy(userId: string, options: DestroyByUserOptions): IndexedUserSession[] {
    const now = nowSeconds();
    const taken = this.list(userId, Infinity).filter((entry) => entry.id !== options.keep);
    const user = this.#live(userId, now) ?? ({ entries: new Map() } as UserEntries);
    for (const entry of taken) user.entries.delete(entry.id);
    user.cutoff = { before: options.before, until: now + options.ttl, keep: options.keep };
    this.#users.set(userId, user);
    return taken;
  }

  clear(): void {
    this.#users.clear();
  }

  /** The user's entries with the expired ones dropped, or `undefined` when nothing of the user is left. */
  #live(userId: string, now: number): UserEntries | undefined {
    const user = this.#users.get(userId);
    if (!user) return undefined;
    for (const [id, entry] of user.entries) if (entry.expiresAt <= now) user.entries.delete(id);
    if (user.cutoff && user.cutoff.until <= now) delete user.cutoff;
    if (user.entries.size === 0 && !user.cutoff) {
      this.#users.delete(userId);
      return undefined;
    }
    return user;
  }

  /** Drops what has expired, for the store's sweep. */
  sweep(): void {
    const now = nowSeconds();
    for (const userId of [...this.#users.keys()]) this.#live(userId, now);
  }
}
