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
  type ParsedHistory,
  type Verdict,
} from '../check/linearizability';
import { parseArguments } from './arguments';
import { UsageError, usageExitCode, type Command, type CommandOutput } from './command';
import { parseDurationMs } from './duration';
import { expandPattern, isPattern } from './glob';

const modelNames = Object.keys(linearizabilityModels).join('|');

const usage = `Usage: phantomdb check FILE... --model ${modelNames} [--timeout 30s] [--json] [--svg OUT.svg]

Checks JSON Lines client histories for linearizability. FILE may be a pattern
("histories/*.jsonl", "runs/**/history.jsonl"). One file: the full explanation.
Several: one line per file, then a summary.

Options:
  --model NAME     the sequential specification: ${Object.keys(linearizabilityModels).join(', ')}
  --timeout TIME   give up on a file with "unknown" after TIME (500ms, 30s, 2m); default: no limit
  --max-states N   give up on a key with "unknown" once its search holds N model states
                   (default 4194304, a few hundred MB at most)
  --json           print the full result as JSON instead of text (several files: one
                   JSON object per line, then a line with the summary)
  --svg PATH       also write a timeline picture of the failing key to PATH (one file only)

Exit codes (several files: the highest of them):
  0 linearizable, 1 not linearizable, 2 unknown (time-out or a memory bound reached),
  3 unreadable input, a file with no operations, or bad arguments.`;

const exitCodeByVerdict: Readonly<Record<Verdict, number>> = {
  linearizable: 0,
  'not-linearizable': 1,
  unknown: 2,
};

interface CheckRequest {
  readonly files: readonly string[];
  readonly modelName: string;
  readonly timeoutMs?: number;
  readonly maxStates?: number;
  readonly json: boolean;
  readonly svgPath?: string;
}

export const checkCommand: Command = {
  name: 'check',
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
  const { positionals, options } = parseArguments(args, ['model', 'timeout', 'svg', 'max-states'], ['json']);
  if (positionals.length === 0) throw new UsageError('missing the history FILE');
  const modelName = options.get('model');
  if (typeof modelName !== 'string') throw new UsageError(`missing --model (${modelNames})`);
  if (modelNamed(modelName) === undefined) throw new UsageError(`unknown model "${modelName}" (expected ${modelNames})`);
  const timeout = options.get('timeout');
  const svgPath = options.get('svg');
  const files = positionals.flatMap((pattern) => {
    const matches = expandPattern(pattern);
    if (matches.length === 0 && isPattern(pattern)) throw new UsageError(`"${pattern}" matches no file`);
    return matches;
  });
  if (typeof svgPath === 'string' && files.length !== 1) throw new UsageError(`--svg draws one history; ${files.length} files were given`);
  const maxStates = options.get('max-states');
  if (typeof maxStates === 'string' && !/^[1-9][0-9]*$/.test(maxStates)) throw new UsageError(`--max-states needs a whole number of at least 1, got "${maxStates}"`);
  return {
    files,
    maxStates: typeof maxStates === 'string' ? Number(maxStates) : undefined,
    modelName,
    timeoutMs: typeof timeout === 'string' ? parseDurationMs(timeout) : undefined,
    json: options.get('json') === true,
    svgPath: typeof svgPath === 'string' ? svgPath : undefined,
  };
}

function runCheck(request: CheckRequest, output: CommandOutput): number {
  if (request.files.length === 1) {
    const checked = checkFile(request.files[0], request, output);
    if (checked.result === undefined) return checked.exitCode;
    output.stdout(request.json ? `${JSON.stringify(checked.result, null, 2)}\n` : explainText(checked.result));
    return writePicture(request, checked.result, checked.history!, output) ?? checked.exitCode;
  }
  const counts = { linearizable: 0, 'not-linearizable': 0, unknown: 0, unreadable: 0 };
  let worst = 0;
  for (const file of request.files) {
    // Problems with a file go to stderr as they happen; the line per file says what it was.
    const checked = checkFile(file, request, output);
    worst = Math.max(worst, checked.exitCode);
    if (checked.result === undefined) {
      counts.unreadable++;
      output.stdout(request.json ? `${JSON.stringify({ file, verdict: 'unreadable', problem: checked.problem })}\n` : `${file}: UNREADABLE (${checked.problem})\n`);
      continue;
    }
    counts[checked.result.verdict]++;
    output.stdout(request.json ? `${JSON.stringify({ file, ...checked.result })}\n` : `${file}: ${explainText(checked.result).split('\n')[0]}\n`);
  }
  const summary = { files: request.files.length, ...counts, exitCode: worst };
  output.stdout(
    request.json
      ? `${JSON.stringify({ summary })}\n`
      : `${summary.files} files: ${counts.linearizable} linearizable, ${counts['not-linearizable']} not linearizable, ${counts.unknown} unknown, ${counts.unreadable} unreadable\n`,
  );
  return worst;
}

interface CheckedFile {
  readonly exitCode: number;
  readonly result?: LinearizabilityResult;
  readonly history?: ParsedHistory;
  /** Why there is no result, in words. */
  readonly problem?: string;
}

/** Reads, parses and checks one file; reports unreadable input on stderr. */
function checkFile(file: string, request: CheckRequest, output: CommandOutput): CheckedFile {
  const model = modelNamed(request.modelName)!;
  const unreadable = (message: string, problem: string): CheckedFile => {
    output.stderr(`${message}\n`);
    return { exitCode: usageExitCode, problem };
  };
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (error) {
    return unreadable(`${file}: cannot read the file (${describeFileError(error)})`, `cannot read the file (${describeFileError(error)})`);
  }
  try {
    const history = parseHistory(text, model);
    // Almost always a broken pipeline, never a history worth calling linearizable.
    if (history.events.length === 0) return unreadable(`${file} holds no operations`, 'holds no operations');
    // The CLI is the edge of the system: the one place that may read the real clock.
    const result = checkLinearizability(history, model, { clock: () => performance.now(), timeoutMs: request.timeoutMs, maxStates: request.maxStates });
    return { exitCode: exitCodeByVerdict[result.verdict], result, history };
  } catch (error) {
    if (!(error instanceof HistoryParseError)) throw error;
    return unreadable(`${file}:${error.lineNumber}: ${error.reason}`, `line ${error.lineNumber}: ${error.reason}`);
  }
}

/** Writes --svg if asked; returns an exit code only when that fails. */
function writePicture(request: CheckRequest, result: LinearizabilityResult, history: ParsedHistory, output: CommandOutput): number | undefined {
  if (request.svgPath === undefined) return undefined;
  try {
    fs.writeFileSync(request.svgPath, renderSvg(result, history));
    return undefined;
  } catch (error) {
    output.stderr(`${request.svgPath}: cannot write the picture (${describeFileError(error)})\n`);
    return usageExitCode;
  }
}

function describeFileError(error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return 'no such file';
  if (code === 'EISDIR') return 'it is a directory';
  if (code === 'EACCES') return 'permission denied';
  return (error as Error).message;
}
