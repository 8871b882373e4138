// The demo's two fleets, side by side, each N replicas of the same example app:
// "sticky", what most apps have before podsafe (sessions in each replica's
// memory, each client address pinned to one replica), and "podsafe" (sessions
// in a shared store, round robin, no affinity).
import { randomBytes } from 'node:crypto';
import { startBackend } from './backend.js';
import { startCluster } from './cluster.js';
import { Tally } from './tally.js';

/** @import { Cluster, ExampleApp } from './cluster.js' */

/**
 * One of the demo's two fleets.
 * @typedef {object} Fleet
 * @property {'sticky' | 'podsafe'} name `sticky`: sessions in each replica's memory, client-address affinity. `podsafe`: a shared store, round robin
 * @property {Cluster} cluster
 * @property {Tally} tally
 * @property {string} front the front and its balancing, in words (nginx or the Node fallback)
 * @property {string} sessions where sessions live, in words (Redis, or the JWT fallback, for podsafe)
 */

/**
 * @typedef {object} FleetsOptions
 * @property {Record<string, string | undefined>} [env] where SESSION_BACKEND, REDIS_URL, MEMCACHED_SERVERS and SESSION_SECRET are read for the podsafe fleet (default process.env)
 * @property {'auto' | 'nginx' | 'node'} [front] the fronts: nginx, the Node proxy, or nginx when installed (`auto`, the default)
 * @property {number} [replicas] replicas per fleet (default 3)
 * @property {ExampleApp} [app] which example app the replicas run (default `express-app`)
 * @property {number} [restartDelayMs] delay before a dead replica is started again (default 1000)
 * @property {boolean} [autoRestart] restart replicas that die (default true)
 * @property {(message: string) => void} [notice] told when a fallback is used (no redis-server: JWT cookies)
 */

/**
 * Both fleets and the podsafe fleet's store.
 * @typedef {object} Fleets
 * @property {[Fleet, Fleet]} fleets sticky first, then podsafe
 * @property {{ kind: string, description: string }} backend
 * @property {() => Promise<void>} stop stops both fleets and the store's server
 */

/**
 * Starts the shared store's server (or picks the JWT fallback) and both fleets.
 * @param {FleetsOptions} [options]
 * @returns {Promise<Fleets>}
 */
export async function startFleets(options = {}) {
  const {
    env = process.env,
    front = 'auto',
    replicas = 3,
    app = 'express-app',
    restartDelayMs = 1000,
    autoRestart = true,
    notice = () => {},
  } = options;
  const backend = await startBackend(env, notice);
  // One secret per fleet, for every replica of it, or none could read another's cookies.
  const secret = () => env.SESSION_SECRET || randomBytes(48).toString('base64url');
  const common = { app, replicas, front, restartDelayMs, autoRestart };
  const started = await Promise.allSettled([
    // Not production: the app refuses to keep sessions in memory there, rightly.
    startCluster({
      ...common,
      affinity: 'client-ip',
      env: { SESSION_BACKEND: 'memory', NODE_ENV: 'development', SESSION_SECRET: secret() },
    }),
    startCluster({ ...common, affinity: 'none', env: { ...backend.env, SESSION_SECRET: secret() } }),
  ]);
  const failed = started.find((s) => s.status === 'rejected');
  if (failed) {
    await Promise.all(started.map((s) => (s.status === 'fulfilled' ? s.value.stop() : undefined)));
    await backend.stop();
    throw failed.reason;
  }
  const [sticky, podsafe] = /** @type {[Cluster, Cluster]} */ (
    started.map((s) => /** @type {PromiseFulfilledResult<Cluster>} */ (s).value)
  );
  const frontName = (/** @type {Cluster} */ cluster) =>
    cluster.front === 'nginx' ? 'nginx' : `Node proxy${front === 'node' ? '' : ' (nginx is not installed)'}`;
  /** @type {[Fleet, Fleet]} */
  const fleets = [
    {
      name: 'sticky',
      cluster: sticky,
      tally: new Tally(),
      front: `${frontName(sticky)}, client-address affinity (${sticky.front === 'nginx' ? 'hash $remote_addr consistent' : 'a consistent-hash ring'})`,
      sessions: "each replica's own memory (MemoryStore)",
    },
    {
      name: 'podsafe',
      cluster: podsafe,
      tally: new Tally(),
      front: `${frontName(podsafe)}, round robin, no affinity`,
      sessions: backend.description,
    },
  ];
  return {
    fleets,
    backend: { kind: backend.kind, description: backend.description },
    async stop() {
      await Promise.all(fleets.map((f) => f.cluster.stop()));
      await backend.stop();
    },
  };
}

/**
 * Resolves when replica `index` of `cluster` has left the front's rotation (call before the kill).
 * @param {Cluster} cluster
 * @param {number} index
 * @returns {Promise<void>}
 */
export function rotatedOut(cluster, index) {
  return new Promise((resolve) => {
    /** @param {{ index: number, inRotation: boolean }} e */
    const on = (e) => {
      if (e.index !== index || e.inRotation) return;
      cluster.events.off('rotation', on);
      resolve(undefined);
    };
    cluster.events.on('rotation', on);
  });
}
