import { Redis, type Cluster, type RedisOptions } from 'ioredis';
import type { ResolvedOptions } from './options.js';

/**
 * Reconnection waits: exponential from 50 ms with equal jitter (so a fleet of pods
 * does not reconnect in lockstep after an outage), capped, and never giving up:
 * the store must recover by itself whenever Redis comes back.
 */
export function reconnectBackoff(maxDelayMs: number): (attempt: number) => number {
  return (attempt) => {
    const ceiling = Math.min(maxDelayMs, 50 * 2 ** Math.min(attempt, 16));
    return Math.max(1, Math.round(ceiling / 2 + (Math.random() * ceiling) / 2));
  };
}

/**
 * The ioredis client the store owns.
 *
 * - `enableOfflineQueue: true` keeps the calls made right after startup (or during a
 *   sub-second reconnect) waiting for the connection instead of failing at once; every
 *   call is still bounded by `timeout`, so nothing waits longer than that.
 * - `socketTimeout`: a connection that stays silent while commands wait is destroyed
 *   and reopened. Without it, a network that drops packets (a rescheduled pod, a
 *   partition) leaves the socket "ready" for as long as the kernel keeps it, and
 *   every timed-out command stays queued on it.
 * - `maxRetriesPerRequest: 0` makes ioredis drop its offline queue on every failed
 *   reconnect attempt, so a long outage cannot pile up commands in memory.
 * - `autoResendUnfulfilledCommands: false`: what was in flight on a connection declared
 *   dead is not replayed on the next one. Those calls have already failed (or will,
 *   at `timeout`) for the app; replaying them later would apply a write the
 *   app was told did not happen, and would hold them in memory for the whole outage.
 * - `reconnectOnError` on READONLY: after a failover (Sentinel, managed Redis) the old
 *   master may keep the connection open as a replica; reconnecting finds the new master.
 */
export function createClient(options: ResolvedOptions): Redis {
  const redisOptions: RedisOptions = {
    // A web server issues each command from its own I/O callback, so an auto-pipeline
    // batch is one command, and ioredis's Pipeline object per batch cost about 30 µs of
    // CPU per command against a direct write (bench/profile.md). Concurrent commands
    // still share the connection: they are written back to back, answered in order.
    enableAutoPipelining: false,
    enableOfflineQueue: true,
    maxRetriesPerRequest: 0,
    autoResendUnfulfilledCommands: false,
    retryStrategy: reconnectBackoff(options.maxReconnectDelayMs),
    reconnectOnError: (error) => (error.message.startsWith('READONLY') ? 2 : false),
    ...options.redisOptions,
    connectTimeout: options.connectTimeoutMs,
    commandTimeout: options.timeoutMs,
    socketTimeout: options.socketTimeoutMs,
  };
  return options.url === undefined ? new Redis(redisOptions) : new Redis(options.url, redisOptions);
}

function hostPort(host: unknown, port: unknown): string {
  return `${typeof host === 'string' && host ? host : '127.0.0.1'}:${typeof port === 'number' || typeof port === 'string' ? port : 6379}`;
}

/** Where the client points, for error messages; never includes credentials. */
export function describeAddress(client: Redis | Cluster): string {
  if (client.isCluster) {
    const cluster = client as Cluster;
    const nodes = cluster.nodes('master').map((node) => hostPort(node.options.host, node.options.port));
    const startup = (cluster as unknown as { startupNodes?: unknown[] }).startupNodes ?? [];
    const shown = nodes.length > 0 ? nodes : startup.map(describeStartupNode);
    return `Redis Cluster (${shown.join(', ') || 'no nodes'})`;
  }
  const options = (client as Redis).options;
  if (Array.isArray(options.sentinels) && options.sentinels.length > 0) {
    const sentinels = options.sentinels.map((s) => hostPort(s.host, s.port ?? 26379)).join(', ');
    return `Redis master "${options.name ?? 'mymaster'}" via Sentinel ${sentinels}`;
  }
  if (options.path) return `Redis at unix:${options.path}`;
  return `Redis at ${options.tls ? 'rediss' : 'redis'}://${hostPort(options.host, options.port)}`;
}

function describeStartupNode(node: unknown): string {
  if (typeof node === 'number') return hostPort(undefined, node);
  if (typeof node === 'string') {
    try {
      const url = new URL(node.includes('://') ? node : `redis://${node}`);
      return hostPort(url.hostname, url.port || 6379);
    } catch {
      return '?';
    }
  }
  const { host, port } = (node ?? {}) as { host?: unknown; port?: unknown };
  return hostPort(host, port);
}
