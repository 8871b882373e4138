import type { OptionHint } from './option-parser.js';

/**
 * Options of express-session, `@fastify/session` and `@fastify/secure-session`,
 * refused with what to write instead (podsafe takes every time in seconds).
 * Options with the same name and meaning (`secret`, `saveUninitialized`,
 * `cookieName`, `store`, the cookie attributes) are podsafe options already.
 * This table is the migration table of the adapter READMEs.
 */
export const FOREIGN_SESSION_OPTIONS: Readonly<Record<string, OptionHint>> = {
  name: (value) => `express-session's name is podsafe's cookieName: cookieName: ${JSON.stringify(value)}`,
  resave: () =>
    'podsafe never rewrites an unchanged session, and writes only the keys that changed (what resave: false asks for): remove resave',
  rolling: () =>
    'podsafe slides the expiry and re-sends the cookie at most every touchAfter seconds: remove rolling; touchAfter: 0 (seconds) slides on every request as rolling: true did',
  genid: () => 'podsafe makes every id itself (32 random bytes), so none can be chosen or guessed: remove genid',
  idGenerator: () => 'podsafe makes every id itself (32 random bytes), so none can be chosen or guessed: remove idGenerator',
  unset: () => 'podsafe keeps the session when req.session is reassigned; to end a session call session.destroy(): remove unset',
  proxy: () =>
    "podsafe takes https from the framework: set Express's app.set('trust proxy', ...) or Fastify's trustProxy, and remove proxy",
  cookiePrefix: (value) => `put the whole cookie name in cookieName (e.g. cookieName: ${JSON.stringify(`${String(value)}sid`)})`,
  key: () =>
    "@fastify/secure-session's key: for sessions carried in the cookie use store: new JwtStore({ secret }), for server-side ones secret",
  sessionName: () => 'podsafe always puts the session on request.session: remove sessionName',
  expiry: (value) => `@fastify/secure-session's expiry is podsafe's ttl, both in seconds: ttl: ${String(value)}`,
  salt: () => "@fastify/secure-session's salt: podsafe signs with secret alone (32+ bytes): remove salt",
};

/** Cookie options of express-session and `@fastify/session` that podsafe does not take, with what to write instead. */
export const FOREIGN_COOKIE_OPTIONS: Readonly<Record<string, OptionHint>> = {
  maxAge: (value) =>
    typeof value === 'number'
      ? `cookie.maxAge is milliseconds in express-session and @fastify/session; podsafe's session lifetime is ttl in seconds: ` +
        `cookie.maxAge: ${value} (ms) -> ttl: ${value / 1000} (seconds). For a browser-session cookie use cookie.persistent: false`
      : "podsafe's session lifetime is ttl (seconds), and cookie.persistent: false makes a browser-session cookie",
  expires: () =>
    'one fixed date cannot fit sessions created later: set ttl (seconds of idle life), maxLifetime (seconds since login), or cookie.persistent: false for a browser-session cookie',
  priority: () => 'podsafe does not send the Priority attribute: remove cookie.priority',
  signed: () => 'podsafe always signs the session cookie with secret: remove cookie.signed',
  encode: () => 'podsafe cookie values need no encoding: remove cookie.encode',
};

/** What express-session's `cookie.sameSite: true | false` are in podsafe, or `undefined` for anything else. */
export function foreignSameSiteHint(value: unknown): string | undefined {
  if (value === true) return "cookie.sameSite: true is express-session's spelling of 'strict': sameSite: 'strict'";
  if (value === false)
    return "cookie.sameSite: false sends no SameSite attribute, which podsafe does not do: use 'lax' (the default), 'strict' or 'none'";
  return undefined;
}

/**
 * Why `store` is not a podsafe store, when it is a store of another session
 * library (connect-redis, connect-memcached...) or one of podsafe's drop-ins;
 * `undefined` when it is not recognised as either.
 */
export function foreignStoreHint(store: object): string | undefined {
  const s = store as Record<string, unknown>;
  if (s.capabilities !== undefined || s.kind === 'client') return undefined;
  const inner = s.store as Record<string, unknown> | undefined;
  if (inner && typeof inner === 'object' && inner.capabilities !== undefined) {
    return 'store is a drop-in for express-session / @fastify/session (ExpressSessionStore, FastifySessionStore): pass the podsafe store inside it (its .store) instead';
  }
  if (typeof s.get === 'function' && typeof s.set === 'function' && typeof s.destroy === 'function') {
    return (
      'store looks like an express-session or @fastify/session store (connect-redis, connect-memcached...), which podsafe cannot use: ' +
      'pass a podsafe store, e.g. new RedisStore({ client }) from @podsafe/redis or new MemcachedStore({ servers }) from @podsafe/memcached'
    );
  }
  return undefined;
}
