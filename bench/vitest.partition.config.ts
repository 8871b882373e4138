import { defineConfig } from 'vitest/config';

// The silent-network benchmark (`pnpm --dir bench partition`): minutes long, so not part of `pnpm bench`.
const conditions = ['@podsafe/source', 'node'];
export default defineConfig({
  resolve: { conditions },
  ssr: { resolve: { conditions } },
  test: { root: import.meta.dirname, include: ['partition.ts'], testTimeout: 900_000 },
});
