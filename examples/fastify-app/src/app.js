// The HTTP surface in Fastify: probes and metrics (which never touch a
// session), the JSON API, the demo page and the error handling. What the
// answers contain is @podsafe/example-shared's, shared with the Express twin;
// this file is the Fastify wiring. No listening here: server.js owns the
// process, tests call createApp() and use app.inject() or listen anywhere.
import Fastify, { LogController } from 'fastify';
import podsafe from '@podsafe/fastify';
import { describeError, errorBody } from '@podsafe/example-shared/errors';
import { createMetrics } from '@podsafe/example-shared/metrics';
import { demoPage } from '@podsafe/example-shared/page';
import { liveness, readiness } from '@podsafe/example-shared/probes';
import { ACTIONS, sessionsView, sessionView } from '@podsafe/example-shared/session';
import { createStore, needsEngineSecret, userSessionOptions } from '@podsafe/example-shared/store';
import { parseBodiesLikeExpress } from './body-parsers.js';

const HTML = 'text/html; charset=utf-8';

/**
 * Builds the app and its session store.
 * @param {ReturnType<typeof import('@podsafe/example-shared/config').loadConfig>} config
 * @param {{ store?: object, logger?: boolean | object }} [overrides]
 *   a store to use instead of the configured one (tests); pino options or `false` (default: level info)
 */
export async function createApp(config, overrides = {}) {
  const store = overrides.store ?? (await createStore(config));
  const metrics = createMetrics();
  /** Flipped by server.js on SIGTERM: readiness fails and connections stop being kept alive. */
  const lifecycle = { draining: false };
  const replica = { pod: config.podName, pid: process.pid };

  const app = Fastify({
    logger: overrides.logger ?? { level: 'info' },
    // Like the Express twin, the app logs its own lines (startup, shutdown,
    // failures), not one per request: the ingress's access log has those.
    // Per-request lines are there at LOG_LEVEL=debug (onResponse below).
    logController: new LogController({ disableRequestLogging: true }),
    trustProxy: config.trustProxy,
    bodyLimit: 16 * 1024,
    // Longer than any load balancer's idle timeout for upstream connections
    // (ingress-nginx: 60 s), so the balancer, not Node, closes idle ones.
    keepAliveTimeout: 65_000,
    // A request that reaches us during shutdown was sent before the load balancer
    // saw readiness fail: serve it (Fastify adds Connection: close) rather than 503.
    return503OnClosing: false,
  });
  app.server.headersTimeout = 66_000;
  parseBodiesLikeExpress(app);

  app.addHook('onSend', async (_request, reply, payload) => {
    // While draining, every response closes its connection, so a load balancer
    // that keeps upstream connections alive cannot reuse one into a dying pod.
    if (lifecycle.draining) reply.header('Connection', 'close');
    reply.header('X-Content-Type-Options', 'nosniff');
    return payload;
  });
  app.addHook('onResponse', async (request, reply) => {
    // The route pattern (undefined for a 404), never the raw path.
    metrics.countRequest(request.routeOptions.url, reply.statusCode);
    request.log.debug({ method: request.method, url: request.url, statusCode: reply.statusCode, ms: reply.elapsedTime }, 'request');
  });

  app.get('/healthz', async (_request, reply) => {
    const { status, body } = liveness(replica);
    return reply.code(status).send(body);
  });
  app.get('/readyz', async (request, reply) => {
    const { status, body, detail } = await readiness(store, lifecycle, replica);
    if (detail) request.log.error(`not ready: ${detail}`);
    return reply.code(status).header('Cache-Control', 'no-store').send(body);
  });
  // With METRICS_PORT set, server.js serves /metrics there and only there.
  if (config.metricsPort === undefined) {
    app.get('/metrics', async (_request, reply) => {
      const { contentType, body } = await metrics.scrape();
      return reply.type(contentType).send(body);
    });
  }
  // Browsers ask for it on every page; no session needed to say there is none.
  app.get('/favicon.ico', async (_request, reply) => reply.code(204).send());

  // Chaos for the demo (404 unless DEMO_KILL=1). The request may name its target
  // because the load balancer, not the browser, picks the replica: a wrong one answers 409.
  if (config.demoKill) {
    app.post('/api/kill', async (request, reply) => {
      const target = request.body?.pod;
      if (typeof target === 'string' && target !== replica.pod) {
        return reply.code(409).send({ error: `this is ${replica.pod}, not ${target}`, ...replica });
      }
      reply.raw.once('finish', () => setImmediate(() => process.kill(process.pid, 'SIGKILL')));
      return reply.send({ ok: true, ...replica });
    });
  }

  // Before the session context is registered: a child context keeps the
  // error handler its parent had when it was created.
  app.setNotFoundHandler(async (request, reply) => {
    return sendError(request, reply, 404, `Nothing at ${request.method} ${pathOf(request)}.`);
  });

  app.setErrorHandler(async (error, request, reply) => {
    const { status, headers, message, outage } = describeError(error);
    reply.headers(headers);
    if (status >= 500) {
      // One line for an outage (it repeats on every request); the stack for a bug.
      if (outage) request.log.error(`${request.method} ${pathOf(request)} -> ${status}: ${error.message}`);
      else request.log.error({ err: error }, `${request.method} ${pathOf(request)} -> ${status}`);
    }
    return sendError(request, reply, status, message);
  });

  // Sessions in a context of their own: the plugin's hooks load a session for
  // every route of the context it is registered in, and the probes above must
  // never touch the store.
  await app.register(async function sessionRoutes(scope) {
    const perUser = userSessionOptions(store);
    const perUserAvailable = perUser.userKey !== undefined;
    await scope.register(podsafe, {
      store,
      secret: needsEngineSecret(config) ? config.secrets : undefined,
      onEvent: metrics.onEvent,
      ...perUser,
    });

    scope.get('/', async (request, reply) => {
      const sessions = await sessionsView(request.session, perUserAvailable);
      const page = demoPage({ ...sessionView(request.session, replica), sessions, demoKill: config.demoKill, backend: config.backend });
      return reply.headers(page.headers).type(HTML).send(page.html);
    });
    scope.get('/api/session', async (request, reply) => {
      return reply.header('Cache-Control', 'no-store').send(sessionView(request.session, replica));
    });
    scope.get('/api/sessions', async (request, reply) => {
      return reply.header('Cache-Control', 'no-store').send(await sessionsView(request.session, perUserAvailable));
    });
    for (const [name, action] of Object.entries(ACTIONS)) {
      scope.post(`/api/${name}`, async (request) => action(request.session, request.body, replica));
      scope.post(`/${name}`, async (request, reply) => {
        await action(request.session, request.body, replica);
        return reply.redirect('/', 303);
      });
    }
  });

  return {
    app,
    store,
    metrics,
    lifecycle,
    /** Releases the store's connections. */
    close: () => store.close(),
  };
}

function sendError(request, reply, status, message) {
  reply.code(status).header('Cache-Control', 'no-store');
  const { type, body } = errorBody(status, message, { path: pathOf(request), headers: request.headers });
  return type === 'json' ? reply.send(body) : reply.type(HTML).send(body);
}

/** The path without the query string, as Express's req.path. */
const pathOf = (request) => request.url.split('?', 1)[0];
