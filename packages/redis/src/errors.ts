import { PodsafeError, SessionStoreUnavailableError } from '@podsafe/core';

/** What an error message needs to know about the call that failed. */
export interface CallContext {
  /** Where Redis is, e.g. `Redis at redis://10.0.0.7:6379`. */
  address: string;
  /** The store method, e.g. `save`. */
  operation: string;
  /** The bound the call ran under, in seconds. */
  timeoutSeconds: number;
  /** The last connection error ioredis reported, if the store saw one since the last `ready`. */
  lastConnectionError: string | undefined;
}

/** Thrown by the store's own per-call timer. */
export class CallTimeout extends Error {
  constructor() {
    super('RedisStore call timed out');
    this.name = 'CallTimeout';
  }
}

/** Whether Redis answered WRONGTYPE: the key holds something other than a session hash. */
export function isWrongType(error: unknown): boolean {
  return error instanceof Error && error.message.startsWith('WRONGTYPE');
}

function isReplyError(error: Error): boolean {
  // By name, not instanceof: an app may hand us a client from another copy of ioredis.
  return error.name === 'ReplyError';
}

function hint(message: string): string {
  if (/^(NOAUTH|WRONGPASS)/.test(message)) return ' (check the password / username in the URL or redisOptions)';
  if (message.startsWith('NOPERM')) return ' (the Redis ACL user needs HGETALL, EVALSHA, EVAL, UNLINK, SCAN and PING on the prefix)';
  if (message.startsWith('READONLY')) return ' (connected to a replica: point the store at the master, or use Sentinel)';
  if (message.startsWith('OOM')) return ' (Redis hit maxmemory: raise it, or set maxmemory-policy volatile-lru so expiring sessions are evicted)';
  if (message.startsWith('LOADING')) return ' (Redis is loading its dataset after a restart; this passes by itself)';
  return '';
}

/**
 * Any failure of a Redis call as a podsafe error: podsafe's own errors pass
 * through; everything else (timeout, refused connection, a server-side error such as
 * OOM or READONLY) becomes `SessionStoreUnavailableError`, whose message names the
 * address and says what to check.
 */
export function toStoreError(error: unknown, context: CallContext): PodsafeError {
  if (error instanceof PodsafeError) return error;
  const { address, operation, timeoutSeconds, lastConnectionError } = context;
  const message = error instanceof Error ? error.message : String(error);
  const lastSeen = lastConnectionError ? `; last connection error: ${lastConnectionError}` : '';
  let detail: string;
  if (error instanceof CallTimeout) {
    detail = `${address} did not answer ${operation} within ${timeoutSeconds} s${lastSeen}`;
  } else if (message === 'Command timed out') {
    detail = `${address} did not answer ${operation} in time (commandTimeout ${timeoutSeconds} s)${lastSeen}`;
  } else if (error instanceof Error && error.name === 'MaxRetriesPerRequestError') {
    // ioredis drops its offline queue after failed reconnect attempts: Redis is down, not slow.
    detail = `${address} is not connected; ${operation} was dropped while reconnecting${lastSeen}`;
  } else if (error instanceof Error && isReplyError(error)) {
    detail = `${address} refused ${operation}: ${message}${hint(message)}`;
  } else {
    detail = `${address} is not reachable, ${operation} failed (${message}${lastSeen})`;
  }
  return new SessionStoreUnavailableError(detail, { cause: error });
}

/** The error for calls on a store after `close()`. */
export function closedError(operation: string): SessionStoreUnavailableError {
  return new SessionStoreUnavailableError(`${operation} was called on a RedisStore after close(); create a new store, or close it only at shutdown`);
}
