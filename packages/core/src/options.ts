import type { SessionEvent } from './events.js';
import type { OptionParser } from './option-parser.js';
import { checkCookieDomain, checkCookiePath, checkRetryAfter, checkStoreTimeout, resolveSecure, sessionOptions } from './option-checks.js';
import { LegacyCookie, type LegacyCookieOptions } from './legacy-cookie.js';
import { Keyring, type Secret } from './signing.js';
import { needsCookieSecret } from './persistence-strategy.js';
import type { AnySessionStore } from './types.js';
import { FOREIGN_COOKIE_OPTIONS, FOREIGN_SESSION_OPTIONS, foreignSameSiteHint, foreignStoreHint } from './foreign-options.js';
import type { UserSessionOptions } from './user-index.js';

/** Attributes of the session cookie. */
export interface SessionCookieOptions {
  /**
   * `Secure` attribute. `'auto'`: set when the request arrived over https, as
   * the framework reports it (behind a proxy, enable the framework's
   * trust-proxy setting so `X-Forwarded-Proto` counts). A cookie browsers only
   * accept when Secure (`sameSite: 'none'`, a `__Host-` or `__Secure-` name)
   * is always Secure: it refuses `false` and `'auto'` at startup.
   * @default `'auto'`; `true` for `sameSite: 'none'` and `__Host-` / `__Secure-` names
   */
  secure?: boolean | 'auto';
  /**
   * `SameSite` attribute. `'none'` makes the cookie always Secure (see `secure`).
   * @default `'lax'`
   */
  sameSite?: 'lax' | 'strict' | 'none';
  /**
   * `Domain` attribute, a host name. Not allowed with a `__Host-` name.
   * @default none (a host-only cookie)
   */
  domain?: string;
  /**
   * `Path` attribute; must start with `/`. Must be `'/'` with a `__Host-` name.
   * @default `'/'`
   */
  path?: string;
  /**
   * `HttpOnly` attribute; turning it off lets page scripts read the session cookie.
   * @default `true`
   */
  httpOnly?: boolean;
  /**
   * `true`: the cookie carries `Max-Age` (the time left until the session
   * expires, in seconds) and survives a browser restart. `false`: a
   * browser-session cookie, gone when the browser closes.
   * @default `true`
   */
  persistent?: boolean;
  /**
   * `Partitioned` attribute (CHIPS), for sessions used in third-party iframes.
   * @default `false`
   */
  partitioned?: boolean;
}

/** Options shared by every adapter (`session()` for Express, the Fastify plugin). The per-user index options are in {@link UserSessionOptions}. */
export interface SessionOptions extends UserSessionOptions {
  /** Where sessions live: `RedisStore`, `MemcachedStore`, `JwtStore`, `MemoryStore` or any `SessionStore`. */
  store: AnySessionStore;
  /**
   * Secret(s) that sign the session cookie with HMAC-SHA256, each at least 32
   * bytes. With a list, the first signs and all verify: to rotate, put the new
   * secret first and keep the old one until the longest session has expired;
   * cookies signed with the old one are re-issued with the new one on their next
   * request, so nobody is logged out. Required for server-side stores; a
   * client-side store (`JwtStore`) signs with its own keys.
   * @default none (required with a server-side store)
   */
  secret?: Secret | readonly Secret[];
  /**
   * Name of the session cookie. A `__Host-` name (e.g. `'__Host-sid'`) makes
   * browsers refuse the cookie from a sibling subdomain or over http, so no
   * other site can plant one; it needs Secure, path `/` and no domain
   * (checked at startup).
   * @default `'sid'`
   */
  cookieName?: string;
  /**
   * Idle expiry in seconds: a session unused this long is gone. Sliding.
   * @default `86400` seconds (1 day)
   */
  ttl?: number;
  /**
   * Absolute expiry in seconds since the session was created, however active it
   * is (then the user signs in again). `regenerate()` starts a new one.
   * @default none (no absolute expiry)
   */
  maxLifetime?: number;
  /**
   * Seconds between two writes that only slide the expiry of an unchanged
   * session. Lower = expiry more exact, more store writes; `0` slides it on
   * every request. Shorter than `ttl`.
   * @default `ttl` / 10, at most `3600` seconds
   */
  touchAfter?: number;
  /**
   * Store a session (and send its cookie) even when nothing was put in it.
   * `false`: a visitor whose session stays empty costs no store write and
   * gets no cookie.
   * @default `false`
   */
  saveUninitialized?: boolean;
  /**
   * Cookie attributes: see {@link SessionCookieOptions}.
   * @default each attribute's own default
   */
  cookie?: SessionCookieOptions;
  /**
   * Seconds a single store call may take before the request fails with
   * `SessionStoreUnavailableError` (503). At most 2147483.647 (a timer's range).
   * A store that bounds its own calls within this (`capabilities.callTimeout`:
   * RedisStore's and MemcachedStore's `timeout`) fails first with its own error, so
   * no timer is set per call for it.
   * @default `2` seconds
   */
  storeTimeout?: number;
  /**
   * Seconds sent in `Retry-After` when the store is unavailable, a whole number.
   * @default `2` seconds
   */
  retryAfter?: number;
  /**
   * Receives an event per load, commit and store error: wire it to metrics or logs. Must not throw.
   * @default none (no events)
   */
  onEvent?: (event: SessionEvent) => void;
  /**
   * Migrating from express-session or `@fastify/session`: also accept their signed cookie
   * and load its session from the store's legacy sessions (`RedisStore({ legacy })`), so
   * nobody is logged out. See `@podsafe/redis`'s migration guide. Remove it once moved.
   * @default none (no legacy cookie read)
   */
  legacyCookie?: LegacyCookieOptions;
}

/** Options after defaults and validation (see {@link SessionOptions} for each one). Times in seconds. */
export interface ResolvedOptions {
  /** Where sessions live. */
  store: AnySessionStore;
  /** The cookie-signing secrets; `undefined` for a client-side store, which signs itself. */
  keyring: Pick<Keyring, 'sign' | 'verify'> | undefined;
  /** Name of the session cookie. */
  cookieName: string;
  /** Idle expiry, seconds. */
  ttl: number;
  /** Absolute expiry since creation, seconds; `undefined` for none. */
  maxLifetime: number | undefined;
  /** Minimum seconds between expiry-only writes. */
  touchAfter: number;
  /** Whether empty new sessions are stored. */
  saveUninitialized: boolean;
  /** Cookie attributes, every default applied. */
  cookie: Required<Omit<SessionCookieOptions, 'domain'>> & { domain: string | undefined };
  /** Seconds one store call may take. */
  storeTimeout: number;
  /** Seconds sent in `Retry-After` on 503. */
  retryAfter: number;
  /** The event hook, if any. */
  onEvent: ((event: SessionEvent) => void) | undefined;
  /** The legacy cookie accepted during a migration, if any. */
  legacyCookie: LegacyCookie | undefined;
}

/** Every key of {@link SessionOptions} (the compiler keeps the two in step); any other key is refused. */
const OPTION_KEYS = Object.keys({
  store: true,
  secret: true,
  cookieName: true,
  ttl: true,
  maxLifetime: true,
  touchAfter: true,
  saveUninitialized: true,
  cookie: true,
  storeTimeout: true,
  retryAfter: true,
  onEvent: true,
  legacyCookie: true,
  userKey: true,
  recordUserAgent: true,
  recordIp: true,
  userSessionsLimit: true,
} satisfies Record<keyof SessionOptions, true>);

/** Every key of {@link SessionCookieOptions}. */
const COOKIE_KEYS = Object.keys({
  secure: true,
  sameSite: true,
  domain: true,
  path: true,
  httpOnly: true,
  persistent: true,
  partitioned: true,
} satisfies Record<keyof SessionCookieOptions, true>);

/** Cookie names allowed by RFC 6265 (a token). */
const COOKIE_NAME = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

/** Applies defaults and refuses bad options with a `SessionConfigError` that says how to fix them. */
export function resolveOptions(options: SessionOptions): ResolvedOptions {
  const parse: OptionParser = sessionOptions;
  if (!options || typeof options !== 'object') parse.fail('options are required: { store, secret }.');
  parse.rejectUnknown(options, OPTION_KEYS, FOREIGN_SESSION_OPTIONS);
  if (options.cookie !== undefined) {
    if (typeof options.cookie !== 'object' || options.cookie === null)
      parse.fail(`cookie must be an object of cookie attributes, got ${JSON.stringify(options.cookie)}.`);
    parse.rejectUnknown(options.cookie, COOKIE_KEYS, FOREIGN_COOKIE_OPTIONS);
  }
  const { store } = options;
  if (!store || typeof store !== 'object') {
    parse.fail('`store` is required: pass e.g. new RedisStore({ url }) or, for development only, new MemoryStore().');
  }
  const foreignStore = foreignStoreHint(store);
  if (foreignStore !== undefined) parse.fail(`${foreignStore}.`);
  let keyring: Keyring | undefined;
  if (options.secret !== undefined) keyring = new Keyring(options.secret, 'podsafe session options: secret');
  else if (needsCookieSecret(store)) {
    parse.fail(
      '`secret` is required to sign the session cookie: pass a string of 32+ bytes (or a list, newest first, to rotate), ' +
        'e.g. process.env.SESSION_SECRET generated with `openssl rand -base64 48`.',
    );
  }
  const cookieName = options.cookieName ?? 'sid';
  if (typeof cookieName !== 'string' || !COOKIE_NAME.test(cookieName)) {
    parse.fail(`cookieName ${JSON.stringify(cookieName)} is not a valid cookie name (letters, digits and !#$%&'*+-.^_\`|~).`);
  }
  const ttl = parse.seconds('ttl', options.ttl, { default: 86_400 });
  const maxLifetime = parse.seconds('maxLifetime', options.maxLifetime, { default: undefined });
  const touchAfter = options.touchAfter === 0 ? 0 : parse.seconds('touchAfter', options.touchAfter, { default: Math.min(ttl / 10, 3600) });
  if (touchAfter >= ttl) {
    parse.fail(`touchAfter (${touchAfter} s) must be shorter than ttl (${ttl} s), or sessions expire while in use.`);
  }
  const c = options.cookie ?? {};
  const sameSite = c.sameSite ?? 'lax';
  if (!['lax', 'strict', 'none'].includes(sameSite)) {
    const hint = foreignSameSiteHint(sameSite);
    parse.fail(`cookie.sameSite must be 'lax', 'strict' or 'none', got ${JSON.stringify(sameSite)}.${hint ? ` (${hint}.)` : ''}`);
  }
  const secure = resolveSecure(cookieName, sameSite, c.secure);
  const resolved: ResolvedOptions = {
    store,
    keyring,
    cookieName,
    ttl,
    maxLifetime,
    touchAfter,
    saveUninitialized: parse.boolean('saveUninitialized', options.saveUninitialized, false),
    cookie: {
      secure,
      sameSite,
      domain: checkCookieDomain(c.domain, cookieName),
      path: checkCookiePath(c.path, cookieName),
      httpOnly: parse.boolean('cookie.httpOnly', c.httpOnly, true),
      persistent: parse.boolean('cookie.persistent', c.persistent, true),
      partitioned: parse.boolean('cookie.partitioned', c.partitioned, false),
    },
    storeTimeout: checkStoreTimeout(parse.seconds('storeTimeout', options.storeTimeout, { default: 2 })),
    retryAfter: checkRetryAfter(parse.seconds('retryAfter', options.retryAfter, { default: 2 })),
    onEvent: options.onEvent,
    legacyCookie: undefined,
  };
  if (options.legacyCookie !== undefined) resolved.legacyCookie = new LegacyCookie(options.legacyCookie, store, resolved);
  return resolved;
}
