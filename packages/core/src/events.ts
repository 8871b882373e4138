/** How a load ended. */
export type LoadOutcome =
  /** No cookie: a new, empty session. */
  | 'none'
  /** The cookie was valid and the session found. */
  | 'found'
  /** The cookie was valid but the store had no session (expired, destroyed, evicted). */
  | 'missing'
  /** The session existed but its idle or absolute expiry had passed. */
  | 'expired'
  /** The cookie failed verification (tampered, foreign, malformed id). */
  | 'invalid-cookie'
  /** The store held data under the id that is not a session record. */
  | 'corrupt';

/** What the engine reports through `onEvent`, for metrics and logs. Durations are in seconds. */
export type SessionEvent =
  | { type: 'load'; outcome: LoadOutcome; duration: number }
  /** `action`: the store write this commit made (`none` for an unchanged session; `refused`: the session was destroyed meanwhile). */
  | { type: 'commit'; action: 'none' | 'save' | 'touch' | 'destroy' | 'refused'; duration: number }
  | { type: 'store-error'; operation: string; error: Error; duration: number }
  /**
   * The session changed after its commit (the response had started), so the
   * change was not saved. `route` names where: `METHOD /path`, the route
   * pattern where the framework knows it.
   */
  | { type: 'late-change'; route: string };
