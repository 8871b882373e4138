import type { ResolvedOptions } from './options.js';
import { sessionControls } from './session.js';

/** A Node-style callback, as express-session and `@fastify/session` take them. */
export type NodeCallback = (error?: unknown) => void;

/**
 * Settles `result` into `callback` when there is one, for the callback-style
 * APIs of the compatibility layers. With a callback, the returned promise
 * always resolves (the error went to the callback; a second, unhandled
 * rejection would crash the process); without one it is `result` itself.
 */
export function settle(result: Promise<void>, callback: NodeCallback | undefined): Promise<void> {
  if (typeof callback !== 'function') return result;
  return result.then(
    () => callback(),
    (error: unknown) => callback(error),
  );
}

const MS = 1000;

/**
 * `session.cookie` as express-session and `@fastify/session` have it, as a view
 * over podsafe's per-session lifetime (`session.setLifetime`). Their unit is
 * kept: `maxAge` and `originalMaxAge` in **milliseconds**.
 *
 * - `cookie.maxAge = 30 * 24 * 3600 * 1000` gives this session a 30-day idle
 *   ttl and a persistent cookie (`setLifetime({ ttl: 2592000 })`);
 * - `cookie.maxAge = null` or `cookie.expires = null` (or `false`) makes it a
 *   browser-session cookie (`setLifetime({ persistent: false })`);
 * - `cookie.expires = date` is `maxAge = date - now`.
 *
 * The attributes (`path`, `domain`, `httpOnly`, `secure`, `sameSite`,
 * `partitioned`) are read-only here: they are the app's `cookie` options.
 */
export class SessionCookieView {
  readonly #session: object;
  readonly #options: ResolvedOptions;

  /** @param session - a podsafe session object; @param options - the engine's resolved options. */
  constructor(session: object, options: ResolvedOptions) {
    this.#session = session;
    this.#options = options;
  }

  /** Milliseconds this session lives when idle, or `null` for a browser-session cookie. Writable. */
  get maxAge(): number | null {
    const { ttl, persistent } = sessionControls(this.#session).lifetime;
    return persistent ? ttl * MS : null;
  }

  set maxAge(value: number | null | undefined) {
    const controls = sessionControls(this.#session);
    if (value === null || value === undefined) {
      controls.setLifetime({ persistent: false });
      return;
    }
    if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
      throw new TypeError(
        `session.cookie.maxAge must be a positive number of milliseconds (as in express-session), got ${String(value)}. ` +
          `podsafe's own spelling is session.setLifetime({ ttl: seconds }).`,
      );
    }
    controls.setLifetime({ ttl: value / MS, persistent: true });
  }

  /** The same as {@link maxAge}: every request slides the session, so the original and the remaining age agree. */
  get originalMaxAge(): number | null {
    return this.maxAge;
  }

  /** When the cookie expires if the session stays idle from now, or `null` for a browser-session cookie. Writable. */
  get expires(): Date | null {
    const maxAge = this.maxAge;
    return maxAge === null ? null : new Date(Date.now() + maxAge);
  }

  set expires(value: Date | null | false | undefined) {
    if (value === null || value === undefined || value === false) this.maxAge = null;
    else if (value instanceof Date) this.maxAge = value.getTime() - Date.now();
    else throw new TypeError(`session.cookie.expires must be a Date, null or false, got ${String(value)}.`);
  }

  /** The cookie's `Path` (the app's `cookie.path`). */
  get path(): string {
    return this.#options.cookie.path;
  }

  /** The cookie's `Domain` (the app's `cookie.domain`). */
  get domain(): string | undefined {
    return this.#options.cookie.domain;
  }

  /** The cookie's `HttpOnly` (the app's `cookie.httpOnly`). */
  get httpOnly(): boolean {
    return this.#options.cookie.httpOnly;
  }

  /** The cookie's `Secure` setting (the app's `cookie.secure`; `'auto'`: when the request is https). */
  get secure(): boolean | 'auto' {
    return this.#options.cookie.secure;
  }

  /** The cookie's `SameSite` (the app's `cookie.sameSite`). */
  get sameSite(): 'lax' | 'strict' | 'none' {
    return this.#options.cookie.sameSite;
  }

  /** The cookie's `Partitioned` (the app's `cookie.partitioned`). */
  get partitioned(): boolean {
    return this.#options.cookie.partitioned;
  }

  /** What `JSON.stringify` shows. */
  toJSON(): Record<string, unknown> {
    const { maxAge, expires, path, domain, httpOnly, secure, sameSite } = this;
    return { originalMaxAge: maxAge, maxAge, expires: expires?.toISOString() ?? null, path, domain, httpOnly, secure, sameSite };
  }
}

for (const name of ['path', 'domain', 'httpOnly', 'secure', 'sameSite', 'partitioned'] as const) {
  const descriptor = Object.getOwnPropertyDescriptor(SessionCookieView.prototype, name)!;
  Object.defineProperty(SessionCookieView.prototype, name, {
    ...descriptor,
    set() {
      throw new TypeError(
        `session.cookie.${name} cannot be changed per session in podsafe: set it for the app in the session options ` +
          `(cookie: { ${name}: ... }). Only maxAge and expires are per session.`,
      );
    },
  });
}
