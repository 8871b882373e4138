import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Cluster } from 'ioredis';
import { SessionEngine } from '@podsafe/core/adapter';
import { create, describeSessionStore, describeUserIndex, newId, update } from '@podsafe/testkit';
import { RedisStore } from './index.js';
import { startRedisCluster, type TestCluster } from '../test/cluster.js';

// A real 3-master cluster, started once for this file.
let cluster: TestCluster;
const clients: Cluster[] = [];

function clusterClient(): Cluster {
  const client = new Cluster(cluster.nodes, { enableAutoPipelining: true, redisOptions: { commandTimeout: 1000 } });
  clients.push(client);
  return client;
}

beforeAll(async () => {
  cluster = await startRedisCluster(3);
});

afterAll(async () => {
  await Promise.all(clients.map((client) => client.quit().catch(() => client.disconnect())));
  await cluster?.stop();
});

const run = `${process.pid}-${Date.now().toString(36)}`;

describeSessionStore(
  'RedisStore on Redis Cluster',
  () => new RedisStore({ client: clusterClient(), prefix: `podsafe:test:${run}:suite:` }),
  {
    writeCorrupt: async (store, id) => {
      await store.client.set(store.prefix + id, 'a string where a session hash belongs');
    },
  },
);

describeUserIndex('RedisStore on Redis Cluster', () => new RedisStore({ client: clusterClient(), prefix: `podsafe:test:${run}:users:` }), {
  anotherPod: (store) => new RedisStore({ client: clusterClient(), prefix: store.prefix }),
});

describe('RedisStore on Redis Cluster, beyond the contract', () => {
  let store: RedisStore;
  beforeAll(() => {
    store = new RedisStore({ client: clusterClient(), prefix: `podsafe:test:${run}:spread:` });
  });
  afterAll(async () => {
    await store.close();
  });

  it('spreads sessions over every master, and ids() / count() / clear() reach all of them', async () => {
    const made = Array.from({ length: 60 }, () => newId());
    await Promise.all(made.map((id) => store.save(id, create({ n: 1 }), 600)));

    const owners = new Set<string>();
    for (const node of store.client.isCluster ? (store.client as Cluster).nodes('master') : []) {
      const [, keys] = await node.scan('0', 'MATCH', `${store.prefix}*`, 'COUNT', 1000);
      if (keys.length > 0) owners.add(`${node.options.port}`);
    }
    expect(owners.size).toBe(3);

    const listed: string[] = [];
    for await (const id of store.ids()) listed.push(id);
    expect(listed.sort()).toEqual([...made].sort());
    expect(await store.count()).toBe(60);

    await store.clear();
    expect(await store.count()).toBe(0);
  });

  it('keeps delta writes atomic per session on a cluster node', async () => {
    const id = newId();
    await store.save(id, create({ user: 'alice' }), 600);
    const writes = Array.from({ length: 10 }, (_, i) => update({ user: 'alice' }, { [`k${i}`]: i }));
    expect(await Promise.all(writes.map((change) => store.save(id, change, 600)))).toEqual(writes.map(() => true));
    const record = await store.get(id);
    expect(record?.meta.version).toBe(11);
    expect(Object.keys(record!.data)).toHaveLength(11);
  });

  it('signs a user out of sessions spread over every master, though the index lives on one slot', async () => {
    const engine = new SessionEngine({ store, secret: 'cluster-user-index-secret-0123456789abcdef', userKey: 'userId' });
    const cookies: string[] = [];
    for (let i = 0; i < 12; i++) {
      const context = await engine.load({ cookieHeader: undefined, secure: false });
      (context.session as unknown as Record<string, unknown>).userId = 'alice';
      cookies.push((await engine.commit(context))!.split(';')[0]!);
    }
    expect(await engine.listUserSessions('alice')).toHaveLength(12);
    expect(await engine.destroyUserSessions('alice')).toBe(12);
    for (const cookie of cookies) {
      const context = await engine.load({ cookieHeader: cookie, secure: false });
      expect(context.isNew).toBe(true);
    }
    expect(await engine.listUserSessions('alice')).toEqual([]);
  });
});
