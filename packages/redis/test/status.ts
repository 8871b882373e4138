import type { SessionStoreStatus } from '@podsafe/core';
import type { RedisStore } from '../src/index.js';

/** Resolves the next time `store` reports `status`: wait on the event, never on a timer. */
export function nextStatus(store: RedisStore, status: SessionStoreStatus): Promise<void> {
  return new Promise((resolve) => {
    const unsubscribe = store.subscribe((seen) => {
      if (seen !== status) return;
      unsubscribe();
      resolve();
    });
  });
}
