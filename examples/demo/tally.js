// What one fleet's traffic shows: requests per replica (in total and per
// second, for the chart), logouts, and the figures of the last kill, scale-out
// and address change, counted from the users' own requests. The live page and
// `--compare` read the same numbers.

/** @import { VirtualUser, VisitResult } from './crowd.js' */

const SERIES_SECONDS = 60;

/**
 * What one fleet's traffic showed, as the page and `--compare` read it.
 * Each of kill, scale and address counts while `open`: until the next of any of them.
 * @typedef {object} TallySnapshot
 * @property {Record<string, number>} served requests answered, per replica, since the start
 * @property {Record<string, number[]>} series requests per second, per replica, for the last 60 s (oldest first)
 * @property {number} requests
 * @property {number} logouts requests of a signed-in user that came back logged out
 * @property {number} errors requests that got no answer from the app (refused, 5xx)
 * @property {string} [lastError]
 * @property {{ pod: string, at: number, open: boolean, signedIn: number, loggedOut: number }} [kill] the last kill: `loggedOut` distinct users since (`at`: epoch milliseconds)
 * @property {{ pod: string, at: number, open: boolean, joined: boolean, existingUsers: number, requests: number, onNew: number, share: number | null, loggedOut: number }} [scale]
 *   the last scale-out: of the requests made since `pod` joined by users signed in before it was added (under that same sign-in), how many it answered with their session intact (`share`, 0 to 1; null before any)
 * @property {{ at: number, open: boolean, moved: number, loggedOut: number }} [address] the last address change: of the `moved` users, how many were logged out since
 */

export class Tally {
  constructor(clock = Date.now) {
    this.clock = clock;
    /** @type {Map<string, number>} requests answered, per replica */
    this.served = new Map();
    /** @type {Map<number, Map<string, number>>} unix second -> replica -> requests */
    this.seconds = new Map();
    this.requests = 0;
    this.logouts = 0;
    this.errors = 0;
    /** @type {string | undefined} */
    this.lastError = undefined;
    // The last kill, scale-out and address change; each counts until the next of any of them.
    /** @type {undefined | { pod: string, at: number, open: boolean, signedIn: number, loggedOut: Set<string> }} */
    this.kill = undefined;
    /** @type {undefined | { pod: string, at: number, open: boolean, joined: boolean, baseline: Map<string, number>, requests: number, onNew: number, loggedOut: Set<string> }} */
    this.scale = undefined;
    /** @type {undefined | { at: number, open: boolean, moved: Set<string>, loggedOut: Set<string> }} */
    this.address = undefined;
  }

  /** @param {VisitResult} result */
  record(result) {
    this.requests += 1;
    if (!result.ok) {
      this.errors += 1;
      this.lastError = result.error;
      return;
    }
    const pod = /** @type {string} */ (result.pod);
    this.served.set(pod, (this.served.get(pod) ?? 0) + 1);
    const second = Math.floor(this.clock() / 1000);
    let bucket = this.seconds.get(second);
    if (!bucket) {
      bucket = new Map();
      this.seconds.set(second, bucket);
      for (const old of this.seconds.keys()) if (old <= second - SERIES_SECONDS) this.seconds.delete(old);
    }
    bucket.set(pod, (bucket.get(pod) ?? 0) + 1);

    const name = result.user.name;
    if (result.lost) {
      this.logouts += 1;
      if (this.kill?.open) this.kill.loggedOut.add(name);
      if (this.scale?.open) this.scale.loggedOut.add(name);
      if (this.address?.open && this.address.moved.has(name)) this.address.loggedOut.add(name);
    }
    // Scale-out: only requests made under a sign-in from before it count, so a
    // user who lost the session and logged in again no longer does.
    const scale = this.scale;
    if (scale?.open && scale.joined && result.kind === 'visit' && scale.baseline.get(name) === result.login) {
      scale.requests += 1;
      if (pod === scale.pod && !result.lost) scale.onNew += 1;
    }
  }

  /** Forgets the request counts (not the incidents): a fresh start for a measurement. */
  resetServed() {
    this.served.clear();
    this.seconds.clear();
  }

  /**
   * Replica `pod` is about to be killed; `users` are the fleet's users.
   * @param {string} pod
   * @param {readonly VirtualUser[]} users
   */
  markKill(pod, users) {
    this.#closeIncidents();
    this.kill = { pod, at: this.clock(), open: true, signedIn: users.filter((u) => u.signedIn).length, loggedOut: new Set() };
  }

  /**
   * Replica `pod` is about to be added: the users signed in now are the "existing" ones.
   * @param {string} pod
   * @param {readonly VirtualUser[]} users
   */
  markScale(pod, users) {
    const baseline = new Map(users.filter((u) => u.signedIn).map((u) => [u.name, u.login]));
    this.#closeIncidents();
    this.scale = { pod, at: this.clock(), open: true, joined: false, baseline, requests: 0, onNew: 0, loggedOut: new Set() };
  }

  /** The added replica is in the front's rotation: its share counts from now. */
  markJoined() {
    if (this.scale) this.scale.joined = true;
  }

  /**
   * `users` are about to move to new addresses.
   * @param {readonly VirtualUser[]} users
   */
  markAddress(users) {
    this.#closeIncidents();
    this.address = { at: this.clock(), open: true, moved: new Set(users.map((u) => u.name)), loggedOut: new Set() };
  }

  /** A new event ends the count of the previous one, so no figure mixes two causes. */
  #closeIncidents() {
    for (const incident of [this.kill, this.scale, this.address]) if (incident) incident.open = false;
  }

  /**
   * Requests per replica: the most and the fewest any of `pods` answered.
   * @param {readonly string[]} pods
   * @returns {{ max: number, min: number }}
   */
  spread(pods) {
    const counts = pods.map((pod) => this.served.get(pod) ?? 0);
    return { max: Math.max(...counts), min: Math.min(...counts) };
  }

  /**
   * Everything the page shows, as JSON.
   * @param {readonly string[]} pods
   * @returns {TallySnapshot}
   */
  snapshot(pods) {
    const now = Math.floor(this.clock() / 1000);
    const series = Object.fromEntries(
      pods.map((pod) => [pod, Array.from({ length: SERIES_SECONDS }, (_, i) => this.seconds.get(now - SERIES_SECONDS + i)?.get(pod) ?? 0)]),
    );
    const { kill, scale, address } = this;
    return {
      served: Object.fromEntries(pods.map((pod) => [pod, this.served.get(pod) ?? 0])),
      series,
      requests: this.requests,
      logouts: this.logouts,
      errors: this.errors,
      lastError: this.lastError,
      kill: kill && { pod: kill.pod, at: kill.at, open: kill.open, signedIn: kill.signedIn, loggedOut: kill.loggedOut.size },
      scale: scale && {
        pod: scale.pod,
        at: scale.at,
        open: scale.open,
        joined: scale.joined,
        existingUsers: scale.baseline.size,
        requests: scale.requests,
        onNew: scale.onNew,
        share: scale.requests === 0 ? null : scale.onNew / scale.requests,
        loggedOut: scale.loggedOut.size,
      },
      address: address && { at: address.at, open: address.open, moved: address.moved.size, loggedOut: address.loggedOut.size },
    };
  }
}
