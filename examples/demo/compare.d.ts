import type { FleetsOptions } from './fleets.js';

export interface CompareOptions extends Pick<FleetsOptions, 'env' | 'front' | 'app' | 'replicas'> {
  /** Virtual users on each fleet. Default 50. */
  users?: number;
  /** Progress lines. */
  log?: (message: string) => void;
}

/** The four figures, for one fleet. */
export interface FleetComparison {
  name: 'sticky' | 'podsafe';
  front: string;
  sessions: string;
  /** The replica killed (SIGKILL) and later restarted. */
  killedPod: string;
  /** Users whose next requests after the kill found them logged out. */
  loggedOutByKill: number;
  /** Users (signed in again meanwhile) logged out once the killed replica was back in rotation. */
  loggedOutWhenBack: number;
  /** Requests per replica over three rounds of the crowd, the most and the fewest. */
  maxRequests: number;
  minRequests: number;
  /** The replica added by the scale-out. */
  newPod: string;
  /** Its share (0 to 1) of the requests of users signed in before it joined, sessions intact. */
  newReplicaShare: number;
  /** Users logged out by the scale-out (their address now maps to the new replica, which does not know them). */
  loggedOutByScaleOut: number;
  /** Users logged out by their next requests after every user moved to another client address. */
  loggedOutByAddressChange: number;
  /** Requests with no answer from the app over the whole run. */
  failedRequests: number;
}

export interface Comparison {
  users: number;
  /** Replicas per fleet before the scale-out. */
  replicas: number;
  /** Fallbacks used (e.g. no redis-server: JWT cookies). */
  notes: string[];
  /** sticky first, then podsafe. */
  fleets: [FleetComparison, FleetComparison];
}

/** Starts both fleets, runs the four scenarios with the same crowd on each, stops everything, resolves with the figures. */
export function runCompare(options?: CompareOptions): Promise<Comparison>;

/** The comparison as the table `pnpm demo --compare` prints. */
export function formatTable(comparison: Comparison): string;
