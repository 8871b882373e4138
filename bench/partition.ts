/**
 * Silent-network benchmark: a store behind a TCP relay (test/support/tcp-relay.ts)
 * in front of a real redis-server or memcached, under steady load (a save of an
 * 8 KiB session every 10 ms, never waiting for the last, as concurrent requests
 * do). Prints, per store:
 *
 * - partition (old and new connections silent) for PARTITION_SECONDS (default 30):
 *   time to the first failure, the slowest call, heap growth (after GC) over the
 *   partition, commands the client still holds, sockets left open; then time to
 *   serve again once healed;
 * - moved (old connections silent forever, new ones forwarded): time to the first
 *   failure and to serving again.
 *
 * "redis (old client settings)" is RedisStore on an ioredis client configured as
 * the store's own was before silent connections were detected (no socketTimeout,
 * maxRetriesPerRequest 1, replays of unanswered commands), for comparison.
 *
 * Run: pnpm --dir bench partition   (PARTITION_SECONDS=10 for a quicker look)
 */
import { Socket } from 'node:net';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { it } from 'vitest';
import { Redis } from 'ioredis';
import { Client, Server } from 'memjs';
import type { SessionChange, SessionStore } from '@podsafe/core';
import { nowSeconds } from '@podsafe/core/store';
import { RedisStore } from '@podsafe/redis';
import { MemcachedStore } from '@podsafe/memcached';
import { randomBytes } from 'node:crypto';
import { startMemcached, startRedis } from '@podsafe/test-support/servers';
import { TcpRelay } from '@podsafe/test-support/tcp-relay';

const seconds = Number(process.env.PARTITION_SECONDS ?? 30);
setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

function heapMiB(): number {
  gc();
  gc();
  return process.memoryUsage().heapUsed / 2 ** 20;
}

interface Subject {
  name: string;
  store: SessionStore;
  /** Commands or requests the client library holds right now. */
  held(): number;
  close(): Promise<void>;
}

/** Sockets of this process still open to `port` (the relay's side of a frozen connection cannot tell). */
function clientSockets(port: number): number {
  const handles = (process as unknown as { _getActiveHandles(): unknown[] })._getActiveHandles();
  return handles.filter((handle) => handle instanceof Socket && !handle.destroyed && handle.remotePort === port).length;
}

function redisHeld(client: Redis): number {
  const q = client as unknown as Record<'commandQueue' | 'offlineQueue' | 'prevCommandQueue', { length: number } | null>;
  return (q.commandQueue?.length ?? 0) + (q.offlineQueue?.length ?? 0) + (q.prevCommandQueue?.length ?? 0);
}

function memjsHeld(servers: readonly Server[]): number {
  return servers.reduce((sum, server) => sum + Object.keys((server as unknown as { errorCallbacks: object }).errorCallbacks).length, 0);
}

const value = 'x'.repeat(8 * 1024);
const newId = () => randomBytes(32).toString('base64url');
function create(data: Record<string, unknown>): SessionChange {
  const at = nowSeconds();
  return { isNew: true, set: data, unset: [], data, meta: { createdAt: at, lastSeenAt: at } };
}

/** A save every 10 ms, not waiting for the last; records when calls fail and succeed, relative to `t0`. */
function load(store: SessionStore) {
  let t0 = Date.now();
  let firstFailure: number | undefined;
  /** The first success of a call begun since `mark()`. */
  let firstSuccessAfterFailure: number | undefined;
  let slowest = 0;
  let calls = 0;
  let failures = 0;
  const inflight = new Set<Promise<unknown>>();
  const timer = setInterval(() => {
    const began = Date.now();
    calls++;
    const call = store
      .save(newId(), create({ value }), 600)
      .then(
        () => {
          if (firstSuccessAfterFailure === undefined && began >= t0) firstSuccessAfterFailure = Date.now() - t0;
        },
        () => {
          failures++;
          if (began >= t0) firstFailure ??= Date.now() - t0;
        },
      )
      .finally(() => {
        slowest = Math.max(slowest, Date.now() - began);
        inflight.delete(call);
      });
    inflight.add(call);
  }, 10);
  return {
    /** Starts a new phase: timings are measured from now. */
    mark() {
      t0 = Date.now();
      firstFailure = undefined;
      firstSuccessAfterFailure = undefined;
      slowest = 0;
      calls = 0;
      failures = 0;
    },
    get firstFailure() {
      return firstFailure;
    },
    get firstSuccess() {
      return firstSuccessAfterFailure;
    },
    get stats() {
      return { calls, failures, slowest };
    },
    async stop() {
      clearInterval(timer);
      await Promise.allSettled([...inflight]);
    },
  };
}

async function until(check: () => boolean, deadlineMs = 30_000): Promise<boolean> {
  const deadline = Date.now() + deadlineMs;
  while (!check()) {
    if (Date.now() > deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  return true;
}

async function scenario(make: (relay: TcpRelay) => Subject, relayTo: number): Promise<Record<string, string | number>> {
  const row: Record<string, string | number> = {};
  // Partition, then heal.
  {
    const relay = await TcpRelay.start({ port: relayTo });
    const subject = make(relay);
    row.store = subject.name;
    const traffic = load(subject.store);
    await new Promise((resolve) => setTimeout(resolve, 1000)); // warm: connected, serving
    const before = heapMiB();
    traffic.mark();
    relay.freeze('blackhole');
    let peakHeld = 0;
    const end = Date.now() + seconds * 1000;
    while (Date.now() < end) {
      peakHeld = Math.max(peakHeld, subject.held());
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const after = heapMiB();
    const { calls, slowest } = traffic.stats;
    row['partition: first failure ms'] = traffic.firstFailure ?? '-';
    row['partition: slowest call ms'] = slowest;
    row[`partition: heap growth over ${seconds} s MiB`] = (after - before).toFixed(1);
    row['partition: saves issued'] = calls;
    row['partition: most commands held'] = peakHeld;
    row['partition: client sockets open at end'] = clientSockets(relay.port);
    traffic.mark();
    relay.heal();
    if (process.env.BENCH_DEBUG) console.log('heal: held', subject.held(), 'client sockets', clientSockets(relay.port));
    const healed = await until(() => traffic.firstSuccess !== undefined);
    row['heal: serving again ms'] = healed ? traffic.firstSuccess! : 'not within 30 s';
    await traffic.stop();
    await subject.close();
    await relay.close();
  }
  // Moved.
  {
    const relay = await TcpRelay.start({ port: relayTo });
    const subject = make(relay);
    const traffic = load(subject.store);
    await new Promise((resolve) => setTimeout(resolve, 1000));
    traffic.mark();
    relay.freeze('forward');
    const served = await until(() => traffic.firstSuccess !== undefined);
    row['moved: first failure ms'] = traffic.firstFailure ?? '-';
    row['moved: serving again ms'] = served ? traffic.firstSuccess! : 'not within 30 s';
    await traffic.stop();
    await subject.close();
    await relay.close();
  }
  return row;
}

it('stores on a silent network', async () => {
  const redis = await startRedis();
  const memcached = await startMemcached();
  const rows: Record<string, string | number>[] = [];
  try {
    const only = process.env.BENCH_STORES?.split(',');
    const wanted = (name: string) => !only || only.includes(name);
    if (wanted('redis'))
      rows.push(
        await scenario((relay) => {
          const store = new RedisStore({ url: `redis://127.0.0.1:${relay.port}`, prefix: 'bench:partition:' });
          return { name: 'redis', store, held: () => redisHeld(store.client as Redis), close: () => store.close() };
        }, redis.port),
      );
    if (wanted('redis-old'))
      rows.push(
        await scenario((relay) => {
          const client = new Redis({ port: relay.port, commandTimeout: 1000, maxRetriesPerRequest: 1, enableAutoPipelining: true });
          client.on('error', () => undefined);
          const store = new RedisStore({ client, prefix: 'bench:partition:' });
          return {
            name: 'redis (old client settings)',
            store,
            held: () => redisHeld(client),
            close: async () => {
              await store.close();
              client.disconnect();
            },
          };
        }, redis.port),
      );
    if (wanted('memcached'))
      rows.push(
        await scenario((relay) => {
          // The store's defaults (timeout 1 s, one retry), on a client the bench can look into.
          const server = new Server('127.0.0.1', relay.port, undefined, undefined, {
            timeout: 0.5,
            conntimeout: 0.5,
            keepAlive: true,
            keepAliveDelay: 30,
          });
          const client = new Client([server], { retries: 2, retry_delay: 0.05, expires: 1, logger: { log: () => undefined } });
          const store = new MemcachedStore({ client, prefix: 'bench:partition:' });
          return {
            name: 'memcached',
            store,
            held: () => memjsHeld(client.servers),
            close: async () => {
              await store.close();
              client.close();
            },
          };
        }, memcached.port),
      );
  } finally {
    await redis.stop();
    await memcached.stop();
  }
  console.log(`\nSilent network, a save of 8 KiB every 10 ms (PARTITION_SECONDS=${seconds})\n`);
  console.table(rows);
});
