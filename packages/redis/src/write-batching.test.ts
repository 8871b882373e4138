import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { create, newId } from '@podsafe/testkit';
import { RedisStore } from './index.js';
import { startRedis, type ServerProcess } from '@podsafe/test-support/servers';

/** Redis's own count of reads from client sockets (INFO stats). */
async function readsProcessed(admin: Redis): Promise<number> {
  const stats = await admin.info('stats');
  return Number(/^total_reads_processed:(\d+)/m.exec(stats)?.[1]);
}

/** Counts the writes Node hands the socket's handle to (one per syscall-sized batch). */
function countWrites(socket: { _write: unknown; _writev: unknown }): { readonly count: number } {
  const counter = { count: 0 };
  for (const method of ['_write', '_writev'] as const) {
    const original = socket[method] as (...args: unknown[]) => unknown;
    socket[method] = function (this: unknown, ...args: unknown[]) {
      counter.count++;
      return original.apply(this, args);
    };
  }
  return counter;
}

describe('RedisStore writes the commands of one event-loop turn together', () => {
  let redis: ServerProcess & { url: string };
  let store: RedisStore;
  let admin: Redis;
  const ids = Array.from({ length: 50 }, newId);

  beforeAll(async () => {
    redis = await startRedis();
    store = new RedisStore({ url: redis.url, prefix: 'batch:' });
    admin = new Redis(redis.url);
    for (const id of ids) await store.save(id, create({ n: 1 }), 60);
  });

  afterAll(async () => {
    await admin?.quit();
    await store?.close();
    await redis?.stop();
  });

  it('50 calls issued in one turn go out in one socket write, and Redis reads them in one read', async () => {
    const socket = (store.client as unknown as { stream: { _write: unknown; _writev: unknown } }).stream;
    const writes = countWrites(socket);
    const before = await readsProcessed(admin);
    const records = await Promise.all(ids.map((id) => store.get(id)));
    const after = await readsProcessed(admin);
    expect(records.every((record) => record?.data.n === 1)).toBe(true);
    expect(writes.count).toBe(1);
    // One read for the 50 commands, one for the INFO that reads the count afterwards.
    expect(after - before).toBeLessThanOrEqual(2);
  });

  it('commands issued in later turns are not held back: each turn is written at its end', async () => {
    const socket = (store.client as unknown as { stream: { _write: unknown; _writev: unknown } }).stream;
    const writes = countWrites(socket);
    // Each get is awaited before the next is issued: every turn has one command, written on its own.
    for (const id of ids.slice(0, 5)) expect((await store.get(id))?.data.n).toBe(1);
    expect(writes.count).toBe(5);
    // Saves and reads mixed in one turn still share a write, and answer in order.
    const id = ids[0]!;
    const [saved, read] = await Promise.all([store.save(id, create({ n: 2 }), 60), store.get(id)]);
    expect(saved).toBe(true);
    expect(read?.data.n).toBe(2);
    expect(writes.count).toBe(6);
  });

  it("a client passed in is batched the same way: the app's own commands of that turn ride along", async () => {
    const client = new Redis(redis.url, { enableAutoPipelining: false });
    const shared = new RedisStore({ client, prefix: 'batch:' });
    await client.ping();
    const writes = countWrites((client as unknown as { stream: { _write: unknown; _writev: unknown } }).stream);
    const [record, own] = await Promise.all([shared.get(ids[1]!), client.echo('mine')]);
    expect(own).toBe('mine');
    expect(record?.data.n).toBe(1);
    expect(writes.count).toBe(1);
    await shared.close();
    await client.quit();
  });
});
