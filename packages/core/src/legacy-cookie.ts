import { createHmac, timingSafeEqual } from 'node:crypto';
import { clearedCookie, readCookie } from './cookie.js';
import { optionParser, type OptionParser } from './option-parser.js';
import { isStorableId } from './id.js';
import type { ResolvedOptions } from './options.js';
import type { Secret, VerifyResult } from './signing.js';
import { legacySessionsOf } from './persistence-strategy.js';
import type { AnySessionStore, LegacySessionSource } from './types.js';

/**
 * `legacyCookie`: accept the cookie of the session library an app is migrating from,
 * so its users stay logged in. Needs a store with legacy support (`RedisStore({ legacy })`).
 */
export interface LegacyCookieOptions {
  /** The old library's cookie name: express-session's default is `'connect.sid'`, `@fastify/session`'s `'sessionId'`. */
  name: string;
  /**
   * The old library's secret(s), as the old app passed them (any length: the old app
   * chose them). With a list every one verifies and the first signs the legacy
   * cookies podsafe sets in `'dual'` mode.
   */
  secret: Secret | readonly Secret[];
  /**
   * How the old library signs its cookie, for the cookies podsafe sets in `'dual'`
   * mode: `'express-session'` sends `s:<id>.<signature>`, `'@fastify/session'`
   * sends `<id>.<signature>`. Both are accepted when reading: both are
   * cookie-signature's HMAC-SHA256 of the id, base64 without padding.
   * @default `'express-session'`
   */
  format?: 'express-session' | '@fastify/session';
  /**
   * `Path` of the old cookie, to clear it (or set it, in `'dual'` mode).
   * @default `'/'`
   */
  path?: string;
  /**
   * `Domain` of the old cookie, if the old app set one.
   * @default none (a host-only cookie)
   */
  domain?: string;
}

/** Every key of {@link LegacyCookieOptions} (the compiler keeps the two in step). */
const LEGACY_COOKIE_KEYS = Object.keys({ name: true, secret: true, format: true, path: true, domain: true } satisfies Record<
  keyof LegacyCookieOptions,
  true
>);

/**
 * The old library's cookie: verifies it (HMAC-SHA256, constant-time per secret), signs
 * it, clears it. It also knows the options under which the engine serves a legacy
 * session in place (`'dual'` mode): the legacy store, this cookie's name and signing.
 */
export class LegacyCookie {
  /** The legacy sessions, from the store. */
  readonly source: LegacySessionSource;
  /** The engine's options with the store, cookie name and signing swapped for the legacy ones. */
  readonly options: ResolvedOptions;
  readonly #keys: Buffer[];
  readonly #prefix: string;

  /** @throws SessionConfigError for bad options, or a store without legacy sessions. */
  constructor(options: LegacyCookieOptions, store: AnySessionStore, engineOptions: Omit<ResolvedOptions, 'legacyCookie'>) {
    const parse: OptionParser = optionParser('legacyCookie');
    const fail: (message: string) => never = parse.fail;
    if (typeof options !== 'object' || options === null)
      fail("must be an object, e.g. { name: 'connect.sid', secret: process.env.OLD_SESSION_SECRET }.");
    parse.rejectUnknown(options, LEGACY_COOKIE_KEYS);
    const source = legacySessionsOf(store);
    if (!source) {
      fail(
        "the store has no legacy sessions to load: give it the old library's records, e.g. new RedisStore({ legacy: { format: 'connect-redis', prefix: 'sess:', mode: 'dual' } }).",
      );
    }
    if (typeof options.name !== 'string' || !/^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/.test(options.name))
      fail(`name ${JSON.stringify(options.name)} is not a cookie name.`);
    if (options.name === engineOptions.cookieName)
      fail(`name must differ from cookieName ("${options.name}"): podsafe's own cookie cannot share the old one's name.`);
    const list = Array.isArray(options.secret) ? (options.secret as readonly Secret[]) : [options.secret as Secret];
    if (list.length === 0) fail("secret is empty: pass the old app's session secret (express-session's or @fastify/session's `secret`).");
    this.#keys = list.map((secret, index) => {
      if (typeof secret === 'string' && secret.length > 0) return Buffer.from(secret, 'utf8');
      if (secret instanceof Uint8Array && secret.length > 0) return Buffer.from(secret);
      return fail(`secret${list.length > 1 ? `[${index}]` : ''} must be a non-empty string or Uint8Array: the old app's session secret.`);
    });
    const format = options.format ?? 'express-session';
    if (format !== 'express-session' && format !== '@fastify/session')
      fail(`format must be 'express-session' or '@fastify/session', got ${JSON.stringify(format)}.`);
    this.#prefix = format === 'express-session' ? 's:' : '';
    this.source = source!;
    this.options = {
      ...engineOptions,
      store: source!.store,
      cookieName: options.name,
      keyring: { sign: (id: string) => this.sign(id), verify: (value: string) => this.#verifyResult(value) },
      cookie: { ...engineOptions.cookie, path: options.path ?? '/', domain: options.domain },
      legacyCookie: undefined,
    };
  }

  /** The legacy session id in the request's legacy cookie, if it carries one that verifies. */
  read(cookieHeader: string | undefined): { present: boolean; id: string | undefined } {
    const raw = readCookie(cookieHeader, this.options.cookieName);
    return { present: raw !== undefined && raw !== '', id: raw ? this.verify(raw) : undefined };
  }

  /** The id in a signed legacy cookie value (`s:<id>.<sig>` or `<id>.<sig>`), or `undefined` if it does not verify. */
  verify(value: string): string | undefined {
    const signed = value.startsWith('s:') ? value.slice(2) : value;
    const dot = signed.lastIndexOf('.');
    if (dot <= 0) return undefined;
    const id = signed.slice(0, dot);
    const given = Buffer.from(signed.slice(dot + 1));
    let valid = false;
    // Every secret is tried, so the time taken does not tell which one matched.
    for (const key of this.#keys) {
      const expected = Buffer.from(mac(key, id));
      if (given.length === expected.length && timingSafeEqual(given, expected)) valid = true;
    }
    return valid && isStorableId(id) ? id : undefined;
  }

  /** The legacy cookie value for `id`, signed with the first secret as the old library signs it. */
  sign(id: string): string {
    return `${this.#prefix}${id}.${mac(this.#keys[0]!, id)}`;
  }

  /** The `Set-Cookie` value that deletes the legacy cookie. */
  cleared(secureRequest: boolean): string {
    return clearedCookie(this.options, secureRequest);
  }

  #verifyResult(value: string): VerifyResult {
    const id = this.verify(value);
    return id === undefined ? { valid: false } : { valid: true, value: id, rotated: false };
  }
}

/** cookie-signature's MAC: HMAC-SHA256, base64 without `=` padding. */
function mac(key: Buffer, value: string): string {
  return createHmac('sha256', key).update(value).digest('base64').replace(/=+$/, '');
}
