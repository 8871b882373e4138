import { PodsafeError, type SessionStoreUnavailableError } from '@podsafe/core';
import { storeErrors } from '@podsafe/core/store';

/** Every RedisStore's unavailable, closed and timeout errors. */
export const redisErrors = storeErrors('RedisStore');

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
  if (message.startsWith('NOAUTH'))
    return ' (Redis requires a password: put it in the url, redis://:password@host:6379, or in redisOptions.password, with redisOptions.username for an ACL user)';
  if (message.startsWith('WRONGPASS'))
    return ' (the password or username is wrong: check the credentials in the url, or redisOptions.password / redisOptions.username)';
  if (message.startsWith('NOPERM')) return ' (the Redis ACL user needs HGETALL, EVALSHA, EVAL, UNLINK, SCAN and PING on the prefix)';
  if (message.startsWith('READONLY')) return ' (connected to a replica: point the store at the master, or use Sentinel)';
  if (message.startsWith('OOM'))
    return ' (Redis hit maxmemory: raise it, or set maxmemory-policy volatile-lru so expiring sessions are evicted)';
  if (message.startsWith('LOADING')) return ' (Redis is loading its dataset after a restart; this passes by itself)';
  if (message.startsWith('DENIED')) {
    return ' (Redis runs in protected mode and refuses clients from other hosts: set a password on Redis, requirepass or an ACL user, and give it to the store; or start Redis with --protected-mode no on a network only the app can reach)';
  }
  if (message.startsWith('ERR max number of clients')) return ' (Redis hit maxclients: raise it, or find what holds so many connections)';
  return '';
}

/** Redis answers that refuse the client itself, not one command: they repeat on every call until the configuration is fixed. */
const REFUSAL = /^(DENIED|NOAUTH|WRONGPASS|NOPERM|ERR max number of clients)/;

/** The refusal in a connection error, e.g. ioredis's "Ready check failed: NOAUTH ..."; undefined for anything else. */
export function refusalIn(message: string | undefined): string | undefined {
  const text = message?.replace(/^Ready check failed: /, '');
  if (!text || !REFUSAL.test(text)) return undefined;
  // DENIED's text runs to a page; its first sentence says what it is.
  const sentence = /^[^.]*\./.exec(text)?.[0] ?? text;
  return sentence.length < text.length && text.startsWith('DENIED') ? sentence : text.replace(/\.+$/, '');
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
  const refusal = error instanceof Error && isReplyError(error) ? undefined : (refusalIn(lastConnectionError) ?? refusalIn(message));
  let detail: string;
  if (refusal !== undefined) {
    // Not an outage: Redis answered, and said no. Say that, not "did not answer in time".
    detail = `${address} refused the connection, so ${operation} failed: ${refusal}${hint(refusal)}`;
  } else if (error instanceof CallTimeout) {
    return redisErrors.timeout(operation, timeoutSeconds, address, lastSeen);
  } else if (message === 'Command timed out') {
    detail = `${address} did not answer ${operation} in time (timeout ${timeoutSeconds} s)${lastSeen}`;
  } else if (error instanceof Error && error.name === 'MaxRetriesPerRequestError') {
    // ioredis drops its offline queue after failed reconnect attempts: Redis is down, not slow.
    detail = `${address} is not connected; ${operation} was dropped while reconnecting${lastSeen}`;
  } else if (error instanceof Error && isReplyError(error)) {
    detail = `${address} refused ${operation}: ${message.replace(/\.+$/, '')}${hint(message)}`;
  } else {
    detail = `${address} is not reachable, ${operation} failed (${message}${lastSeen})`;
  }
  return redisErrors.unavailable(detail, error);
}

/** The error for calls on a store after `close()`. */
export function closedError(operation: string): SessionStoreUnavailableError {
  return redisErrors.closed(operation);
}
