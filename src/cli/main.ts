import { UsageError, usageExitCode, type Command, type CommandEntry, type CommandOutput } from './command';

/**
 * The `phantomdb` command line: a small dispatcher. To add a subcommand, implement
 * `Command` in its own file under src/cli/ and list it here with its one-line summary;
 * its file is loaded only when it runs.
 */
export const commands: readonly CommandEntry[] = [
  { name: 'check', summary: 'check a client history (JSON Lines) for linearizability', load: async () => (await import('./check')).checkCommand },
  { name: 'cycles', summary: 'check a transaction history (JSON Lines) for isolation anomalies; write it as EDN for Elle', load: async () => (await import('./cycles')).cyclesCommand },
];

/** Exit code for a bug in phantomdb itself (never for bad input). */
export const internalErrorExitCode = 4;

export function usage(): string {
  const width = Math.max(...commands.map((command) => command.name.length));
  const lines = commands.map((command) => `  ${command.name.padEnd(width)}  ${command.summary}`);
  return ['Usage: phantomdb COMMAND [options]', '', 'Commands:', ...lines, '', 'Run "phantomdb COMMAND --help" for details.'].join('\n');
}

const processOutput: CommandOutput = {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
};

/** Runs one command line; resolves to the exit code and never throws. */
export async function main(args: readonly string[], output: CommandOutput = processOutput): Promise<number> {
  const [name, ...rest] = args;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    const write = name === undefined ? output.stderr : output.stdout;
    write(`${usage()}\n`);
    return name === undefined ? usageExitCode : 0;
  }
  const entry = commands.find((candidate) => candidate.name === name);
  if (entry === undefined) {
    output.stderr(`phantomdb: unknown command "${name}"\n\n${usage()}\n`);
    return usageExitCode;
  }
  let command: Command | undefined;
  try {
    command = await entry.load();
    return await command.run(rest, output);
  } catch (error) {
    if (error instanceof UsageError && command !== undefined) {
      output.stderr(`phantomdb ${entry.name}: ${error.message}\n\n${command.usage}\n`);
      return usageExitCode;
    }
    output.stderr(`phantomdb ${entry.name}: internal error: ${(error as Error).message ?? String(error)}\n`);
    return internalErrorExitCode;
  }
}
