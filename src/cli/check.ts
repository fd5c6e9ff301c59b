import * as fs from 'node:fs';
import {
  checkLinearizability,
  explainText,
  HistoryParseError,
  linearizabilityModels,
  modelNamed,
  parseHistory,
  renderSvg,
  type LinearizabilityResult,
  type Verdict,
} from '../check/linearizability';
import { parseArguments } from './arguments';
import { UsageError, usageExitCode, type Command, type CommandOutput } from './command';
import { parseDurationMs } from './duration';

const modelNames = Object.keys(linearizabilityModels).join('|');

const usage = `Usage: phantomdb check FILE --model ${modelNames} [--timeout 30s] [--json] [--svg OUT.svg]

Checks a JSON Lines client history for linearizability.

Options:
  --model NAME     the sequential specification: ${Object.keys(linearizabilityModels).join(', ')}
  --timeout TIME   give up with "unknown" after TIME (500ms, 30s, 2m); default: no limit
  --json           print the full result as JSON instead of text
  --svg PATH       also write a timeline picture of the failing key to PATH

Exit codes: 0 linearizable, 1 not linearizable, 2 unknown (time-out),
            3 unreadable input or bad arguments.`;

const exitCodeByVerdict: Readonly<Record<Verdict, number>> = {
  linearizable: 0,
  'not-linearizable': 1,
  unknown: 2,
};

interface CheckRequest {
  readonly file: string;
  readonly modelName: string;
  readonly timeoutMs?: number;
  readonly json: boolean;
  readonly svgPath?: string;
}

export const checkCommand: Command = {
  name: 'check',
  summary: 'check a client history (JSON Lines) for linearizability',
  usage,
  run(args, output) {
    if (args.includes('--help') || args.includes('-h')) {
      output.stdout(`${usage}\n`);
      return 0;
    }
    return runCheck(readRequest(args), output);
  },
};

function readRequest(args: readonly string[]): CheckRequest {
  const { positionals, options } = parseArguments(args, ['model', 'timeout', 'svg'], ['json']);
  if (positionals.length !== 1) {
    throw new UsageError(positionals.length === 0 ? 'missing the history FILE' : 'give exactly one history FILE');
  }
  const modelName = options.get('model');
  if (typeof modelName !== 'string') throw new UsageError(`missing --model (${modelNames})`);
  if (modelNamed(modelName) === undefined) throw new UsageError(`unknown model "${modelName}" (expected ${modelNames})`);
  const timeout = options.get('timeout');
  const svgPath = options.get('svg');
  return {
    file: positionals[0],
    modelName,
    timeoutMs: typeof timeout === 'string' ? parseDurationMs(timeout) : undefined,
    json: options.get('json') === true,
    svgPath: typeof svgPath === 'string' ? svgPath : undefined,
  };
}

function runCheck(request: CheckRequest, output: CommandOutput): number {
  const model = modelNamed(request.modelName)!;
  let text: string;
  try {
    text = fs.readFileSync(request.file, 'utf8');
  } catch (error) {
    output.stderr(`${request.file}: cannot read the file (${describeFileError(error)})\n`);
    return usageExitCode;
  }
  let result: LinearizabilityResult;
  let history;
  try {
    history = parseHistory(text, model);
    // The CLI is the edge of the system: the one place that may read the real clock.
    result = checkLinearizability(history, model, { clock: () => performance.now(), timeoutMs: request.timeoutMs });
  } catch (error) {
    if (!(error instanceof HistoryParseError)) throw error;
    output.stderr(`${request.file}:${error.lineNumber}: ${error.reason}\n`);
    return usageExitCode;
  }
  output.stdout(request.json ? `${JSON.stringify(result, null, 2)}\n` : explainText(result));
  if (request.svgPath !== undefined) {
    try {
      fs.writeFileSync(request.svgPath, renderSvg(result, history));
    } catch (error) {
      output.stderr(`${request.svgPath}: cannot write the picture (${describeFileError(error)})\n`);
      return usageExitCode;
    }
  }
  return exitCodeByVerdict[result.verdict];
}

function describeFileError(error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return 'no such file';
  if (code === 'EISDIR') return 'it is a directory';
  if (code === 'EACCES') return 'permission denied';
  return (error as Error).message;
}
