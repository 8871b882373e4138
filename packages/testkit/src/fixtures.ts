import type { SessionChange, SessionDataRecord } from '@podsafe/core';
import { generateSessionId, nowSeconds } from '@podsafe/core/store';

/** A fresh, well-formed session id. */
export const newId = generateSessionId;

/** A change that creates a session holding `data`. */
export function create(data: SessionDataRecord, at = nowSeconds()): SessionChange {
  return { isNew: true, set: { ...data }, unset: [], data: { ...data }, meta: { createdAt: at, lastSeenAt: at } };
}

/**
 * A change to an existing session, as a request that loaded `before` would
 * send: only what differs, plus the whole data for whole-record stores.
 */
export function update(before: SessionDataRecord, set: SessionDataRecord, unset: string[] = [], createdAt = nowSeconds()): SessionChange {
  const data: SessionDataRecord = { ...before, ...set };
  for (const key of unset) delete data[key];
  return { isNew: false, set, unset, data, meta: { createdAt, lastSeenAt: nowSeconds() } };
}

/** Ids no store may build a key from. */
export const BAD_IDS: readonly unknown[] = [
  '',
  'short',
  '../../etc/passwd/aaaaaaaaaaaaaaaaaaaaaaaa',
  'has space aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa',
  'ctrl\u0000aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa',
  'x'.repeat(300),
  'sess:{aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa}*',
  42,
  undefined,
];

/** Data with every JSON type, nesting, and keys a naive store would mangle. */
export const RICH_DATA: SessionDataRecord = {
  user: { id: 'u-1', roles: ['admin', 'ops'], profile: { name: 'Zoë 山田', age: 41 } },
  counter: 7,
  ratio: 0.125,
  flag: false,
  nothing: null,
  'key with spaces': 'ok',
  'd:looks-like-a-prefix': 'ok',
  __meta: 'user data, not bookkeeping',
  emoji: '🔐',
};

/** Resolves after `seconds`: for waiting out a real TTL, where elapsed time is the behaviour under test. */
export function elapse(seconds: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, seconds * 1000));
}
