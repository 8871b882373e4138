import type { LoadOutcome } from './events.js';
import { nowSeconds, remainingLife } from './expiry.js';
import { SessionContext, type RequestInfo, type SessionEngine } from './engine.js';
import { generateSessionId } from './id.js';
import type { LegacyCookie } from './legacy-cookie.js';
import { isSessionRecord } from './record.js';
import type { SessionRecord } from './types.js';

/**
 * The load path of `legacyCookie`, taken when the request carries no podsafe session.
 *
 * `'dual'` (old and new pods side by side): the legacy record is the one copy, so a
 * legacy cookie's session is served in place, under its legacy id, through the legacy
 * store and with the legacy cookie; a visitor without one gets a new session in the
 * legacy format too, so an old pod knows them on their next request. No podsafe id
 * exists yet, so there is no mapping to keep in step: both sides read and write the
 * same record.
 *
 * `'read'` (only new pods left): the session is copied once under a NEW podsafe id
 * (the legacy id never becomes a podsafe id), the legacy record is destroyed only after
 * that write succeeded, podsafe's cookie is sent and the legacy one cleared.
 *
 * A legacy cookie that does not verify is never adopted: the visitor gets a fresh session.
 */
export async function loadLegacy(
  engine: SessionEngine,
  legacy: LegacyCookie,
  request: RequestInfo,
  current: { outcome: LoadOutcome; context: SessionContext },
): Promise<{ outcome: LoadOutcome; context: SessionContext }> {
  const { present, id } = legacy.read(request.cookieHeader);
  const source = legacy.source;
  const record = id === undefined ? null : await engine.call('get', () => source.store.get(id));
  const found = record !== null && isSessionRecord(record) ? record : null;

  if (source.mode === 'dual') {
    if (found) return { outcome: 'found', context: new SessionContext(engine, id!, found, request.secure, true, legacy.options) };
    return { outcome: current.outcome, context: SessionContext.fresh(engine, request.secure, present, legacy.options) };
  }

  if (!found) {
    // Nothing to adopt (expired, or a cookie that does not verify): the old cookie is of no more use.
    if (present) current.context.extraCookies.push(legacy.cleared(request.secure));
    return current;
  }
  const context = await adopt(engine, found, request);
  await engine.call('destroy', () => source.store.destroy(id!));
  context.extraCookies.push(legacy.cleared(request.secure));
  return { outcome: 'found', context };
}

async function adopt(engine: SessionEngine, legacy: SessionRecord, request: RequestInfo): Promise<SessionContext> {
  const now = nowSeconds();
  // The legacy format records no creation time: the absolute lifetime counts from now.
  const meta = { createdAt: now, lastSeenAt: now };
  const id = generateSessionId();
  const data = legacy.data;
  const store = engine.options.store;
  if (store.kind === 'client') throw new Error('legacyCookie needs a server-side store');
  await engine.call('save', () => store.save(id, { isNew: true, set: data, unset: [], data, meta }, remainingLife(meta, now, engine.options)));
  const context = new SessionContext(engine, id, { data, meta: { ...meta, version: 1 } }, request.secure, true);
  // Sends podsafe's cookie even when the handler changes nothing.
  context.reissue = true;
  return context;
}
