/**
 * Register values are arbitrary JSON, but the search compares states with `===` and
 * hashes them, so composite values are turned into one canonical string. The marker
 * character keeps a written array [1] apart from a written string "[1]".
 */
const compositeMarker = '\u0001';

export type CanonicalValue = string | number | boolean | null;

export function canonicalValue(value: unknown): CanonicalValue {
  if (value === undefined || value === null) return null;
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') return value;
  return compositeMarker + canonicalJson(value);
}

/** Shows a canonical value the way it appeared in the history. */
export function describeValue(value: CanonicalValue): string {
  if (typeof value === 'string' && value.startsWith(compositeMarker)) return value.slice(1);
  return JSON.stringify(value);
}

/** A cheap 32-bit hash; strings are sampled rather than read whole. */
export function hashValue(value: CanonicalValue): number {
  if (typeof value === 'number') return Number.isInteger(value) ? value | 0 : hashString(String(value));
  if (typeof value === 'string') return hashString(value);
  if (value === null) return 0x5bd1e995;
  return value ? 1 : 2;
}

/** Length plus up to 16 sampled characters: constant time even for long appended strings. */
export function hashString(text: string): number {
  let hash = text.length ^ 0x811c9dc5;
  const stride = text.length > 16 ? (text.length >>> 4) : 1;
  for (let index = text.length - 1; index >= 0; index -= stride) {
    hash = Math.imul(hash ^ text.charCodeAt(index), 0x01000193);
  }
  return hash | 0;
}

function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (typeof value === 'object' && value !== null) {
    const record = value as Record<string, unknown>;
    const fields = Object.keys(record)
      .sort()
      .map((name) => `${JSON.stringify(name)}:${canonicalJson(record[name])}`);
    return `{${fields.join(',')}}`;
  }
  return JSON.stringify(value);
}
