import type { Cluster, ExampleApp } from './cluster.js';

/** What one fleet's traffic showed: see tally.js. */
export interface TallySnapshot {
  /** Requests answered, per replica, since the start. */
  served: Record<string, number>;
  /** Requests per second, per replica, for the last 60 s (oldest first). */
  series: Record<string, number[]>;
  requests: number;
  /** Requests of a signed-in user that came back logged out. */
  logouts: number;
  /** Requests that got no answer from the app (refused, 5xx). */
  errors: number;
  lastError?: string;
  /**
   * The last kill: `loggedOut` distinct users since (`at`: epoch milliseconds).
   * Each of kill, scale and address counts while `open`: until the next of any of them.
   */
  kill?: { pod: string; at: number; open: boolean; signedIn: number; loggedOut: number };
  /**
   * The last scale-out: of the requests made since `pod` joined by users
   * signed in before it was added (under that same sign-in), how many it
   * answered with their session intact (`share`, 0 to 1; null before any).
   */
  scale?: { pod: string; at: number; open: boolean; joined: boolean; existingUsers: number; requests: number; onNew: number; share: number | null; loggedOut: number };
  /** The last address change: of the `moved` users, how many were logged out since. */
  address?: { at: number; open: boolean; moved: number; loggedOut: number };
}

export interface Tally {
  snapshot(pods: readonly string[]): TallySnapshot;
  spread(pods: readonly string[]): { max: number; min: number };
}

/** One of the demo's two fleets. */
export interface Fleet {
  /** `sticky`: sessions in each replica's memory, client-address affinity. `podsafe`: a shared store, round robin. */
  name: 'sticky' | 'podsafe';
  cluster: Cluster;
  tally: Tally;
  /** The front and its balancing, in words (nginx or the Node fallback). */
  front: string;
  /** Where sessions live, in words (Redis, or the JWT fallback, for podsafe). */
  sessions: string;
}

export interface FleetsOptions {
  /** Where SESSION_BACKEND, REDIS_URL, MEMCACHED_SERVERS and SESSION_SECRET are read for the podsafe fleet. Default process.env. */
  env?: Record<string, string | undefined>;
  /** The fronts: nginx, the Node proxy, or nginx when installed (default). */
  front?: 'auto' | 'nginx' | 'node';
  /** Replicas per fleet. Default 3. */
  replicas?: number;
  app?: ExampleApp;
  /** Delay before a dead replica is started again. Default 1000. */
  restartDelayMs?: number;
  /** Restart replicas that die. Default true. */
  autoRestart?: boolean;
  /** Told when a fallback is used (no redis-server: JWT cookies). */
  notice?: (message: string) => void;
}

export function startFleets(options?: FleetsOptions): Promise<{ fleets: Fleet[]; backend: { kind: string; description: string }; stop(): Promise<void> }>;

/** Resolves when replica `index` has left the front's rotation; call it before the kill. */
export function rotatedOut(cluster: Cluster, index: number): Promise<void>;
