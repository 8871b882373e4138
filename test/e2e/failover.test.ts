/**
 * The promise of podsafe, end to end: 3 replicas of the example app (real
 * processes) behind nginx with no affinity, 30 users each with their own
 * cookie jar, replicas dying under them. Nobody may lose their session.
 * Every backend on the Express app; the Fastify twin once, on Redis (the
 * backends behave alike under either framework, the adapter is what differs).
 *
 * The load runs in segments so every kill or restart happens while users are
 * mid-flight, and the next one only once the cluster is whole again: events
 * (request counts, process exits, /readyz) pace everything, never the clock.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestCluster, type Cluster, type ExampleApp, type SessionBackend } from '@podsafe/test-support/cluster';
import { loginUsers, Tally, type VirtualUser } from './load.js';

const USERS = 30;
/** Increments per user per segment. */
const SEGMENT = 12;
const KILLS = 6;

const BACKENDS: SessionBackend[] = ['redis', 'memcached', 'jwt'];

/**
 * Runs `SEGMENT` increments for every user and, once a third of them have
 * completed, `disrupt()`; resolves when both are done.
 */
async function segment(users: VirtualUser[], tally: Tally, disrupt?: () => Promise<unknown>): Promise<void> {
  const trigger = tally.afterMore(Math.floor((users.length * SEGMENT) / 3));
  const load = Promise.all(users.map((u) => u.increment(SEGMENT)));
  const chaos = disrupt ? Promise.race([trigger, load]).then(disrupt) : Promise.resolve();
  await Promise.all([load, chaos]);
}

/** `label`: the backend, preceded by the app when it is not the default Express one. */
function summary(label: string, scenario: string, tally: Tally, extra: string): string {
  return (
    `[e2e failover] ${label} ${scenario}: ${USERS} users, ${tally.sent} requests sent, ` +
    `${tally.failed} failed (${tally.describeFailures()}), ${tally.lost} sessions lost; ${extra}`
  );
}

/** Users incrementing through the front while replica after replica is SIGKILLed (and restarted by the supervisor). */
async function killScenario(cluster: Cluster, label: string): Promise<void> {
  const tally = new Tally();
  const users = await loginUsers(cluster.url, USERS, tally, `${label.replace(/\s+/g, '-')}-kill`);
  const exits: string[] = [];

  await segment(users, tally);
  for (let k = 0; k < KILLS; k++) {
    const victim = k % cluster.replicas.length;
    await segment(users, tally, async () => {
      const exit = await cluster.kill(victim, 'SIGKILL');
      exits.push(`${cluster.replicas[victim]!.pod}:${exit.signal}`);
    });
    // Whole again (the supervisor restarted it) before the next kill.
    await cluster.ready();
  }
  await segment(users, tally);
  await Promise.all(users.map((u) => u.verify()));

  const restarts = cluster.replicas.reduce((n, r) => n + r.starts - 1, 0);
  console.log(summary(label, 'SIGKILL', tally, `${exits.length} kills, ${restarts} restarts`));
  expect(exits).toHaveLength(KILLS);
  expect(exits.every((e) => e.endsWith(':SIGKILL'))).toBe(true);
  expect(tally.problems).toEqual([]);
  expect(tally.lost).toBe(0);
}

describe.each(BACKENDS)('failover with the %s backend', (backend) => {
  let cluster: Cluster;

  beforeAll(async () => {
    cluster = await startTestCluster(backend);
  });

  afterAll(async () => {
    await cluster?.stop();
  });

  it(`keeps every session while replicas are SIGKILLed and restarted (${KILLS} kills)`, { timeout: 120_000 }, () =>
    killScenario(cluster, backend),
  );

  it('fails no request during a rolling restart with SIGTERM', { timeout: 120_000 }, async () => {
    const tally = new Tally();
    const users = await loginUsers(cluster.url, USERS, tally, `${backend}-roll`);
    const exits: Array<{ pod: string; code: number | null; signal: string | null }> = [];

    await segment(users, tally);
    for (const replica of cluster.replicas) {
      // restart() takes the replica out of rotation, SIGTERMs it, waits for its
      // exit, starts it and waits for /readyz before it rejoins.
      await segment(users, tally, async () => {
        const exit = await cluster.restart(replica.index);
        exits.push({ pod: replica.pod, code: exit.code, signal: exit.signal });
      });
    }
    await segment(users, tally);
    await Promise.all(users.map((u) => u.verify()));

    console.log(summary(backend, 'rolling SIGTERM', tally, `${exits.length} graceful restarts`));
    // Every replica shut down gracefully (exit 0), none had to be killed.
    expect(exits).toEqual(cluster.replicas.map((r) => ({ pod: r.pod, code: 0, signal: null })));
    expect(tally.problems).toEqual([]);
    expect(tally.lost).toBe(0);
    expect(tally.failed, tally.describeFailures()).toBe(0);
  });
});

describe('failover of the Fastify app with the redis backend', () => {
  const app: ExampleApp = 'fastify-app';
  let cluster: Cluster;

  beforeAll(async () => {
    cluster = await startTestCluster('redis', { app });
  });

  afterAll(async () => {
    await cluster?.stop();
  });

  it(`keeps every session while replicas are SIGKILLed and restarted (${KILLS} kills)`, { timeout: 120_000 }, () =>
    killScenario(cluster, `${app} redis`),
  );
});
