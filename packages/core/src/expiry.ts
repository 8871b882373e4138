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
export function isExpired(meta: Pick<SessionMeta, 'createdAt' | 'lastSeenAt'>, now: number, options: ResolvedOptions): boolean {
  if (now >= meta.lastSeenAt + options.ttl) return true;
  return options.maxLifetime !== undefined && now >= meta.createdAt + options.maxLifetime;
}

/** Seconds the session has left if it is used now: the idle ttl, cut short by the absolute limit. */
export function remainingLife(meta: Pick<SessionMeta, 'createdAt'>, now: number, options: ResolvedOptions): number {
  const idle = options.ttl;
  if (options.maxLifetime === undefined) return idle;
  return Math.max(0, Math.min(idle, meta.createdAt + options.maxLifetime - now));
}

/** Whether an unchanged session is due a touch (a write that only slides its expiry). */
export function isTouchDue(meta: Pick<SessionMeta, 'lastSeenAt'>, now: number, options: ResolvedOptions): boolean {
  return now - meta.lastSeenAt >= options.touchAfter;
}
