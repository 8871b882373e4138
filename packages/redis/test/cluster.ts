/**
 * A real 3-master Redis Cluster for tests: redis-server processes in cluster mode
 * on free ports, slots assigned with CLUSTER ADDSLOTSRANGE, joined with CLUSTER MEET.
 * No redis-cli needed. Starts in about a second.
 */
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { ServerProcess, freePort, redisServerArgs, requireCommand, tempDir } from '@podsafe/test-support/servers';

/** A running test cluster. */
export interface TestCluster {
  /** The masters' addresses, for `new Cluster(nodes)`. */
  nodes: { host: string; port: number }[];
  /** Stops every node and removes their config files. */
  stop(): Promise<void>;
}

const SLOTS = 16384;

interface Node {
  server: ServerProcess;
  busPort: number;
}

async function startNode(index: number, dir: string): Promise<Node> {
  const port = await freePort();
  // The bus port defaults to port + 10000, which may be taken or above 65535: pick a free one.
  const busPort = await freePort();
  const server = new ServerProcess(`redis-cluster-node-${index}`, port, {
    command: 'redis-server',
    args: [
      ...redisServerArgs(port, dir),
      '--cluster-enabled',
      'yes',
      '--cluster-port',
      String(busPort),
      '--cluster-config-file',
      join(dir, `nodes-${port}.conf`),
    ],
    ready: /Ready to accept connections/,
  });
  await server.start();
  return { server, busPort };
}

/** Resolves when every node reports `cluster_state:ok` and knows all the others. */
async function converged(admins: Redis[], timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const infos = await Promise.all(admins.map((admin) => admin.call('CLUSTER', 'INFO') as Promise<string>));
    const ok = infos.every((info) => info.includes('cluster_state:ok') && info.includes(`cluster_known_nodes:${admins.length}`));
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`Redis Cluster did not converge within ${timeoutMs} ms:\n${infos.join('\n---\n')}`);
    // Gossip has no completion event to wait on: poll.
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Starts a `size`-master cluster (no replicas) and resolves once it serves every slot. */
export async function startRedisCluster(size = 3): Promise<TestCluster> {
  requireCommand('redis-server', 'redis-server');
  const dir = tempDir('podsafe-cluster-');
  const nodes: Node[] = [];
  const stop = async () => {
    await Promise.all(nodes.map(({ server }) => server.stop()));
    dir.remove();
  };
  try {
    nodes.push(...(await Promise.all(Array.from({ length: size }, (_, i) => startNode(i, dir.path)))));
    const admins = nodes.map(({ server }) => new Redis({ host: '127.0.0.1', port: server.port, maxRetriesPerRequest: 0 }));
    try {
      const share = Math.ceil(SLOTS / size);
      await Promise.all(
        admins.map((admin, i) => admin.call('CLUSTER', 'ADDSLOTSRANGE', String(i * share), String(Math.min(SLOTS, (i + 1) * share) - 1))),
      );
      // MEET needs the bus port explicitly: it would otherwise assume port + 10000.
      for (const { server, busPort } of nodes.slice(1)) {
        await admins[0]!.call('CLUSTER', 'MEET', '127.0.0.1', String(server.port), String(busPort));
      }
      await converged(admins, 10_000);
    } finally {
      for (const admin of admins) admin.disconnect();
    }
  } catch (error) {
    await stop();
    throw error;
  }
  return { nodes: nodes.map(({ server }) => ({ host: '127.0.0.1', port: server.port })), stop };
}
