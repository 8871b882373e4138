// The HTTP surface: probes and metrics (which never touch a session), the JSON
// API, the demo page and the error handling. No listening here: server.js owns
// the process, tests call createApp() and listen wherever they like.
import { randomBytes } from 'node:crypto';
import express from 'express';
import { session } from '@podsafe/express';
import { createMetrics } from './metrics.js';
import { renderErrorPage, renderPage } from './page.js';
import { createStore, needsEngineSecret } from './store.js';

const PING_TIMEOUT_MS = 1000;
const MAX_NAME_LENGTH = 64;

// Session data this app keeps (TypeScript apps declare it by augmenting
// `SessionData` from '@podsafe/core'):
//   user?: string     who logged in (set after regenerate())
//   counter?: number  increments, 0 when absent

/**
 * Builds the app and its session store.
 * @param {ReturnType<typeof import('./config.js').loadConfig>} config
 * @param {{ store?: object }} [overrides] a store to use instead of the configured one (tests)
 */
export async function createApp(config, overrides = {}) {
  const store = overrides.store ?? (await createStore(config));
  const metrics = createMetrics();
  /** Flipped by server.js on SIGTERM: readiness fails and connections stop being kept alive. */
  const lifecycle = { draining: false };
  const pod = config.podName;
  const pid = process.pid;

  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', config.trustProxy);
  app.use(metrics.countRequests);
  app.use((_req, res, next) => {
    // While draining, every response closes its connection, so a load balancer
    // that keeps upstream connections alive cannot reuse one into a dying pod.
    if (lifecycle.draining) res.set('Connection', 'close');
    res.set('X-Content-Type-Options', 'nosniff');
    next();
  });

  // Liveness: the process answers. Never the store: a Redis outage must not get every pod restarted.
  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok', pod });
  });

  // Readiness: this pod should get traffic. Fails while draining and while the store does not answer.
  app.get('/readyz', async (_req, res) => {
    res.set('Cache-Control', 'no-store');
    if (lifecycle.draining) return void res.status(503).json({ status: 'draining', pod });
    try {
      await withTimeout(store.ping?.(), PING_TIMEOUT_MS);
      res.json({ status: 'ready', pod });
    } catch (error) {
      res.status(503).json({ status: 'store-unavailable', pod, error: error.message });
    }
  });

  app.get('/metrics', metrics.handler);
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
    if (typeof target === 'string' && target !== pod) {
      return void res.status(409).json({ error: `this is ${pod}, not ${target}`, pod, pid });
    }
    res.once('finish', () => setImmediate(() => process.kill(process.pid, 'SIGKILL')));
    res.json({ ok: true, pod, pid });
  });

  app.use(
    session({
      store,
      secret: needsEngineSecret(config) ? config.secrets : undefined,
      onEvent: metrics.onEvent,
    }),
  );

  const view = (req) => ({ user: req.session.user ?? null, counter: req.session.counter ?? 0, pod, pid });

  app.get('/', (req, res) => {
    const nonce = randomBytes(16).toString('base64');
    res.set({
      'Cache-Control': 'no-store',
      'Content-Security-Policy':
        `default-src 'none'; script-src 'nonce-${nonce}'; style-src 'nonce-${nonce}'; ` +
        `connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'`,
    });
    res.type('html').send(renderPage({ ...view(req), demoKill: config.demoKill, backend: config.backend, nonce }));
  });

  // JSON API.
  app.get('/api/session', (req, res) => {
    res.set('Cache-Control', 'no-store').json(view(req));
  });
  app.post('/api/login', async (req, res) => {
    await logIn(req);
    res.json(view(req));
  });
  app.post('/api/increment', (req, res) => {
    increment(req);
    res.json(view(req));
  });
  app.post('/api/logout', async (req, res) => {
    await req.session.destroy();
    res.json({ ok: true, pod, pid });
  });

  // The page's forms when JavaScript is off: same actions, then back to the page.
  app.post('/login', async (req, res) => {
    await logIn(req);
    res.redirect(303, '/');
  });
  app.post('/increment', (req, res) => {
    increment(req);
    res.redirect(303, '/');
  });
  app.post('/logout', async (req, res) => {
    await req.session.destroy();
    res.redirect(303, '/');
  });

  app.use((req, res) => {
    sendError(req, res, 404, `Nothing at ${req.method} ${req.path}.`);
  });

  // Keeps the status and headers podsafe errors carry (503 + Retry-After when
  // the store is down), answering JSON for the API and a short page otherwise.
  app.use((err, req, res, next) => {
    if (res.headersSent) return next(err);
    const status = Number.isInteger(err?.status) && err.status >= 400 && err.status <= 599 ? err.status : 500;
    for (const [name, value] of Object.entries(err?.headers ?? {})) res.set(name, value);
    let message;
    if (status === 503) message = 'The session store is not answering. Retry shortly.';
    else if (status < 500 && err?.expose !== false) message = err.message;
    else message = 'Internal error.';
    if (status >= 500) {
      // One line for an outage (it repeats on every request); the stack for a bug.
      console.error(`[${pod}] ${req.method} ${req.path} -> ${status}: ${status === 503 ? err.message : (err?.stack ?? err)}`);
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

  async function logIn(req) {
    const user = typeof req.body?.user === 'string' ? req.body.user.trim() : '';
    if (user === '' || user.length > MAX_NAME_LENGTH) {
      throw Object.assign(new Error(`"user" must be a name of 1 to ${MAX_NAME_LENGTH} characters.`), { status: 400, expose: true });
    }
    // A new id at login: a session id planted before login is worthless after it.
    await req.session.regenerate();
    req.session.user = user;
  }

  function increment(req) {
    req.session.counter = (req.session.counter ?? 0) + 1;
  }
}

function sendError(req, res, status, message) {
  res.status(status).set('Cache-Control', 'no-store');
  if (req.path.startsWith('/api/') || req.accepts(['html', 'json']) === 'json') res.json({ error: message });
  else res.type('html').send(renderErrorPage(status, message));
}

function withTimeout(promise, ms) {
  if (promise === undefined) return Promise.resolve();
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`the session store did not answer a ping within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
