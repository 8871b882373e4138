import { defineData, PROTOTYPE_GUARD } from './safe-keys.js';
import type { SessionData, SessionDataRecord, SessionLifetime } from './types.js';
import type { DestroyUserSessionsOptions, UserSession } from './user-index.js';

/** Options of {@link SessionControls.regenerate}. */
export interface RegenerateOptions {
  /**
   * Carry the current data over to the new session. `false`: start empty.
   * @default `false`
   */
  keepData?: boolean;
}

/** The methods and read-only facts every session object has beside its data. */
export interface SessionControls {
  /** The session id (43 characters, base64url of 32 random bytes). Changes on `regenerate()`. */
  readonly id: string;
  /** `true` until the session has been written to the store (or cookie) once. */
  readonly isNew: boolean;
  /** When the session was created, unix time in seconds. */
  readonly createdAt: number;
  /**
   * Gives the session a new id and destroys the old one in the store: call it
   * at login (and privilege changes) so a session id planted before login is
   * worthless after it.
   */
  regenerate(options?: RegenerateOptions): Promise<void>;
  /** Deletes the session in the store now and clears the cookie on this response (logout). */
  destroy(): Promise<void>;
  /**
   * Writes pending changes now instead of at the end of the request. The
   * adapters commit automatically before the response is sent, so this is only
   * needed to be sure a write happened before doing something else.
   */
  save(): Promise<void>;
  /** Slides the expiry on this response even if `touchAfter` has not passed. */
  touch(): void;
  /**
   * The signed-in user's sessions ("where am I signed in"), most recently seen
   * first; `[]` when nobody is signed in. Needs the `userKey` option.
   */
  listUserSessions(): Promise<UserSession[]>;
  /**
   * Signs the signed-in user out of every session ("sign out everywhere"), or of
   * every other one with `{ keepCurrent: true }`. Resolves how many sessions were
   * destroyed. Needs the `userKey` option.
   */
  destroyUserSessions(options?: DestroyUserSessionsOptions): Promise<number>;
  /**
   * Signs the signed-in user out of the one session `handle` names (a handle from
   * `listUserSessions()`; "sign out this device"). Resolves `false` when the user
   * has no such session. Needs the `userKey` option.
   */
  destroyUserSession(handle: string): Promise<boolean>;
  /**
   * Re-reads the session from the store, dropping changes not yet saved (for a
   * cookie-carried session: back to what the cookie held).
   * @throws SessionDestroyedError when the session was destroyed, here or by another request.
   */
  reload(): Promise<void>;
  /** This session's idle expiry (seconds) and whether its cookie survives a browser restart, as in force now. */
  readonly lifetime: Readonly<Required<SessionLifetime>>;
  /**
   * Gives this session its own lifetime instead of the app's options, kept with
   * the session (so every pod honours it) until `regenerate()`. Each absent field
   * goes back to the app's option. For "remember me":
   * `session.setLifetime({ ttl: 30 * 86400 })`; for "this browser session only":
   * `session.setLifetime({ persistent: false })`.
   * @throws TypeError for a ttl that is not a positive number of seconds.
   */
  setLifetime(lifetime: SessionLifetime): void;
}

/**
 * A session as handlers see it: the data as plain properties
 * (`session.views = 1`) plus {@link SessionControls}. Type the data by
 * augmenting {@link SessionData}.
 */
export type Session = SessionData & SessionControls;

const BACKEND = Symbol('podsafe.session');

/** The request context behind a session object: it implements the controls. */
function backend(session: object): SessionControls {
  return (session as { [BACKEND]: SessionControls })[BACKEND];
}

/**
 * The prototype of every session object. Its members are read-only and
 * non-enumerable, so own enumerable properties are exactly the data, and data
 * can never overwrite a method.
 */
export const sessionPrototype: SessionControls = Object.create(Object.prototype, {
  id: {
    get(this: object) {
      return backend(this).id;
    },
  },
  isNew: {
    get(this: object) {
      return backend(this).isNew;
    },
  },
  createdAt: {
    get(this: object) {
      return backend(this).createdAt;
    },
  },
  regenerate: {
    value(this: object, options?: RegenerateOptions) {
      return backend(this).regenerate(options);
    },
  },
  destroy: {
    value(this: object) {
      return backend(this).destroy();
    },
  },
  save: {
    value(this: object) {
      return backend(this).save();
    },
  },
  touch: {
    value(this: object) {
      backend(this).touch();
    },
  },
  listUserSessions: {
    value(this: object) {
      return backend(this).listUserSessions();
    },
  },
  destroyUserSessions: {
    value(this: object, options?: DestroyUserSessionsOptions) {
      return backend(this).destroyUserSessions(options);
    },
  },
  destroyUserSession: {
    value(this: object, handle: string) {
      return backend(this).destroyUserSession(handle);
    },
  },
  reload: {
    value(this: object) {
      return backend(this).reload();
    },
  },
  lifetime: {
    get(this: object) {
      return backend(this).lifetime;
    },
  },
  setLifetime: {
    value(this: object, lifetime: SessionLifetime) {
      backend(this).setLifetime(lifetime);
    },
  },
  toJSON: {
    value(this: object) {
      return readData(this as Session);
    },
  },
  ['__proto__']: PROTOTYPE_GUARD,
});

/**
 * Names that data may not use, because they are the session's own members:
 * podsafe's, and those of the express-session and `@fastify/session` compatible
 * APIs the adapters add (`cookie`, `get`, `set`, `delete`, `data`, `sessionId`),
 * reserved in every adapter so data moves between them unchanged.
 */
export const RESERVED_KEYS: ReadonlySet<string> = new Set([
  'id',
  'isNew',
  'createdAt',
  'regenerate',
  'destroy',
  'save',
  'touch',
  'toJSON',
  'reload',
  'lifetime',
  'setLifetime',
  'cookie',
  'get',
  'set',
  'delete',
  'data',
  'sessionId',
  'listUserSessions',
  'destroyUserSessions',
  'destroyUserSession',
]);

/**
 * The session controls behind a session object, for an adapter's compatibility
 * members (defined on a prototype made with `Object.create(sessionPrototype, ...)`).
 */
export function sessionControls(session: object): SessionControls {
  return backend(session);
}

/** Makes a session object over `backend`, holding `data`, on `prototype` (an adapter's, or podsafe's own). */
export function createSession(owner: SessionControls, data: SessionDataRecord, prototype: object = sessionPrototype): Session {
  const session = Object.create(prototype) as Session;
  Object.defineProperty(session, BACKEND, { value: owner });
  replaceData(session, data);
  return session;
}

/** The session's data: its own enumerable properties. */
export function readData(session: Session): SessionDataRecord {
  const data = { ...(session as object) } as SessionDataRecord;
  // Where an adapter does not define a reserved member, assigning it made a property: it is not data.
  for (const key of Object.keys(data)) if (RESERVED_KEYS.has(key)) delete data[key];
  return data;
}

/** Replaces the session's data with `data` (reserved and prototype names are skipped: they cannot be stored). */
export function replaceData(session: Session, data: SessionDataRecord): void {
  for (const key of Object.keys(session)) delete (session as unknown as SessionDataRecord)[key];
  for (const [key, value] of Object.entries(data)) {
    if (!RESERVED_KEYS.has(key)) defineData(session, key, value);
  }
}
