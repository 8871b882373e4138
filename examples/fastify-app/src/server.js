// The Fastify process: configuration, listening, and the shared graceful
// shutdown (@podsafe/example-shared/shutdown), with app.close() as the step
// that stops the listener and lets in-flight requests finish.
import { loadConfig, loadLogLevel } from '@podsafe/example-shared/config';
import { startMetricsServer } from '@podsafe/example-shared/metrics-server';
import { closeConnectionsWhenIdle, handleShutdownSignals } from '@podsafe/example-shared/shutdown';
import { isConfigProblem, listenFailure } from '@podsafe/example-shared/startup';
import { createApp } from './app.js';

/** A startup problem the operator can fix, before the logger exists: message only, exit 1. */
function fatal(message) {
  console.error(`fastify-app: ${message}`);
  process.exit(1);
}

let config;
let built;
try {
  config = loadConfig();
  built = await createApp(config, { logger: { level: loadLogLevel() } });
  await built.app.ready();
} catch (error) {
  if (isConfigProblem(error)) fatal(error.message);
  throw error;
}
const { app } = built;
const closeIdle = closeConnectionsWhenIdle(app.server);

try {
  await app.listen({ port: config.port, host: config.host });
} catch (error) {
  app.log.fatal(listenFailure(error, config));
  process.exit(1);
}
const address = app.server.address();
const port = typeof address === 'object' && address ? address.port : config.port;
app.log.info(`${config.podName} (pid ${process.pid}) listening on http://${config.host}:${port}, sessions in ${config.backend}`);

let metricsServer;
if (config.metricsPort !== undefined) {
  try {
    metricsServer = await startMetricsServer(built.metrics, { port: config.metricsPort, host: config.host });
  } catch (error) {
    app.log.fatal(listenFailure(error, { ...config, port: config.metricsPort }));
    process.exit(1);
  }
  app.log.info(`metrics on http://${config.host}:${metricsServer.address().port}/metrics`);
}

handleShutdownSignals({
  config,
  lifecycle: built.lifecycle,
  log: { info: (message) => app.log.info(message), error: (message) => app.log.error(message) },
  async stopServer() {
    const closed = app.close();
    closeIdle();
    await closed;
    metricsServer?.close();
  },
  closeStore: () => built.close(),
});
