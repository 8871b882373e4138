import type { RegenerateOptions, SessionControls, SessionData } from '@podsafe/core';
import {
  RESERVED_KEYS,
  callbackSessionMembers,
  type SessionCookieView,
  sessionControls,
  sessionPrototype,
  settle,
  type NodeCallback,
  type ResolvedOptions,
} from '@podsafe/core/adapter';

/** A data key of the session, typed by `SessionData` where the app declared it. */
type Key = keyof SessionData | (string & {});
type ValueOf<K> = K extends keyof SessionData ? SessionData[K] : unknown;

/**
 * The session controls of `request.session` under podsafe's Fastify plugin:
 * podsafe's own, plus the `@fastify/session` (and `@fastify/secure-session`)
 * spelling that `@fastify/passport`, `@fastify/flash` and
 * `@fastify/csrf-protection` use. Property access (`request.session.views`)
 * stays; `get`/`set` are the same data by another name.
 */
export interface FastifySessionControls extends Omit<SessionControls, 'regenerate' | 'save' | 'destroy' | 'reload' | 'touch'> {
  /** The value of data key `key` (`undefined` when absent). */
  get<K extends Key>(key: K): ValueOf<K> | undefined;
  /** Sets data key `key`; `undefined` removes it. @throws TypeError for a reserved name (`get`, `cookie`...). */
  set<K extends Key>(key: K, value: ValueOf<K> | undefined): void;
  /** A copy of the whole data. */
  data(): Record<string, unknown>;
  /**
   * New id, old session destroyed (call at login). `@fastify/session`: the
   * data keys in `keysToKeep` move to the new session, others are dropped;
   * podsafe: `{ keepData: true }` keeps all.
   */
  regenerate(callback: NodeCallback): Promise<void>;
  regenerate(keysToKeep?: readonly string[] | RegenerateOptions, callback?: NodeCallback): Promise<void>;
  /** Deletes the session in the store and clears the cookie on this reply (logout). */
  destroy(callback?: NodeCallback): Promise<void>;
  /** @fastify/secure-session's name for {@link destroy}. */
  delete(): Promise<void>;
  /** Re-reads the session from the store, dropping unsaved changes. */
  reload(callback?: NodeCallback): Promise<void>;
  /** Writes pending changes now (the plugin also commits before the reply is sent). */
  save(callback?: NodeCallback): Promise<void>;
  /** Slides the expiry on this reply even if `touchAfter` has not passed. */
  touch(): void;
  /** The session id, as `@fastify/session` names it (the same as `id`). */
  readonly sessionId: string;
  /**
   * @fastify/session's `session.cookie`: `maxAge` in **milliseconds** and
   * `expires` are writable and give this one session its own lifetime (see
   * `setLifetime`, podsafe's spelling in seconds); the attributes are the app's.
   */
  readonly cookie: SessionCookieView;
}

/** `request.session` under podsafe's Fastify plugin: the data as properties, plus {@link FastifySessionControls}. */
export type FastifySession = SessionData & FastifySessionControls;

function dataOf(session: object): Record<string, unknown> {
  return session as Record<string, unknown>;
}

/** The prototype of Fastify session objects: @fastify/session's API over podsafe's own session. */
export function fastifySessionPrototype(options: ResolvedOptions): object {
  return Object.create(sessionPrototype, {
    ...callbackSessionMembers(options),
    get: {
      value(this: object, key: string) {
        return RESERVED_KEYS.has(key) ? undefined : dataOf(this)[key];
      },
    },
    set: {
      value(this: object, key: string, value: unknown) {
        if (RESERVED_KEYS.has(key)) {
          throw new TypeError(
            `session.set(${JSON.stringify(key)}): "${key}" is a reserved session member name and cannot hold data; use another key.`,
          );
        }
        if (value === undefined) delete dataOf(this)[key];
        else dataOf(this)[key] = value;
      },
    },
    data: {
      value(this: object) {
        return JSON.parse(JSON.stringify(this)) as Record<string, unknown>;
      },
    },
    regenerate: {
      value(this: object, first?: unknown, second?: unknown) {
        if (typeof first === 'function') return settle(sessionControls(this).regenerate(), first as NodeCallback);
        const callback = second as NodeCallback | undefined;
        if (!Array.isArray(first)) return settle(sessionControls(this).regenerate(first as RegenerateOptions | undefined), callback);
        const data = dataOf(this);
        const kept = (first as string[]).filter((key) => data[key] !== undefined).map((key) => [key, data[key]] as const);
        const regenerated = sessionControls(this)
          .regenerate()
          .then(() => {
            for (const [key, value] of kept) if (!RESERVED_KEYS.has(key)) data[key] = value;
          });
        return settle(regenerated, callback);
      },
    },
    delete: {
      value(this: object) {
        return sessionControls(this).destroy();
      },
    },
    sessionId: {
      get(this: object) {
        return sessionControls(this).id;
      },
    },
  });
}
