/**
 * `pnpm demo --compare`, run as a function with a smaller crowd: the direction
 * of each of the four figures, sticky vs podsafe, never a timing. Both fleets
 * run behind nginx (client-address affinity for sticky, round robin for
 * podsafe), and once more behind the Node proxy that stands in when nginx is
 * missing.
 */
import { describe, expect, it } from 'vitest';
import { formatTable, runCompare, type Comparison } from '@podsafe/example-demo/compare';
import { backendEnv, ensureBuilt } from '@podsafe/test-support/cluster';

// Enough users that the killed replica surely had some of them (a third each): (2/3)^30 < 1e-5.
const USERS = 30;

function expectTheFourRisks({ fleets: [sticky, podsafe], users }: Comparison): void {
  // 1. A kill: sticky loses the users pinned to the dead replica, and loses them again when it is back.
  expect(sticky.loggedOutByKill).toBeGreaterThan(0);
  expect(sticky.loggedOutWhenBack).toBeGreaterThan(0);
  expect(podsafe.loggedOutByKill).toBe(0);
  expect(podsafe.loggedOutWhenBack).toBe(0);

  // 2. Load: round robin spreads evenly; affinity pins the busy users.
  expect(podsafe.minRequests).toBeGreaterThan(0);
  expect(sticky.maxRequests / Math.max(sticky.minRequests, 1)).toBeGreaterThan(podsafe.maxRequests / podsafe.minRequests);

  // 3. Scale-out: podsafe's new replica serves existing users; sticky's serves none of them signed in,
  //    and the users whose address now maps to it are logged out.
  expect(podsafe.newReplicaShare).toBeGreaterThan(0);
  expect(sticky.newReplicaShare).toBe(0);
  expect(sticky.loggedOutByScaleOut).toBeGreaterThan(0);
  expect(podsafe.loggedOutByScaleOut).toBe(0);

  // 4. A new client address: sticky lands most users on a replica that does not know them.
  expect(sticky.loggedOutByAddressChange).toBeGreaterThan(0);
  expect(podsafe.loggedOutByAddressChange).toBe(0);

  expect(podsafe.failedRequests).toBe(0);
  expect(sticky.failedRequests).toBe(0);
  for (const fleet of [sticky, podsafe]) {
    for (const figure of [fleet.loggedOutByKill, fleet.loggedOutWhenBack, fleet.loggedOutByScaleOut, fleet.loggedOutByAddressChange]) {
      expect(figure).toBeLessThanOrEqual(users);
    }
  }
}

describe('pnpm demo --compare', () => {
  it('measures all four risks: sticky loses users, podsafe none', { timeout: 120_000 }, async () => {
    ensureBuilt('redis');
    const comparison = await runCompare({ users: USERS, front: 'nginx', env: backendEnv('redis') });
    expectTheFourRisks(comparison);
    const table = formatTable(comparison);
    expect(table).toMatch(/hash \$remote_addr consistent/);
    expect(table).toMatch(/1\. users logged out when replica-0 is killed\s+\d+ of 30\s+0 of 30/);
  });

  it('shows the same with the Node proxy and JWT cookies, the fallbacks without nginx and redis-server', { timeout: 120_000 }, async () => {
    ensureBuilt('jwt');
    const comparison = await runCompare({ users: USERS, front: 'node', env: { SESSION_BACKEND: 'jwt' } });
    expectTheFourRisks(comparison);
    expect(comparison.fleets[1].sessions).toMatch(/JWT/);
  });
});
