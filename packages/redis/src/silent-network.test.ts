import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Redis } from 'ioredis';
import { SessionStoreUnavailableError } from '@podsafe/core';
import { create, newId } from '@podsafe/testkit';
import { RedisStore } from './index.js';
import { nextStatus } from '../test/status.js';
import { startRedis, type ServerProcess } from '@podsafe/test-support/servers';
import { TcpRelay } from '@podsafe/test-support/tcp-relay';
import { expectUnavailableUntil, probeUntilServed, reportProbe, reportTimings } from '@podsafe/test-support/outage-probe';

/**
 * The Kubernetes case: the old address drops packets (no RST, no FIN) because the
 * pod moved or the node partitioned. A relay in front of a real redis-server freezes
 * its connections. Timings are printed for the record, never asserted; the probes'
 * 10 s deadline is only a hang guard.
 */

let redis: ServerProcess & { url: string };
beforeAll(async () => {
  redis = await startRedis();
});
afterAll(async () => {
  await redis?.stop();
});

async function relayedStore(): Promise<{ relay: TcpRelay; store: RedisStore; [Symbol.asyncDispose](): Promise<void> }> {
  const relay = await TcpRelay.start({ port: redis.port });
  const store = new RedisStore({ url: `redis://127.0.0.1:${relay.port}`, prefix: `podsafe:test:silent:${newId().slice(0, 8)}:` });
  await store.ping();
  return {
    relay,
    store,
    async [Symbol.asyncDispose]() {
      await store.close();
      await relay.close();
    },
  };
}

/** Commands the ioredis client holds: written and unanswered, waiting for a connection, or kept to resend. */
function pending(client: Redis): number {
  const internals = client as unknown as Record<'commandQueue' | 'offlineQueue' | 'prevCommandQueue', { length: number } | null>;
  return (internals.commandQueue?.length ?? 0) + (internals.offlineQueue?.length ?? 0) + (internals.prevCommandQueue?.length ?? 0);
}

describe('RedisStore on a silent network', () => {
  it('the pod moved (old connections silent forever, new ones reach Redis): it reconnects by itself, sessions intact', async () => {
    await using subject = await relayedStore();
    const { relay, store } = subject;
    const id = newId();
    expect(await store.save(id, create({ user: 'alice' }), 600)).toBe(true);
    const acceptedBefore = relay.accepted;

    const start = Date.now();
    relay.freeze('forward');
    const probe = await probeUntilServed(() => store.get(id), { start });

    expect(relay.accepted, 'the store opened a new connection').toBeGreaterThan(acceptedBefore);
    expect((await store.get(id))?.data).toEqual({ user: 'alice' });
    reportProbe('redis standalone', 'moved', probe);
  });

  it('a partition (old and new connections silent): every call fails fast as unavailable, and it serves again once healed', async () => {
    await using subject = await relayedStore();
    const { relay, store } = subject;
    const id = newId();
    expect(await store.save(id, create({ user: 'bob' }), 600)).toBe(true);
    const acceptedBefore = relay.accepted;
    const down = nextStatus(store, 'down');

    relay.freeze('blackhole');
    // Detection: the store gives up on the silent connection and tries a new one.
    const { calls, slowestCallMs } = await expectUnavailableUntil(() => store.get(id), down, { what: "the store's 'down' (detection)" });
    expect(calls).toBeGreaterThan(0);
    const ready = nextStatus(store, 'ready');
    const start = Date.now();
    relay.heal();
    const probe = await probeUntilServed(() => store.get(id), { start });
    await ready;

    expect(relay.accepted, 'the store reconnected during the partition').toBeGreaterThan(acceptedBefore);
    expect((await store.get(id))?.data).toEqual({ user: 'bob' });
    reportTimings('redis standalone', 'partition', { slowestCallDuringPartitionMs: slowestCallMs, servedAfterHealMs: probe.servedMs });
  });

  it('what the client holds during a partition stays bounded: timed-out commands do not pile up', async () => {
    await using subject = await relayedStore();
    const { relay, store } = subject;
    relay.freeze('blackhole');
    let issued = 0;
    const held: number[] = [];
    // Waves of concurrent saves, each waited for (they fail at commandTimeout), across
    // at least one detection (the store drops the silent socket and reconnects).
    const value = 'x'.repeat(8 * 1024);
    for (let wave = 0; wave < 5; wave++) {
      const outcomes = await Promise.allSettled(Array.from({ length: 200 }, () => store.save(newId(), create({ value }), 600)));
      issued += outcomes.length;
      for (const outcome of outcomes) {
        expect(outcome.status).toBe('rejected');
        expect((outcome as PromiseRejectedResult).reason).toBeInstanceOf(SessionStoreUnavailableError);
      }
      held.push(pending(store.client as Redis));
    }
    console.log(`[redis standalone, bounded] issued=${issued} held after each wave=${held.join(',')}`);
    // Before: every timed-out command stayed queued on the silent socket, so what the
    // client held grew with every wave (200, 400, ... = issued). Now a dead socket's
    // commands are dropped with it: the count falls back, whatever the phase.
    expect(
      held.some((count, i) => i > 0 && count < held[i - 1]!),
      'the held count falls back at some point',
    ).toBe(true);
    expect(held.at(-1)).toBeLessThan(issued);
  });
});
