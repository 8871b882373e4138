// The demo's two fleets, side by side, each N replicas of the same example app:
// "sticky", what most apps have before podsafe (sessions in each replica's
// memory, each client address pinned to one replica), and "podsafe" (sessions
// in a shared store, round robin, no affinity).
import { randomBytes } from 'node:crypto';
import { startBackend } from './backend.js';
import { startCluster } from './cluster.js';
import { Tally } from './tally.js';

/**
 * @typedef {{
 *   name: 'sticky' | 'podsafe',
 *   cluster: import('./cluster.js').Cluster,
 *   tally: Tally,
 *   front: string,
 *   sessions: string,
 * }} Fleet
 */

/**
 * Starts the shared store's server (or picks the JWT fallback) and both fleets.
 * @param {{
 *   env?: Record<string, string | undefined>,
 *   front?: 'auto' | 'nginx' | 'node',
 *   replicas?: number,
 *   app?: import('./cluster.js').ExampleApp,
 *   restartDelayMs?: number,
 *   autoRestart?: boolean,
 *   notice?: (message: string) => void,
 * }} [options] `env`: where SESSION_BACKEND, REDIS_URL... are read (default process.env)
 * @returns {Promise<{ fleets: Fleet[], backend: { kind: string, description: string }, stop(): Promise<void> }>}
 */
export async function startFleets(options = {}) {
  const { env = process.env, front = 'auto', replicas = 3, app = 'express-app', restartDelayMs = 1000, autoRestart = true, notice = () => {} } = options;
  const backend = await startBackend(env, notice);
  // One secret per fleet, for every replica of it, or none could read another's cookies.
  const secret = () => env.SESSION_SECRET || randomBytes(48).toString('base64url');
  const common = { app, replicas, front, restartDelayMs, autoRestart };
  const started = await Promise.allSettled([
    // Not production: the app refuses to keep sessions in memory there, rightly.
    startCluster({ ...common, affinity: 'client-ip', env: { SESSION_BACKEND: 'memory', NODE_ENV: 'development', SESSION_SECRET: secret() } }),
    startCluster({ ...common, affinity: 'none', env: { ...backend.env, SESSION_SECRET: secret() } }),
  ]);
  const failed = started.find((s) => s.status === 'rejected');
  if (failed) {
    await Promise.all(started.map((s) => (s.status === 'fulfilled' ? s.value.stop() : undefined)));
    await backend.stop();
    throw failed.reason;
  }
  const [sticky, podsafe] = started.map((s) => /** @type {PromiseFulfilledResult<import('./cluster.js').Cluster>} */ (s).value);
  const frontName = (cluster) => (cluster.front === 'nginx' ? 'nginx' : `Node proxy${front === 'node' ? '' : ' (nginx is not installed)'}`);
  /** @type {Fleet[]} */
  const fleets = [
    {
      name: 'sticky',
      cluster: sticky,
      tally: new Tally(),
      front: `${frontName(sticky)}, client-address affinity (${sticky.front === 'nginx' ? 'hash $remote_addr consistent' : 'a consistent-hash ring'})`,
      sessions: "each replica's own memory (MemoryStore)",
    },
    { name: 'podsafe', cluster: podsafe, tally: new Tally(), front: `${frontName(podsafe)}, round robin, no affinity`, sessions: backend.description },
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

/** Resolves when replica `index` of `cluster` has left the front's rotation (call before the kill). */
export function rotatedOut(cluster, index) {
  return new Promise((resolve) => {
    const on = (e) => {
      if (e.index !== index || e.inRotation) return;
      cluster.events.off('rotation', on);
      resolve(undefined);
    };
    cluster.events.on('rotation', on);
  });
}
