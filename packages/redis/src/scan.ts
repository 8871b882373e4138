import type { Cluster, Redis } from 'ioredis';

/** Keys per SCAN page: large enough to keep round trips few, small enough to keep each one short. */
export const SCAN_COUNT = 1000;

/** Runs one Redis round trip under the store's timeout and error mapping. */
export type Call = <T>(operation: string, command: () => Promise<T>) => Promise<T>;

/** The nodes to SCAN: the client itself, or every master of a Cluster (each holds only its own slots). */
async function scanTargets(client: Redis | Cluster, call: Call, operation: string): Promise<Redis[]> {
  if (!client.isCluster) return [client as Redis];
  const cluster = client as Cluster;
  // Before the cluster is ready it knows no nodes; wait for it (bounded) rather than list nothing.
  if (cluster.status !== 'ready') await call(operation, () => cluster.ping());
  const masters = cluster.nodes('master');
  if (masters.length === 0) throw new Error('the cluster reports no master nodes');
  return masters;
}

/**
 * Every key matching `pattern`, one SCAN page at a time. SCAN, never KEYS: it does
 * not block Redis however many keys there are. A key may (rarely, during a rehash)
 * appear on two pages; callers that count dedupe.
 */
export async function* scanPages(client: Redis | Cluster, pattern: string, call: Call, operation: string): AsyncGenerator<string[]> {
  for (const node of await scanTargets(client, call, operation)) {
    let cursor = '0';
    do {
      const [next, keys] = await call(operation, () => node.scan(cursor, 'MATCH', pattern, 'COUNT', SCAN_COUNT));
      cursor = next;
      if (keys.length > 0) yield keys;
    } while (cursor !== '0');
  }
}

/**
 * Deletes `keys` with UNLINK (freed in the background, so a big session never blocks
 * Redis). Standalone: one command for the page. Cluster: one command per key, since
 * a multi-key UNLINK across slots is refused (CROSSSLOT); the cluster client routes
 * each to its node (and auto-pipelining batches them when enabled).
 */
export async function unlinkKeys(client: Redis | Cluster, keys: string[]): Promise<void> {
  if (keys.length === 0) return;
  if (!client.isCluster) {
    await (client as Redis).unlink(...keys);
    return;
  }
  await Promise.all(keys.map((key) => client.unlink(key)));
}
