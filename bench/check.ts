/*
 * `npm run bench:check`: compares reports/bench.json (the last `npm run bench`) with the
 * committed bench/baseline.json and exits 1 on a regression beyond the threshold (see
 * bench/compare.ts). `--update` writes the current report as the new baseline;
 * `--history` appends the run to bench/history.jsonl (commit, date, machine, figures);
 * `--short` judges only the figures the run measured (after `npm run bench -- --groups=…`).
 */
import { execSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { type BenchReport, compareWithBaseline, formatVerdicts } from './compare';

const ROOT = path.resolve(__dirname, '..');

function readReport(file: string): BenchReport {
  if (!fs.existsSync(file)) throw new Error(`${path.relative(ROOT, file)} does not exist: run npm run bench first`);
  return JSON.parse(fs.readFileSync(file, 'utf8')) as BenchReport;
}

function commit(): string {
  try {
    return execSync('git rev-parse --short HEAD', { cwd: ROOT, encoding: 'utf8' }).trim();
  } catch {
    return 'unknown';
  }
}

function main(argv: string[]): number {
  const option = (name: string): string | undefined => {
    const index = argv.indexOf(name);
    return index >= 0 ? argv[index + 1] : undefined;
  };
  const currentFile = path.resolve(option('--current') ?? path.join(ROOT, 'reports', 'bench.json'));
  const baselineFile = path.resolve(option('--baseline') ?? path.join(ROOT, 'bench', 'baseline.json'));
  const current = readReport(currentFile);
  if (argv.includes('--update')) {
    fs.writeFileSync(baselineFile, JSON.stringify({ commit: commit(), node: current.node, platform: current.platform, rows: current.rows.map(({ group, name, value, unit }) => ({ group, name, value, unit })) }, null, 2) + '\n');
    console.log(`wrote ${path.relative(ROOT, baselineFile)}`);
    return 0;
  }
  if (argv.includes('--history')) {
    const line = { commit: commit(), date: new Date().toISOString(), machine: `${os.cpus()[0]?.model ?? 'unknown cpu'}; ${os.cpus().length} cores; ${process.platform} ${process.arch}; node ${process.version}`, figures: Object.fromEntries(current.rows.map((row) => [row.name, { value: row.value, unit: row.unit }])) };
    fs.appendFileSync(path.join(ROOT, 'bench', 'history.jsonl'), JSON.stringify(line) + '\n');
    console.log('appended the run to bench/history.jsonl');
  }
  const result = compareWithBaseline(readReport(baselineFile), current, undefined, { measuredOnly: argv.includes('--short') });
  console.log(formatVerdicts(result));
  return result.ok ? 0 : 1;
}

try {
  process.exitCode = main(process.argv.slice(2));
} catch (error) {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 2;
}
