/*
 * `npm run bench`: every benchmark in one process, printed as a table and written to
 * reports/bench.json. Machines here are noisy, so each figure is the best of a few runs
 * and comparisons should be made between rows of the same run.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { benchNetwork, benchScheduler } from './sim';
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
    ['simulation', benchScheduler],
    ['simulation', benchNetwork],
    ['membership', optional('./membership', 'benchMembership')],
    ['linearizability', optional('./lincheck', 'benchLinearizability')],
    ['consensus', optional('./consensus', 'benchConsensus')],
    ['georeplication', optional('./georep', 'benchGeoReplication')],
    ['transactions', optional('./transactions', 'benchTransactions')],
    ['rebalancing', optional('./rebalance', 'benchRebalance')],
  ];
  const rows: (BenchRow & { group: string })[] = [];
  for (const [group, bench] of benches) {
    if (!bench) continue;
    const result = await bench();
    for (const row of Array.isArray(result) ? result : [result]) {
      rows.push({ group, ...row });
      console.log(`  ${group.padEnd(16)} ${row.name.padEnd(58)} ${row.value.toLocaleString('en-US').padStart(14)} ${row.unit}`);
    }
  }
  const output = path.resolve('reports', 'bench.json');
  fs.mkdirSync(path.dirname(output), { recursive: true });
  fs.writeFileSync(output, JSON.stringify({ node: process.version, platform: `${process.platform} ${process.arch}`, rows }, null, 2) + '\n');
  console.log('\n' + formatTable(rows));
  console.log(`\nwrote ${path.relative(process.cwd(), output)}`);
}

function formatTable(rows: (BenchRow & { group: string })[]): string {
  const header = ['group', 'benchmark', 'value', 'unit', 'target', 'note'];
  const body = rows.map((row) => [row.group, row.name, row.value.toLocaleString('en-US'), row.unit, row.target ?? '', row.note ?? '']);
  const widths = header.map((_, column) => Math.max(header[column].length, ...body.map((line) => line[column].length)));
  const line = (cells: string[]): string => cells.map((cell, column) => cell.padEnd(widths[column])).join('  ').trimEnd();
  return [line(header), line(widths.map((width) => '-'.repeat(width))), ...body.map(line)].join('\n');
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
