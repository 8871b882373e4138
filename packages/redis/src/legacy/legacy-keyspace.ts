import { createHash } from 'node:crypto';
import { SessionDataError, type SessionChange, type SessionDataRecord, type SessionMeta } from '@podsafe/core';
import { nowSeconds } from '@podsafe/core/store';
import type { Cluster, Redis } from 'ioredis';
import { saveArgs, ttlMillis } from '../codec.js';
import { unlinkKeys, type Call } from '../scan.js';
import { legacyLifetime, legacyMeta, parseLegacy, serializeLegacy, type LegacySession } from './connect-redis-format.js';
import { defineLegacyScripts, type LegacyScriptCommands } from './legacy-scripts.js';
import type { ResolvedLegacyOptions } from './legacy-options.js';

/** What is under a legacy key. */
export type LegacyRead =
  | { state: 'missing' }
  /** Not a JSON object, or not a string key: counted, never served. */
  | { state: 'corrupt' }
  | { state: 'found'; session: LegacySession; meta: SessionMeta; sha1: string; remainingMs: number };

/**
 * Compare-and-set attempts before an update gives up. Every round has a winner, so
 * with N concurrent writers to one session the last one needs N rounds; the jittered
 * wait between rounds keeps writers from colliding in lockstep.
 */
const CAS_ATTEMPTS = 32;

/** A random wait of up to 2^attempt ms (at most 50 ms) before the next compare-and-set. */
function backoff(attempt: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, Math.random() * Math.min(50, 2 ** attempt)));
}

function sha1(text: string): string {
  return createHash('sha1').update(text).digest('hex');
}

/**
 * The legacy keys (`legacyPrefix + id`) and the conversion into podsafe records
 * (`podsafePrefix + id`): every Redis operation the legacy support makes, each on one
 * key. Ids are checked by the callers (the stores).
 */
export class LegacyKeyspace {
  readonly options: ResolvedLegacyOptions;
  readonly #client: Redis | Cluster;
  readonly #call: Call;
  readonly #podsafePrefix: string;
  readonly #scripts: LegacyScriptCommands;

  constructor(client: Redis | Cluster, call: Call, podsafePrefix: string, options: ResolvedLegacyOptions) {
    this.options = options;
    this.#client = client;
    this.#call = call;
    this.#podsafePrefix = podsafePrefix;
    this.#scripts = defineLegacyScripts(client);
  }

  /** The legacy key of `id`. */
  key(id: string): string {
    return this.options.prefix + id;
  }

  /** The legacy session under `id` (one EVALSHA: type, value and TTL left). */
  async read(id: string, operation = 'get'): Promise<LegacyRead> {
    const reply = await this.#call(operation, () => this.#scripts.podsafeLegacyReadV1(this.key(id)));
    if (reply[0] === 'none') return { state: 'missing' };
    if (reply.length !== 3) return { state: 'corrupt' };
    const [, text, pttl] = reply;
    const session = parseLegacy(text);
    if (!session) return { state: 'corrupt' };
    return {
      state: 'found',
      session,
      meta: legacyMeta(pttl, legacyLifetime(session, this.options.ttl), nowSeconds()),
      sha1: sha1(text),
      remainingMs: pttl,
    };
  }

  /**
   * Writes `found` as the podsafe record `podsafePrefix + id` (whole, `cookie` included:
   * the record the express-session drop-in would have written), keeping the TTL left,
   * unless a podsafe record is already there; then deletes the legacy key, but only if
   * it still holds what was read. Returns whether the podsafe record was created.
   *
   * Never deletes before the write succeeded; an interruption in between leaves both,
   * and the next attempt finds the podsafe record and only deletes.
   */
  async convert(
    id: string,
    found: Extract<LegacyRead, { state: 'found' }>,
    operation = 'get',
  ): Promise<{ created: boolean; deleted: number }> {
    const ttl = found.remainingMs > 0 ? found.remainingMs / 1000 : this.options.ttl;
    const change: SessionChange = { isNew: true, set: found.session.whole, unset: [], data: found.session.whole, meta: found.meta };
    const args = saveArgs(change, ttl);
    const created = (await this.#call(operation, () => this.#scripts.podsafeLegacyConvertV1(this.#podsafePrefix + id, args))) === 1;
    const deleted = await this.#call(operation, () => this.#scripts.podsafeLegacyCasDeleteV1(this.key(id), found.sha1));
    return { created, deleted };
  }

  /** Replaces the legacy session with `whole`, expiring in `ttl` seconds (one SET). */
  async write(id: string, whole: SessionDataRecord, ttl: number): Promise<void> {
    const text = encode(whole);
    await this.#call('save', () => this.#client.set(this.key(id), text, 'PX', ttlMillis(ttl)));
  }

  /**
   * Applies `set`/`unset` to the legacy session, keeping everything else in it (its
   * `cookie` above all), by compare-and-set: a write another pod made in between is
   * merged with, never overwritten. `false` (nothing written) when the session is gone.
   */
  async update(id: string, change: Pick<SessionChange, 'set' | 'unset'>, ttl: number, protectCookie: boolean): Promise<boolean> {
    if (protectCookie && ('cookie' in change.set || change.unset.includes('cookie'))) {
      throw new SessionDataError(
        'cookie',
        new Error(
          "while RedisStore's legacy mode is 'dual', the key 'cookie' is express-session's own and cannot be set from session(); rename the key",
        ),
      );
    }
    for (let attempt = 0; attempt < CAS_ATTEMPTS; attempt++) {
      const current = await this.read(id, 'save');
      if (current.state !== 'found') return false;
      const whole: SessionDataRecord = { ...current.session.whole };
      for (const [key, value] of Object.entries(change.set))
        Object.defineProperty(whole, key, { value, enumerable: true, writable: true, configurable: true });
      for (const key of change.unset) delete whole[key];
      const text = encode(whole);
      const result = await this.#call('save', () =>
        this.#scripts.podsafeLegacyCasV1(this.key(id), current.sha1, text, String(ttlMillis(ttl))),
      );
      if (result === 1) return true;
      if (result === -1) return false;
      await backoff(attempt);
    }
    throw new Error(`the legacy session changed ${CAS_ATTEMPTS} times while it was being saved; retry the request`);
  }

  /** Extends the legacy key's life to `ttl` seconds, as connect-redis's touch does (one PEXPIRE). `false` when it is gone. */
  async expire(id: string, ttl: number): Promise<boolean> {
    return (await this.#call('touch', () => this.#client.pexpire(this.key(id), ttlMillis(ttl)))) === 1;
  }

  /**
   * Deletes the legacy key and the podsafe record converted from it, if any: one UNLINK
   * of both on a standalone Redis, one per key (in parallel) on a Cluster, where the two
   * keys live in different slots.
   */
  async remove(id: string): Promise<void> {
    await this.#call('destroy', () => unlinkKeys(this.#client, [this.key(id), this.#podsafePrefix + id]));
  }
}

function encode(whole: SessionDataRecord): string {
  try {
    return serializeLegacy(whole);
  } catch (error) {
    throw new SessionDataError('(session)', error);
  }
}
