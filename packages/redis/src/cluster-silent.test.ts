import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Cluster, Redis } from 'ioredis';
import { create, newId } from '@podsafe/testkit';
import { RedisStore } from './index.js';
import { startRedisCluster, type TestCluster } from '../test/cluster.js';
import { TcpRelay } from '@podsafe/test-support/tcp-relay';
import { probeUntilServed, reportProbe } from '@podsafe/test-support/outage-probe';

/**
 * A Redis Cluster whose first master is reached through a relay (the node announces
 * the relay's port), which then freezes its connections while forwarding new ones:
 * the node's pod moved. The Cluster client is configured as the README says
 * (`socketTimeout` in `redisOptions`). Timings are printed, never asserted.
 */

let cluster: TestCluster;
let relay: TcpRelay;
const admins: Redis[] = [];

/** Polls until every node's CLUSTER SLOTS shows the relay's port: gossip has no event to wait on. */
async function announced(port: number): Promise<void> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const views = await Promise.all(admins.map((admin) => admin.call('CLUSTER', 'SLOTS') as Promise<[number, number, [string, number]][]>));
    if (views.every((slots) => slots.some(([, , [, nodePort]]) => nodePort === port))) return;
    if (Date.now() > deadline) throw new Error(`the cluster did not announce port ${port} within 10 s`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

beforeAll(async () => {
  cluster = await startRedisCluster(3);
  relay = await TcpRelay.start({ port: cluster.nodes[0]!.port });
  admins.push(...cluster.nodes.map(({ port }) => new Redis({ port, maxRetriesPerRequest: 0 })));
  await admins[0]!.config('SET', 'cluster-announce-ip', '127.0.0.1');
  await admins[0]!.config('SET', 'cluster-announce-port', String(relay.port));
  await announced(relay.port);
});

afterAll(async () => {
  for (const admin of admins) admin.disconnect();
  await relay?.close();
  await cluster?.stop();
});

describe('RedisStore on Redis Cluster on a silent network', () => {
  it('a master moved (its old connections silent forever): serving again by itself, sessions intact', async () => {
    const client = new Cluster([cluster.nodes[1]!], {
      enableAutoPipelining: true,
      redisOptions: { commandTimeout: 1000, socketTimeout: 2000, maxRetriesPerRequest: 0 },
    });
    const store = new RedisStore({ client, prefix: `podsafe:test:${process.pid}:cluster-silent:` });
    try {
      // A session on the relayed master (it owns the first third of the slots).
      let id = newId();
      while (Number(await admins[0]!.call('CLUSTER', 'KEYSLOT', store.prefix + id)) >= 16384 / 3) id = newId();
      expect(await store.save(id, create({ user: 'alice' }), 600)).toBe(true);
      const acceptedBefore = relay.accepted;

      const start = Date.now();
      relay.freeze('forward');
      const probe = await probeUntilServed(() => store.get(id), { start });

      expect(relay.accepted, 'the client opened a new connection to the moved master').toBeGreaterThan(acceptedBefore);
      expect((await store.get(id))?.data).toEqual({ user: 'alice' });
      reportProbe('redis cluster', 'moved', probe);
    } finally {
      await store.close();
      client.disconnect();
    }
  });
});
