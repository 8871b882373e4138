import { defineConfig } from 'vitest/config';

// Benchmarks are not tests: they run only from `pnpm bench`, print numbers,
// and never fail on speed.
const conditions = ['@podsafe/source', 'node'];
export default defineConfig({
  resolve: { conditions },
  ssr: { resolve: { conditions } },
  test: {
    root: import.meta.dirname,
    include: ['*.load.ts'],
    // A full run with --rounds 5 takes about 13 minutes on 2 cores; the limit only catches a hang.
    testTimeout: 3_600_000,
    fileParallelism: false,
  },
});
