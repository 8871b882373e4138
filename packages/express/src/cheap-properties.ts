/**
 * Makes adding properties to an Express request or response cheap.
 *
 * Express gives every request and response a new prototype
 * (`Object.setPrototypeOf(res, app.response)`). From then on V8 cannot share
 * hidden classes between them: every property added to one (ours:
 * `req.session`, `req.sessionID`, the response's held methods; Express's own:
 * `req.params`, `req.query`, `req.route`...) builds a new hidden class, about
 * 5 µs each on Node 20, and every property access misses V8's caches.
 * Deleting and re-adding one own data property turns the object into a plain
 * dictionary once (about the cost of one such add), after which adds and
 * lookups are hash-table operations. `bench/overhead.mjs` measures the effect.
 *
 * The property is re-added exactly as it was (value and attributes), so
 * nothing observable changes but its place in the enumeration order. A
 * property that is missing, an accessor or not configurable is left alone.
 */
export function makePropertyAddsCheap(object: object, ownDataKey: string): void {
  const descriptor = Object.getOwnPropertyDescriptor(object, ownDataKey);
  if (descriptor === undefined || !('value' in descriptor) || !descriptor.configurable) return;
  if (Reflect.deleteProperty(object, ownDataKey)) Object.defineProperty(object, ownDataKey, descriptor);
}
