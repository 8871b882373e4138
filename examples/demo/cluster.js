// A local stand-in for a Kubernetes Deployment behind a Service/Ingress: N
// replicas of the example app on free ports behind a round-robin front (nginx,
// or a Node proxy when nginx is missing), a supervisor that restarts any
// replica that dies, and rolling restarts that take a replica out of rotation
// before asking it to stop, as the endpoints controller does for a pod.
// Used by `pnpm demo` (run.mjs) and by the e2e tests.
import { EventEmitter } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { LOOPBACK, freePort, waitFor } from './net.js';
import { findNginx, startNginx } from './nginx.js';
import { startProxy } from './proxy.js';
import { Replica } from './replica.js';

/** @import { Front, Upstream } from './net.js' */
/** @typedef {import('./net.js').Affinity} Affinity */
/** @typedef {import('./replica.js').ReplicaExit} ReplicaExit */

/**
 * The example apps a cluster can run: twins with the same routes, environment and probes.
 * @typedef {'express-app' | 'fastify-app'} ExampleApp
 */

/** @type {readonly ExampleApp[]} */
export const APPS = ['express-app', 'fastify-app'];

/**
 * The entry file (src/server.js) of example app `app` (one of {@link APPS}); throws for another name.
 * @param {ExampleApp} app
 * @returns {string}
 */
export function appEntry(app) {
  if (!APPS.includes(app)) throw new Error(`app must be one of ${APPS.join(', ')}; got ${JSON.stringify(app)}`);
  return fileURLToPath(new URL(`../${app}/src/server.js`, import.meta.url));
}

/** appEntry('express-app'). */
export const DEFAULT_APP_ENTRY = appEntry('express-app');

/**
 * One replica of the example app, as the cluster's users see it.
 * @typedef {Readonly<Pick<Replica, 'index' | 'pod' | 'port' | 'url' | 'pid' | 'state' | 'running' | 'starts' | 'output'>>} ReplicaHandle
 */

/**
 * @typedef {object} ClusterOptions
 * @property {number} [replicas] number of replicas (default 3)
 * @property {Record<string, string>} [env] environment for every replica (SESSION_BACKEND, REDIS_URL, SESSION_SECRET, ...); PORT, HOST and POD_NAME are set per replica
 * @property {'auto' | 'nginx' | 'node'} [front] the round-robin front: nginx, the built-in Node proxy, or nginx when installed (`auto`, the default)
 * @property {number} [port] front port (default a free one); fails if taken
 * @property {string} [host] front address (default 127.0.0.1)
 * @property {number} [restartDelayMs] delay before a dead replica is started again, doubling while it keeps dying before it is ready (default 1000)
 * @property {boolean} [autoRestart] restart replicas that exit on their own (or are killed); default true
 * @property {ExampleApp} [app] which example app the replicas run (default `express-app`)
 * @property {string} [entry] the app's entry file, overriding `app` (default that app's src/server.js)
 * @property {number} [readyTimeoutMs] how long a replica may take to pass /readyz (default 30000)
 * @property {number} [stopGraceMs] how long a SIGTERM'd replica may take before SIGKILL (default 15000)
 * @property {Affinity} [affinity] `none` (default): round robin. `client-ip`: each client address pinned to one replica, the demo's sticky fleet
 */

/**
 * What {@link Cluster.events} emits, by event name.
 * @typedef {object} ClusterEvents
 * @property {[{ index: number, pod: string, port: number, pid: number, starts: number }]} ready
 * @property {[ReplicaExit & { index: number, pod: string, expected: boolean }]} exit
 * @property {[{ index: number, pod: string, delayMs: number }]} restarting
 * @property {[{ index: number, pod: string, inRotation: boolean }]} rotation
 * @property {[{ index: number, pod: string, line: string }]} output
 * @property {[{ index: number, pod: string, error: Error }]} failure a restart or a rotation change failed (not an EventEmitter 'error': nothing throws when no one listens)
 * @property {[{ line: string }]} front-log
 */

/**
 * A running cluster: what {@link startCluster} resolves with.
 * @typedef {object} Cluster
 * @property {string} url the front's URL: what a user opens
 * @property {ExampleApp} app the example app the replicas run (as asked; `entry` may have replaced its file)
 * @property {'nginx' | 'node'} front
 * @property {Affinity} affinity
 * @property {string} dir temporary directory of the front (config, pid, temp files); removed by stop()
 * @property {readonly ReplicaHandle[]} replicas
 * @property {EventEmitter<ClusterEvents>} events emits the {@link ClusterEvents}
 * @property {(index: number, signal?: NodeJS.Signals) => Promise<ReplicaExit>} kill sends `signal` (default SIGKILL) to replica `index`; resolves when it has exited. The supervisor restarts it
 * @property {(index: number) => Promise<ReplicaExit>} exited the exit of replica `index`'s current process
 * @property {(index: number) => Promise<ReplicaExit>} restart gracefully restarts replica `index`: out of the front's rotation (resolved once the front sends it nothing more), SIGTERM, exit, start, /readyz, back into rotation. Resolves with how the old process ended
 * @property {() => Promise<ReplicaHandle>} addReplica scale-out: starts one more replica (`replica-<n>`, on a free port), waits for /readyz, adds it to the front's rotation (nginx reload or the proxy's next request) and resolves with it. It joins `replicas`
 * @property {() => Promise<ReplicaExit[]>} rollingRestart restart() for every replica in turn
 * @property {(index?: number, timeoutMs?: number) => Promise<void>} ready resolves when replica `index` (or every replica) is running, ready, and in the front's rotation (default timeout 60000 ms)
 * @property {() => Promise<void>} stop stops the front and every replica, removes the temporary directory
 */

// Children must not outlive this process, even when it dies of an uncaught error.
/** @type {Set<{ killNow(): void }>} */
const live = new Set();
process.once('exit', () => {
  for (const cluster of live) cluster.killNow();
});

/**
 * Starts the replicas, then the front; resolves once every replica is ready and the front listens.
 * @param {ClusterOptions} [options]
 * @returns {Promise<Cluster>}
 */
export async function startCluster(options = {}) {
  const {
    replicas: count = 3,
    env = {},
    front: frontChoice = 'auto',
    host = LOOPBACK,
    restartDelayMs = 1000,
    autoRestart = true,
    app = 'express-app',
    entry = appEntry(app),
    readyTimeoutMs = 30_000,
    stopGraceMs = 15_000,
    affinity = 'none',
  } = options;
  if (!['none', 'client-ip'].includes(affinity)) throw new Error(`affinity must be 'none' or 'client-ip', got ${JSON.stringify(affinity)}`);
  if (!Number.isInteger(count) || count < 1) throw new Error(`replicas must be a positive integer, got ${count}`);
  const useNginx = frontChoice === 'nginx' || (frontChoice === 'auto' && findNginx() !== undefined);

  /** @type {EventEmitter<ClusterEvents>} */
  const events = new EventEmitter();
  const dir = mkdtempSync(join(tmpdir(), 'podsafe-cluster-'));
  /** @type {number[]} */
  const ports = [];
  for (let i = 0; i < count; i++) ports.push(await freePort());
  /** @type {(port: number, index: number) => Replica} */
  const replicaAt = (port, index) =>
    new Replica({
      index,
      pod: `replica-${index}`,
      port,
      entry,
      readyTimeoutMs,
      env: { DEMO_KILL: '1', SHUTDOWN_DELAY: '0', ...env },
    });
  const replicas = ports.map(replicaAt);
  // What the front is told (inRotation) and what it has applied (serving).
  const inRotation = replicas.map(() => true);
  const serving = replicas.map(() => true);
  /** @type {Map<number, NodeJS.Timeout>} */
  const restartTimers = new Map();
  /** @type {Set<number>} replicas being restarted or added on purpose: the supervisor leaves them alone */
  const controlled = new Set();
  const crashes = replicas.map(() => 0);
  /** @type {Front | undefined} */
  let front;
  let stopping = false;

  /** @returns {Upstream[]} */
  const upstreams = () => replicas.map((r) => ({ port: r.port, enabled: inRotation[r.index] === true }));

  replicas.forEach(supervise);

  /**
   * Relays a replica's events and restarts it when it dies on its own.
   * @param {Replica} replica
   */
  function supervise(replica) {
    const { index, pod } = replica;
    replica.on('output', (line) => events.emit('output', { index, pod, line }));
    replica.on('ready', ({ pid }) => {
      crashes[index] = 0;
      events.emit('ready', { index, pod, port: replica.port, pid, starts: replica.starts });
      // Ready again after a crash: back into rotation, as the endpoints
      // controller does for a pod whose readiness probe passes.
      if (front && !stopping && !controlled.has(index)) void rotate(index, true);
    });
    replica.on('exit', (info) => {
      const expected = stopping || controlled.has(index);
      events.emit('exit', { index, pod, ...info, expected });
      if (expected) return;
      // Out of rotation at once, rather than leaving the front to find out
      // request by request (and pass its failure marks on to the restarted process).
      if (front) void rotate(index, false);
      if (autoRestart) scheduleRestart(replica, info);
    });
  }

  /**
   * What the kubelet does for a dead container: start it again, backing off while it keeps dying before it is ready.
   * @param {Replica} replica
   * @param {ReplicaExit} exit
   */
  function scheduleRestart(replica, exit) {
    const { index, pod } = replica;
    const crashed = (crashes[index] ?? 0) + (exit.wasReady ? 0 : 1);
    crashes[index] = crashed;
    const delayMs = Math.min(restartDelayMs * 2 ** Math.min(crashed, 5), 30_000);
    events.emit('restarting', { index, pod, delayMs });
    const timer = setTimeout(async () => {
      restartTimers.delete(index);
      if (stopping || replica.running || controlled.has(index)) return;
      try {
        await replica.start();
      } catch (error) {
        // An exit before readiness schedules the next attempt by itself.
        events.emit('failure', { index, pod, error: /** @type {Error} */ (error) });
      }
    }, delayMs);
    restartTimers.set(index, timer);
  }

  /**
   * Puts replica `index` in or out of the front's rotation; resolves once the front has applied it.
   * @param {number} index
   * @param {boolean} on
   */
  async function setRotation(index, on) {
    inRotation[index] = on;
    if (!on) serving[index] = false;
    await /** @type {Front} */ (front).setUpstreams(upstreams());
    // A later change may have reversed this one meanwhile.
    if (on && inRotation[index]) serving[index] = true;
    events.emit('rotation', { index, pod: check(index).pod, inRotation: on });
  }

  /**
   * setRotation() for the supervisor, which has no caller to tell: a failure becomes an event.
   * @param {number} index
   * @param {boolean} on
   */
  async function rotate(index, on) {
    try {
      await setRotation(index, on);
    } catch (error) {
      if (!stopping) events.emit('failure', { index, pod: check(index).pod, error: /** @type {Error} */ (error) });
    }
  }

  /** @param {number} index */
  function check(index) {
    const replica = replicas[index];
    if (!replica) throw new Error(`no replica ${index}: indices go from 0 to ${replicas.length - 1}`);
    return replica;
  }

  /**
   * Resolves once replica `index` (or every replica) is ready and the front sends it traffic.
   * @param {number} [index]
   * @returns {Promise<void>}
   */
  function ready(index, timeoutMs = 60_000) {
    if (index === undefined) return Promise.all(replicas.map((r) => ready(r.index, timeoutMs))).then(() => undefined);
    const replica = check(index);
    const isReady = () => replica.state === 'ready' && serving[index] === true;
    if (isReady()) return Promise.resolve();
    return waitFor({
      until: isReady,
      watch: (recheck) => {
        events.on('ready', recheck);
        events.on('rotation', recheck);
        return () => {
          events.off('ready', recheck);
          events.off('rotation', recheck);
        };
      },
      timeoutMs,
      timeoutError: () =>
        new Error(`${replica.pod} was not ready and in rotation within ${timeoutMs} ms; last output:\n${replica.output.join('\n')}`),
    });
  }

  /** @type {Cluster & { killNow(): void }} */
  const handle = {
    url: '',
    app,
    front: useNginx ? 'nginx' : 'node',
    affinity,
    dir,
    replicas,
    events,
    ready,

    /** Sends `signal` to replica `index`; resolves with how it ended. The supervisor restarts it. */
    kill(index, signal = 'SIGKILL') {
      return check(index).signal(signal);
    },

    /** The exit of replica `index`'s current process (for a replica that kills itself). */
    exited(index) {
      return check(index).exited;
    },

    /**
     * A graceful restart of one replica: out of rotation (and the front no
     * longer sending it anything), SIGTERM, wait for the exit, start, wait for
     * /readyz, back into rotation. Resolves with how the old process ended.
     */
    async restart(index) {
      const replica = check(index);
      controlled.add(index);
      clearTimeout(restartTimers.get(index));
      restartTimers.delete(index);
      try {
        await setRotation(index, false);
        const exit = await replica.stop(stopGraceMs);
        await replica.start();
        await setRotation(index, true);
        return exit;
      } finally {
        controlled.delete(index);
      }
    },

    /**
     * A scale-out: one more replica on a free port, started, ready, then added
     * to the front's rotation (an nginx reload, or the proxy's next request).
     * Resolves with it once the front sends it traffic.
     */
    async addReplica() {
      if (stopping) throw new Error('the cluster is stopping');
      const index = replicas.length;
      const replica = replicaAt(await freePort(), index);
      replicas.push(replica);
      inRotation.push(false);
      serving.push(false);
      crashes.push(0);
      controlled.add(index);
      supervise(replica);
      try {
        await replica.start();
        await setRotation(index, true);
      } finally {
        controlled.delete(index);
      }
      return replica;
    },

    /** Restarts every replica, one after the other, each ready before the next goes. */
    async rollingRestart() {
      /** @type {ReplicaExit[]} */
      const exits = [];
      for (const replica of replicas) exits.push(await handle.restart(replica.index));
      return exits;
    },

    async stop() {
      if (stopping) return;
      stopping = true;
      live.delete(handle);
      for (const timer of restartTimers.values()) clearTimeout(timer);
      restartTimers.clear();
      await front?.stop().catch(() => undefined);
      await Promise.all(replicas.map((r) => r.stop(stopGraceMs).catch(() => undefined)));
      rmSync(dir, { recursive: true, force: true });
    },

    /** @internal Synchronous last resort on process exit. */
    killNow() {
      for (const replica of replicas) replica.child?.kill('SIGKILL');
      front?.killNow?.();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  live.add(handle);

  try {
    await Promise.all(replicas.map((r) => r.start()));
    const port = options.port || (await freePort(host));
    front = useNginx
      ? await startNginx({ dir, host, port, upstreams: upstreams(), affinity, onLog: (line) => events.emit('front-log', { line }) })
      : await startProxy({ host, port, upstreams: upstreams(), affinity });
    handle.url = front.url;
  } catch (error) {
    await handle.stop();
    throw error;
  }
  return handle;
}
