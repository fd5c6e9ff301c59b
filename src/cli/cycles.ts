import * as fs from 'node:fs';
import { checkTransactions, type CycleModel, explainAnomalies } from '../check';
import { parseArguments } from './arguments';
import { UsageError, usageExitCode, type Command, type CommandOutput } from './command';
import { type TimedTxn, toEdnHistory } from './edn';

const usage = `Usage: phantomdb cycles FILE [--model list-append|rw-register] [--edn OUT.edn]

Checks a transaction history (JSON Lines: one transaction per line with "id", "type"
ok|fail|info, "ops" [{"f": "r"|"w"|"append", "key", "value"}], optional "process",
"invokeMs", "completeMs") for G0, G1a, G1b, G1c and G2 with the cycle checker.

Options:
  --model NAME   list-append or rw-register; default: list-append if any op appends
  --edn PATH     also write the history in Jepsen's EDN format for Elle
                 (elle.list-append / elle.rw-register)

Exit codes: 0 no anomaly, 1 anomalies found, 3 unreadable input or bad arguments.`;

export const cyclesCommand: Command = {
  name: 'cycles',
  usage,
  run(args, output) {
    if (args.includes('--help') || args.includes('-h')) {
      output.stdout(`${usage}\n`);
      return 0;
    }
    const { positionals, options } = parseArguments(args, ['model', 'edn'], []);
    if (positionals.length !== 1) throw new UsageError(positionals.length === 0 ? 'missing the history FILE' : 'give exactly one history FILE');
    const model = options.get('model');
    if (model !== undefined && model !== 'list-append' && model !== 'rw-register') throw new UsageError(`unknown model "${String(model)}" (expected list-append|rw-register)`);
    const edn = options.get('edn');
    return runCycles(positionals[0], model as CycleModel | undefined, typeof edn === 'string' ? edn : undefined, output);
  },
};

/** Parses the JSON Lines history; a bad line names its number. */
export function parseTxnHistory(text: string): TimedTxn[] {
  const history: TimedTxn[] = [];
  text.split(/\r?\n/).forEach((line, index) => {
    if (line.trim() === '') return;
    let entry: TimedTxn;
    try {
      entry = JSON.parse(line) as TimedTxn;
    } catch {
      throw new Error(`line ${index + 1}: not JSON`);
    }
    if (typeof entry.id !== 'string' && typeof entry.id !== 'number') throw new Error(`line ${index + 1}: a transaction needs an "id"`);
    if (!['ok', 'fail', 'info'].includes(entry.type)) throw new Error(`line ${index + 1}: "type" must be ok, fail or info`);
    if (!Array.isArray(entry.ops) || entry.ops.some((op) => !['r', 'w', 'append'].includes(op?.f) || typeof op.key !== 'string')) throw new Error(`line ${index + 1}: "ops" must be a list of {"f": "r"|"w"|"append", "key": string, "value"}`);
    history.push({ ...entry, id: String(entry.id) });
  });
  return history;
}

function runCycles(file: string, requested: CycleModel | undefined, ednPath: string | undefined, output: CommandOutput): number {
  let history: TimedTxn[];
  try {
    history = parseTxnHistory(fs.readFileSync(file, 'utf8'));
  } catch (error) {
    output.stderr(`${file}: ${(error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (error as Error).message}\n`);
    return usageExitCode;
  }
  const model: CycleModel = requested ?? (history.some((txn) => txn.ops.some((op) => op.f === 'append')) ? 'list-append' : 'rw-register');
  if (ednPath !== undefined) {
    try {
      fs.writeFileSync(ednPath, toEdnHistory(history, model));
    } catch (error) {
      output.stderr(`${ednPath}: cannot write the EDN history (${(error as Error).message})\n`);
      return usageExitCode;
    }
  }
  const result = checkTransactions(history, { model });
  output.stdout(`${history.length} transactions (${model}): ${result.stats.ok} committed, ${result.stats.fail} aborted, ${result.stats.info} unknown\n${explainAnomalies(result)}\n`);
  return result.valid ? 0 : 1;
}
