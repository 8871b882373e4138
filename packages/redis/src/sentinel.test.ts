import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { create, describeSessionStore, newId } from '@podsafe/testkit';
import { RedisStore } from './index.js';
import { nextStatus } from '../test/status.js';
import { startSentinelGroup, type TestSentinelGroup } from '../test/sentinel.js';

// A real master + replica + sentinel, started once for this file.
let group: TestSentinelGroup;
beforeAll(async () => {
  group = await startSentinelGroup();
});
afterAll(async () => {
  await group?.stop();
});

const run = `${process.pid}-${Date.now().toString(36)}`;

function sentinelStore(prefix: string): RedisStore {
  return new RedisStore({ prefix: `podsafe:test:${run}:${prefix}:`, redisOptions: { sentinels: group.sentinels, name: group.name } });
}

describeSessionStore('RedisStore through Sentinel', () => sentinelStore('suite'), {
  writeCorrupt: async (store, id) => {
    await store.client.set(store.prefix + id, 'a string where a session hash belongs');
  },
});

describe('RedisStore through Sentinel, failover', () => {
  // Runs after the suite above (files run their describes in order): it kills the master.
  it('follows a failover by itself: sessions written before it are served by the promoted replica', async () => {
    const store = sentinelStore('failover');
    try {
      const id = newId();
      expect(await store.save(id, create({ user: 'alice' }), 600)).toBe(true);
      await group.replicated(store.prefix + id);

      const down = nextStatus(store, 'down');
      const ready = nextStatus(store, 'ready');
      await group.master.stop('SIGKILL');
      await down;
      await ready; // reconnected, through the sentinel, to the promoted replica

      expect((await store.get(id))?.data).toEqual({ user: 'alice' });
      const after = newId();
      expect(await store.save(after, create({ user: 'bob' }), 600)).toBe(true);
      expect((await store.get(after))?.data).toEqual({ user: 'bob' });
    } finally {
      await store.close();
    }
  });
});
