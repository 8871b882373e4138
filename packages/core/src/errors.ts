/**
 * The `code` of every podsafe error: stable, machine-readable, one per error
 * class (each class also has it as a static `code`, so
 * `error.code === SessionStoreUnavailableError.code` needs no `instanceof`
 * across copies of the package).
 */
export type PodsafeErrorCode =
  | 'ERR_PODSAFE'
  | 'ERR_SESSION_CONFIG'
  | 'ERR_SESSION_STORE_UNAVAILABLE'
  | 'ERR_SESSION_TOO_LARGE'
  | 'ERR_INVALID_SESSION_ID'
  | 'ERR_SESSION_DATA'
  | 'ERR_SESSION_DESTROYED';

/**
 * Every error podsafe throws is a `PodsafeError` with a stable `code` and a
 * message that says what to do about it.
 */
export class PodsafeError extends Error {
  /** The code of this class's errors. */
  static readonly code: PodsafeErrorCode = 'ERR_PODSAFE';
  /** A stable machine-readable code, e.g. `'ERR_SESSION_STORE_UNAVAILABLE'`: the static `code` of the error's class. */
  readonly code: PodsafeErrorCode;
  /** The HTTP status an adapter answers with when this error reaches it. */
  readonly statusCode: number;
  /** Alias of `statusCode`, read by Express's default error handler. */
  readonly status: number;
  /** Whether the message is safe to show to the client. */
  readonly expose: boolean;
  /** Headers an adapter adds to the error response (Express's finalhandler and Fastify both honour this). */
  readonly headers: Record<string, string>;

  constructor(message: string, options: { statusCode?: number; expose?: boolean; headers?: Record<string, string>; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = (new.target as typeof PodsafeError).code;
    this.statusCode = options.statusCode ?? 500;
    this.status = this.statusCode;
    this.expose = options.expose ?? false;
    this.headers = options.headers ?? {};
  }
}

/** Bad options, thrown when a store, the engine or an adapter is created: fix the configuration. */
export class SessionConfigError extends PodsafeError {
  /** The code of this class's errors. */
  static override readonly code: PodsafeErrorCode = 'ERR_SESSION_CONFIG';
  constructor(message: string) {
    super(message);
  }
}

/**
 * The session store did not answer in time or refused the connection.
 * Adapters turn it into `503 Service Unavailable` with `Retry-After`.
 */
export class SessionStoreUnavailableError extends PodsafeError {
  /** The code of this class's errors. */
  static override readonly code: PodsafeErrorCode = 'ERR_SESSION_STORE_UNAVAILABLE';
  /** Seconds the client should wait before retrying (sent as `Retry-After`). */
  readonly retryAfter: number;

  constructor(detail: string, options: { retryAfter?: number; cause?: unknown } = {}) {
    const retryAfter = options.retryAfter ?? 2;
    super(
      `Session store unavailable: ${detail}. Check that the store is running and reachable ` +
        `from this process (address, credentials, network policy); requests get 503 until it answers again, ` +
        `and recover by themselves when it does.`,
      { statusCode: 503, expose: false, headers: { 'Retry-After': String(retryAfter) }, cause: options.cause },
    );
    this.retryAfter = retryAfter;
  }
}

/** The session does not fit where it must be stored (a cookie, or a store's item size limit). */
export class SessionTooLargeError extends PodsafeError {
  /** The code of this class's errors. */
  static override readonly code: PodsafeErrorCode = 'ERR_SESSION_TOO_LARGE';
  /** The size the session needed, in bytes. */
  readonly size: number;
  /** The limit it exceeded, in bytes. */
  readonly limit: number;

  /**
   * @param what - what was too large, e.g. `'The session token'`.
   * @param advice - what to do; the default suits a cookie-carried session.
   */
  constructor(
    what: string,
    size: number,
    limit: number,
    advice = 'Keep less in the session (store ids and look the rest up), or use a server-side store such as RedisStore.',
  ) {
    super(`${what} is ${size} bytes, over the limit of ${limit} bytes. ${advice}`, { statusCode: 500 });
    this.size = size;
    this.limit = limit;
  }
}

/** A store was handed an id that is not a well-formed session id; it refuses to build a key from it. */
export class InvalidSessionIdError extends PodsafeError {
  /** The code of this class's errors. */
  static override readonly code: PodsafeErrorCode = 'ERR_INVALID_SESSION_ID';
  constructor(id: unknown) {
    const shown = typeof id === 'string' ? JSON.stringify(id.length > 40 ? `${id.slice(0, 40)}…` : id) : typeof id;
    super(
      `Invalid session id ${shown}: ids are 16 to 128 characters of A-Z a-z 0-9 _ -. ` +
        `Pass ids produced by generateSessionId() (or by express-session's default genid).`,
      { statusCode: 400 },
    );
  }
}

/** Session data that JSON cannot carry (a function, a bigint, a cycle). */
export class SessionDataError extends PodsafeError {
  /** The code of this class's errors. */
  static override readonly code: PodsafeErrorCode = 'ERR_SESSION_DATA';
  constructor(key: string, cause: unknown) {
    super(
      `Session key ${JSON.stringify(key)} cannot be stored: its value does not survive JSON ` +
        `(${cause instanceof Error ? cause.message : String(cause)}). Store plain objects, arrays, strings, numbers, booleans and null.`,
      { cause },
    );
  }
}

/** A method was called on a session that was destroyed in this request. */
export class SessionDestroyedError extends PodsafeError {
  /** The code of this class's errors. */
  static override readonly code: PodsafeErrorCode = 'ERR_SESSION_DESTROYED';
  constructor(method: string) {
    super(`session.${method}() was called after session.destroy(). Call session.regenerate() to start a new session instead.`);
  }
}
