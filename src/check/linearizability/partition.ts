import type { HistoryEvent, ParsedHistory, PartitionKey, ProcessId } from './history';
import type { AnyModel, Outcome } from './model';

/**
 * Turns a validated history into independent sub-histories, one per key
 * (P-compositionality: a history is linearizable iff each key's sub-history is).
 */

export type CompletionType = 'ok' | 'fail' | 'info' | 'pending';

export interface PartitionOperation {
  readonly process: ProcessId;
  readonly input: unknown;
  readonly output: unknown;
  /** Index into the history's events. */
  readonly invokeIndex: number;
  /** Index of the completion event, or -1 when the history ends first. */
  readonly completionIndex: number;
  readonly completion: CompletionType;
}

export interface Partition {
  readonly key: PartitionKey | null;
  readonly operations: readonly PartitionOperation[];
  /**
   * Call and return entries in real-time order: `2 * id` is operation id's call and
   * `2 * id + 1` its return. Operations with an unknown outcome return at +infinity,
   * so their returns come last.
   */
  readonly entries: Int32Array;
}

const outcomeOf: Readonly<Record<CompletionType, Outcome>> = {
  ok: 'ok',
  fail: 'fail',
  info: 'unknown',
  pending: 'unknown',
};

export function partitionHistory(history: ParsedHistory, model: AnyModel): Partition[] {
  const completionOf = pairCompletions(history.events);
  const builders = new Map<PartitionKey | null, PartitionBuilder>();
  history.events.forEach((event, index) => {
    if (event.type !== 'invoke') return;
    const completionIndex = completionOf[index];
    const completion: CompletionType =
      completionIndex < 0 ? 'pending' : (history.events[completionIndex].type as CompletionType);
    const result = completion === 'ok' ? history.events[completionIndex].value : undefined;
    const call = model.prepare(event.f, event.value, outcomeOf[completion], result);
    if (call === null) return;
    const key = event.key ?? null;
    let builder = builders.get(key);
    if (builder === undefined) {
      builder = new PartitionBuilder(key);
      builders.set(key, builder);
    }
    builder.operations.push({ process: event.process, ...call, invokeIndex: index, completionIndex, completion });
  });
  return [...builders.values()].map((builder) => builder.finish());
}

/** For each invoke, the index of its completion (-1 if none); the history is validated. */
export function pairCompletions(events: readonly HistoryEvent[]): Int32Array {
  const completionOf = new Int32Array(events.length).fill(-1);
  const outstanding = new Map<ProcessId, number>();
  events.forEach((event, index) => {
    if (event.type === 'invoke') {
      outstanding.set(event.process, index);
      return;
    }
    const invokeIndex = outstanding.get(event.process);
    if (invokeIndex === undefined) throw new Error(`completion at event ${index} has no invoke; validate first`);
    completionOf[invokeIndex] = index;
    outstanding.delete(event.process);
  });
  return completionOf;
}

class PartitionBuilder {
  readonly operations: PartitionOperation[] = [];

  constructor(readonly key: PartitionKey | null) {}

  /** Lays out call/return entries by walking this partition's events in order. */
  finish(): Partition {
    const idByEvent = new Map<number, number>();
    this.operations.forEach((operation, id) => {
      idByEvent.set(operation.invokeIndex, 2 * id);
      if (operation.completion === 'ok' || operation.completion === 'fail') {
        idByEvent.set(operation.completionIndex, 2 * id + 1);
      }
    });
    const eventIndexes = [...idByEvent.keys()];
    eventIndexes.sort((left, right) => left - right);
    const entries = new Int32Array(2 * this.operations.length);
    let position = 0;
    for (const index of eventIndexes) entries[position++] = idByEvent.get(index)!;
    this.operations.forEach((operation, id) => {
      if (operation.completion === 'info' || operation.completion === 'pending') entries[position++] = 2 * id + 1;
    });
    if (position !== entries.length) throw new Error('partition entries do not cover every call and return');
    return { key: this.key, operations: this.operations, entries };
  }
}
