import { UsageError } from './command';

export interface ParsedArguments {
  readonly positionals: readonly string[];
  /** Option values by name (without dashes); flags map to true. */
  readonly options: ReadonlyMap<string, string | true>;
}

/**
 * A small, strict argument parser: `--name value`, `--name=value` and boolean flags.
 * Options not listed are usage errors, so typos do not silently change a check.
 */
export function parseArguments(
  args: readonly string[],
  valueOptions: readonly string[],
  flagOptions: readonly string[],
): ParsedArguments {
  const positionals: string[] = [];
  const options = new Map<string, string | true>();
  for (let index = 0; index < args.length; index++) {
    const argument = args[index];
    if (argument === '--') {
      positionals.push(...args.slice(index + 1));
      break;
    }
    if (!argument.startsWith('--') || argument === '-') {
      if (argument.startsWith('-') && argument !== '-') throw new UsageError(`unknown option "${argument}"`);
      positionals.push(argument);
      continue;
    }
    const equals = argument.indexOf('=');
    const name = argument.slice(2, equals < 0 ? undefined : equals);
    if (flagOptions.includes(name)) {
      if (equals >= 0) throw new UsageError(`option --${name} takes no value`);
      options.set(name, true);
    } else if (valueOptions.includes(name)) {
      const value = equals >= 0 ? argument.slice(equals + 1) : args[++index];
      if (value === undefined || value === '') throw new UsageError(`option --${name} needs a value`);
      options.set(name, value);
    } else {
      throw new UsageError(`unknown option "--${name}"`);
    }
  }
  return { positionals, options };
}
