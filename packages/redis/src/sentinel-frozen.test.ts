import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { create, newId } from '@podsafe/testkit';
import { RedisStore } from './index.js';
import { startSentinelGroup, type TestSentinelGroup } from '../test/sentinel.js';
import { probeUntilServed, reportProbe } from '@podsafe/test-support/outage-probe';

/**
 * A Sentinel failover where the old master is frozen (SIGSTOP: its sockets stay
 * open, nothing answers, as when its node partitions) rather than killed: no RST
 * and no FIN tell the store to look for the new master. Timings are printed, not
 * asserted; the probe's deadline is a hang guard.
 */

let group: TestSentinelGroup;
let frozenPid: number | undefined;
beforeAll(async () => {
  group = await startSentinelGroup();
});
afterAll(async () => {
  // A stopped process ignores SIGTERM until it is continued.
  if (frozenPid !== undefined) process.kill(frozenPid, 'SIGCONT');
  await group?.stop();
});

describe('RedisStore through Sentinel, the master frozen', () => {
  it('leaves the silent old master for the promoted replica by itself: sessions written before are served', async () => {
    const store = new RedisStore({
      prefix: `podsafe:test:${process.pid}:frozen:`,
      redisOptions: { sentinels: group.sentinels, name: group.name },
    });
    try {
      const id = newId();
      expect(await store.save(id, create({ user: 'alice' }), 600)).toBe(true);
      await group.replicated(store.prefix + id);

      frozenPid = group.master.pid!;
      const start = Date.now();
      process.kill(frozenPid, 'SIGSTOP');
      const probe = await probeUntilServed(() => store.get(id), { start, deadlineMs: 15_000 });

      expect((await store.get(id))?.data).toEqual({ user: 'alice' });
      const after = newId();
      expect(await store.save(after, create({ user: 'bob' }), 600)).toBe(true);
      expect((await store.get(after))?.data).toEqual({ user: 'bob' });
      reportProbe('redis sentinel', 'master frozen', probe);
    } finally {
      await store.close();
    }
  });
});
