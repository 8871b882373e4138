import { InvalidSessionIdError, SessionConfigError } from '@podsafe/core';
import { assertStorableId } from '@podsafe/core/store';

/** Memcached refuses keys longer than this many bytes. */
export const MAX_KEY_BYTES = 250;

/**
 * Appended to a session's key to name the key that holds its `lastSeenAt` after a
 * touch (see `MemcachedStore.touch`). `:` never occurs in a session id, so no
 * session key can end with it.
 */
export const SEEN_SUFFIX = ':seen';

/** The longest id core's `assertStorableId` lets through (its ids are 16 to 128 characters). */
const MAX_ID_LENGTH = 128;

/**
 * The longest prefix, in bytes, with which every storable id still makes a
 * legal key, the `lastSeenAt` key included: bad prefixes fail when the store is
 * created, not on some user's request.
 */
export const MAX_PREFIX_BYTES = MAX_KEY_BYTES - MAX_ID_LENGTH - SEEN_SUFFIX.length;

/** The prefix used when none is given. */
export const DEFAULT_PREFIX = 'podsafe:sess:';

/**
 * Printable ASCII without the space: memcached's text protocol (which other
 * tools use to inspect the same keys) ends a key at whitespace and refuses
 * control characters, and non-ASCII bytes make key lengths surprising.
 */
const KEY_SAFE = /^[\x21-\x7e]+$/;

/** Throws `SessionConfigError` unless `prefix` can start every key the store builds. */
export function assertPrefix(prefix: unknown): asserts prefix is string {
  if (typeof prefix !== 'string' || prefix.length === 0) {
    throw new SessionConfigError(
      `MemcachedStore: prefix must be a non-empty string (got ${JSON.stringify(prefix) ?? String(prefix)}); it keeps session keys ` +
        `apart from everything else in memcached. Default: "${DEFAULT_PREFIX}".`,
    );
  }
  if (!KEY_SAFE.test(prefix)) {
    throw new SessionConfigError(
      `MemcachedStore: prefix ${JSON.stringify(prefix)} has a space, a control or a non-ASCII character, which memcached keys ` +
        `cannot carry. Use printable ASCII only, e.g. "myapp:sess:".`,
    );
  }
  if (prefix.length > MAX_PREFIX_BYTES) {
    throw new SessionConfigError(
      `MemcachedStore: prefix is ${prefix.length} bytes; at most ${MAX_PREFIX_BYTES} leave room for a session id in ` +
        `memcached's ${MAX_KEY_BYTES}-byte key limit. Use a shorter prefix.`,
    );
  }
}

/**
 * The memcached key of session `id`. Refuses, with `InvalidSessionIdError`, an id
 * core would not store, and any key (its `lastSeenAt` companion included) over
 * memcached's 250 bytes, instead of letting memcached reject or truncate it.
 */
export function sessionKey(prefix: string, id: unknown): string {
  assertStorableId(id);
  const key = prefix + id;
  if (Buffer.byteLength(key) + SEEN_SUFFIX.length > MAX_KEY_BYTES) throw new InvalidSessionIdError(id);
  return key;
}

/** The key holding the `lastSeenAt` of the session stored under `key`. */
export function seenKey(key: string): string {
  return key + SEEN_SUFFIX;
}

/**
 * What server selection hashes: a session's key and its `lastSeenAt` key hash
 * alike, so both live on the same server and are read in one pipelined round trip.
 */
export function routingKey(key: string): string {
  return key.endsWith(SEEN_SUFFIX) ? key.slice(0, -SEEN_SUFFIX.length) : key;
}
