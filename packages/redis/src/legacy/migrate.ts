import { isStorableId } from '@podsafe/core/store';
import type { Cluster, Redis } from 'ioredis';
import { DEFAULT_PREFIX } from '../options.js';
import { keyPattern } from '../keys.js';
import { scanPages, type Call } from '../scan.js';
import { LegacyKeyspace } from './legacy-keyspace.js';
import { resolveLegacyOptions } from './legacy-options.js';

/** Options of {@link migrateLegacySessions}. */
export interface MigrateOptions {
  /**
   * The ioredis client (a `Cluster` is scanned on every master). Give it
   * `enableAutoPipelining: true`: the commands of a page then share round trips
   * (the CLI does), several times faster.
   */
  client: Redis | Cluster;
  /**
   * connect-redis's prefix in the old app.
   * @default `'sess:'` (connect-redis's own default)
   */
  legacyPrefix?: string;
  /**
   * The RedisStore's prefix.
   * @default `'podsafe:sess:'` (the RedisStore's default)
   */
  prefix?: string;
  /**
   * connect-redis's `ttl` in the old app, in seconds, for legacy keys without a TTL.
   * @default `86400` seconds (connect-redis's own default)
   */
  ttl?: number;
  /**
   * Read and count, write nothing.
   * @default `false`
   */
  dryRun?: boolean;
  /**
   * Stops after the page in flight (every session is converted whole or not at all).
   * @default none (runs to the end)
   */
  signal?: AbortSignal;
  /**
   * Called after every page.
   * @default none
   */
  onProgress?: (progress: MigrateProgress) => void;
}

/** The counts so far. A dry run counts as converted what it would convert. */
export interface MigrateSummary {
  /** Legacy keys seen. */
  scanned: number;
  /** Converted into podsafe records (legacy key deleted after the write). */
  converted: number;
  /** Left alone: a podsafe record already existed (the legacy copy is then deleted), the key expired meanwhile, or its id is not storable. */
  skipped: number;
  /** Not a session (not a JSON object, not a string key): left in place, counted. */
  corrupt: number;
  /** Whether the run stopped early on `signal`; re-run to continue. */
  interrupted: boolean;
  /** Wall time of the run, in seconds. */
  seconds: number;
}

/** {@link MigrateSummary} during a run, with the total from a first counting pass. */
export interface MigrateProgress extends MigrateSummary {
  /** Legacy keys found by the counting pass (keys written or expiring since make the final count differ). */
  total: number;
}

const direct: Call = (_operation, command) => command();

/**
 * Converts every connect-redis session under `legacyPrefix` into a podsafe record
 * `prefix + legacy id` (the record the express-session drop-in reads, and that
 * `session()`'s `legacyCookie` adopts), keeping each one's TTL. SCAN, never KEYS,
 * on every master of a Cluster; one page of 1000 keys in memory at a time.
 *
 * Idempotent and resumable: a session is written first and its legacy key deleted
 * only after that, and an existing podsafe record is never overwritten, so a run
 * interrupted anywhere is completed by running it again. Run it with the apps in
 * legacy `'read'` mode (no old pods left), since an old pod would not see a converted
 * session.
 */
export async function migrateLegacySessions(options: MigrateOptions): Promise<MigrateSummary> {
  const started = performance.now();
  const prefix = options.prefix ?? DEFAULT_PREFIX;
  const legacy = resolveLegacyOptions({ format: 'connect-redis', mode: 'read', prefix: options.legacyPrefix, ttl: options.ttl }, prefix);
  const keys = new LegacyKeyspace(options.client, direct, prefix, legacy);
  const pattern = keyPattern(legacy.prefix);
  const summary: MigrateSummary = { scanned: 0, converted: 0, skipped: 0, corrupt: 0, interrupted: false, seconds: 0 };

  let total = 0;
  if (options.onProgress) for await (const page of scanPages(options.client, pattern, direct, 'migrate')) total += page.length;

  for await (const page of scanPages(options.client, pattern, direct, 'migrate')) {
    await Promise.all(page.map((key) => convertOne(key)));
    summary.seconds = (performance.now() - started) / 1000;
    options.onProgress?.({ ...summary, total: Math.max(total, summary.scanned) });
    if (options.signal?.aborted) {
      summary.interrupted = true;
      break;
    }
  }
  summary.seconds = (performance.now() - started) / 1000;
  return summary;

  async function convertOne(key: string): Promise<void> {
    summary.scanned++;
    const id = key.slice(legacy.prefix.length);
    if (!isStorableId(id)) {
      summary.skipped++;
      return;
    }
    const read = await keys.read(id, 'migrate');
    if (read.state === 'corrupt') summary.corrupt++;
    else if (read.state === 'missing') summary.skipped++;
    else if (options.dryRun) summary.converted++;
    else if ((await keys.convert(id, read, 'migrate')).created) summary.converted++;
    else summary.skipped++;
  }
}
