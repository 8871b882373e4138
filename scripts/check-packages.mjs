#!/usr/bin/env node
// Lints what npm would publish: packs every package once (pnpm pack, so
// workspace: ranges become versions) and runs publint and
// @arethetypeswrong/cli on the tarball. Needs the packages built (pnpm build).
//
// attw runs with the node16 profile and without the cjs-resolves-to-esm rule:
// the packages are ESM only and CommonJS apps load them with require(esm),
// which Node has without a flag since 20.19 (the packages' engines) and
// TypeScript types since 5.8 (module: node20 / nodenext); node10 resolution
// (no exports map) is not supported.
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { publint } from 'publint';
import { formatMessage } from 'publint/utils';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const bin = (name) => join(root, 'node_modules', '.bin', name);
const packages = readdirSync(join(root, 'packages')).sort();
const out = mkdtempSync(join(tmpdir(), 'podsafe-pack-'));

/** Runs a command; resolves with its status and output, never rejects. */
function run(command, args, cwd) {
  return new Promise((resolve) => {
    execFile(command, args, { cwd, encoding: 'utf8' }, (error, stdout, stderr) =>
      resolve({ ok: !error, output: `${stdout}${stderr}${error && !stdout && !stderr ? error.message : ''}` }),
    );
  });
}

/** The problems of one package, as lines; empty when it is clean. */
async function check(name) {
  const dir = join(root, 'packages', name);
  const dest = mkdtempSync(join(out, `${name}-`));
  const packed = await run('pnpm', ['pack', '--pack-destination', dest], dir);
  if (!packed.ok) return [`${name}: pnpm pack failed\n${packed.output}`];
  const tarball = join(dest, readdirSync(dest)[0]);
  const problems = [];
  const { messages, pkg } = await publint({ pack: { tarball: new Uint8Array(readFileSync(tarball)).buffer }, strict: true });
  for (const message of messages) problems.push(`${name}: publint ${message.type}: ${formatMessage(message, pkg)}`);
  const attw = await run(bin('attw'), [tarball, '--profile', 'node16', '--ignore-rules', 'cjs-resolves-to-esm', '--format', 'ascii'], dir);
  if (!attw.ok) problems.push(`${name}: @arethetypeswrong/cli found problems\n${attw.output}`);
  return problems;
}

let failed = false;
try {
  const results = await Promise.all(packages.map(check));
  packages.forEach((name, i) => {
    if (results[i].length === 0) console.log(`${name}: publint and attw clean`);
    for (const line of results[i]) console.error(line);
    if (results[i].length > 0) failed = true;
  });
} finally {
  rmSync(out, { recursive: true, force: true });
}
process.exit(failed ? 1 : 0);
