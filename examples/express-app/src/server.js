// The Express process: configuration, listening, and the shared graceful
// shutdown (@podsafe/example-shared/shutdown) wired to a node:http server.
import { createServer } from 'node:http';
import { loadConfig } from '@podsafe/example-shared/config';
import { startMetricsServer } from '@podsafe/example-shared/metrics-server';
import { closeConnectionsWhenIdle, handleShutdownSignals } from '@podsafe/example-shared/shutdown';
import { isConfigProblem, listenFailure } from '@podsafe/example-shared/startup';
import { createApp } from './app.js';

const log = {
  info: (message) => console.log(`express-app: ${message}`),
  error: (message) => console.error(`express-app: ${message}`),
};

/** A startup problem the operator can fix: message only, exit 1. */
function fatal(message) {
  log.error(message);
  process.exit(1);
}

let config;
let built;
try {
  config = loadConfig();
  built = await createApp(config);
} catch (error) {
  if (isConfigProblem(error)) fatal(error.message);
  throw error;
}

const server = createServer(built.app);
// Longer than any load balancer's idle timeout for upstream connections
// (ingress-nginx: 60 s), so the balancer, not Node, closes idle ones: otherwise
// a request can be sent on a connection Node is closing at that very moment.
server.keepAliveTimeout = 65_000;
server.headersTimeout = 66_000;
const closeIdle = closeConnectionsWhenIdle(server);

server.on('error', (error) => fatal(listenFailure(error, config)));

server.listen(config.port, config.host, () => {
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  log.info(`${config.podName} (pid ${process.pid}) listening on http://${config.host}:${port}, sessions in ${config.backend}`);
});

const metricsServer =
  config.metricsPort === undefined
    ? undefined
    : await startMetricsServer(built.metrics, { port: config.metricsPort, host: config.host }).catch((error) =>
        fatal(listenFailure(error, { ...config, port: config.metricsPort })),
      );
if (metricsServer) log.info(`metrics on http://${config.host}:${metricsServer.address().port}/metrics`);

handleShutdownSignals({
  config,
  lifecycle: built.lifecycle,
  log,
  async stopServer() {
    const closed = new Promise((resolve) => server.close(resolve));
    closeIdle();
    await closed;
    metricsServer?.close();
  },
  closeStore: () => built.close(),
});
