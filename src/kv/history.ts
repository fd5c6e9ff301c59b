import { isCompareFailure, type KvOperation, type KvResult } from './operation';
import type { EventType, HistoryEvent, ProcessId } from '../history/format';

/**
 * Client histories in the JSON Lines format of
 * shared/conformance/linearizability/README.md, so the linearizability checker reads what
 * our clients write exactly as it reads the published Jepsen histories.
 *
 * Our five operations are mapped onto one of the two models the format knows:
 *
 * - `register` (per key; values are strings, absent is null): get → `read`, put →
 *   `write`, cas → `cas` with value `[expected, new]`, and delete → `write` of null,
 *   because a register's "never written" value is null and our get of an absent key
 *   returns null too. `append` has no register equivalent and is refused.
 * - `kv` (per key; values are strings, absent is ""): get → `get` (null read as ""),
 *   put → `put`, append → `append`, and delete → `put` of "", since the model cannot tell
 *   an absent key from an empty string. `cas` has no kv equivalent and is refused.
 *   As in the published kv histories, an ok put/append carries its argument.
 *
 * Completions: `ok` took effect once; `fail` had no effect (for cas: the compare saw
 * another value, an observation the checker uses); `info` is unknown. A cas that failed
 * without running (never sent) is recorded as `info`, because `fail` on a cas would
 * claim a compare that never happened. Refusals happen when recording starts, so a
 * workload that mixes the models fails loudly instead of producing a wrong history.
 *
 * The format has no time field, so virtual times are kept in a parallel list
 * (`timesMs[i]` belongs to `events[i]`).
 */

export type HistoryModelName = 'register' | 'kv';
export type { ProcessId } from '../history/format';
export type HistoryEventType = EventType;
/** How a client operation ended: `unknown` when it may or may not have taken effect. */
export type CompletionOutcome = 'ok' | 'fail' | 'unknown';

export type { HistoryEvent } from '../history/format';

export interface RecordedHistory {
  readonly events: readonly HistoryEvent[];
  /** Virtual time of each event, parallel to `events`. */
  readonly timesMs: readonly number[];
}

export interface HistoryRecorderOptions {
  readonly model: HistoryModelName;
  /** A bound on memory: recording more events than this throws. */
  readonly eventsMax?: number;
}

export class HistoryRecorder implements RecordedHistory {
  readonly model: HistoryModelName;
  readonly eventsMax: number;
  private readonly eventList: HistoryEvent[] = [];
  private readonly timeList: number[] = [];
  /** Invariant: a process has at most one operation outstanding (the format requires it). */
  private readonly outstanding = new Map<ProcessId, KvOperation>();

  constructor(options: HistoryRecorderOptions) {
    this.model = options.model;
    this.eventsMax = options.eventsMax ?? 1_000_000;
  }

  get events(): readonly HistoryEvent[] {
    return this.eventList;
  }

  get timesMs(): readonly number[] {
    return this.timeList;
  }

  /** Throws when the recorder's model has no way to express `operation`. */
  assertRecordable(operation: KvOperation): void {
    functionName(this.model, operation);
  }

  invoke(process: ProcessId, operation: KvOperation, timeMs: number): void {
    if (this.outstanding.has(process)) throw new Error(`process ${JSON.stringify(process)} already has an operation outstanding`);
    this.push(invokeEvent(this.model, process, operation), timeMs);
    this.outstanding.set(process, operation);
  }

  /** Records the completion of `process`'s outstanding operation. `result` is required for `ok`
   *  and, for a cas whose compare failed, for `fail`. */
  complete(process: ProcessId, outcome: CompletionOutcome, result: KvResult | undefined, timeMs: number): void {
    const operation = this.outstanding.get(process);
    if (operation === undefined) throw new Error(`process ${JSON.stringify(process)} has no operation outstanding`);
    this.push(completionEvent(this.model, process, operation, outcome, result), timeMs);
    this.outstanding.delete(process);
  }

  toJsonLines(): string {
    return historyToJsonLines(this.eventList);
  }

  /** One history per key, each in recording order (keys are independent in both models). */
  splitByKey(): Map<string, RecordedHistory> {
    const histories = new Map<string, { events: HistoryEvent[]; timesMs: number[] }>();
    this.eventList.forEach((event, index) => {
      const key = String(event.key ?? '');
      let history = histories.get(key);
      if (history === undefined) histories.set(key, (history = { events: [], timesMs: [] }));
      history.events.push(event);
      history.timesMs.push(this.timeList[index]);
    });
    return histories;
  }

  private push(event: HistoryEvent, timeMs: number): void {
    if (this.eventList.length >= this.eventsMax) throw new Error(`history is full (${this.eventsMax} events)`);
    if (!Number.isFinite(timeMs)) throw new RangeError(`event time must be a finite number of ms, got ${timeMs}`);
    this.eventList.push(event);
    this.timeList.push(timeMs);
  }
}

/** Renders events as JSON Lines with fields in the documented order, ending with a newline. */
export function historyToJsonLines(events: readonly HistoryEvent[]): string {
  return events.map((event) => formatEvent(event) + '\n').join('');
}

export function invokeEvent(model: HistoryModelName, process: ProcessId, operation: KvOperation): HistoryEvent {
  return eventOf(process, 'invoke', functionName(model, operation), operation.key, argumentOf(model, operation));
}

export function completionEvent(
  model: HistoryModelName,
  process: ProcessId,
  operation: KvOperation,
  outcome: CompletionOutcome,
  result: KvResult | undefined,
): HistoryEvent {
  const type = completionType(operation, outcome, result);
  const f = functionName(model, operation);
  if (type === 'info') return eventOf(process, type, f, operation.key, undefined);
  if (type === 'ok' && operation.kind === 'get') return eventOf(process, type, f, operation.key, readValue(model, result));
  return eventOf(process, type, f, operation.key, argumentOf(model, operation));
}

/** Leaves `value` out rather than present-but-undefined, so events compare and print cleanly.
 *  (One literal per shape: a spread copy per event was a measurable share of a write.) */
function eventOf(process: ProcessId, type: HistoryEventType, f: string, key: string, value: unknown): HistoryEvent {
  return value === undefined ? { process, type, f, key } : { process, type, f, key, value };
}

function completionType(operation: KvOperation, outcome: CompletionOutcome, result: KvResult | undefined): HistoryEventType {
  if (result !== undefined && result.kind !== operation.kind) {
    throw new Error(`a ${result.kind} result cannot complete a ${operation.kind}`);
  }
  switch (outcome) {
    case 'ok':
      if (result === undefined || isCompareFailure(result)) throw new Error('an ok completion needs a successful result');
      return 'ok';
    case 'fail':
      // Only a compare that actually ran lets a failed cas be `fail`; see the top comment.
      return operation.kind === 'cas' && !isCompareFailure(result) ? 'info' : 'fail';
    case 'unknown':
      return 'info';
  }
}

function functionName(model: HistoryModelName, operation: KvOperation): string {
  const names = model === 'register' ? registerNames : keyValueNames;
  const name = names[operation.kind];
  if (name === undefined) throw new Error(`the ${model} history model cannot record ${operation.kind} operations`);
  return name;
}

const registerNames: Readonly<Partial<Record<KvOperation['kind'], string>>> = {
  get: 'read',
  put: 'write',
  delete: 'write',
  cas: 'cas',
};

const keyValueNames: Readonly<Partial<Record<KvOperation['kind'], string>>> = {
  get: 'get',
  put: 'put',
  delete: 'put',
  append: 'append',
};

function argumentOf(model: HistoryModelName, operation: KvOperation): unknown {
  switch (operation.kind) {
    case 'get':
      return model === 'register' ? null : undefined;
    case 'delete':
      return model === 'register' ? null : '';
    case 'cas':
      return [operation.expected, operation.value];
    default:
      return operation.value;
  }
}

function readValue(model: HistoryModelName, result: KvResult | undefined): unknown {
  if (result === undefined || result.kind !== 'get') throw new Error('a read completes with a get result');
  return model === 'register' ? result.value : (result.value ?? '');
}

function formatEvent(event: HistoryEvent): string {
  const ordered: Record<string, unknown> = { process: event.process, type: event.type, f: event.f };
  if (event.key !== undefined) ordered.key = event.key;
  if (event.value !== undefined) ordered.value = event.value;
  return JSON.stringify(ordered);
}
