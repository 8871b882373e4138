// `pnpm demo --compare`: the four risks of sticky sessions, measured headless
// on both fleets with the same crowd, in one table. Each step runs on both
// fleets at once; the figures come from the users' own requests (tally.js).
import { addressPool, checkClientAddresses, createUsers, round, signInAll } from './crowd.js';
import { rotatedOut, startFleets } from './fleets.js';

/**
 * @param {{
 *   users?: number,
 *   env?: Record<string, string | undefined>,
 *   front?: 'auto' | 'nginx' | 'node',
 *   app?: import('./cluster.js').ExampleApp,
 *   replicas?: number,
 *   log?: (message: string) => void,
 * }} [options] `users`: the crowd's size (default 50); `replicas`: per fleet before the scale-out (default 3)
 * @returns {Promise<import('./compare.js').Comparison>}
 */
export async function runCompare(options = {}) {
  const { users: count = 50, log = () => {} } = options;
  await checkClientAddresses();
  const notes = [];
  log('starting both fleets...');
  // No automatic restart: the killed replica comes back when the comparison says so.
  const demo = await startFleets({ ...options, autoRestart: false, notice: (n) => (notes.push(n), log(`NOTE: ${n}`)) });
  try {
    const { fleets } = demo;
    // The same crowd, from the same addresses, for both fleets.
    const nextAddress = addressPool();
    const addresses = Array.from({ length: count }, nextAddress);
    const crowds = fleets.map((fleet) => createUsers(fleet.cluster.url, count, ((i) => () => addresses[i++])(0)));
    const each = (step) => Promise.all(fleets.map((fleet, i) => step(fleet, crowds[i], (r) => fleet.tally.record(r))));

    log(`${count} users sign in...`);
    await each((_, users, record) => signInAll(users, record));

    log('load: three rounds of requests...');
    await each(async (fleet, users, record) => {
      fleet.tally.resetServed();
      for (let r = 0; r < 3; r++) await round(users, record);
    });
    const spread = fleets.map((f) => f.tally.spread(f.cluster.replicas.map((r) => r.pod)));

    log('kill: SIGKILL replica-0, then every user makes its requests...');
    const victim = 0;
    const killed = await each(async (fleet, users, record) => {
      const out = rotatedOut(fleet.cluster, victim);
      fleet.tally.markKill(fleet.cluster.replicas[victim].pod, users);
      await fleet.cluster.kill(victim, 'SIGKILL');
      await out;
      await round(users, record);
      const loggedOut = fleet.tally.kill?.loggedOut.size ?? 0;
      // Everyone logged out logs in again (on a survivor), then the pod comes back, as Kubernetes restarts it.
      await signInAll(users, record);
      fleet.tally.markKill(fleet.cluster.replicas[victim].pod, users);
      await fleet.cluster.restart(victim);
      await round(users, record);
      return { loggedOut, loggedOutWhenBack: fleet.tally.kill?.loggedOut.size ?? 0 };
    });

    log('scale-out: one more replica joins, every user makes its requests twice...');
    const scaled = await each(async (fleet, users, record) => {
      await signInAll(users, record);
      fleet.tally.markScale(`replica-${fleet.cluster.replicas.length}`, users);
      await fleet.cluster.addReplica();
      fleet.tally.markJoined();
      for (let r = 0; r < 2; r++) await round(users, record);
      const scale = /** @type {NonNullable<typeof fleet.tally.scale>} */ (fleet.tally.scale);
      return { pod: scale.pod, requests: scale.requests, onNew: scale.onNew, share: scale.requests ? scale.onNew / scale.requests : 0, loggedOut: scale.loggedOut.size };
    });

    log('address change: every user comes back from another address...');
    const moved = addresses.map(() => nextAddress());
    const readdressed = await each(async (fleet, users, record) => {
      await signInAll(users, record);
      fleet.tally.markAddress(users);
      users.forEach((u, i) => u.moveTo(moved[i]));
      await round(users, record);
      return { loggedOut: fleet.tally.address?.loggedOut.size ?? 0 };
    });

    return {
      users: count,
      replicas: options.replicas ?? 3,
      notes,
      fleets: fleets.map((fleet, i) => ({
        name: fleet.name,
        front: fleet.front,
        sessions: fleet.sessions,
        killedPod: `replica-${victim}`,
        loggedOutByKill: killed[i].loggedOut,
        loggedOutWhenBack: killed[i].loggedOutWhenBack,
        maxRequests: spread[i].max,
        minRequests: spread[i].min,
        newPod: scaled[i].pod,
        newReplicaShare: scaled[i].share,
        loggedOutByScaleOut: scaled[i].loggedOut,
        loggedOutByAddressChange: readdressed[i].loggedOut,
        failedRequests: fleet.tally.errors,
      })),
    };
  } finally {
    await demo.stop();
  }
}

/** The comparison as the table `--compare` prints. */
export function formatTable(comparison) {
  const [sticky, podsafe] = comparison.fleets;
  const n = comparison.users;
  const of = (x) => `${x} of ${n}`;
  const pct = (x) => `${Math.round(x * 100)}%`;
  const rows = [
    [`${n} users, ${comparison.replicas} replicas each`, 'sticky', 'podsafe'],
    [`1. users logged out when ${sticky.killedPod} is killed`, of(sticky.loggedOutByKill), of(podsafe.loggedOutByKill)],
    [`   ...and again when ${sticky.killedPod} is back`, of(sticky.loggedOutWhenBack), of(podsafe.loggedOutWhenBack)],
    ['2. requests per replica, max / min', `${sticky.maxRequests} / ${sticky.minRequests}`, `${podsafe.maxRequests} / ${podsafe.minRequests}`],
    [`3. new ${sticky.newPod}'s share of signed-in users' requests`, pct(sticky.newReplicaShare), pct(podsafe.newReplicaShare)],
    ['   users logged out by the scale-out', of(sticky.loggedOutByScaleOut), of(podsafe.loggedOutByScaleOut)],
    ['4. users logged out after an address change', of(sticky.loggedOutByAddressChange), of(podsafe.loggedOutByAddressChange)],
    ['failed requests (5xx, refused)', String(sticky.failedRequests), String(podsafe.failedRequests)],
  ];
  const widths = [0, 1, 2].map((c) => Math.max(...rows.map((r) => r[c].length)));
  const line = (r) => r.map((cell, c) => cell.padEnd(widths[c])).join('  ').trimEnd();
  const rule = widths.map((w) => '-'.repeat(w)).join('  ');
  return [
    `sticky:  ${sticky.front}; sessions in ${sticky.sessions}`,
    `podsafe: ${podsafe.front}; sessions in ${podsafe.sessions}`,
    ...comparison.notes.map((note) => `note:    ${note}`),
    '',
    line(rows[0]),
    rule,
    ...rows.slice(1).map(line),
  ].join('\n');
}
