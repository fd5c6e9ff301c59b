/**
 * Transactional histories for the cycle checker, in the Jepsen/Elle shape: one entry per
 * transaction, with its micro-operations and what they returned, and its type:
 * - `ok`: committed;
 * - `fail`: aborted, so it must have had no effect;
 * - `info`: the outcome is unknown; it may or may not have committed.
 *
 * Two data models, as in Elle:
 * - `list-append`: `append` adds a unique element to a key's list and `r` returns the
 *   whole list (an array, or a space-separated string). Every read reveals the order of
 *   all appends before it, so version orders are known exactly.
 * - `rw-register`: `w` writes a value (unique per key; null is the initial absent value)
 *   and `r` returns one. Version order is inferred from transactions that read a key and
 *   then wrote it (a write follows the version its transaction read).
 */

export type CycleMicroOp =
  | { readonly f: 'r'; readonly key: string; readonly value: string | null | readonly string[] }
  | { readonly f: 'w'; readonly key: string; readonly value: string | null }
  | { readonly f: 'append'; readonly key: string; readonly value: string };

export interface CycleTxn {
  readonly id: string;
  readonly process?: string;
  readonly type: 'ok' | 'fail' | 'info';
  readonly ops: readonly CycleMicroOp[];
}

export type CycleModel = 'list-append' | 'rw-register';

/** A list read as an array: `"1 2 3"` and `["1", "2", "3"]` are the same; null and "" are empty. */
export function readList(value: string | null | readonly string[]): readonly string[] {
  if (value === null) return [];
  if (Array.isArray(value)) return value;
  const text = (value as string).trim();
  return text === '' ? [] : text.split(/\s+/);
}

/** How a transaction is named in explanations. */
export function nameOf(txn: CycleTxn): string {
  return txn.process === undefined ? `T${txn.id}` : `T${txn.id} (${txn.process})`;
}
