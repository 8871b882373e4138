#!/usr/bin/env node
// podsafe-migrate: converts connect-redis sessions into podsafe records. See `podsafe-migrate --help`.
import { runMigrateCli } from '../dist/legacy/migrate-cli.js';

const stop = new AbortController();
// The first Ctrl-C finishes the page in flight and prints the summary; a second one exits at once.
process.once('SIGINT', () => {
  stop.abort();
  process.once('SIGINT', () => process.exit(130));
});
process.exitCode = await runMigrateCli(process.argv.slice(2), process, process.env, stop.signal);
