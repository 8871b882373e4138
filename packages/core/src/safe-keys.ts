/**
 * Keys that session data may not use: assigning one on an ordinary object
 * changes the object's prototype instead of storing a value, so a stored
 * `{"__proto__": {"isAdmin": true}}` (or `Object.assign(session, body)` with
 * such a body) would grant every inherited property it names. Such a key is
 * dropped: it is neither readable nor stored.
 */
export const PROTOTYPE_KEYS: ReadonlySet<string> = new Set(['__proto__']);

/** Whether `key` may be a session data key (see {@link PROTOTYPE_KEYS}). */
export function isSafeDataKey(key: string): boolean {
  return !PROTOTYPE_KEYS.has(key);
}

/**
 * Sets `target[key] = value` as an own, enumerable data property, never through
 * a setter (so `constructor` or `toString` become plain data too). Prototype
 * keys are dropped.
 */
export function defineData(target: object, key: string, value: unknown): void {
  if (!isSafeDataKey(key)) return;
  Object.defineProperty(target, key, { value, writable: true, enumerable: true, configurable: true });
}

/**
 * Descriptor for a `__proto__` member of a prototype: reads give the real
 * prototype, as on any object; writes (e.g. `Object.assign(session, body)`)
 * are dropped instead of replacing it.
 */
export const PROTOTYPE_GUARD: PropertyDescriptor = {
  get(this: object) {
    return Object.getPrototypeOf(this) as unknown;
  },
  set() {
    // Dropped: see PROTOTYPE_KEYS.
  },
};

/**
 * A copy of `data` without prototype keys, for code that copies data with
 * plain assignment (e.g. `@fastify/session` copies a loaded session key by key
 * with `this[key] = value`, so a stored `__proto__` would become its prototype).
 */
export function withoutPrototypeKeys<T extends object>(data: T): T {
  if (!Object.keys(data).some((key) => !isSafeDataKey(key))) return data;
  const copy = {} as T;
  for (const [key, value] of Object.entries(data)) defineData(copy, key, value);
  return copy;
}
