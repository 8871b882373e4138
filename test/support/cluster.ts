/**
 * The example app as a local cluster for e2e tests: the same startCluster()
 * that `pnpm demo` runs (one implementation of the front and the supervisor),
 * with the test run's shared Redis / memcached and nginx as the front.
 */
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { inject } from 'vitest';
import { startCluster, type Cluster, type ClusterOptions, type ExampleApp } from '@podsafe/example-demo/cluster';

export type { Cluster, ExampleApp } from '@podsafe/example-demo/cluster';

export type SessionBackend = 'redis' | 'memcached' | 'jwt';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/**
 * The replicas run the built JavaScript (node resolves @podsafe/* to dist/), not
 * the sources vitest reads. `pnpm test` builds first; this covers a bare
 * `vitest run` on a fresh clone.
 */
export function ensureBuilt(backend: SessionBackend, app: ExampleApp = 'express-app'): void {
  const packages = ['core', app === 'fastify-app' ? 'fastify' : 'express', backend];
  const missing = packages.filter((name) => !existsSync(join(ROOT, 'packages', name, 'dist', 'index.js')));
  if (missing.length === 0) return;
  const tsc = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
  const result = spawnSync(process.execPath, [tsc, '-b'], { cwd: ROOT, encoding: 'utf8' });
  if (result.status !== 0) {
    throw new Error(
      `the e2e tests run the built packages (${missing.join(', ')} not built) and \`tsc -b\` failed:\n${result.stdout}${result.stderr}`,
    );
  }
}

/** Environment that points the app at the test run's shared servers. */
export function backendEnv(backend: SessionBackend): Record<string, string> {
  switch (backend) {
    case 'redis':
      return { SESSION_BACKEND: 'redis', REDIS_URL: inject('redisUrl') };
    case 'memcached':
      return { SESSION_BACKEND: 'memcached', MEMCACHED_SERVERS: inject('memcachedServers') };
    case 'jwt':
      return { SESSION_BACKEND: 'jwt' };
  }
}

/** N replicas of the example app (`options.app`, Express by default) behind nginx (startCluster names the package when it is missing), sharing one generated secret. */
export async function startTestCluster(backend: SessionBackend, options: ClusterOptions = {}): Promise<Cluster> {
  ensureBuilt(backend, options.app);
  return startCluster({
    front: 'nginx',
    // Shorter than the demo's second: the tests wait for readiness, never for the clock.
    restartDelayMs: 250,
    ...options,
    env: {
      ...backendEnv(backend),
      SESSION_SECRET: randomBytes(48).toString('base64url'),
      NODE_ENV: 'production',
      ...options.env,
    },
  });
}
