import { isStorableId } from '@podsafe/core/store';

/** The Redis key of a session. Ids are already checked, so the key holds no glob or hash-tag characters from the id. */
export function sessionKey(prefix: string, id: string): string {
  return prefix + id;
}

/** A SCAN MATCH pattern for every key under `prefix`, with the prefix's glob characters escaped. */
export function keyPattern(prefix: string): string {
  return `${prefix.replace(/[*?[\]\\]/g, (c) => `\\${c}`)}*`;
}

/**
 * The session id in `key`, or `undefined` when the key is not one of this store's
 * sessions. The id check matters: another store whose prefix extends ours
 * (`podsafe:sess:` vs `podsafe:sess:v2:`) lives under our pattern too, and its keys
 * (with a `:` after our prefix) must never be listed or cleared as ours.
 */
export function idFromKey(prefix: string, key: string): string | undefined {
  if (!key.startsWith(prefix)) return undefined;
  const id = key.slice(prefix.length);
  return isStorableId(id) ? id : undefined;
}
