import type { SessionEngine } from './engine.js';

/** Routes warned about per engine: one warning per route, not one per request. */
const warned = new WeakMap<SessionEngine, Set<string>>();
/** Past this many routes (unrouted paths can be endless), events go on but warnings stop. */
const MAX_WARNED_ROUTES = 1000;

/**
 * Adapter API: reports a session change made after the commit, which nothing will
 * save: a `late-change` event every time, and a `console.warn` once per
 * `route` (`METHOD /path`) so the developer learns where without a log flood.
 * Adapters call it when the response ends if
 * `SessionContext.changedSinceCommit()` says so.
 */
export function reportLateChange(engine: SessionEngine, route: string): void {
  engine.emit({ type: 'late-change', route });
  let routes = warned.get(engine);
  if (routes === undefined) {
    routes = new Set();
    warned.set(engine, routes);
  }
  if (routes.has(route) || routes.size >= MAX_WARNED_ROUTES) return;
  routes.add(route);
  console.warn(
    `podsafe: the session was changed in ${route} after the response had started, so the change was not saved. ` +
      'Change the session before the first write of the response (or `await req.session.save()` before sending it). ' +
      'Shown once per route; every occurrence is a `late-change` event.',
  );
}
