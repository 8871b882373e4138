#!/usr/bin/env node
// Prints the coverage of each package (lines, statements, functions, branches)
// from coverage/coverage-summary.json, which `vitest run --coverage` writes.
// The per-package floors that fail the run live in vitest.config.ts.
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
const rows = [['package', ...metrics], ...[...packages].sort(([a], [b]) => a.localeCompare(b)).map(([name, t]) => [name, ...metrics.map((m) => pct(t[m]))])];
rows.push(['all', ...metrics.map((m) => summary.total[m].pct.toFixed(2))]);
const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
console.log('\nCoverage per package (%):');
for (const row of rows) console.log(row.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]) : cell.padStart(widths[i]))).join('  '));
