// Small network helpers for the local cluster: free ports, waiting for a
// listener, probing readiness. Everything stays on the loopback interface.
import { request } from 'node:http';
import { connect, createServer } from 'node:net';

export const LOOPBACK = '127.0.0.1';

/**
 * How a front spreads requests over the replicas. `none`: round robin, any
 * replica may answer any request. `client-ip`: each client address pinned to
 * one replica (nginx `hash $remote_addr consistent`, or the same ring in the
 * Node proxy), as Kubernetes' `sessionAffinity: ClientIP`: the demo's sticky fleet.
 * @typedef {'none' | 'client-ip'} Affinity
 */

/**
 * One replica as the front sees it.
 * @typedef {object} Upstream
 * @property {number} port its port on 127.0.0.1
 * @property {boolean} enabled in rotation
 */

/**
 * A running front (nginx.js or proxy.js): what a user's requests reach first.
 * @typedef {object} Front
 * @property {'nginx' | 'node'} kind
 * @property {string} url
 * @property {number} port
 * @property {(upstreams: Upstream[]) => Promise<void>} setUpstreams replaces the rotation; resolves once replicas taken out of it get nothing more
 * @property {() => Promise<void>} stop
 * @property {() => void} [killNow] synchronous last resort on process exit
 */

/**
 * A port the OS says is free on `host` right now.
 * @returns {Promise<number>}
 */
export function freePort(host = LOOPBACK) {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, host, () => {
      const { port } = /** @type {import('node:net').AddressInfo} */ (server.address());
      server.close(() => resolve(port));
    });
  });
}

/**
 * Whether something could listen on `host:port` now.
 * @param {number} port
 * @returns {Promise<boolean>}
 */
export function isPortFree(port, host = LOOPBACK) {
  return new Promise((resolve) => {
    const server = createServer();
    server.unref();
    server.once('error', () => resolve(false));
    server.listen(port, host, () => server.close(() => resolve(true)));
  });
}

/**
 * One TCP connection attempt: resolves whether something accepted it.
 * @param {number} port
 * @returns {Promise<boolean>}
 */
export function canConnect(port, host = LOOPBACK) {
  return new Promise((resolve) => {
    const socket = connect(port, host);
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/**
 * Resolves once `check()` resolves true, polling (a listener or a readiness
 * endpoint has no push notification). Rejects when `abort` settles first or
 * after `timeoutMs`, with `what` in the message.
 * @param {() => boolean | Promise<boolean>} check
 * @param {{ what: string, timeoutMs?: number, intervalMs?: number, abort?: Promise<Error | undefined> }} options
 *   `abort`: settles when waiting is pointless (the process died); its value (or rejection) is the error thrown
 * @returns {Promise<void>}
 */
export async function pollUntil(check, { what, timeoutMs = 30_000, intervalMs = 50, abort }) {
  const deadline = Date.now() + timeoutMs;
  /** @type {unknown} */
  let aborted;
  abort?.then(
    (reason) => (aborted = reason ?? new Error(`gave up waiting for ${what}`)),
    (error) => (aborted = error),
  );
  for (;;) {
    if (aborted) throw aborted;
    if (await check()) return;
    if (aborted) throw aborted;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

/**
 * Resolves once `until()` returns true: asked now, then each time `watch`
 * calls `recheck` (for a condition that events announce; pollUntil is for one
 * that must be polled). Rejects when `until` throws, when `watch` calls
 * `fail`, or after `timeoutMs` with `timeoutError()`. Every listener `watch`
 * added is removed once it settles.
 * @template {unknown[]} A what the events pass to `recheck`, and so to `until`
 * @param {{
 *   until: (...args: A | []) => boolean,
 *   watch: (recheck: (...args: A) => void, fail: (error: Error) => void) => () => void,
 *   timeoutMs: number,
 *   timeoutError: () => Error,
 * }} options `watch` subscribes to the events that may change the answer and returns the unsubscribe
 * @returns {Promise<void>}
 */
export function waitFor({ until, watch, timeoutMs, timeoutError }) {
  return new Promise((resolve, reject) => {
    let settled = false;
    /** @type {() => void} */
    let unwatch = () => {};
    // One exit for both outcomes, so a failure is never mistaken for success
    // (even a watcher that fails with `undefined`), and listeners always go.
    /** @param {() => void} finish */
    const settle = (finish) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      unwatch();
      finish();
    };
    /** @param {unknown} error */
    const fail = (error) => settle(() => reject(error ?? new Error('waitFor: the watcher failed without saying why')));
    /** @param {A | []} args */
    const recheck = (...args) => {
      try {
        if (until(...args)) settle(() => resolve());
      } catch (error) {
        fail(error);
      }
    };
    const timer = setTimeout(() => fail(timeoutError()), timeoutMs);
    unwatch = watch(/** @type {(...args: A) => void} */ (recheck), fail);
    recheck();
  });
}

/**
 * GET `path` on a loopback port without keep-alive; resolves with the status code, or 0 when nothing answers.
 * @param {number} port
 * @param {string} path
 * @returns {Promise<number>}
 */
export function probe(port, path, host = LOOPBACK, timeoutMs = 2000) {
  return new Promise((resolve) => {
    const req = request({ host, port, path, method: 'GET', agent: false, timeout: timeoutMs }, (res) => {
      res.resume();
      res.once('end', () => resolve(res.statusCode ?? 0));
      res.once('error', () => resolve(0));
    });
    req.once('timeout', () => req.destroy(new Error('timeout')));
    req.once('error', () => resolve(0));
    req.end();
  });
}
