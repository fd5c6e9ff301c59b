/*
 * Linearizability checker throughput on the shared conformance histories: the 102 etcd
 * register histories and the 6 kv histories, each set timed separately (read from disk
 * first; the timed part parses and checks in-process). Best of 3 runs. Porcupine (Go)
 * takes about 500–900 ms and 200–300 ms respectively on the project's 2-core machine.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { checkLinearizability, modelNamed, parseHistory } from '../src/check';
import { conformanceDirectory as findConformanceDirectory } from './conformance-histories';
import type { BenchRow } from './types';

const conformanceDirectory = findConformanceDirectory() ?? path.resolve(__dirname, '../../shared/conformance/linearizability');
const runs = 3;

interface HistoryFile {
  readonly name: string;
  readonly model: string;
  readonly linearizable: boolean;
  readonly text: string;
}

export async function benchLinearizability(): Promise<BenchRow[]> {
  const verdictsPath = path.join(conformanceDirectory, 'verdicts.json');
  if (!fs.existsSync(verdictsPath)) {
    console.warn(`linearizability benchmark skipped: ${conformanceDirectory} is absent`);
    return [];
  }
  const verdicts = JSON.parse(fs.readFileSync(verdictsPath, 'utf8')) as Record<string, { model: string; linearizable: boolean }>;
  const files: HistoryFile[] = Object.entries(verdicts).map(([name, verdict]) => ({
    name,
    ...verdict,
    text: fs.readFileSync(path.join(conformanceDirectory, name), 'utf8'),
  }));
  const etcd = files.filter((file) => file.name.startsWith('etcd/'));
  const keyValue = files.filter((file) => file.name.startsWith('kv/'));
  const etcdTimes = timeRuns(etcd);
  const keyValueTimes = timeRuns(keyValue);
  const best = (timings: Timing[]): Timing => timings.reduce((left, right) => (right.wallMs < left.wallMs ? right : left));
  const note = (timings: Timing[]): string =>
    `wall ms, best of ${runs} (runs: ${timings.map((timing) => Math.round(timing.wallMs)).join(', ')} ms, ` +
    `the first with JIT warm-up); CPU time of the best run: ${Math.round(best(timings).cpuMs)} ms`;
  return [
    {
      name: `linearizability: ${etcd.length} etcd register histories, parse + check`,
      value: Math.round(best(etcdTimes).wallMs),
      unit: 'ms',
      target: '<= 500 (Porcupine: 500–900)',
      note: note(etcdTimes),
    },
    {
      name: `linearizability: ${keyValue.length} kv histories, parse + check`,
      value: Math.round(best(keyValueTimes).wallMs),
      unit: 'ms',
      target: '<= 200 (Porcupine: 200–300)',
      note: note(keyValueTimes),
    },
  ];
}

interface Timing {
  readonly wallMs: number;
  /** CPU time of this process (user + system); less disturbed than wall time on a busy machine. */
  readonly cpuMs: number;
}

/** Times each run over the files; every verdict is checked so a fast wrong answer cannot pass. */
function timeRuns(files: readonly HistoryFile[]): Timing[] {
  const timings: Timing[] = [];
  for (let run = 0; run < runs; run++) {
    const startMs = performance.now();
    const cpuStart = process.cpuUsage();
    const wrong = files.filter((file) => {
      const model = modelNamed(file.model)!;
      const result = checkLinearizability(parseHistory(file.text, model), model);
      return (result.verdict === 'linearizable') !== file.linearizable;
    });
    const cpu = process.cpuUsage(cpuStart);
    timings.push({ wallMs: performance.now() - startMs, cpuMs: (cpu.user + cpu.system) / 1000 });
    if (wrong.length > 0) throw new Error(`wrong verdicts: ${wrong.map((file) => file.name).join(', ')}`);
  }
  return timings;
}

if (require.main === module) {
  benchLinearizability().then(
    (rows) => rows.forEach((row) => console.log(`${row.name}: ${row.value} ${row.unit} (target ${row.target}; ${row.note})`)),
    (error: unknown) => {
      console.error(error);
      process.exitCode = 1;
    },
  );
}
