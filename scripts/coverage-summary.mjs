#!/usr/bin/env node
// Prints the coverage of each package (lines, statements, functions, branches)
// from coverage/coverage-summary.json, which `vitest run --coverage` writes.
// Exits non-zero when a package falls below its floor (FLOORS below, a few
// points under what the suite measured): coverage that drops fails the run.
import { readFileSync } from 'node:fs';
import { dirname, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const file = join(root, 'coverage', 'coverage-summary.json');
let summary;
try {
  summary = JSON.parse(readFileSync(file, 'utf8'));
} catch {
  console.error(`No ${relative(root, file)}: run \`pnpm test:coverage\` (vitest run --coverage) first.`);
  process.exit(1);
}

const metrics = ['lines', 'statements', 'functions', 'branches'];

/** Per package, the % below which the run fails. */
const FLOORS = {
  core: { lines: 93, statements: 91, functions: 88, branches: 89 },
  express: { lines: 87, statements: 84, functions: 88, branches: 66 },
  fastify: { lines: 86, statements: 85, functions: 88, branches: 72 },
  jwt: { lines: 91, statements: 89, functions: 87, branches: 90 },
  memcached: { lines: 94, statements: 93, functions: 91, branches: 87 },
  redis: { lines: 90, statements: 87, functions: 88, branches: 80 },
  testkit: { lines: 96, statements: 95, functions: 95, branches: 87 },
};
const packages = new Map();
for (const [path, counts] of Object.entries(summary)) {
  if (path === 'total') continue;
  const parts = relative(root, path).split(sep);
  const name = parts[0] === 'packages' ? parts[1] : parts[0];
  const totals = packages.get(name) ?? Object.fromEntries(metrics.map((m) => [m, { covered: 0, total: 0 }]));
  for (const m of metrics) {
    totals[m].covered += counts[m].covered;
    totals[m].total += counts[m].total;
  }
  packages.set(name, totals);
}

const pct = ({ covered, total }) => (total === 0 ? '100.00' : ((100 * covered) / total).toFixed(2));
const rows = [
  ['package', ...metrics],
  ...[...packages].sort(([a], [b]) => a.localeCompare(b)).map(([name, t]) => [name, ...metrics.map((m) => pct(t[m]))]),
];
rows.push(['all', ...metrics.map((m) => summary.total[m].pct.toFixed(2))]);
const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
console.log('\nCoverage per package (%):');
for (const row of rows) console.log(row.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]) : cell.padStart(widths[i]))).join('  '));

const below = [];
for (const [name, floor] of Object.entries(FLOORS)) {
  const totals = packages.get(name);
  for (const m of metrics) {
    const got = totals ? Number(pct(totals[m])) : 0;
    if (got < floor[m]) below.push(`${name} ${m}: ${got.toFixed(2)} % is below its floor of ${floor[m]} %`);
  }
}
if (below.length > 0) {
  console.error(
    `\nCoverage fell below the floor:\n  ${below.join('\n  ')}\nAdd tests for what the change left uncovered (coverage/ has the per-file report), or lower the floor in scripts/coverage-summary.mjs with a reason.`,
  );
  process.exit(1);
}
