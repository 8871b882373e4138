import { defineConfig } from 'vitest/config';

// Tests run against the TypeScript sources (the "@podsafe/source" export
// condition), so no build is needed between an edit and a test run.
const conditions = ['@podsafe/source', 'node'];

// Where tests live (test/README.md): unit tests beside the code, package-only
// tests in packages/<p>/test, cross-cutting ones in test/, the Kubernetes
// example's in examples/kubernetes/test.
const ALL = ['packages/*/src/**/*.test.ts', 'packages/*/test/**/*.test.ts', 'test/**/*.test.ts', 'examples/*/test/**/*.test.ts'];

// Tests that start or connect to real servers (redis-server, memcached, the
// shared ones from the global setup). Everything else in ALL is a unit test and
// must pass with none of them on PATH (.ci/run checks that).
const INTEGRATION = [
  'packages/redis/src/cluster-silent.test.ts',
  'packages/redis/src/cluster.test.ts',
  'packages/redis/src/command-cost.test.ts',
  'packages/redis/src/legacy/legacy-cluster.test.ts',
  'packages/redis/src/outage.test.ts',
  'packages/redis/src/redis-store.test.ts',
  'packages/redis/src/refusals.test.ts',
  'packages/redis/src/sentinel-frozen.test.ts',
  'packages/redis/src/sentinel.test.ts',
  'packages/redis/src/silent-network.test.ts',
  'packages/redis/src/user-index-cost.test.ts',
  'packages/redis/src/user-index.test.ts',
  'packages/redis/src/write-batching.test.ts',
  'packages/memcached/src/memcached-store.test.ts',
  'packages/memcached/src/silent-network.test.ts',
  'packages/express/test/express.test.ts',
  'packages/express/test/express4.test.ts',
  'packages/express/test/express-session-store.test.ts',
  'packages/express/test/middleware.test.ts',
  'packages/fastify/test/fastify.test.ts',
  'packages/fastify/test/fastify-plugin.test.ts',
  'packages/fastify/test/fastify-session-store.test.ts',
  'test/adapters/login-race.test.ts',
  'test/adapters/prototype-keys.test.ts',
  'test/adapters/session-exempt.test.ts',
  'test/compat/passport-express.test.ts',
  'test/compat/passport-fastify.test.ts',
  'test/compat/session-api.test.ts',
  'test/migration/**/*.test.ts',
  'test/stores/jwt-user-index.test.ts',
  'test/stores/partition-netns.test.ts',
];

// Whole example clusters behind nginx, and a real browser.
const E2E = ['test/e2e/**/*.test.ts'];

// Starts the shared redis-server and memcached; only the projects that need servers run it.
const servers = ['test/support/global-setup.ts'];

export default defineConfig({
  resolve: { conditions },
  ssr: { resolve: { conditions } },
  test: {
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // `pnpm test:coverage`: what the tests of every project execute of the packages' sources.
    coverage: {
      provider: 'v8',
      include: ['packages/*/src/**/*.ts'],
      exclude: ['**/*.test.ts', '**/*.test-d.ts', '**/*.d.ts'],
      reporter: ['text-summary', 'json-summary'],
      reportsDirectory: 'coverage',
      // Floors per package, a few points under what the whole run measured
      // (test/README.md): a run that covers less of a package fails. They hold
      // for the whole run; a single project covers less.
    },
    projects: [
      {
        extends: true,
        test: {
          name: 'unit',
          include: ALL,
          exclude: [...INTEGRATION, ...E2E, '**/node_modules/**'],
          typecheck: {
            enabled: true,
            include: ['packages/*/src/**/*.test-d.ts', 'packages/*/test/**/*.test-d.ts', 'test/**/*.test-d.ts'],
            tsconfig: 'test/tsconfig.json',
          },
        },
      },
      { extends: true, test: { name: 'integration', include: INTEGRATION, globalSetup: servers } },
      { extends: true, test: { name: 'e2e', include: E2E, globalSetup: servers } },
    ],
  },
});
