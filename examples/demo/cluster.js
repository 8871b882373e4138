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
import { LOOPBACK, freePort } from './net.js';
import { findNginx, startNginx } from './nginx.js';
import { startProxy } from './proxy.js';
import { Replica } from './replica.js';

/** The example apps a cluster can run: twins with the same routes, environment and probes. */
export const APPS = ['express-app', 'fastify-app'];

/** The entry file of example app `app` (one of {@link APPS}). */
export function appEntry(app) {
  if (!APPS.includes(app)) throw new Error(`app must be one of ${APPS.join(', ')}; got ${JSON.stringify(app)}`);
  return fileURLToPath(new URL(`../${app}/src/server.js`, import.meta.url));
}

export const DEFAULT_APP_ENTRY = appEntry('express-app');

// Children must not outlive this process, even when it dies of an uncaught error.
const live = new Set();
process.once('exit', () => {
  for (const cluster of live) cluster.killNow();
});

/** See cluster.d.ts for the options and the returned handle. */
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

  const events = new EventEmitter();
  const dir = mkdtempSync(join(tmpdir(), 'podsafe-cluster-'));
  const ports = [];
  for (let i = 0; i < count; i++) ports.push(await freePort());
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
  const restartTimers = new Map();
  const controlled = new Set();
  const crashes = replicas.map(() => 0);
  let front;
  let stopping = false;

  const upstreams = () => replicas.map((r) => ({ port: r.port, enabled: inRotation[r.index] }));

  replicas.forEach(supervise);

  /** Relays a replica's events and restarts it when it dies on its own. */
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

  /** What the kubelet does for a dead container: start it again, backing off while it keeps dying before it is ready. */
  function scheduleRestart(replica, exit) {
    const { index, pod } = replica;
    if (!exit.wasReady) crashes[index] += 1;
    const delayMs = Math.min(restartDelayMs * 2 ** Math.min(crashes[index], 5), 30_000);
    events.emit('restarting', { index, pod, delayMs });
    const timer = setTimeout(async () => {
      restartTimers.delete(index);
      if (stopping || replica.running || controlled.has(index)) return;
      try {
        await replica.start();
      } catch (error) {
        // An exit before readiness schedules the next attempt by itself.
        events.emit('failure', { index, pod, error });
      }
    }, delayMs);
    restartTimers.set(index, timer);
  }

  /** Puts replica `index` in or out of the front's rotation; resolves once the front has applied it. */
  async function setRotation(index, on) {
    inRotation[index] = on;
    if (!on) serving[index] = false;
    await front.setUpstreams(upstreams());
    // A later change may have reversed this one meanwhile.
    if (on && inRotation[index]) serving[index] = true;
    events.emit('rotation', { index, pod: replicas[index].pod, inRotation: on });
  }

  async function rotate(index, on) {
    try {
      await setRotation(index, on);
    } catch (error) {
      if (!stopping) events.emit('failure', { index, pod: replicas[index].pod, error });
    }
  }

  function check(index) {
    const replica = replicas[index];
    if (!replica) throw new Error(`no replica ${index}: indices go from 0 to ${replicas.length - 1}`);
    return replica;
  }

  /** Resolves once replica `index` (or every replica) is ready and the front sends it traffic. */
  function ready(index, timeoutMs = 60_000) {
    if (index === undefined) return Promise.all(replicas.map((r) => ready(r.index, timeoutMs))).then(() => undefined);
    const replica = check(index);
    const isReady = () => replica.state === 'ready' && serving[index];
    if (isReady()) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const onEvent = () => {
        if (!isReady()) return;
        done();
        resolve();
      };
      const timer = setTimeout(() => {
        done();
        reject(new Error(`${replica.pod} was not ready and in rotation within ${timeoutMs} ms; last output:\n${replica.output.join('\n')}`));
      }, timeoutMs);
      const done = () => {
        clearTimeout(timer);
        events.off('ready', onEvent);
        events.off('rotation', onEvent);
      };
      events.on('ready', onEvent);
      events.on('rotation', onEvent);
    });
  }

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
