// A graceful shutdown that lets a Kubernetes rolling update (or the demo's)
// pass without a failed request. The order is the point, and it is the same
// whichever framework serves: readiness fails, the listener closes and
// in-flight requests finish, the store's connections close, exit 0.
import { setTimeout as delay } from 'node:timers/promises';

/**
 * Runs the shutdown on SIGTERM or SIGINT (once, however many arrive).
 * @param {{
 *   config: { shutdownDelay: number, shutdownTimeout: number },
 *   lifecycle: { draining: boolean },
 *   log: { info: (message: string) => void, error: (message: string) => void },
 *   stopServer: () => Promise<void>,
 *   closeStore: () => Promise<void>,
 * }} steps `stopServer`: no new connections, resolves once in-flight requests have finished
 */
export function handleShutdownSignals({ config, lifecycle, log, stopServer, closeStore }) {
  let shuttingDown = false;

  async function shutdown(signal) {
    if (shuttingDown) return;
    shuttingDown = true;
    const hardStop = setTimeout(() => {
      log.error(`graceful shutdown took longer than ${config.shutdownTimeout}s; exiting anyway.`);
      process.exit(1);
    }, config.shutdownTimeout * 1000);
    hardStop.unref();

    // 1. Readiness fails, so the load balancer stops sending new requests here.
    lifecycle.draining = true;
    log.info(`${signal}: draining${config.shutdownDelay > 0 ? `, closing in ${config.shutdownDelay}s` : ''}`);
    if (config.shutdownDelay > 0) await delay(config.shutdownDelay * 1000);

    // 2. No new connections; in-flight requests finish.
    await stopServer();

    // 3. The store's connections, then out.
    try {
      await closeStore();
    } catch (error) {
      log.error(`closing the session store failed: ${error.message}`);
    }
    log.info('stopped');
    process.exit(0);
  }

  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));
}

/**
 * `server.close()` closes only the connections idle at that moment: a request
 * still in flight leaves a keep-alive connection behind that would hold the
 * shutdown until the keep-alive timeout. Call this when the server is created;
 * call the returned function when closing starts: from then on every
 * connection is closed as soon as it turns idle.
 * @param {import('node:http').Server} server
 */
export function closeConnectionsWhenIdle(server) {
  let closing = false;
  server.on('request', (_req, res) => {
    res.once('finish', () => {
      if (closing) setImmediate(() => server.closeIdleConnections());
    });
  });
  return () => {
    closing = true;
    server.closeIdleConnections();
  };
}
