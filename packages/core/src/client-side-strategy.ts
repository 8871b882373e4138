import { setCookie } from './cookie-decision.js';
import type { SessionEngine } from './engine.js';
import { SessionTooLargeError } from './errors.js';
import { isExpired, nowSeconds } from './expiry.js';
import { isSessionId } from './id.js';
import type { ResolvedOptions } from './options.js';
import type { FoundSession, PendingWrite, PersistenceStrategy, WriteResult } from './persistence-strategy.js';
import { isSessionRecord } from './record.js';
import type { ClientSessionStore, DecodedClientSession, SessionRecord } from './types.js';
import { throughIndex } from './user-index.js';
import type { IndexedUserSession } from './user-index-store.js';

/** Bytes of `name=value` a browser keeps in one cookie (RFC 6265 minimum, what browsers enforce). */
const BROWSER_COOKIE_LIMIT = 4096;

/**
 * The user signed out everywhere after this session began: it gets no new
 * token, and the one the browser holds is cleared (it is the session).
 */
const REVOKED: WriteResult = Object.freeze({ action: 'refused', clear: true });

/** A client-side store (`JwtStore`): the cookie is the session, a token the store signs and verifies itself. */
export class ClientSideStrategy implements PersistenceStrategy {
  readonly options: ResolvedOptions;
  readonly legacy = undefined;
  readonly writesBeforeIndexing = false;
  readonly #engine: SessionEngine;
  readonly #store: ClientSessionStore;

  constructor(engine: SessionEngine, store: ClientSessionStore, options: ResolvedOptions) {
    this.#engine = engine;
    this.#store = store;
    this.options = options;
  }

  async read(raw: string, now: number): Promise<FoundSession | 'invalid-cookie' | 'expired'> {
    const store = this.#store;
    // A token the store already knows costs no store call (no deadline timer, no promise chain).
    const known = this.#cached(raw);
    const decoded = known !== undefined ? known : await this.#engine.call('decode', () => store.decode(raw));
    if (!decoded || !isSessionId(decoded.id) || !isSessionRecord(decoded.record)) return 'invalid-cookie';
    if (isExpired(decoded.record.meta, now, this.options) || decoded.expiresAt <= now) return 'expired';
    return decoded;
  }

  /** The store's answer without I/O, if it has one; a store whose `decodeCached` throws is asked through `decode`. */
  #cached(raw: string): DecodedClientSession | null | undefined {
    try {
      return this.#store.decodeCached?.(raw);
    } catch {
      return undefined;
    }
  }

  /** Nothing is stored beyond the cookie: `reload()` goes back to what it held. */
  reread(): undefined {
    return undefined;
  }

  async write(pending: PendingWrite): Promise<WriteResult> {
    const engine = this.#engine;
    const store = this.#store;
    const options = this.options;
    const { id, now, ttl } = pending;
    const record: SessionRecord = { data: pending.changes.data, meta: { ...pending.next, version: pending.meta.version + 1 } };
    let token = '';
    const encoded = await throughIndex(engine.users, pending, async () => {
      token = await engine.call('encode', () => store.encode(id, record, ttl));
      return true;
    });
    if (!encoded) return REVOKED;
    // Browsers silently drop a cookie whose name=value exceeds 4096 bytes:
    // fail loudly instead, before the response is sent.
    const size = Buffer.byteLength(options.cookieName) + 1 + Buffer.byteLength(token);
    if (size > BROWSER_COOKIE_LIMIT)
      throw new SessionTooLargeError(`The session cookie (${options.cookieName}=token)`, size, BROWSER_COOKIE_LIMIT);
    const action = pending.isNew || pending.changed ? 'save' : 'touch';
    return { action, meta: record.meta, cookie: setCookie(token, ttl, pending.persistent), expiresAt: now + ttl };
  }

  /**
   * Revokes for as long as any token of this id can live: a slower request that
   * loaded the session before this destroy may still mint a token with a full
   * ttl when it commits.
   */
  async revoke(id: string, expiresAt: number | undefined, ownTtl?: number): Promise<void> {
    const { ttl, storeTimeout } = this.options;
    const longest = Math.max(ttl, ownTtl ?? 0);
    const until = Math.max(expiresAt ?? 0, nowSeconds() + longest) + storeTimeout;
    const store = this.#store;
    await this.#engine.call('destroy', () => store.destroy(id, until));
  }

  /** A token cannot be looked up: the index (kept beside the revocation list) is all there is to show. */
  liveEntry(entry: IndexedUserSession): IndexedUserSession {
    return entry;
  }

  noUserIndex(storeName: string): string {
    return (
      `userKey needs a per-user index, which ${storeName} keeps in its revocation store: pass one that has it, ` +
      `e.g. new JwtStore({ secret, revocation: new RedisStore({ url, prefix: 'app:revoked:' }) }), or leave userKey out.`
    );
  }
}
