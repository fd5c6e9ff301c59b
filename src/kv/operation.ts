/**
 * The key-value operations a client asks for and the results the replicated state
 * machine gives back. Shared by the protocol, the state machine, the client and the
 * history recorder, so that all four agree on one vocabulary.
 *
 * Values are strings: `append` concatenates, and the history models (`register`, `kv`)
 * compare values by equality, which strings make unambiguous.
 */

export type KvOperation =
  | { readonly kind: 'get'; readonly key: string }
  | { readonly kind: 'put'; readonly key: string; readonly value: string }
  | { readonly kind: 'delete'; readonly key: string }
  /** Writes `value` when the key currently holds `expected`; `expected: null` means "absent". */
  | { readonly kind: 'cas'; readonly key: string; readonly expected: string | null; readonly value: string }
  /** Concatenates `value` to the current string; an absent key counts as "". */
  | { readonly kind: 'append'; readonly key: string; readonly value: string };

export type KvOperationKind = KvOperation['kind'];

/** What an applied operation returned, tagged with the operation's kind. */
export type KvResult =
  /** `value` is null when the key is absent. */
  | { readonly kind: 'get'; readonly value: string | null }
  | { readonly kind: 'put' }
  | { readonly kind: 'delete' }
  | { readonly kind: 'cas'; readonly ok: true }
  /** The compare failed: the key held `actual` (null = absent) and nothing changed. */
  | { readonly kind: 'cas'; readonly ok: false; readonly actual: string | null }
  /** `value` is the key's new string. */
  | { readonly kind: 'append'; readonly value: string };

/** Bounds on what one operation may carry; the server rejects larger ones before proposing. */
export const operationLimits = {
  keyLengthMax: 1024,
  valueLengthMax: 64 * 1024,
} as const;

const kinds: ReadonlySet<string> = new Set(['get', 'put', 'delete', 'cas', 'append']);

/** A message when `operation` is not a well-formed KvOperation within the limits, else undefined. */
export function validateOperation(operation: unknown): string | undefined {
  if (typeof operation !== 'object' || operation === null) return 'an operation must be an object';
  const { kind, key, value, expected } = operation as Record<string, unknown>;
  return validateOperationFields(kind, key, value, expected);
}

/** `validateOperation` of the operation's four fields, read by the caller (the wire check reads them as plain data). */
export function validateOperationFields(kind: unknown, key: unknown, value: unknown, expected: unknown): string | undefined {
  // A kind that is not a string is only described by its type: JSON.stringify throws on some values (a bigint).
  if (typeof kind !== 'string' || !kinds.has(kind)) return `unknown operation kind ${typeof kind === 'string' ? JSON.stringify(kind) : `of type ${typeof kind}`}`;
  if (typeof key !== 'string') return 'the key must be a string';
  if (key.length > operationLimits.keyLengthMax) return `the key is longer than ${operationLimits.keyLengthMax} characters`;
  if (kind === 'get' || kind === 'delete') return undefined;
  if (typeof value !== 'string') return `a ${kind} needs a string value`;
  if (value.length > operationLimits.valueLengthMax) return `the value is longer than ${operationLimits.valueLengthMax} characters`;
  if (kind === 'cas' && expected !== null && typeof expected !== 'string') return 'a cas needs expected: string | null';
  return undefined;
}

/** Throws when `operation` is malformed (a programming error at the call site). */
export function assertValidOperation(operation: unknown): asserts operation is KvOperation {
  const problem = validateOperation(operation);
  if (problem !== undefined) throw new TypeError(`invalid key-value operation: ${problem}`);
}

/** Reads may be served without a log entry (for example after a ReadIndex round). */
export function isReadOnly(operation: KvOperation): boolean {
  return operation.kind === 'get';
}

/** True when the result says the operation took no effect because its compare failed. */
export function isCompareFailure(result: KvResult | undefined): boolean {
  return result !== undefined && result.kind === 'cas' && !result.ok;
}

/** A result rebuilt field by field, so that stored results have one canonical shape
 *  (and one JSON rendering) however they were produced. Throws when malformed. */
export function canonicalResult(result: unknown): KvResult {
  const { kind, value, ok, actual } = (result ?? {}) as Record<string, unknown>;
  const nullableString = (field: unknown): field is string | null => field === null || typeof field === 'string';
  switch (kind) {
    case 'get':
      if (nullableString(value)) return { kind, value };
      break;
    case 'put':
    case 'delete':
      return { kind };
    case 'cas':
      if (ok === true) return { kind, ok };
      if (ok === false && nullableString(actual)) return { kind, ok, actual };
      break;
    case 'append':
      if (typeof value === 'string') return { kind, value };
      break;
  }
  throw new TypeError(`not a key-value result: ${JSON.stringify(result)}`);
}
