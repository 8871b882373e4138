import { SessionDataError } from './errors.js';
import { defineData, isSafeDataKey } from './safe-keys.js';
import type { SessionDataRecord } from './types.js';

/** JSON text of each top-level key: what a session looked like when it was loaded or last saved. */
export type Snapshot = Map<string, string>;

function serialize(key: string, value: unknown): string | undefined {
  try {
    return JSON.stringify(value);
  } catch (error) {
    throw new SessionDataError(key, error);
  }
}

/** Takes a snapshot of `data`. Keys whose value is `undefined` count as absent. */
export function snapshot(data: SessionDataRecord): Snapshot {
  const result: Snapshot = new Map();
  for (const [key, value] of Object.entries(data)) {
    if (!isSafeDataKey(key)) continue;
    const json = serialize(key, value);
    if (json !== undefined) result.set(key, json);
  }
  return result;
}

/** What changed between a snapshot and the data now, per top-level key. */
export interface DataDiff {
  /** Changed or added keys with their new values (JSON round-tripped, so stores see plain data). */
  set: SessionDataRecord;
  /** Removed keys (deleted, or set to `undefined`). */
  unset: string[];
  /** The whole data now, JSON round-tripped. */
  data: SessionDataRecord;
  /** The snapshot of the data now, to diff the next commit against. */
  snapshot: Snapshot;
  /** Whether anything changed. */
  changed: boolean;
}

/**
 * Diffs by JSON text per key, so a change deep inside a nested object is
 * caught without proxies, and a value reassigned to an equal one is not a change.
 */
export function diff(before: Snapshot, data: SessionDataRecord): DataDiff {
  const now = snapshot(data);
  const set: SessionDataRecord = {};
  const unset: string[] = [];
  let changed = false;
  for (const [key, json] of now) {
    if (before.get(key) === json) continue;
    defineData(set, key, JSON.parse(json) as unknown);
    changed = true;
  }
  for (const key of before.keys()) if (!now.has(key)) unset.push(key);
  return new Diff(set, unset, now, changed || unset.length > 0);
}

/** A class, not an object literal with a getter: V8 builds those slowly, and this runs on every commit. */
class Diff implements DataDiff {
  #whole: SessionDataRecord | undefined;

  constructor(
    readonly set: SessionDataRecord,
    readonly unset: string[],
    readonly snapshot: Snapshot,
    readonly changed: boolean,
  ) {}

  /**
   * Parsed only when asked for (new sessions, cookie stores): an unchanged or
   * delta-written session never needs the whole data round-tripped.
   */
  get data(): SessionDataRecord {
    if (this.#whole === undefined) {
      const whole: SessionDataRecord = {};
      for (const [key, json] of this.snapshot)
        defineData(whole, key, Object.hasOwn(this.set, key) ? this.set[key] : (JSON.parse(json) as unknown));
      this.#whole = whole;
    }
    return this.#whole;
  }
}

/**
 * Whether `data` differs from `before`: {@link diff}'s `changed` without
 * building the diff, stopping at the first difference. Data that cannot be
 * serialized counts as a change (it could not have been saved either).
 */
export function changedSince(before: Snapshot, data: SessionDataRecord): boolean {
  let count = 0;
  for (const key of Object.keys(data)) {
    let json: string | undefined;
    try {
      json = JSON.stringify(data[key]);
    } catch {
      return true;
    }
    if (json === undefined) continue;
    if (before.get(key) !== json) return true;
    count++;
  }
  return count !== before.size;
}
