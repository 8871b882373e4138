// `pnpm demo --compare`: the four risks of sticky sessions, measured headless
// on both fleets with the same crowd, in one table. Each step runs on both
// fleets at once; the figures come from the users' own requests (tally.js).
import { addressPool, checkClientAddresses, createUsers, round, signInAll } from './crowd.js';
import { rotatedOut, startFleets } from './fleets.js';

/** @import { VirtualUser, VisitResult } from './crowd.js' */
/** @import { Fleet, FleetsOptions } from './fleets.js' */

/**
 * @typedef {Pick<FleetsOptions, 'env' | 'front' | 'app' | 'replicas'> & {
 *   users?: number,
 *   log?: (message: string) => void,
 * }} CompareOptions `users`: virtual users on each fleet (default 50); `replicas`: per fleet before the scale-out (default 3); `log`: progress lines
 */

/**
 * The four figures, for one fleet.
 * @typedef {object} FleetComparison
 * @property {'sticky' | 'podsafe'} name
 * @property {string} front
 * @property {string} sessions
 * @property {string} killedPod the replica killed (SIGKILL) and later restarted
 * @property {number} loggedOutByKill users whose next requests after the kill found them logged out
 * @property {number} loggedOutWhenBack users (signed in again meanwhile) logged out once the killed replica was back in rotation
 * @property {number} maxRequests requests per replica over three rounds of the crowd: the most
 * @property {number} minRequests ...and the fewest
 * @property {string} newPod the replica added by the scale-out
 * @property {number} newReplicaShare its share (0 to 1) of the requests of users signed in before it joined, sessions intact
 * @property {number} loggedOutByScaleOut users logged out by the scale-out (their address now maps to the new replica, which does not know them)
 * @property {number} loggedOutByAddressChange users logged out by their next requests after every user moved to another client address
 * @property {number} failedRequests requests with no answer from the app over the whole run
 */

/**
 * @typedef {object} Comparison
 * @property {number} users
 * @property {number} replicas replicas per fleet before the scale-out
 * @property {string[]} notes fallbacks used (e.g. no redis-server: JWT cookies)
 * @property {[FleetComparison, FleetComparison]} fleets sticky first, then podsafe
 */

/**
 * Starts both fleets, runs the four scenarios with the same crowd on each, stops everything, resolves with the figures.
 * @param {CompareOptions} [options]
 * @returns {Promise<Comparison>}
 */
export async function runCompare(options = {}) {
  const { users: count = 50, log = () => {} } = options;
  await checkClientAddresses();
  /** @type {string[]} */
  const notes = [];
  log('starting both fleets...');
  // No automatic restart: the killed replica comes back when the comparison says so.
  const demo = await startFleets({
    ...options,
    autoRestart: false,
    notice: (n) => {
      notes.push(n);
      log(`NOTE: ${n}`);
    },
  });
  try {
    const { fleets } = demo;
    // The same crowd, from the same addresses, for both fleets.
    const nextAddress = addressPool();
    const addresses = Array.from({ length: count }, nextAddress);
    const crowds = fleets.map((fleet) =>
      createUsers(
        fleet.cluster.url,
        count,
        (
          (i) => () =>
            /** @type {string} */ (addresses[i++])
        )(0),
      ),
    );
    /**
     * Runs `step` on both fleets at once, each with its own users; resolves with both results, sticky first.
     * @template T
     * @param {(fleet: Fleet, users: VirtualUser[], record: (result: VisitResult) => void) => Promise<T>} step
     * @returns {Promise<[T, T]>}
     */
    const each = (step) =>
      /** @type {Promise<[T, T]>} */ (
        Promise.all(fleets.map((fleet, i) => step(fleet, /** @type {VirtualUser[]} */ (crowds[i]), (r) => fleet.tally.record(r))))
      );

    log(`${count} users sign in...`);
    await each((_, users, record) => signInAll(users, record));

    log('load: three rounds of requests...');
    await each(async (fleet, users, record) => {
      fleet.tally.resetServed();
      for (let r = 0; r < 3; r++) await round(users, record);
    });
    const spreadOf = (/** @type {Fleet} */ f) => f.tally.spread(f.cluster.replicas.map((r) => r.pod));
    const spread = /** @type {const} */ ([spreadOf(fleets[0]), spreadOf(fleets[1])]);

    log('kill: SIGKILL replica-0, then every user makes its requests...');
    const victim = 0;
    const victimPod = `replica-${victim}`;
    const killed = await each(async (fleet, users, record) => {
      const out = rotatedOut(fleet.cluster, victim);
      fleet.tally.markKill(victimPod, users);
      await fleet.cluster.kill(victim, 'SIGKILL');
      await out;
      await round(users, record);
      const loggedOut = fleet.tally.kill?.loggedOut.size ?? 0;
      // Everyone logged out logs in again (on a survivor), then the pod comes back, as Kubernetes restarts it.
      await signInAll(users, record);
      fleet.tally.markKill(victimPod, users);
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
      return {
        pod: scale.pod,
        requests: scale.requests,
        onNew: scale.onNew,
        share: scale.requests ? scale.onNew / scale.requests : 0,
        loggedOut: scale.loggedOut.size,
      };
    });

    log('address change: every user comes back from another address...');
    const moved = addresses.map(() => nextAddress());
    const readdressed = await each(async (fleet, users, record) => {
      await signInAll(users, record);
      fleet.tally.markAddress(users);
      for (const [i, u] of users.entries()) u.moveTo(/** @type {string} */ (moved[i]));
      await round(users, record);
      return { loggedOut: fleet.tally.address?.loggedOut.size ?? 0 };
    });

    /**
     * @param {0 | 1} i
     * @returns {FleetComparison}
     */
    const figures = (i) => {
      const fleet = fleets[i];
      return {
        name: fleet.name,
        front: fleet.front,
        sessions: fleet.sessions,
        killedPod: victimPod,
        loggedOutByKill: killed[i].loggedOut,
        loggedOutWhenBack: killed[i].loggedOutWhenBack,
        maxRequests: spread[i].max,
        minRequests: spread[i].min,
        newPod: scaled[i].pod,
        newReplicaShare: scaled[i].share,
        loggedOutByScaleOut: scaled[i].loggedOut,
        loggedOutByAddressChange: readdressed[i].loggedOut,
        failedRequests: fleet.tally.errors,
      };
    };
    return { users: count, replicas: options.replicas ?? 3, notes, fleets: [figures(0), figures(1)] };
  } finally {
    await demo.stop();
  }
}

/**
 * The comparison as the table `pnpm demo --compare` prints.
 * @param {Comparison} comparison
 * @returns {string}
 */
export function formatTable(comparison) {
  const [sticky, podsafe] = comparison.fleets;
  const n = comparison.users;
  const of = (/** @type {number} */ x) => `${x} of ${n}`;
  const pct = (/** @type {number} */ x) => `${Math.round(x * 100)}%`;
  /** @type {[string, string, string][]} */
  const rows = [
    [`${n} users, ${comparison.replicas} replicas each`, 'sticky', 'podsafe'],
    [`1. users logged out when ${sticky.killedPod} is killed`, of(sticky.loggedOutByKill), of(podsafe.loggedOutByKill)],
    [`   ...and again when ${sticky.killedPod} is back`, of(sticky.loggedOutWhenBack), of(podsafe.loggedOutWhenBack)],
    [
      '2. requests per replica, max / min',
      `${sticky.maxRequests} / ${sticky.minRequests}`,
      `${podsafe.maxRequests} / ${podsafe.minRequests}`,
    ],
    [`3. new ${sticky.newPod}'s share of signed-in users' requests`, pct(sticky.newReplicaShare), pct(podsafe.newReplicaShare)],
    ['   users logged out by the scale-out', of(sticky.loggedOutByScaleOut), of(podsafe.loggedOutByScaleOut)],
    ['4. users logged out after an address change', of(sticky.loggedOutByAddressChange), of(podsafe.loggedOutByAddressChange)],
    ['failed requests (5xx, refused)', String(sticky.failedRequests), String(podsafe.failedRequests)],
  ];
  const widths = /** @type {const} */ ([0, 1, 2]).map((c) => Math.max(...rows.map((r) => r[c].length)));
  const line = (/** @type {string[]} */ r) =>
    r
      .map((cell, c) => cell.padEnd(widths[c] ?? 0))
      .join('  ')
      .trimEnd();
  const rule = widths.map((w) => '-'.repeat(w)).join('  ');
  return [
    `sticky:  ${sticky.front}; sessions in ${sticky.sessions}`,
    `podsafe: ${podsafe.front}; sessions in ${podsafe.sessions}`,
    ...comparison.notes.map((note) => `note:    ${note}`),
    '',
    line(/** @type {string[]} */ (rows[0])),
    rule,
    ...rows.slice(1).map(line),
  ].join('\n');
}
