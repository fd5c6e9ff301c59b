/** Where a command writes; injected so tests can capture output without a subprocess. */
export interface CommandOutput {
  stdout(text: string): void;
  stderr(text: string): void;
}

/** A `phantomdb` subcommand. `run` returns the process exit code. */
export interface Command {
  readonly name: string;
  readonly usage: string;
  run(args: readonly string[], output: CommandOutput): number | Promise<number>;
}

/**
 * A subcommand as `phantomdb --help` lists it. `load` brings in its code only when it runs:
 * the checkers take longer to load than node takes to start, and `--help` or one command
 * should not pay for the others (issue 14 §5: start-up under 150 ms).
 */
export interface CommandEntry {
  readonly name: string;
  /** One line for the command list in `phantomdb --help`. */
  readonly summary: string;
  load(): Promise<Command>;
}

/** Exit code for bad arguments and unreadable input, shared by every command. */
export const usageExitCode = 3;

/** Thrown for bad command-line arguments; the dispatcher prints it with the usage text. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}
