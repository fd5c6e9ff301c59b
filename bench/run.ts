/*
 * `npm run bench`: every benchmark in one process, printed as a table and written to
 * reports/bench.json. Machines here are noisy, so each figure is the best of a few runs
 * and comparisons should be made between rows of the same run.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { benchNetwork, benchScheduler } from './sim';
import { CALIBRATION_ROW, formatRelative, kernelRelative } from './calibration';
import type { BenchRow } from './types';

type Bench = () => BenchRow | BenchRow[] | Promise<BenchRow | BenchRow[]>;

function optional(modulePath: string, exportName: string): Bench | undefined {
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const loaded = require(modulePath) as Record<string, Bench>;
    return loaded[exportName];
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'MODULE_NOT_FOUND') return undefined;
    throw error;
  }
}

async function main(): Promise<void> {
  const benches: [string, Bench | undefined][] = [
    ['calibration', optional('./calibration-loop', 'benchCalibration')],
    ['simulation', benchScheduler],
    ['simulation', benchNetwork],
    ['membership', optional('./membership', 'benchMembership')],
    ['linearizability', optional('./lincheck', 'benchLinearizability')],
    ['consensus', optional('./consensus', 'benchConsensus')],
    ['consensus', optional('./boundary-reads', 'benchBoundaryReads')],
    ['multi-raft', optional('./multiraft', 'benchMultiRaft')],
    ['georeplication', optional('./georep', 'benchGeoReplication')],
    ['transactions', optional('./transactions', 'benchTransactions')],
    ['sagas', optional('./sagas', 'benchSagas')],
    ['command line', optional('./cli-check', 'benchCheckCommand')],
    ['rebalancing', optional('./rebalance', 'benchRebalance')],
    ['rebalancing', optional('./rebalance-join', 'benchRebalanceJoin')],
    ['scaling', optional('./scaling', 'benchScaling')],
    ['scaling', optional('./scaling-cluster', 'benchScalingCluster')],
    ['security', optional('./security', 'benchSecurity')],
    ['queries', optional('./queries', 'benchQueries')],
  ];
  const measured: (BenchRow & { group: string })[] = [];
  // `--groups=a,b` runs only those groups (CI's short mode on every push; see bench/check.ts --short).
  const only = process.argv.find((arg) => arg.startsWith('--groups='))?.slice('--groups='.length).split(',');
  for (const [group, bench] of benches) {
    if (!bench || (only && !only.includes(group))) continue;
    const result = await bench();
    for (const row of Array.isArray(result) ? result : [result]) {
      measured.push({ group, ...row });
      console.log(`  ${group.padEnd(16)} ${row.name.padEnd(58)} ${row.value.toLocaleString('en-US').padStart(14)} ${row.unit}`);
    }
  }
  // Each figure next to the kernel calibration row of this run (bench/calibration.ts).
  const rows = kernelRelative(measured);
  const output = path.resolve('reports', 'bench.json');
  fs.mkdirSync(path.dirname(output), { recursive: true });
  fs.writeFileSync(output, JSON.stringify({ node: process.version, platform: `${process.platform} ${process.arch}`, calibration: CALIBRATION_ROW, rows }, null, 2) + '\n');
  console.log('\n' + formatTable(rows));
  console.log(`\nwrote ${path.relative(process.cwd(), output)}`);
}

function formatTable(rows: (BenchRow & { group: string; relative?: number; relativeUnit?: string })[]): string {
  const header = ['group', 'benchmark', 'value', 'unit', 'relative to the kernel (same run)', 'target', 'note'];
  const body = rows.map((row) => [row.group, row.name, row.value.toLocaleString('en-US'), row.unit, formatRelative(row), row.target ?? '', row.note ?? '']);
  const widths = header.map((_, column) => Math.max(header[column].length, ...body.map((line) => line[column].length)));
  const line = (cells: string[]): string => cells.map((cell, column) => cell.padEnd(widths[column])).join('  ').trimEnd();
  return [line(header), line(widths.map((width) => '-'.repeat(width))), ...body.map(line)].join('\n');
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
