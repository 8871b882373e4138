// `pnpm bench [--quick] [--scale] [--seconds N] [--rounds N]`: flags become environment for the
// benchmark, which runs under vitest (it reuses the test servers' helpers).
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const args = process.argv.slice(2);
const env = { ...process.env };
for (let i = 0; i < args.length; i++) {
  if (args[i] === '--quick') env.BENCH_QUICK = '1';
  else if (args[i] === '--scale') env.BENCH_SCALE = '1';
  else if (args[i] === '--seconds') env.BENCH_SECONDS = args[++i];
  else if (args[i] === '--rounds') env.BENCH_ROUNDS = args[++i];
  else {
    console.error(
      `unknown flag ${args[i]}: use --quick (short runs, no 1M-session run), --scale (only the 1k/1M-session run), --seconds N, --rounds N (interleaved rounds per app and route; more steady the median on a busy machine)`,
    );
    process.exit(2);
  }
}
const here = dirname(fileURLToPath(import.meta.url));
const vitest = join(here, 'node_modules', 'vitest', 'vitest.mjs');
const result = spawnSync(process.execPath, [vitest, 'run', '--config', 'vitest.config.ts'], {
  cwd: here,
  env,
  stdio: 'inherit',
});
process.exit(result.status ?? 1);
