#!/usr/bin/env node
/**
 * Enforces the unit-test line-coverage floor of each protocol core (`npm run coverage`
 * runs the unit tests under c8, which writes coverage/coverage-summary.json; this script
 * sums it per directory of src/). The floors sit a little below the measured figures
 * (README, "Unit-test coverage"): coverage may not drop unnoticed, and a small refactor
 * does not break the build. Raise a floor when a core's coverage rises for good.
 *
 * `--table` prints the README table from the last measurement.
 */
'use strict';
const fs = require('node:fs');
const path = require('node:path');

/** Line-coverage floors in percent, per protocol core. */
const floors = {
  raft: 97,
  cluster: 98,
  kv: 92,
  txn: 90,
  georep: 89,
  sharding: 95,
  rebalance: 76,
  query: 87,
  replica: 90,
  placement: 80,
  auth: 92,
  scaling: 87,
};

const root = path.resolve(__dirname, '..');
const summaryFile = path.join(root, 'coverage', 'coverage-summary.json');

function perCore(summary) {
  const totals = {};
  for (const [file, figures] of Object.entries(summary)) {
    const match = /[/\\]src[/\\]([^/\\]+)[/\\]/.exec(file);
    if (match === null || !(match[1] in floors)) continue;
    const core = (totals[match[1]] ??= { covered: 0, total: 0 });
    core.covered += figures.lines.covered;
    core.total += figures.lines.total;
  }
  return totals;
}

const percent = ({ covered, total }) => (total === 0 ? 100 : (100 * covered) / total);

if (!fs.existsSync(summaryFile)) {
  console.error(`no ${path.relative(root, summaryFile)}: run \`npm run coverage\``);
  process.exit(1);
}
const totals = perCore(JSON.parse(fs.readFileSync(summaryFile, 'utf8')));
if (process.argv.includes('--table')) {
  console.log('| core | lines covered | measured | floor |');
  console.log('|---|---|---|---|');
  for (const core of Object.keys(floors)) {
    const figures = totals[core] ?? { covered: 0, total: 0 };
    console.log(`| src/${core}/ | ${figures.covered} / ${figures.total} | ${percent(figures).toFixed(1)} % | ${floors[core]} % |`);
  }
  process.exit(0);
}
const failures = [];
for (const [core, floor] of Object.entries(floors)) {
  const figures = totals[core];
  if (figures === undefined) failures.push(`src/${core}/: no coverage measured (no unit test loads it?)`);
  else if (percent(figures) < floor) {
    failures.push(`src/${core}/: ${percent(figures).toFixed(1)} % of lines covered, below its floor of ${floor} %`);
  }
}
for (const failure of failures) console.error(`coverage floor: ${failure}`);
if (failures.length === 0) console.log(`coverage floors hold for ${Object.keys(floors).length} protocol cores`);
process.exit(failures.length === 0 ? 0 : 1);
