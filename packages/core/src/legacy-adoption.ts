import type { LoadOutcome } from './events.js';
import { nowSeconds, remainingLife } from './expiry.js';
import type { RequestInfo, SessionEngine } from './engine.js';
import { generateSessionId } from './id.js';
import type { LegacyCookie } from './legacy-cookie.js';
import { isSessionRecord } from './record.js';
import type { ServerSideStrategy } from './server-side-strategy.js';
import { SessionContext } from './session-context.js';
import type { SessionRecord } from './types.js';

/** A load's result: how it ended, and the session to serve. */
export interface Loaded {
  outcome: LoadOutcome;
  context: SessionContext;
}

/**
 * The load path of `legacyCookie`, taken when the request carries no podsafe session;
 * part of the server-side strategy (only a server-side store has legacy sessions).
 *
 * `'dual'` (old and new pods side by side): the legacy record is the one copy, so a
 * legacy cookie's session is served in place, under its legacy id, through the legacy
 * store and with the legacy cookie (the `legacy` strategy); a visitor without one gets
 * a new session in the legacy format too, so an old pod knows them on their next
 * request. No podsafe id exists yet, so there is no mapping to keep in step: both sides
 * read and write the same record.
 *
 * `'read'` (only new pods left): the session is copied once under a NEW podsafe id
 * (the legacy id never becomes a podsafe id), the legacy record is destroyed only after
 * that write succeeded, podsafe's cookie is sent and the legacy one cleared.
 *
 * A legacy cookie that does not verify is never adopted: the visitor gets a fresh session.
 */
export class LegacyAdoption {
  readonly #engine: SessionEngine;
  /** podsafe's own strategy, which adopted sessions move to. */
  readonly #main: ServerSideStrategy;
  /** The legacy store, cookie and signing, for sessions served in place (`'dual'`). */
  readonly #legacy: ServerSideStrategy;
  readonly #cookie: LegacyCookie;

  constructor(engine: SessionEngine, main: ServerSideStrategy, legacy: ServerSideStrategy, cookie: LegacyCookie) {
    this.#engine = engine;
    this.#main = main;
    this.#legacy = legacy;
    this.#cookie = cookie;
  }

  /** The session to serve instead of `current` (a new one), or `current` itself. */
  async load(request: RequestInfo, current: Loaded): Promise<Loaded> {
    const engine = this.#engine;
    const legacy = this.#cookie;
    const { present, id } = legacy.read(request.cookieHeader);
    const source = legacy.source;
    const record = id === undefined ? null : await engine.call('get', () => source.store.get(id));
    const found = record !== null && isSessionRecord(record) ? record : null;

    if (source.mode === 'dual') {
      if (found) return { outcome: 'found', context: new SessionContext(engine, this.#legacy, id!, found, request.secure, true) };
      return { outcome: current.outcome, context: SessionContext.fresh(engine, this.#legacy, request.secure, present) };
    }

    if (!found) {
      // Nothing to adopt (expired, or a cookie that does not verify): the old cookie is of no more use.
      if (present) current.context.extraCookies.push(legacy.cleared(request.secure));
      return current;
    }
    const context = await this.#adopt(found, request);
    await engine.call('destroy', () => source.store.destroy(id!));
    context.extraCookies.push(legacy.cleared(request.secure));
    return { outcome: 'found', context };
  }

  async #adopt(legacy: SessionRecord, request: RequestInfo): Promise<SessionContext> {
    const engine = this.#engine;
    const main = this.#main;
    const now = nowSeconds();
    // The legacy format records no creation time: the absolute lifetime counts from now.
    const meta = { createdAt: now, lastSeenAt: now };
    const id = generateSessionId();
    const data = legacy.data;
    const store = main.store;
    await engine.call('save', () =>
      store.save(id, { isNew: true, set: data, unset: [], data, meta }, remainingLife(meta, now, main.options)),
    );
    const context = new SessionContext(engine, main, id, { data, meta: { ...meta, version: 1 } }, request.secure, true);
    // Sends podsafe's cookie even when the handler changes nothing.
    context.reissue = true;
    return context;
  }
}
