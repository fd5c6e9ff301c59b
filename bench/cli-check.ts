/*
 * `phantomdb check` as a user runs it: a separate process from start to exit, start-up
 * included, as Porcupine is used (issue 14 §5). Rows:
 * - start-up of the command line (`--help`) next to a bare `node -e 0` of the same run;
 * - the 102 etcd histories in one call, wall time and peak resident memory;
 * - a single-key list-append history of 150 operations by 8 concurrent processes (written
 *   by the seeded generator below), which the search alone does not decide in minutes.
 * Porcupine is not installed here: its figures (about 1 s and 30 MB for the etcd set) are
 * the measurements on this machine, quoted in the targets.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { conformanceDirectory } from './conformance-histories';
import type { BenchRow } from './types';

const root = path.resolve(__dirname, '..');
const binary = path.join(root, 'bin', 'phantomdb.js');
const maxRssProbe = path.join(__dirname, 'report-max-rss.js');

interface CallTiming {
  readonly wallMs: number;
  readonly maxRssMb: number;
  /** CPU time of the child (user + system): less disturbed by other load than wall time. */
  readonly cpuMs: number;
  readonly status: number | null;
  readonly stdout: string;
}

/** Runs node with `args` `runs` times; the fastest run, with its peak memory. */
function bestCall(runs: number, args: readonly string[]): CallTiming {
  let best: CallTiming | undefined;
  for (let run = 0; run < runs; run++) {
    const start = performance.now();
    const child = spawnSync(process.execPath, ['--require', maxRssProbe, ...args], { cwd: root, encoding: 'utf8', maxBuffer: 1 << 28 });
    const wallMs = performance.now() - start;
    const probe = /max-rss-kb (\d+) cpu-ms (\d+)/.exec(child.stderr);
    const timing = { wallMs, maxRssMb: probe === null ? NaN : Number(probe[1]) / 1024, cpuMs: probe === null ? NaN : Number(probe[2]), status: child.status, stdout: child.stdout };
    if (best === undefined || timing.wallMs < best.wallMs) best = timing;
  }
  return best!;
}

/** Newest modification time under a folder. */
function newestChange(directory: string): number {
  return Math.max(0, ...fs.readdirSync(directory, { withFileTypes: true }).map((entry) => {
    const full = path.join(directory, entry.name);
    return entry.isDirectory() ? newestChange(full) : fs.statSync(full).mtimeMs;
  }));
}

/** Builds dist/ when it is missing or older than src/, as `npm ci` would have (the `prepare` script). */
function ensureBuilt(): void {
  const compiled = path.join(root, 'dist', 'src', 'cli', 'main.js');
  if (fs.existsSync(compiled) && fs.statSync(compiled).mtimeMs >= newestChange(path.join(root, 'src'))) return;
  const build = spawnSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', path.join(root, 'tsconfig.cli.json')], { cwd: root, encoding: 'utf8' });
  if (build.status !== 0) throw new Error(`building dist/ failed:\n${build.stdout}${build.stderr}`);
}

export function benchCheckCommand(): BenchRow[] {
  ensureBuilt();
  const bare = bestCall(5, ['-e', '0']);
  const help = bestCall(5, [binary, '--help']);
  const rows: BenchRow[] = [
    {
      name: 'phantomdb command line start-up (--help), whole process',
      value: Math.round(help.wallMs),
      unit: 'ms',
      target: '< 150',
      note: `bare node -e 0 in the same run: ${Math.round(bare.wallMs)} ms; CPU time ${help.cpuMs} ms (bare node: ${bare.cpuMs} ms); best of 5`,
    },
  ];
  const traceable = writeAppendHistory();
  const append = bestCall(3, [binary, 'check', traceable, '--model', 'kv']);
  if (append.status === 2 || append.status === null || append.status > 3) throw new Error(`the append history was not decided: ${append.stdout}`);
  rows.push({
    name: 'phantomdb check: 1 key, 150 appends and reads by 8 processes',
    value: Math.round(append.wallMs),
    unit: 'ms',
    target: '< 1000',
    note: `start-up included; CPU time ${append.cpuMs} ms; ${append.stdout.split('\n')[0]}`,
  });
  fs.rmSync(path.dirname(traceable), { recursive: true, force: true });
  const directory = conformanceDirectory();
  if (directory === undefined) {
    console.warn('phantomdb check benchmark: the shared conformance histories are absent; etcd rows skipped');
    return rows;
  }
  const etcd = bestCall(3, [binary, 'check', path.join(directory, 'etcd', '*.jsonl'), '--model', 'register']);
  const summary = etcd.stdout.trim().split('\n').pop() ?? '';
  if (!/^102 files: 23 linearizable, 79 not linearizable, 0 unknown, 0 unreadable$/.test(summary)) throw new Error(`wrong etcd verdicts: ${summary}`);
  rows.push(
    { name: 'phantomdb check: the 102 etcd histories in one call, start-up included', value: Math.round(etcd.wallMs), unit: 'ms', target: '<= Porcupine (about 1,000)', note: `best of 3; CPU time ${etcd.cpuMs} ms` },
    { name: 'phantomdb check: peak resident memory on the 102 etcd histories', value: Math.round(etcd.maxRssMb), unit: 'MB', target: '<= 2x Porcupine (about 60)', note: `bare node -e 0: ${Math.round(bare.maxRssMb)} MB` },
  );
  return rows;
}

/** A seeded single-key list-append history that really ran (linearizable), 150 operations. */
function writeAppendHistory(): string {
  let state = 14;
  const next = (): number => {
    state = (Math.imul(state, 1103515245) + 12345) >>> 0;
    return state / 4294967296;
  };
  const calls: { process: number; kind: string; invokeAt: number; effectAt: number; returnAt: number; value: string | null }[] = [];
  const freeAt = new Array<number>(8).fill(0);
  for (let index = 0; index < 150; index++) {
    const process = Math.floor(next() * 8);
    const invokeAt = freeAt[process] + next() * 2;
    const returnAt = invokeAt + 1 + next() * 8;
    const kind = next() < 0.7 || index < 20 ? 'append' : 'get';
    calls.push({ process, kind, invokeAt, returnAt, effectAt: invokeAt + next() * (returnAt - invokeAt), value: kind === 'append' ? `${index} ` : null });
    freeAt[process] = returnAt;
  }
  let value = '';
  const results = new Map<object, string>();
  for (const call of [...calls].sort((a, b) => a.effectAt - b.effectAt)) {
    if (call.kind === 'append') value += call.value;
    else results.set(call, value);
  }
  const events = calls.flatMap((call) => [
    { at: call.invokeAt, line: { process: call.process, type: 'invoke', f: call.kind, key: 'k', value: call.value } },
    { at: call.returnAt, line: { process: call.process, type: 'ok', f: call.kind, key: 'k', value: call.kind === 'append' ? call.value : results.get(call) } },
  ]);
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'phantomdb-bench-')), 'append.jsonl');
  fs.writeFileSync(file, events.sort((a, b) => a.at - b.at).map((event) => JSON.stringify(event.line)).join('\n') + '\n');
  return file;
}

if (require.main === module) {
  for (const row of benchCheckCommand()) console.log(`${row.name}: ${row.value} ${row.unit} (target ${row.target}; ${row.note})`);
}
