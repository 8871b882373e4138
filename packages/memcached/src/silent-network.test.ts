import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client, type Server } from 'memjs';
import { SessionStoreUnavailableError } from '@podsafe/core';
import { create, newId } from '@podsafe/testkit';
import { MemcachedStore } from './memcached-store.js';
import { startMemcached, type ServerProcess } from '@podsafe/test-support/servers';
import { TcpRelay } from '@podsafe/test-support/tcp-relay';
import { expectUnavailableUntil, probeUntilServed, reportProbe, reportTimings, steadyTraffic } from '@podsafe/test-support/outage-probe';

/**
 * The Kubernetes case for memcached: the old address drops packets (no RST, no
 * FIN). A relay in front of a real memcached freezes its connections. Timings are
 * printed for the record, never asserted; the probes' deadlines are hang guards.
 */

let memcached: ServerProcess & { address: string };
beforeAll(async () => {
  memcached = await startMemcached();
});
afterAll(async () => {
  await memcached?.stop();
});

const silent = { log: () => undefined };

async function relayed(
  withClient = false,
): Promise<{ relay: TcpRelay; store: MemcachedStore; client: Client | undefined; [Symbol.asyncDispose](): Promise<void> }> {
  const relay = await TcpRelay.start({ port: memcached.port });
  const prefix = `t:silent:${newId().slice(0, 8)}:`;
  const client = withClient ? Client.create(`127.0.0.1:${relay.port}`, { logger: silent, retries: 1, timeout: 0.5 }) : undefined;
  const store = client
    ? new MemcachedStore({ client, prefix, timeout: 0.5 })
    : new MemcachedStore({ servers: `127.0.0.1:${relay.port}`, prefix });
  await store.ping();
  return {
    relay,
    store,
    client,
    async [Symbol.asyncDispose]() {
      await store.close();
      client?.close();
      await relay.close();
    },
  };
}

/** Requests a memjs server holds: waiting for the connection, or written and unanswered. */
function pending(server: Server): number {
  const internals = server as unknown as { errorCallbacks: object };
  // One error callback per request queued or in flight (memjs removes it when the answer comes).
  return Object.keys(internals.errorCallbacks).length;
}

describe('MemcachedStore on a silent network', () => {
  it('the pod moved (old connections silent forever, new ones reach memcached): serving again by itself, sessions intact', async () => {
    await using subject = await relayed();
    const { relay, store } = subject;
    const id = newId();
    expect(await store.save(id, create({ user: 'alice' }), 600)).toBe(true);
    const acceptedBefore = relay.accepted;

    const start = Date.now();
    relay.freeze('forward');
    // Steady concurrent traffic, as in production: every write kept the old socket
    // "active", which is what hid the silence from memjs.
    const traffic = steadyTraffic(() => store.get(newId()));
    const probe = await probeUntilServed(() => store.get(id), { start }).finally(() => traffic.stop());

    expect(relay.accepted, 'the store opened a new connection').toBeGreaterThan(acceptedBefore);
    expect((await store.get(id))?.data).toEqual({ user: 'alice' });
    reportProbe('memcached', 'moved', probe);
  });

  it('a partition (old and new connections silent): every call fails fast as unavailable, and it serves again once healed', async () => {
    await using subject = await relayed();
    const { relay, store } = subject;
    const id = newId();
    expect(await store.save(id, create({ user: 'bob' }), 600)).toBe(true);
    relay.freeze('blackhole');
    const reconnected = relay.nextConnection();
    const traffic = steadyTraffic(() => store.get(newId()));
    const { calls, slowestCallMs } = await expectUnavailableUntil(() => store.get(id), reconnected, {
      what: 'a new connection (detection)',
    }).finally(() => traffic.stop());
    expect(calls).toBeGreaterThan(0);
    const start = Date.now();
    relay.heal();
    const probe = await probeUntilServed(() => store.get(id), { start });
    expect((await store.get(id))?.data).toEqual({ user: 'bob' });
    reportTimings('memcached', 'partition', { slowestCallDuringPartitionMs: slowestCallMs, servedAfterHealMs: probe.servedMs });
  });

  it('what the client holds during a partition stays bounded: timed-out requests do not pile up under steady traffic', async () => {
    await using subject = await relayed(true);
    const { relay, store, client } = subject;
    const server = client!.servers[0]!;
    relay.freeze('blackhole');
    const value = 'x'.repeat(8 * 1024);
    // Steady traffic (a save every 10 ms, never waiting for the last): every write
    // resets memjs's idle-socket timer, so memjs alone never notices the silence.
    const calls: Promise<unknown>[] = [];
    let mostHeld = 0;
    for (let i = 0; i < 400; i++) {
      calls.push(
        store.save(newId(), create({ value }), 600).then(
          () => 'resolved',
          (error: unknown) => error,
        ),
      );
      mostHeld = Math.max(mostHeld, pending(server));
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    const outcomes = await Promise.all(calls);
    for (const outcome of outcomes) expect(outcome).toBeInstanceOf(SessionStoreUnavailableError);
    console.log(`[memcached, bounded] issued=${calls.length} most held at once=${mostHeld} held at the end=${pending(server)}`);
    // Before: nothing ever left the silent socket's queue (most held = issued). Now a
    // dead socket is dropped with its queue at the store's deadline (0.5 s here), so
    // at most about that long of traffic is ever held.
    expect(mostHeld).toBeLessThan(calls.length / 2);
  });
});
