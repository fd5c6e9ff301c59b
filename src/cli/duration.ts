import { UsageError } from './command';

const millisecondsPerUnit: Readonly<Record<string, number>> = { ms: 1, s: 1000, m: 60_000 };

/** Parses `500ms`, `30s`, `2m` (decimals allowed, like `1.5s`) into milliseconds. */
export function parseDurationMs(text: string): number {
  const match = /^(\d+(?:\.\d+)?)(ms|s|m)$/.exec(text.trim());
  if (match === null) {
    throw new UsageError(`malformed duration "${text}": use a number followed by ms, s or m (500ms, 30s, 2m)`);
  }
  const durationMs = Number(match[1]) * millisecondsPerUnit[match[2]];
  if (!Number.isFinite(durationMs)) throw new UsageError(`duration "${text}" is too large`);
  return durationMs;
}
