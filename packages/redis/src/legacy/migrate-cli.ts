import { parseArgs } from 'node:util';
import { Cluster, Redis } from 'ioredis';
import { migrateLegacySessions, type MigrateProgress, type MigrateSummary } from './migrate.js';

/** Where the CLI writes: `process` in the bin, a capture in tests. */
export interface CliIo {
  stdout: { write(text: string): unknown };
  stderr: { write(text: string): unknown; isTTY?: boolean };
}

const HELP = `podsafe-migrate: convert connect-redis (express-session / @fastify/session) sessions into podsafe records.

Usage: podsafe-migrate [options]

  --url <redis://...>        Redis to convert (default: $REDIS_URL, else redis://127.0.0.1:6379)
  --cluster <host:port,...>  Redis Cluster startup nodes instead of --url (every master is scanned)
  --legacy-prefix <prefix>   connect-redis's prefix in the old app (default: sess:)
  --prefix <prefix>          the RedisStore's prefix (default: podsafe:sess:)
  --ttl <seconds>            connect-redis's ttl, for legacy keys without a TTL (default: 86400)
  --dry-run                  read and count only, write nothing
  -h, --help                 this text

Run it once every app runs with RedisStore legacy mode 'read'. Safe to interrupt
(Ctrl-C finishes the page in flight) and to run again: it resumes where it stopped.
`;

/** The CLI's flags, parsed strictly (an unknown flag throws). */
function parseCliArgs(args: string[]) {
  return parseArgs({
    args,
    options: {
      url: { type: 'string' },
      cluster: { type: 'string' },
      'legacy-prefix': { type: 'string', default: 'sess:' },
      prefix: { type: 'string', default: 'podsafe:sess:' },
      ttl: { type: 'string', default: '86400' },
      'dry-run': { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
}

/** Runs the CLI on `argv` (without node and the script); resolves to the exit code. */
export async function runMigrateCli(
  argv: string[],
  io: CliIo,
  env: Record<string, string | undefined> = process.env,
  signal?: AbortSignal,
): Promise<number> {
  let values: ReturnType<typeof parseCliArgs>['values'];
  try {
    ({ values } = parseCliArgs(argv));
  } catch (error) {
    io.stderr.write(`podsafe-migrate: ${(error as Error).message}\nRun podsafe-migrate --help for the options.\n`);
    return 2;
  }
  if (values.help) {
    io.stdout.write(HELP);
    return 0;
  }
  const ttl = Number(values.ttl);
  if (!Number.isFinite(ttl) || ttl <= 0) {
    io.stderr.write(`podsafe-migrate: --ttl must be a positive number of seconds, got ${JSON.stringify(values.ttl)}.\n`);
    return 2;
  }
  if (values.url !== undefined && values.cluster !== undefined) {
    io.stderr.write('podsafe-migrate: pass either --url or --cluster, not both.\n');
    return 2;
  }
  const client = values.cluster
    ? new Cluster(
        values.cluster.split(',').map((node) => node.trim()),
        { enableAutoPipelining: true },
      )
    : new Redis(values.url ?? env.REDIS_URL ?? 'redis://127.0.0.1:6379', { enableAutoPipelining: true, maxRetriesPerRequest: 2 });
  const bar = new ProgressLine(io.stderr);
  try {
    const summary = await migrateLegacySessions({
      client,
      legacyPrefix: values['legacy-prefix'],
      prefix: values.prefix,
      ttl,
      dryRun: values['dry-run'],
      signal,
      onProgress: (progress) => bar.update(progress),
    });
    bar.end();
    io.stdout.write(describe(summary, values['dry-run']));
    return summary.interrupted ? 130 : 0;
  } catch (error) {
    bar.end();
    io.stderr.write(`podsafe-migrate: ${(error as Error).message}. Nothing is lost: fix the cause and run it again, it resumes.\n`);
    return 1;
  } finally {
    client.disconnect();
  }
}

function describe(summary: MigrateSummary, dryRun: boolean): string {
  const rate = summary.seconds > 0 ? Math.round(summary.scanned / summary.seconds) : summary.scanned;
  return (
    `${dryRun ? 'dry run: would convert' : 'converted'} ${summary.converted}, skipped ${summary.skipped}, corrupt ${summary.corrupt} ` +
    `(${summary.scanned} legacy keys in ${summary.seconds.toFixed(1)} s, ${rate} sessions/s)` +
    `${summary.interrupted ? '; interrupted: run again to finish' : ''}\n`
  );
}

/** A one-line progress bar with rate and ETA, redrawn in place on a terminal (and silent elsewhere). */
class ProgressLine {
  readonly #out: CliIo['stderr'];
  #drawn = false;

  constructor(out: CliIo['stderr']) {
    this.#out = out;
  }

  update(p: MigrateProgress): void {
    if (!this.#out.isTTY) return;
    const fraction = p.total > 0 ? Math.min(1, p.scanned / p.total) : 1;
    const width = 30;
    const filled = Math.round(fraction * width);
    const rate = p.seconds > 0 ? p.scanned / p.seconds : 0;
    const eta = rate > 0 ? Math.ceil((p.total - p.scanned) / rate) : 0;
    this.#out.write(
      `\r[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${(fraction * 100).toFixed(0).padStart(3)}% ` +
        `${p.scanned}/${p.total}  ${Math.round(rate)}/s  ETA ${eta}s  (corrupt ${p.corrupt})\x1b[K`,
    );
    this.#drawn = true;
  }

  end(): void {
    if (this.#drawn) this.#out.write('\n');
    this.#drawn = false;
  }
}
