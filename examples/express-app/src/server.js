// The process: configuration, listening, and a graceful shutdown that lets a
// Kubernetes rolling update (or the demo's) pass without a failed request.
import { createServer } from 'node:http';
import { setTimeout as delay } from 'node:timers/promises';
import { createApp } from './app.js';
import { ConfigError, loadConfig } from './config.js';

/** A startup problem the operator can fix: message only, exit 1. */
function fatal(message) {
  console.error(`express-app: ${message}`);
  process.exit(1);
}

const isConfigProblem = (error) => error instanceof ConfigError || error?.code === 'PODSAFE_CONFIG';

let config;
let built;
try {
  config = loadConfig();
  built = await createApp(config);
} catch (error) {
  if (isConfigProblem(error)) fatal(error.message);
  throw error;
}
const { app, lifecycle } = built;

const server = createServer(app);
// Longer than any load balancer's idle timeout for upstream connections
// (ingress-nginx: 60 s), so the balancer, not Node, closes idle ones: otherwise
// a request can be sent on a connection Node is closing at that very moment.
server.keepAliveTimeout = 65_000;
server.headersTimeout = 66_000;

// A request that was in flight when the shutdown began leaves an idle
// keep-alive connection behind; close it as soon as it turns idle.
let closing = false;
server.on('request', (_req, res) => {
  res.once('finish', () => {
    if (closing) setImmediate(() => server.closeIdleConnections());
  });
});

server.on('error', (error) => {
  if (error.code === 'EADDRINUSE') fatal(`port ${config.port} on ${config.host} is already in use: set PORT to a free one.`);
  if (error.code === 'EACCES') fatal(`not allowed to listen on ${config.host}:${config.port}: use a port above 1023.`);
  fatal(`cannot listen on ${config.host}:${config.port}: ${error.message}`);
});

server.listen(config.port, config.host, () => {
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  console.log(`express-app: ${config.podName} (pid ${process.pid}) listening on http://${config.host}:${port}, sessions in ${config.backend}`);
});

let shuttingDown = false;

async function shutdown(signal) {
  if (shuttingDown) return;
  shuttingDown = true;
  const hardStop = setTimeout(() => {
    console.error(`express-app: graceful shutdown took longer than ${config.shutdownTimeout}s; exiting anyway.`);
    process.exit(1);
  }, config.shutdownTimeout * 1000);
  hardStop.unref();

  // 1. Readiness fails, so the load balancer stops sending new requests here.
  lifecycle.draining = true;
  console.log(`express-app: ${signal}: draining${config.shutdownDelay > 0 ? `, closing in ${config.shutdownDelay}s` : ''}`);
  if (config.shutdownDelay > 0) await delay(config.shutdownDelay * 1000);

  // 2. No new connections; in-flight requests finish (their connections close
  //    once idle, see above); resolves when the last connection is gone.
  closing = true;
  const closed = new Promise((resolve) => server.close(resolve));
  server.closeIdleConnections();
  await closed;

  // 3. The store's connections, then out.
  try {
    await built.close();
  } catch (error) {
    console.error(`express-app: closing the session store failed: ${error.message}`);
  }
  console.log('express-app: stopped');
  process.exit(0);
}

process.on('SIGTERM', () => void shutdown('SIGTERM'));
process.on('SIGINT', () => void shutdown('SIGINT'));
