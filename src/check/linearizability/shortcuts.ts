import type { KeyValueInput, KeyValueOutput } from './kv-model';
import type { Partition, PartitionOperation } from './partition';
import type { RegisterInput, RegisterOutput } from './register-model';
import type { DeepestPoint } from './search';

/**
 * Decisions taken before (and instead of) the exponential search, where they apply.
 *
 * 1. Impossible reads: a read of a value that no write or append could have produced
 *    makes the history non-linearizable at once, however the rest is ordered.
 * 2. Traceable list-append (Elle's insight: Kingsbury and Alvaro, "Elle: Inferring
 *    Isolation Anomalies from Experimental Observations", VLDB 2020, §4.2 "traceability"):
 *    on a key that only sees appends and reads, when appended pieces are unique and
 *    non-empty and every read spells exactly one sequence of them, each read names which
 *    appends precede it and in which order. The order of every operation is then fixed up
 *    to swapping reads of the same value, and linearizability reduces to placing a chain
 *    of groups in real time, which a greedy earliest placement decides in O(n log n).
 *
 * Both are proven against the brute-force search in test/check/shortcuts.test.ts.
 */

/** A verdict and, for a violation, the dead end that explains it. */
export type ShortcutDecision =
  | { readonly verdict: 'linearizable'; readonly by: ShortcutName }
  | { readonly verdict: 'not-linearizable'; readonly by: ShortcutName; readonly deadEnd: DeepestPoint; readonly reason: string };

export type ShortcutName = 'impossible-read' | 'traceable-append';

/** Decides the partition without a search when a shortcut applies; undefined otherwise. */
export function decideByShortcut(partition: Partition, modelName: string): ShortcutDecision | undefined {
  if (modelName === 'kv') return impossibleKeyValueRead(partition) ?? traceableAppends(partition);
  if (modelName === 'register') return impossibleRegisterRead(partition);
  return undefined;
}

// ---- impossible reads ----------------------------------------------------------------------

function impossibleKeyValueRead(partition: Partition): ShortcutDecision | undefined {
  const operations = partition.operations as readonly KeyValueOperation[];
  const puts = new Set<string>(['']);
  const pieces = new Set<string>();
  for (const operation of operations) {
    if (operation.input.kind === 'put') puts.add(operation.input.argument);
    if (operation.input.kind === 'append' && operation.input.argument !== '') pieces.add(operation.input.argument);
  }
  const lengths = [...new Set([...pieces].map((piece) => piece.length))];
  for (let id = 0; id < operations.length; id++) {
    const { input, output } = operations[id];
    if (input.kind !== 'get' || !output.known) continue;
    if (!spellable(output.value, puts, pieces, lengths)) {
      return impossible(id, '', `get returned ${JSON.stringify(output.value)}, which no put followed by appends in this history can produce`);
    }
  }
  return undefined;
}

/** Whether text = (a put's value or "") followed by appended pieces (repeats allowed). */
function spellable(text: string, puts: ReadonlySet<string>, pieces: ReadonlySet<string>, lengths: readonly number[]): boolean {
  const reachable = new Uint8Array(text.length + 1);
  for (const put of puts) if (text.startsWith(put)) reachable[put.length] = 1;
  for (let position = 0; position < text.length; position++) {
    if (reachable[position] === 0) continue;
    for (const length of lengths) {
      if (position + length <= text.length && pieces.has(text.substr(position, length))) reachable[position + length] = 1;
    }
  }
  return reachable[text.length] === 1;
}

function impossibleRegisterRead(partition: Partition): ShortcutDecision | undefined {
  const operations = partition.operations as readonly RegisterOperation[];
  const written = new Set<unknown>([null]);
  for (const { input, output } of operations) {
    if (input.kind === 'write') written.add(input.first);
    if (input.kind === 'cas' && output.result !== 'fail') written.add(input.second);
  }
  for (let id = 0; id < operations.length; id++) {
    const { input, output } = operations[id];
    if (input.kind === 'read' && output.result === 'ok' && !written.has(output.value)) {
      return impossible(id, null, 'no write or cas in this history writes the value it returned');
    }
  }
  return undefined;
}

function impossible(id: number, initialState: unknown, reason: string): ShortcutDecision {
  return {
    verdict: 'not-linearizable',
    by: 'impossible-read',
    reason,
    deadEnd: { prefix: [], statesAfter: [], state: initialState, candidates: [id], blockingOperation: id },
  };
}

// ---- traceable list-append -------------------------------------------------------------------

type KeyValueOperation = PartitionOperation & { readonly input: KeyValueInput; readonly output: KeyValueOutput };
type RegisterOperation = PartitionOperation & { readonly input: RegisterInput; readonly output: RegisterOutput };

/** An operation's window in event positions: it takes effect strictly inside (invoke, ret). */
function returnPosition(operation: PartitionOperation): number {
  return operation.completion === 'ok' || operation.completion === 'fail' ? operation.completionIndex : Infinity;
}

function traceableAppends(partition: Partition): ShortcutDecision | undefined {
  const operations = partition.operations as readonly KeyValueOperation[];
  const appendOf = new Map<string, number>();
  for (let id = 0; id < operations.length; id++) {
    const { kind, argument } = operations[id].input;
    if (kind === 'put') return undefined;
    if (kind !== 'append') continue;
    if (argument === '' || appendOf.has(argument)) return undefined;
    appendOf.set(argument, id);
  }
  const lengths = [...new Set([...appendOf.keys()].map((piece) => piece.length))];
  const readOrders = new Map<number, readonly number[]>();
  for (let id = 0; id < operations.length; id++) {
    const { input, output } = operations[id];
    if (input.kind !== 'get' || !output.known) continue;
    const order = uniqueSpelling(output.value, appendOf, lengths);
    if (order === undefined) return undefined; // ambiguous (or impossible: checked before)
    if (new Set(order).size !== order.length) {
      const repeated = order.find((append, index) => order.indexOf(append) !== index)!;
      return violation(id, [], `get returned ${JSON.stringify(output.value)}, which holds the append of ${JSON.stringify(operations[repeated].input.argument)} twice; an append takes effect once`, operations);
    }
    readOrders.set(id, order);
  }
  const longest = [...readOrders.values()].reduce<readonly number[]>((best, order) => (order.length > best.length ? order : best), []);
  for (const [id, order] of readOrders) {
    const diverges = order.findIndex((append, index) => longest[index] !== append);
    if (diverges >= 0) {
      return violation(id, longest.slice(0, diverges), `get returned ${JSON.stringify(operations[id].output.value)}, whose appends are not in the order another read observed`, operations);
    }
  }
  return placeChain(operations, longest, readOrders);
}

/**
 * Places, in real time, the chain the reads reveal: reads that saw k appends, then the
 * (k+1)-th append, and so on; after the last read value come the successful appends no read
 * saw (appends of unknown outcome that no read saw are taken never to have happened). Each
 * operation goes at the earliest moment after its invoke and after what must precede it;
 * that is optimal for a chain, so failing here means no linearization exists.
 */
function placeChain(operations: readonly KeyValueOperation[], longest: readonly number[], readOrders: ReadonlyMap<number, readonly number[]>): ShortcutDecision {
  const readsAfter: number[][] = Array.from({ length: longest.length + 1 }, () => []);
  for (const [id, order] of readOrders) readsAfter[order.length].push(id);
  const seen = new Set(longest);
  const unseenAppends = operations.flatMap((operation, id) => (operation.input.kind === 'append' && operation.completion === 'ok' && !seen.has(id) ? [id] : []));
  let earliest = -1;
  let setBy = -1;
  const placed: number[] = [];
  /** Places a group of mutually unordered operations after everything placed so far. */
  const placeGroup = (group: readonly number[]): ShortcutDecision | undefined => {
    let groupEnd = earliest;
    let groupEndSetBy = setBy;
    for (const id of group) {
      const at = Math.max(operations[id].invokeIndex, earliest);
      if (!(at < returnPosition(operations[id]))) {
        const after = operations[setBy];
        return violation(id, placed, `the reads order it after ${describe(after)}, which was invoked (event ${after.invokeIndex + 1}) only after this operation completed`, operations);
      }
      if (at > groupEnd) {
        groupEnd = at;
        groupEndSetBy = at === operations[id].invokeIndex ? id : setBy;
      }
    }
    placed.push(...group);
    earliest = groupEnd;
    setBy = groupEndSetBy;
    return undefined;
  };
  for (let count = 0; count <= longest.length; count++) {
    const failure = placeGroup(readsAfter[count]) ?? (count < longest.length ? placeGroup([longest[count]]) : placeGroup(unseenAppends));
    if (failure !== undefined) return failure;
  }
  return { verdict: 'linearizable', by: 'traceable-append' };
}

function describe(operation: KeyValueOperation): string {
  return operation.input.kind === 'get' ? `the get by process ${operation.process} that returned ${JSON.stringify(operation.output.value)}` : `the append of ${JSON.stringify(operation.input.argument)} by process ${operation.process}`;
}

/** The one sequence of appends that spells `text`; undefined when there is none or several. */
function uniqueSpelling(text: string, appendOf: ReadonlyMap<string, number>, lengths: readonly number[]): number[] | undefined {
  // ways[p]: how many spellings text.slice(p) has (capped at 2); step[p]: the piece length of one.
  const ways = new Uint8Array(text.length + 1);
  const step = new Int32Array(text.length + 1);
  ways[text.length] = 1;
  for (let position = text.length - 1; position >= 0; position--) {
    for (const length of lengths) {
      if (position + length > text.length || ways[position + length] === 0) continue;
      if (!appendOf.has(text.substr(position, length))) continue;
      ways[position] = Math.min(2, ways[position] + ways[position + length]);
      step[position] = length;
    }
  }
  if (ways[0] !== 1) return undefined;
  const order: number[] = [];
  for (let position = 0; position < text.length; position += step[position]) order.push(appendOf.get(text.substr(position, step[position]))!);
  return order;
}

/** A violation at `id`, after the operations in `prefix` (in order), with the key's string after them. */
function violation(id: number, prefix: readonly number[], reason: string, operations: readonly KeyValueOperation[]): ShortcutDecision {
  const statesAfter: string[] = [];
  let state = '';
  for (const placed of prefix) {
    if (operations[placed].input.kind === 'append') state += operations[placed].input.argument;
    statesAfter.push(state);
  }
  return { verdict: 'not-linearizable', by: 'traceable-append', reason, deadEnd: { prefix, statesAfter, state, candidates: [id], blockingOperation: id } };
}
