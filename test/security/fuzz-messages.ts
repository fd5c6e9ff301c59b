import fc from 'fast-check';

/** Message mutations shared by the handler fuzz tests. */

export function describeValue(value: unknown): string {
  try {
    return String(JSON.stringify(value, (_, item) => (typeof item === 'bigint' ? `${item}n` : item))).slice(0, 200);
  } catch {
    return String(value);
  }
}

/** Every path to a value inside a message, except the type tag's own path (mutated separately). */
export function paths(value: unknown, prefix: readonly (string | number)[] = [], depth = 0): (string | number)[][] {
  if (depth > 8 || typeof value !== 'object' || value === null) return [];
  const keys = Array.isArray(value) ? value.map((_, index) => index) : Object.keys(value);
  return keys.flatMap((key) => [[...prefix, key], ...paths((value as Record<string | number, unknown>)[key], [...prefix, key], depth + 1)]);
}

/** A deep copy with the value at `path` replaced (`remove`: deleted). */
export function withValue(message: unknown, path: readonly (string | number)[], replacement: unknown, remove = false): unknown {
  if (path.length === 0) return replacement;
  const copy = (Array.isArray(message) ? [...message] : { ...(message as Record<string, unknown>) }) as Record<string | number, unknown>;
  const [head, ...rest] = path;
  if (rest.length === 0 && remove) {
    if (Array.isArray(copy)) (copy as unknown[]).splice(head as number, 1);
    else delete copy[head];
  } else copy[head] = withValue(copy[head], rest, replacement, remove);
  return copy;
}

/** Values no well-formed message can hold anywhere. */
export const poison = fc.constantFrom<unknown>(Symbol('poison'), () => 1, 10n, new Map([['a', 1]]), Number.NaN, Number.POSITIVE_INFINITY, 'x'.repeat(2_000_001));

