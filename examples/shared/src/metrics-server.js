// /metrics on a port of its own. The app's port is what the Service and the
// Ingress expose to the internet; process and session counters (and the
// Node.js version prom-client reports) are for Prometheus, which scrapes the
// pod's metrics port directly and never goes through the Ingress.
import { createServer } from 'node:http';

/**
 * Serves `GET /metrics` (and nothing else) on `port`.
 * @param {{ scrape: () => Promise<{ contentType: string, body: string }> }} metrics
 * @param {{ port: number, host: string }} where
 * @returns {Promise<import('node:http').Server>} listening
 */
export function startMetricsServer(metrics, { port, host }) {
  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (path !== '/metrics' || (req.method !== 'GET' && req.method !== 'HEAD')) {
      res.writeHead(404, { 'Content-Type': 'text/plain' }).end('Only GET /metrics is served on this port.\n');
      return;
    }
    metrics.scrape().then(
      ({ contentType, body }) => res.writeHead(200, { 'Content-Type': contentType }).end(req.method === 'HEAD' ? undefined : body),
      (error) => res.writeHead(500, { 'Content-Type': 'text/plain' }).end(`metrics failed: ${error.message}\n`),
    );
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve(server);
    });
  });
}
