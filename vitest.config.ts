import { defineConfig } from 'vitest/config';

// Tests run against the TypeScript sources (the "@podsafe/source" export
// condition), so no build is needed between an edit and a test run.
const conditions = ['@podsafe/source', 'node'];

export default defineConfig({
  resolve: { conditions },
  ssr: { resolve: { conditions } },
  test: {
    include: ['packages/*/src/**/*.test.ts', 'test/**/*.test.ts'],
    globalSetup: ['test/support/global-setup.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    typecheck: { enabled: true, include: ['packages/*/src/**/*.test-d.ts', 'test/**/*.test-d.ts'], tsconfig: 'test/tsconfig.json' },
  },
});
