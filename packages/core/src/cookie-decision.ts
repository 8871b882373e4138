import { clearedCookie, sessionCookie } from './cookie.js';
import type { ResolvedOptions } from './options.js';

/**
 * What a commit does to the browser's session cookie: set it (the signed id, or
 * the token that is the session), clear it, or leave it alone. A value, not the
 * `Set-Cookie` text, so the engine never has to read its own output back.
 */
export type CookieDecision =
  /** Send `value`; `maxAge` in seconds, sent only when `persistent`. */
  | { readonly kind: 'set'; readonly value: string; readonly maxAge: number; readonly persistent: boolean }
  /** Delete the browser's cookie (logout, a tampered or stale cookie, a revoked token). */
  | { readonly kind: 'clear' }
  /** Send nothing. */
  | { readonly kind: 'none' };

/** Shared: most commits send no cookie, and deciding so allocates nothing. */
export const NO_COOKIE: CookieDecision = Object.freeze({ kind: 'none' });
/** Shared, like {@link NO_COOKIE}. */
export const CLEAR_COOKIE: CookieDecision = Object.freeze({ kind: 'clear' });

/** The decision to send `value` for `maxAge` seconds. */
export function setCookie(value: string, maxAge: number, persistent: boolean): CookieDecision {
  return { kind: 'set', value, maxAge, persistent };
}

/** The `Set-Cookie` header value a decision stands for, under `options` (the cookie's name and attributes). */
export function renderCookie(decision: CookieDecision, options: ResolvedOptions, secureRequest: boolean): string | undefined {
  switch (decision.kind) {
    case 'set':
      return sessionCookie(options, decision.value, decision.maxAge, secureRequest, decision.persistent);
    case 'clear':
      return clearedCookie(options, secureRequest);
    case 'none':
      return undefined;
  }
}
