import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Cluster } from 'ioredis';
import { nowSeconds } from '@podsafe/core/store';
import { RedisStore } from '../index.js';
import { migrateLegacySessions } from '../migrate.js';
import { startRedisCluster, type TestCluster } from '../../test/cluster.js';

// A real 3-master cluster: legacy keys and their podsafe records land in different slots.
let cluster: TestCluster;
let client: Cluster;
const run = `${process.pid}-${Date.now().toString(36)}`;
const legacyPrefix = `legacy:${run}:`;
const prefix = `podsafe:${run}:`;

beforeAll(async () => {
  cluster = await startRedisCluster(3);
  client = new Cluster(cluster.nodes, { enableAutoPipelining: true, redisOptions: { commandTimeout: 2000 } });
});

afterAll(async () => {
  await client?.quit().catch(() => client.disconnect());
  await cluster?.stop();
});

const session = (user: string) => JSON.stringify({ cookie: { originalMaxAge: null, expires: null, httpOnly: true, path: '/' }, user });

describe('legacy sessions on Redis Cluster', () => {
  it('podsafe-migrate converts the sessions of every master', async () => {
    const ids = Array.from({ length: 1500 }, (_, i) => `cluster-id-${String(i).padStart(8, '0')}`);
    await Promise.all(ids.map((id) => client.set(legacyPrefix + id, session(id), 'EX', 600)));
    const masters = client.nodes('master');
    expect(masters).toHaveLength(3);
    for (const master of masters) expect(await master.dbsize()).toBeGreaterThan(250);

    const summary = await migrateLegacySessions({ client, legacyPrefix, prefix });
    expect(summary).toMatchObject({ scanned: 1500, converted: 1500, skipped: 0, corrupt: 0 });
    expect(await client.hget(prefix + ids[1234], 'd:user')).toBe(JSON.stringify(ids[1234]));
    expect(await client.exists(legacyPrefix + ids[1234])).toBe(0);
  });

  it('serves the drop-in in both modes, though a legacy key and its podsafe record live in different slots', async () => {
    const dual = new RedisStore({ client, prefix, legacy: { format: 'connect-redis', prefix: legacyPrefix, mode: 'dual' } });
    const read = new RedisStore({ client, prefix, legacy: { format: 'connect-redis', prefix: legacyPrefix, mode: 'read' } });
    const id = 'cluster-dropin-0001';
    await client.set(legacyPrefix + id, session('mia'), 'EX', 600);
    const now = nowSeconds();
    expect((await dual.get(id))?.data).toMatchObject({ user: 'mia' });
    const data = { ...(await dual.get(id))!.data, count: 1 };
    expect(await dual.save(id, { isNew: false, set: { count: 1 }, unset: [], data, meta: { createdAt: now, lastSeenAt: now } }, 600)).toBe(
      true,
    );
    expect(JSON.parse((await client.get(legacyPrefix + id))!)).toMatchObject({ user: 'mia', count: 1, cookie: { path: '/' } });

    expect((await read.get(id))?.data).toMatchObject({ user: 'mia', count: 1 });
    expect(await client.exists(legacyPrefix + id)).toBe(0);
    expect(await client.type(prefix + id)).toBe('hash');
    await read.destroy(id);
    expect(await read.get(id)).toBeNull();
    await Promise.all([dual.close(), read.close()]);
  });
});
