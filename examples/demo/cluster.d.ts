import type { EventEmitter } from 'node:events';

/** How a replica process ended. */
export interface ReplicaExit {
  code: number | null;
  signal: NodeJS.Signals | null;
  pid: number | undefined;
  /** Whether it had passed its readiness check (an exit before that counts as a crash loop). */
  wasReady?: boolean;
}

/** One replica of the example app. */
export interface ReplicaHandle {
  readonly index: number;
  /** `replica-<index>`, the app's POD_NAME. */
  readonly pod: string;
  /** Its port on 127.0.0.1; kept across restarts. */
  readonly port: number;
  /** `http://127.0.0.1:<port>`, bypassing the front. */
  readonly url: string;
  /** pid of the current (or last) process. */
  readonly pid: number | undefined;
  readonly state: 'down' | 'starting' | 'ready' | 'stopping';
  readonly running: boolean;
  /** How many processes were started for this replica. */
  readonly starts: number;
  /** Last lines the process printed. */
  readonly output: readonly string[];
}

export interface ClusterOptions {
  /** Number of replicas. Default 3. */
  replicas?: number;
  /** Environment for every replica (SESSION_BACKEND, REDIS_URL, SESSION_SECRET, ...). PORT, HOST and POD_NAME are set per replica. */
  env?: Record<string, string>;
  /** The round-robin front: nginx, the built-in Node proxy, or nginx when installed (default). */
  front?: 'auto' | 'nginx' | 'node';
  /** Front port; default a free one. Fails if taken. */
  port?: number;
  /** Front address. Default 127.0.0.1. */
  host?: string;
  /** Delay before a dead replica is started again (doubling while it keeps dying before it is ready). Default 1000. */
  restartDelayMs?: number;
  /** Restart replicas that exit on their own (or are killed). Default true. */
  autoRestart?: boolean;
  /** Which example app the replicas run. Default `express-app`. */
  app?: ExampleApp;
  /** The app's entry file, overriding `app`. Default that app's src/server.js. */
  entry?: string;
  /** How long a replica may take to pass /readyz. Default 30000. */
  readyTimeoutMs?: number;
  /** How long a SIGTERM'd replica may take before SIGKILL. Default 15000. */
  stopGraceMs?: number;
  /**
   * `none` (default): round robin, any replica may answer any request.
   * `client-ip`: each client address pinned to one replica (nginx `hash
   * $remote_addr consistent`, or the same ring in the Node proxy), as
   * Kubernetes' `sessionAffinity: ClientIP`: the demo's sticky fleet.
   */
  affinity?: Affinity;
}

/** How the front spreads requests over the replicas; see {@link ClusterOptions.affinity}. */
export type Affinity = 'none' | 'client-ip';

export interface ClusterEvents {
  ready: { index: number; pod: string; port: number; pid: number; starts: number };
  exit: ReplicaExit & { index: number; pod: string; expected: boolean };
  restarting: { index: number; pod: string; delayMs: number };
  rotation: { index: number; pod: string; inRotation: boolean };
  output: { index: number; pod: string; line: string };
  /** A restart or a rotation change failed (not an EventEmitter 'error': nothing throws when no one listens). */
  failure: { index: number; pod: string; error: Error };
  'front-log': { line: string };
}

export interface Cluster {
  /** The front's URL: what a user opens. */
  readonly url: string;
  /** The example app the replicas run (as asked; `entry` may have replaced its file). */
  readonly app: ExampleApp;
  readonly front: 'nginx' | 'node';
  readonly affinity: Affinity;
  /** Temporary directory of the front (config, pid, temp files); removed by stop(). */
  readonly dir: string;
  readonly replicas: readonly ReplicaHandle[];
  /** Emits the {@link ClusterEvents}. */
  readonly events: EventEmitter;
  /** Sends `signal` (default SIGKILL) to replica `index`; resolves when it has exited. The supervisor restarts it. */
  kill(index: number, signal?: NodeJS.Signals): Promise<ReplicaExit>;
  /** The exit of replica `index`'s current process. */
  exited(index: number): Promise<ReplicaExit>;
  /**
   * Gracefully restarts replica `index`: out of the front's rotation (resolved
   * once the front sends it nothing more), SIGTERM, exit, start, /readyz, back
   * into rotation. Resolves with how the old process ended.
   */
  restart(index: number): Promise<ReplicaExit>;
  /**
   * Scale-out: starts one more replica (`replica-<n>`, on a free port), waits
   * for /readyz, adds it to the front's rotation (nginx reload or the proxy's
   * next request) and resolves with it. It joins {@link replicas}.
   */
  addReplica(): Promise<ReplicaHandle>;
  /** restart() for every replica in turn. */
  rollingRestart(): Promise<ReplicaExit[]>;
  /** Resolves when replica `index` (or every replica) is running, ready, and in the front's rotation. */
  ready(index?: number, timeoutMs?: number): Promise<void>;
  /** Stops the front and every replica, removes the temporary directory. */
  stop(): Promise<void>;
}

/** The example apps a cluster can run. */
export type ExampleApp = 'express-app' | 'fastify-app';

export const APPS: readonly ExampleApp[];

/** The entry file (src/server.js) of example app `app`; throws for another name. */
export function appEntry(app: ExampleApp): string;

/** appEntry('express-app'). */
export const DEFAULT_APP_ENTRY: string;

export function startCluster(options?: ClusterOptions): Promise<Cluster>;
