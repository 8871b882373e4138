// The HTTP surface in Express: probes and metrics (which never touch a
// session), the JSON API, the demo page and the error handling. What the
// answers contain is @podsafe/example-shared's, shared with the Fastify twin;
// this file is the Express wiring. No listening here: server.js owns the
// process, tests call createApp() and listen wherever they like.
import express from 'express';
import { session } from '@podsafe/express';
import { describeError, errorBody } from '@podsafe/example-shared/errors';
import { createMetrics } from '@podsafe/example-shared/metrics';
import { demoPage } from '@podsafe/example-shared/page';
import { liveness, readiness } from '@podsafe/example-shared/probes';
import { ACTIONS, SESSIONLESS_PATHS, sessionsView, sessionView } from '@podsafe/example-shared/session';
import { createStore, needsEngineSecret, userSessionOptions } from '@podsafe/example-shared/store';

/**
 * Builds the app and its session store.
 * @param {ReturnType<typeof import('@podsafe/example-shared/config').loadConfig>} config
 * @param {{ store?: object }} [overrides] a store to use instead of the configured one (tests)
 */
export async function createApp(config, overrides = {}) {
  const store = overrides.store ?? (await createStore(config));
  const metrics = createMetrics();
  /** Flipped by server.js on SIGTERM: readiness fails and connections stop being kept alive. */
  const lifecycle = { draining: false };
  const replica = { pod: config.podName, pid: process.pid };

  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', config.trustProxy);
  app.use((req, res, next) => {
    res.once('finish', () => metrics.countRequest(req.route ? `${req.baseUrl}${req.route.path}` : undefined, res.statusCode));
    next();
  });
  app.use((_req, res, next) => {
    // While draining, every response closes its connection, so a load balancer
    // that keeps upstream connections alive cannot reuse one into a dying pod.
    if (lifecycle.draining) res.set('Connection', 'close');
    res.set('X-Content-Type-Options', 'nosniff');
    next();
  });

  const perUser = userSessionOptions(store);
  const perUserAvailable = perUser.userKey !== undefined;
  app.use(
    session({
      store,
      secret: needsEngineSecret(config) ? config.secrets : undefined,
      onEvent: metrics.onEvent,
      ...perUser,
      // Probes, metrics and the favicon never need a session: no store call for them.
      skip: (req) => SESSIONLESS_PATHS.includes(req.path),
    }),
  );

  app.get('/healthz', (_req, res) => {
    const { status, body } = liveness(replica);
    res.status(status).json(body);
  });
  app.get('/readyz', async (_req, res) => {
    const { status, body, detail } = await readiness(store, lifecycle, replica);
    if (detail) console.error(`[${replica.pod}] not ready: ${detail}`);
    res.set('Cache-Control', 'no-store').status(status).json(body);
  });
  // With METRICS_PORT set, server.js serves /metrics there and only there.
  if (config.metricsPort === undefined) {
    app.get('/metrics', async (_req, res) => {
      const { contentType, body } = await metrics.scrape();
      res.set('Content-Type', contentType).send(body);
    });
  }
  // Browsers ask for it on every page; no session needed to say there is none.
  app.get('/favicon.ico', (_req, res) => {
    res.status(204).end();
  });

  app.use(express.json({ limit: '16kb' }));
  app.use(express.urlencoded({ extended: false, limit: '16kb' }));

  // Chaos for the demo. The request may name its target because the load
  // balancer, not the browser, picks the replica: a wrong one answers 409.
  app.post('/api/kill', (req, res, next) => {
    if (!config.demoKill) return next();
    const target = req.body?.pod;
    if (typeof target === 'string' && target !== replica.pod) {
      return void res.status(409).json({ error: `this is ${replica.pod}, not ${target}`, ...replica });
    }
    res.once('finish', () => setImmediate(() => process.kill(process.pid, 'SIGKILL')));
    res.json({ ok: true, ...replica });
  });

  app.get('/', async (req, res) => {
    const sessions = await sessionsView(req.session, perUserAvailable);
    const page = demoPage({ ...sessionView(req.session, replica), sessions, demoKill: config.demoKill, backend: config.backend });
    res.set(page.headers).type('html').send(page.html);
  });
  app.get('/api/session', (req, res) => {
    res.set('Cache-Control', 'no-store').json(sessionView(req.session, replica));
  });
  app.get('/api/sessions', async (req, res) => {
    res.set('Cache-Control', 'no-store').json(await sessionsView(req.session, perUserAvailable));
  });
  for (const [name, action] of Object.entries(ACTIONS)) {
    app.post(`/api/${name}`, async (req, res) => {
      res.json(await action(req.session, req.body, replica));
    });
    app.post(`/${name}`, async (req, res) => {
      await action(req.session, req.body, replica);
      res.redirect(303, '/');
    });
  }

  app.use((req, res) => {
    sendError(req, res, 404, `Nothing at ${req.method} ${req.path}.`);
  });

  app.use((err, req, res, next) => {
    if (res.headersSent) return next(err);
    const { status, headers, message, outage } = describeError(err);
    res.set(headers);
    if (status >= 500) {
      // One line for an outage (it repeats on every request); the stack for a bug.
      console.error(`[${replica.pod}] ${req.method} ${req.path} -> ${status}: ${outage ? err.message : (err?.stack ?? err)}`);
    }
    sendError(req, res, status, message);
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

function sendError(req, res, status, message) {
  res.status(status).set('Cache-Control', 'no-store');
  const { type, body } = errorBody(status, message, req);
  if (type === 'json') res.json(body);
  else res.type('html').send(body);
}
