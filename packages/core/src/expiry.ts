import type { ResolvedOptions } from './options.js';
import type { SessionMeta } from './types.js';

/** Unix time in seconds, fractional. The one clock the engine reads. */
export function nowSeconds(): number {
  return Date.now() / 1000;
}

/**
 * Where expiry is decided. The server enforces both limits from the stored
 * meta, whatever the cookie or the store's own TTL says.
 */
export function isExpired(
  meta: Pick<SessionMeta, 'createdAt' | 'lastSeenAt' | 'lifetime'>,
  now: number,
  options: ResolvedOptions,
): boolean {
  if (now >= meta.lastSeenAt + idleTtl(meta, options)) return true;
  return options.maxLifetime !== undefined && now >= meta.createdAt + options.maxLifetime;
}

/** Seconds the session has left if it is used now: the idle ttl, cut short by the absolute limit. */
export function remainingLife(meta: Pick<SessionMeta, 'createdAt' | 'lifetime'>, now: number, options: ResolvedOptions): number {
  const idle = idleTtl(meta, options);
  if (options.maxLifetime === undefined) return idle;
  return Math.max(0, Math.min(idle, meta.createdAt + options.maxLifetime - now));
}

/** Whether an unchanged session is due a touch (a write that only slides its expiry). */
export function isTouchDue(meta: Pick<SessionMeta, 'lastSeenAt' | 'lifetime'>, now: number, options: ResolvedOptions): boolean {
  const own = meta.lifetime?.ttl;
  // A session given a shorter ttl than the app's must slide before it runs out.
  const touchAfter = own === undefined ? options.touchAfter : Math.min(options.touchAfter, own / 10);
  return now - meta.lastSeenAt >= touchAfter;
}

/** The idle ttl of a session, seconds: its own, else the app's. */
export function idleTtl(meta: Pick<SessionMeta, 'lifetime'>, options: ResolvedOptions): number {
  return meta.lifetime?.ttl ?? options.ttl;
}

/** Whether the session's cookie carries `Max-Age`: its own choice, else the app's. */
export function isPersistent(meta: Pick<SessionMeta, 'lifetime'>, options: ResolvedOptions): boolean {
  return meta.lifetime?.persistent ?? options.cookie.persistent;
}
