import type { RegenerateOptions, SessionControls, SessionData } from '@podsafe/core';
import {
  callbackSessionMembers,
  type SessionCookieView,
  sessionControls,
  sessionPrototype,
  settle,
  type NodeCallback,
  type ResolvedOptions,
} from '@podsafe/core/adapter';

/**
 * The session controls of `req.session` under podsafe's Express middleware:
 * podsafe's own, plus express-session's spelling of them, so that Passport,
 * connect-flash, csrf-sync and other express-session plugins work unchanged.
 * Each method takes an optional Node-style callback and still returns a
 * promise (which, when a callback is given, always resolves: the error went
 * to the callback).
 */
export interface ExpressSessionControls extends Omit<SessionControls, 'regenerate' | 'save' | 'destroy' | 'reload' | 'touch'> {
  /** express-session: `regenerate(callback)`; podsafe: `await regenerate({ keepData })`. New id, old session destroyed. */
  regenerate(callback: NodeCallback): Promise<void>;
  regenerate(options?: RegenerateOptions, callback?: NodeCallback): Promise<void>;
  /** Writes pending changes now (the middleware also commits before the response is sent). */
  save(callback?: NodeCallback): Promise<void>;
  /** Deletes the session in the store and clears the cookie on this response (logout). */
  destroy(callback?: NodeCallback): Promise<void>;
  /** Re-reads the session from the store, dropping unsaved changes. */
  reload(callback?: NodeCallback): Promise<void>;
  /** Slides the expiry on this response even if `touchAfter` has not passed. */
  touch(callback?: NodeCallback): Promise<void>;
  /**
   * express-session's `req.session.cookie`: `maxAge` in **milliseconds** and
   * `expires` are writable and give this one session its own lifetime (see
   * `setLifetime`, podsafe's spelling in seconds); the attributes are the app's.
   */
  readonly cookie: SessionCookieView;
}

/** `req.session` under podsafe's Express middleware: the data as properties, plus {@link ExpressSessionControls}. */
export type ExpressSession = SessionData & ExpressSessionControls;

/** Splits express-session's `(callback)` from podsafe's `(options, callback?)`. */
function regenerateArgs(first: unknown, second: unknown): [RegenerateOptions | undefined, NodeCallback | undefined] {
  if (typeof first === 'function') return [undefined, first as NodeCallback];
  return [first as RegenerateOptions | undefined, second as NodeCallback | undefined];
}

/** The prototype of Express session objects: express-session's API over podsafe's own session. */
export function expressSessionPrototype(options: ResolvedOptions): object {
  return Object.create(sessionPrototype, {
    ...callbackSessionMembers(options),
    regenerate: {
      value(this: object, first?: unknown, second?: unknown) {
        const [regenerate, callback] = regenerateArgs(first, second);
        return settle(sessionControls(this).regenerate(regenerate), callback);
      },
    },
    touch: {
      value(this: object, callback?: NodeCallback) {
        sessionControls(this).touch();
        return settle(Promise.resolve(), callback);
      },
    },
  });
}
