/**
 * A real Sentinel setup for tests: a master, one replica and one sentinel (quorum 1,
 * master declared down after 500 ms), all redis-server processes on free ports.
 * A failover after killing the master takes about a second.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { ServerProcess, freePort, requireCommand, startRedis, tempDir } from '@podsafe/test-support/servers';

/** A running Sentinel group. */
export interface TestSentinelGroup {
  /** The master group name the sentinel monitors. */
  name: string;
  /** The sentinels' addresses, for ioredis's `sentinels` option. */
  sentinels: { host: string; port: number }[];
  master: ServerProcess;
  replica: ServerProcess;
  /** Resolves when `key` has reached the replica (replication is asynchronous). */
  replicated(key: string): Promise<void>;
  stop(): Promise<void>;
}

/** Polls `check` until it holds: replication and sentinel discovery have no event to wait on. */
async function until(what: string, check: () => Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`${what} did not happen within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/** Starts master, replica and sentinel, and resolves once the sentinel knows the replica. */
export async function startSentinelGroup(name = 'mymaster'): Promise<TestSentinelGroup> {
  requireCommand('redis-server', 'redis-server');
  const dir = tempDir('podsafe-sentinel-');
  const processes: ServerProcess[] = [];
  const admins: Redis[] = [];
  const stop = async () => {
    for (const admin of admins) admin.disconnect();
    await Promise.all(processes.map((server) => server.stop()));
    dir.remove();
  };
  try {
    const master = await startRedis();
    processes.push(master);
    const replica = await startRedis({ args: ['--replicaof', '127.0.0.1', String(master.port)] });
    processes.push(replica);
    const replicaAdmin = new Redis({ port: replica.port, maxRetriesPerRequest: 0 });
    admins.push(replicaAdmin);
    await until('replica sync', async () => (await replicaAdmin.info('replication')).includes('master_link_status:up'));

    // Started after the replica is linked, so the sentinel's first INFO of the master lists it.
    const sentinelPort = await freePort();
    const config = join(dir.path, 'sentinel.conf');
    writeFileSync(
      config,
      [
        `port ${sentinelPort}`,
        'bind 127.0.0.1',
        `dir ${dir.path}`,
        `sentinel monitor ${name} 127.0.0.1 ${master.port} 1`,
        `sentinel down-after-milliseconds ${name} 500`,
        `sentinel failover-timeout ${name} 5000`,
        '',
      ].join('\n'),
    );
    const sentinel = new ServerProcess('redis-sentinel', sentinelPort, {
      command: 'redis-server',
      args: [config, '--sentinel'],
      ready: /\+monitor master/,
    });
    processes.push(await sentinel.start());
    const sentinelAdmin = new Redis({ port: sentinelPort, maxRetriesPerRequest: 0 });
    admins.push(sentinelAdmin);
    await until('sentinel replica discovery', async () => {
      const replicas = (await sentinelAdmin.call('SENTINEL', 'REPLICAS', name)) as unknown[];
      return replicas.length > 0;
    });

    return {
      name,
      sentinels: [{ host: '127.0.0.1', port: sentinelPort }],
      master,
      replica,
      replicated: (key) => until(`replication of ${key}`, async () => (await replicaAdmin.exists(key)) === 1),
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}
