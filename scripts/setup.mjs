#!/usr/bin/env node
// Makes a fresh clone usable: installs the locked dependencies and builds every
// package, so `pnpm test` and `pnpm demo` are each one command. Both steps are
// quick no-ops when nothing changed (pnpm checks the lockfile, tsc -b is incremental).
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
// Under `pnpm <script>`, npm_execpath is the running pnpm: use the same one.
const execpath = process.env.npm_execpath;
const pnpm = execpath && /pnpm/.test(execpath) ? [process.execPath, execpath] : ['pnpm'];

function run(args, what) {
  const [command, ...rest] = [...pnpm, ...args];
  const result = spawnSync(command, rest, { cwd: root, stdio: 'inherit' });
  if (result.error?.code === 'ENOENT') {
    console.error('pnpm is not installed: run `npm install -g pnpm@10.34.8` (or `corepack enable`), then try again.');
    process.exit(1);
  }
  if (result.status !== 0) {
    console.error(`\nsetup: ${what} failed (exit ${result.status}); see the output above.`);
    process.exit(result.status ?? 1);
  }
}

const major = Number(process.versions.node.split('.')[0]);
if (major < 20) {
  console.error(`podsafe needs Node.js 20 or newer; this is ${process.version}.`);
  process.exit(1);
}
run(['install', '--frozen-lockfile', '--prefer-offline', '--reporter=silent'], 'installing dependencies');
run(['exec', 'tsc', '-b'], 'building the packages');
