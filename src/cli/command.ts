/** Where a command writes; injected so tests can capture output without a subprocess. */
export interface CommandOutput {
  stdout(text: string): void;
  stderr(text: string): void;
}

/** A `phantomdb` subcommand. `run` returns the process exit code. */
export interface Command {
  readonly name: string;
  /** One line for the command list in `phantomdb --help`. */
  readonly summary: string;
  readonly usage: string;
  run(args: readonly string[], output: CommandOutput): number | Promise<number>;
}

/** Exit code for bad arguments and unreadable input, shared by every command. */
export const usageExitCode = 3;

/** Thrown for bad command-line arguments; the dispatcher prints it with the usage text. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}
