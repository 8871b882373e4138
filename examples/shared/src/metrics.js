// Prometheus metrics. An own Registry (not prom-client's global one) so two
// apps in one process, e.g. in tests, never collide.
import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export function createMetrics() {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });

  const loads = new Counter({
    name: 'podsafe_session_loads_total',
    help: 'Session loads by outcome (found, none, missing, expired, invalid-cookie, corrupt).',
    labelNames: ['outcome'],
    registers: [registry],
  });
  const commits = new Counter({
    name: 'podsafe_session_commits_total',
    help: 'Session commits by the store write they made (none, save, touch, destroy, refused).',
    labelNames: ['action'],
    registers: [registry],
  });
  const storeErrors = new Counter({
    name: 'podsafe_store_errors_total',
    help: 'Session store calls that failed or timed out, by operation.',
    labelNames: ['operation'],
    registers: [registry],
  });
  const durations = new Histogram({
    name: 'podsafe_store_duration_seconds',
    help: 'Time spent loading and committing sessions, store round trips included.',
    labelNames: ['operation'],
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [registry],
  });
  const requests = new Counter({
    name: 'http_requests_total',
    help: 'HTTP requests by matched route and status code.',
    labelNames: ['route', 'status'],
    registers: [registry],
  });

  /** podsafe's `onEvent` hook. */
  function onEvent(event) {
    if (event.type === 'load') {
      loads.inc({ outcome: event.outcome });
      durations.observe({ operation: 'load' }, event.duration);
    } else if (event.type === 'commit') {
      commits.inc({ action: event.action });
      durations.observe({ operation: 'commit' }, event.duration);
    } else if (event.type === 'store-error') {
      storeErrors.inc({ operation: event.operation });
    }
  }

  /**
   * Counts one answered request. `route` is the matched route pattern (each app
   * asks its framework), never the raw path, so the label set stays small;
   * undefined when no route matched.
   */
  function countRequest(route, status) {
    requests.inc({ route: route ?? '(unmatched)', status: String(status) });
  }

  /** What `GET /metrics` answers. */
  async function scrape() {
    return { contentType: registry.contentType, body: await registry.metrics() };
  }

  return { registry, onEvent, countRequest, scrape };
}
