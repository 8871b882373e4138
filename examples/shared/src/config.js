// Everything the app can be told comes from the environment (12-factor), so
// the same image runs locally, in the demo cluster and in Kubernetes.
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';

/** A configuration problem: each app's server.js prints the message and exits 1, without a stack trace. */
export class ConfigError extends Error {
  constructor(message) {
    super(message);
    this.name = 'ConfigError';
  }
}

// `memory` is the per-pod state podsafe exists to avoid: the demo's sticky fleet runs it to show why.
const BACKENDS = ['redis', 'memcached', 'jwt', 'memory'];
// Matches core's MIN_SECRET_BYTES; checked here so the message names the variable.
const MIN_SECRET_BYTES = 32;

/**
 * Reads and validates the configuration.
 * @param {Record<string, string | undefined>} env
 * @param {{ warn?: (message: string) => void }} [io]
 * @throws {ConfigError}
 */
export function loadConfig(env = process.env, io = {}) {
  const warn = io.warn ?? ((message) => console.warn(message));
  const production = env.NODE_ENV === 'production';

  const backend = (env.SESSION_BACKEND || 'redis').trim().toLowerCase();
  if (!BACKENDS.includes(backend)) {
    throw new ConfigError(`SESSION_BACKEND must be one of ${BACKENDS.join(', ')}; got ${JSON.stringify(env.SESSION_BACKEND)}.`);
  }

  if (backend === 'memory' && production) {
    throw new ConfigError(
      'SESSION_BACKEND=memory keeps sessions in this process: they die with it and no other replica sees them. ' +
        "It is for local tries and the demo's sticky fleet only; with NODE_ENV=production choose redis, memcached or jwt.",
    );
  }

  const redisUrl = env.REDIS_URL || 'redis://127.0.0.1:6379';
  if (backend === 'redis' && !/^rediss?:\/\//.test(redisUrl)) {
    throw new ConfigError(`REDIS_URL must be a redis:// or rediss:// URL, e.g. redis://redis:6379; got ${JSON.stringify(redisUrl)}.`);
  }

  // JWT sessions are revoked (logout, "sign out everywhere") in a Redis; without
  // one a copied token stays valid until it expires.
  const revocationRedisUrl = env.REVOCATION_REDIS_URL || undefined;
  if (revocationRedisUrl !== undefined && !/^rediss?:\/\//.test(revocationRedisUrl)) {
    throw new ConfigError(
      `REVOCATION_REDIS_URL must be a redis:// or rediss:// URL, e.g. redis://redis:6379; got ${JSON.stringify(revocationRedisUrl)}.`,
    );
  }
  if (revocationRedisUrl !== undefined && backend !== 'jwt') {
    throw new ConfigError(
      `REVOCATION_REDIS_URL is only for SESSION_BACKEND=jwt (${backend} sessions are deleted in their store at logout); unset it.`,
    );
  }

  const memcachedServers = (env.MEMCACHED_SERVERS || '127.0.0.1:11211')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  if (backend === 'memcached' && memcachedServers.length === 0) {
    throw new ConfigError('MEMCACHED_SERVERS must list at least one host:port, comma-separated.');
  }

  // Validated before the secret, so a typo fails without the secret warning first.
  const port = integer(env, 'PORT', 3000, 0, 65535);
  const metricsPort = env.METRICS_PORT === undefined || env.METRICS_PORT === '' ? undefined : integer(env, 'METRICS_PORT', 0, 0, 65535);
  if (metricsPort !== undefined && metricsPort !== 0 && metricsPort === port) {
    throw new ConfigError(
      `METRICS_PORT must differ from PORT (${port}): metrics get a port of their own so the public one never serves them.`,
    );
  }
  const shutdownDelay = seconds(env, 'SHUTDOWN_DELAY', 0, true);
  const shutdownTimeout = seconds(env, 'SHUTDOWN_TIMEOUT', 10, false);

  let secrets = (env.SESSION_SECRET || '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  let ephemeralSecret = false;
  if (secrets.length === 0) {
    if (production) {
      throw new ConfigError(
        'SESSION_SECRET is required when NODE_ENV=production: every replica must sign cookies with the same secret. ' +
          'Generate one with `openssl rand -base64 48` (to rotate, list the new one first: "new,old").',
      );
    }
    secrets = [randomBytes(48).toString('base64url')];
    ephemeralSecret = true;
    warn(
      [
        '',
        '!!! WARNING: SESSION_SECRET is not set: using a random secret generated for this process only.',
        '!!! Sessions will NOT survive a restart and will NOT work across replicas (each signs differently).',
        '!!! Set SESSION_SECRET (e.g. `openssl rand -base64 48`) for anything but a quick local try.',
        '',
      ].join('\n'),
    );
  }
  secrets.forEach((secret, i) => {
    const bytes = Buffer.byteLength(secret);
    if (bytes < MIN_SECRET_BYTES) {
      throw new ConfigError(
        `SESSION_SECRET entry ${i + 1} is ${bytes} bytes; each secret needs at least ${MIN_SECRET_BYTES}. ` +
          'Generate one with `openssl rand -base64 48`.',
      );
    }
  });

  return {
    production,
    backend,
    redisUrl,
    /**
     * Credentials for Redis (`requirepass`, or an ACL user): from the environment,
     * i.e. a Kubernetes Secret, never in REDIS_URL where a log line could show them.
     */
    redisAuth: { username: env.REDIS_USERNAME || undefined, password: env.REDIS_PASSWORD || undefined },
    revocationRedisUrl,
    memcachedServers,
    /** Newest first: the first signs, all verify. */
    secrets,
    ephemeralSecret,
    port,
    /** Where /metrics is served instead of the app's port (undefined: on the app's port, for local runs). */
    metricsPort,
    host: env.HOST || '0.0.0.0',
    podName: env.POD_NAME || hostname(),
    demoKill: env.DEMO_KILL === '1',
    /** Seconds between failing readiness and closing the listener (Kubernetes uses a preStop hook instead). */
    shutdownDelay,
    /** Seconds a graceful shutdown may take before the process gives up and exits 1. */
    shutdownTimeout,
    /**
     * Which hops' X-Forwarded-* to believe (Secure cookies behind a TLS-terminating
     * ingress): Express's `trust proxy` and Fastify's `trustProxy` read this
     * comma-separated list the same way (proxy-addr names and CIDRs).
     */
    trustProxy: env.TRUST_PROXY || 'loopback, linklocal, uniquelocal',
  };
}

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

/**
 * `LOG_LEVEL` for an app that logs through pino (the Fastify one). Separate from
 * loadConfig() so an app that does not use it never refuses to start over it.
 * @throws {ConfigError}
 */
export function loadLogLevel(env = process.env) {
  const level = (env.LOG_LEVEL || 'info').trim().toLowerCase();
  // Checked here: pino's own refusal is a stack trace, not a message.
  if (!LOG_LEVELS.includes(level)) {
    throw new ConfigError(`LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}; got ${JSON.stringify(env.LOG_LEVEL)}.`);
  }
  return level;
}

function integer(env, name, fallback, min, max) {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new ConfigError(`${name} must be an integer from ${min} to ${max}; got ${JSON.stringify(raw)}.`);
  }
  return value;
}

function seconds(env, name, fallback, zeroAllowed) {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value < 0 || (!zeroAllowed && value === 0)) {
    throw new ConfigError(
      `${name} must be a number of seconds${zeroAllowed ? ' (0 or more)' : ' greater than 0'}; got ${JSON.stringify(raw)}.`,
    );
  }
  return value;
}
