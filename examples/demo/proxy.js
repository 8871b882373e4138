// The front when nginx is not installed: a small round-robin reverse proxy (or
// client-address affinity, like nginx.js, for the demo's sticky fleet) with
// nginx's failover rules (see nginx.js): a replica that cannot be reached is
// skipped and the request goes to the next; a request a replica may have
// processed is resent only when its method is idempotent.
import { createServer, request } from 'node:http';
import { hashRing } from './hash-ring.js';
import { LOOPBACK } from './net.js';

/** @import { IncomingMessage, ServerResponse } from 'node:http' */
/** @import { Affinity, Front, Upstream } from './net.js' */

/**
 * What became of one request sent to a replica; see forward().
 * @typedef {{ kind: 'response', response: IncomingMessage } | { kind: 'unreachable' } | { kind: 'failed' }} Outcome
 */

/** @typedef {Upstream & { failedUntil: number }} Peer `failedUntil`: epoch milliseconds before which it is tried only when nothing else is left */

const FAIL_TIMEOUT_MS = 1000;
const CONNECT_TIMEOUT_MS = 1000;
const MAX_BODY = 1024 * 1024;
const IDEMPOTENT = new Set(['GET', 'HEAD', 'OPTIONS', 'PUT', 'DELETE', 'TRACE']);
const HOP_BY_HOP = [
  'connection',
  'keep-alive',
  'proxy-connection',
  'transfer-encoding',
  'te',
  'trailer',
  'upgrade',
  'proxy-authorization',
  'proxy-authenticate',
];

/**
 * @param {{ host?: string, port: number, upstreams: Upstream[], affinity?: Affinity }} options
 * @returns {Promise<Front>}
 */
export async function startProxy({ host = LOOPBACK, port, upstreams, affinity = 'none' }) {
  /** @type {Peer[]} */
  let peers = upstreams.map((u) => ({ port: u.port, enabled: u.enabled, failedUntil: 0 }));
  let ring = hashRing(peers);
  let next = 0;
  // Requests under way per replica port, so taking a replica out of rotation
  // can wait until it has answered everything it was sent (nginx: until the
  // old workers have exited).
  /** @type {Map<number, number>} */
  const active = new Map();
  /** @type {Array<() => boolean>} each says whether it is done */
  let drainWaiters = [];
  const begin = (/** @type {number} */ port) => active.set(port, (active.get(port) ?? 0) + 1);
  const end = (/** @type {number} */ port) => {
    active.set(port, (active.get(port) ?? 0) - 1);
    drainWaiters = drainWaiters.filter((w) => !w());
  };

  /**
   * Round robin over enabled peers not marked failed; a failed one only when
   * nothing else is left. With client-address affinity, the ring's peer for
   * `client` instead, skipping those.
   * @param {Set<Peer>} tried
   * @param {string} client
   * @returns {Peer | undefined}
   */
  function pick(tried, client) {
    const candidates = peers.filter((p) => p.enabled && !tried.has(p));
    if (candidates.length === 0) return undefined;
    const now = Date.now();
    if (affinity === 'client-ip') return ring(client, (p) => candidates.includes(p) && p.failedUntil <= now) ?? candidates[0];
    for (let i = 0; i < peers.length; i++) {
      const peer = /** @type {Peer} */ (peers[(next + i) % peers.length]);
      if (candidates.includes(peer) && peer.failedUntil <= now) {
        next = (next + i + 1) % peers.length;
        return peer;
      }
    }
    return candidates[0];
  }

  const server = createServer(async (req, res) => {
    let body;
    try {
      body = await readBody(req);
    } catch (error) {
      const { status = 400, message } = /** @type {Error & { status?: number }} */ (error);
      return void answer(res, status, message);
    }
    /** @type {Set<Peer>} */
    const tried = new Set();
    const idempotent = IDEMPOTENT.has(req.method ?? 'GET');
    const client = req.socket.remoteAddress ?? '';
    for (;;) {
      const peer = pick(tried, client);
      if (!peer) return void answer(res, 502, 'No replica could answer.');
      tried.add(peer);
      begin(peer.port);
      const outcome = await forward(peer.port, req, body);
      if (outcome.kind === 'response') outcome.response.once('close', () => end(peer.port));
      else end(peer.port);
      if (outcome.kind === 'unreachable' || (outcome.kind === 'failed' && idempotent)) {
        peer.failedUntil = Date.now() + FAIL_TIMEOUT_MS;
        continue;
      }
      if (outcome.kind === 'failed') return void answer(res, 502, 'The replica failed while handling the request.');
      const upstream = outcome.response;
      if ((upstream.statusCode === 502 || upstream.statusCode === 503) && idempotent && pick(tried, client)) {
        upstream.resume();
        peer.failedUntil = Date.now() + FAIL_TIMEOUT_MS;
        continue;
      }
      const headers = { ...upstream.headers };
      for (const name of HOP_BY_HOP) delete headers[name];
      res.writeHead(upstream.statusCode ?? 502, headers);
      upstream.pipe(res);
      upstream.once('error', () => res.destroy());
      return;
    }
  });

  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve(undefined));
  });

  return {
    kind: 'node',
    url: `http://${host}:${port}`,
    port,
    /** In effect for the very next request; resolves once replicas out of rotation have nothing under way. */
    setUpstreams(list) {
      // Failure marks start afresh, as after an nginx reload.
      peers = list.map((u) => ({ port: u.port, enabled: u.enabled, failedUntil: 0 }));
      ring = hashRing(peers);
      const drained = () => list.every((u) => u.enabled || !active.get(u.port));
      if (drained()) return Promise.resolve();
      return new Promise((resolve) =>
        drainWaiters.push(() => {
          if (!drained()) return false;
          resolve();
          return true;
        }),
      );
    },
    stop() {
      return new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}

/**
 * Sends one request to a replica. `unreachable`: the connection never opened,
 * so the replica saw nothing and any request may go elsewhere. `failed`: it
 * broke after that, and the replica may have acted on it.
 * @param {number} port
 * @param {IncomingMessage} req
 * @param {Buffer} body
 * @returns {Promise<Outcome>}
 */
function forward(port, req, body) {
  return new Promise((resolve) => {
    const headers = { ...req.headers };
    for (const name of HOP_BY_HOP) delete headers[name];
    const client = req.socket.remoteAddress ?? '';
    headers['x-forwarded-for'] = headers['x-forwarded-for'] ? `${headers['x-forwarded-for']}, ${client}` : client;
    headers['x-forwarded-proto'] = 'http';
    headers['x-forwarded-host'] = req.headers.host ?? '';
    headers.connection = 'close';
    if (body.length > 0 || req.headers['content-length'] !== undefined) headers['content-length'] = String(body.length);

    let connected = false;
    let settled = false;
    const settle = (/** @type {Outcome} */ outcome) => {
      if (!settled) {
        settled = true;
        resolve(outcome);
      }
    };
    const upstream = request({ host: LOOPBACK, port, method: req.method, path: req.url, headers, agent: false }, (response) => {
      settle({ kind: 'response', response });
    });
    const connectTimer = setTimeout(() => upstream.destroy(new Error('connect timeout')), CONNECT_TIMEOUT_MS);
    upstream.once('socket', (socket) => {
      socket.once('connect', () => {
        connected = true;
        clearTimeout(connectTimer);
      });
    });
    upstream.once('error', () => {
      clearTimeout(connectTimer);
      settle({ kind: connected ? 'failed' : 'unreachable' });
    });
    upstream.end(body);
  });
}

/**
 * @param {IncomingMessage} req
 * @returns {Promise<Buffer>}
 */
function readBody(req) {
  return new Promise((resolve, reject) => {
    /** @type {Buffer[]} */
    const chunks = [];
    let size = 0;
    req.on('data', (/** @type {Buffer} */ chunk) => {
      size += chunk.length;
      if (size > MAX_BODY) {
        reject(Object.assign(new Error('Request body too large.'), { status: 413 }));
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.once('end', () => resolve(Buffer.concat(chunks)));
    req.once('error', reject);
  });
}

/**
 * @param {ServerResponse} res
 * @param {number} status
 * @param {string} message
 */
function answer(res, status, message) {
  if (res.headersSent) return void res.destroy();
  res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store' });
  res.end(`${message}\n`);
}
