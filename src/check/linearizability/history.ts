/**
 * Client histories in the JSON Lines format of
 * shared/conformance/linearizability/README.md: one event per line, in real-time order.
 *
 * The database's clients record histories with `serializeHistory`; the checker and the
 * CLI read them back with `parseHistory`, which validates every line so that a broken
 * recording is reported as a broken recording and never as a consistency violation.
 */

import type { EventType, HistoryEvent, PartitionKey, ProcessId } from '../../history/format';

export type { EventType, HistoryEvent, PartitionKey, ProcessId };

/** Events plus the 1-based line each came from, so findings can point into the file. */
export interface ParsedHistory {
  readonly events: readonly HistoryEvent[];
  readonly lineNumbers: readonly number[];
}

/** What the parser needs to know about a model to validate `f` and the values. */
export interface OperationVocabulary {
  readonly name: string;
  readonly operations: readonly string[];
  /** A message when an invoke's argument is malformed for `f`, else undefined. */
  validateArgument(f: string, value: unknown): string | undefined;
  /** A message when an ok completion's result is malformed for `f`, else undefined. */
  validateResult(f: string, value: unknown): string | undefined;
}

export class HistoryParseError extends Error {
  override readonly name = 'HistoryParseError';

  constructor(
    readonly lineNumber: number,
    readonly reason: string,
  ) {
    super(`line ${lineNumber}: ${reason}`);
  }
}

const eventTypes: ReadonlySet<string> = new Set(['invoke', 'ok', 'fail', 'info']);

/** Accepts a history given either as parsed text or as a bare list of events. */
export function asParsedHistory(history: ParsedHistory | readonly HistoryEvent[]): ParsedHistory {
  if (!Array.isArray(history)) return history as ParsedHistory;
  const events = history as readonly HistoryEvent[];
  return { events, lineNumbers: events.map((_, index) => index + 1) };
}

/**
 * Parses JSON Lines text. Blank lines are skipped (a trailing newline is normal).
 * With a vocabulary, `f` and the argument shapes are checked against the model too.
 * Throws HistoryParseError naming the first bad line.
 */
export function parseHistory(text: string, vocabulary?: OperationVocabulary): ParsedHistory {
  const events: HistoryEvent[] = [];
  const lineNumbers: number[] = [];
  const pairing = new CompletionPairing();
  const lines = text.split('\n');
  for (let index = 0; index < lines.length; index++) {
    const line = lines[index].trim();
    if (line === '') continue;
    const lineNumber = index + 1;
    const event = parseEventLine(line, lineNumber, vocabulary);
    const problem = pairing.accept(event);
    if (problem !== undefined) throw new HistoryParseError(lineNumber, problem);
    events.push(event);
    lineNumbers.push(lineNumber);
  }
  return { events, lineNumbers };
}

/** Validates already-built events (for example a history recorded in memory). */
export function validateHistory(
  history: ParsedHistory | readonly HistoryEvent[],
  vocabulary?: OperationVocabulary,
): void {
  const parsed = asParsedHistory(history);
  const pairing = new CompletionPairing();
  parsed.events.forEach((event, index) => {
    const lineNumber = parsed.lineNumbers[index];
    validateEvent(event as unknown as Record<string, unknown>, lineNumber, vocabulary);
    const problem = pairing.accept(event);
    if (problem !== undefined) throw new HistoryParseError(lineNumber, problem);
  });
}

/** Renders one event as a JSON line with the fields in their documented order. */
export function formatHistoryEvent(event: HistoryEvent): string {
  const ordered: Record<string, unknown> = { process: event.process, type: event.type, f: event.f };
  if (event.key !== undefined) ordered.key = event.key;
  if (event.value !== undefined) ordered.value = event.value;
  return JSON.stringify(ordered);
}

/** Renders events as JSON Lines text, one event a line, ending with a newline. */
export function serializeHistory(events: readonly HistoryEvent[]): string {
  if (events.length === 0) return '';
  return events.map(formatHistoryEvent).join('\n') + '\n';
}

function parseEventLine(line: string, lineNumber: number, vocabulary?: OperationVocabulary): HistoryEvent {
  let parsed: unknown;
  try {
    parsed = JSON.parse(line);
  } catch (error) {
    throw new HistoryParseError(lineNumber, `invalid JSON (${(error as Error).message})`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new HistoryParseError(lineNumber, 'an event must be a JSON object');
  }
  const record = parsed as Record<string, unknown>;
  validateEvent(record, lineNumber, vocabulary);
  const event: { -readonly [K in keyof HistoryEvent]: HistoryEvent[K] } = {
    process: record.process as ProcessId,
    type: record.type as EventType,
    f: record.f as string,
  };
  if (record.key !== undefined) event.key = record.key as PartitionKey;
  if (record.value !== undefined) event.value = record.value;
  return event;
}

function validateEvent(record: Record<string, unknown>, lineNumber: number, vocabulary?: OperationVocabulary): void {
  const fail = (message: string): never => {
    throw new HistoryParseError(lineNumber, message);
  };
  const { process, type, f, key, value } = record;
  if (typeof process !== 'number' && typeof process !== 'string') {
    fail(`"process" must be a number or a string, got ${describeJson(process)}`);
  }
  if (typeof process === 'number' && !Number.isFinite(process)) fail('"process" must be a finite number');
  if (typeof type !== 'string' || !eventTypes.has(type)) {
    fail(`"type" must be one of invoke, ok, fail, info; got ${describeJson(type)}`);
  }
  if (typeof f !== 'string') fail(`"f" must be a string naming the operation, got ${describeJson(f)}`);
  if (key !== undefined && typeof key !== 'string' && typeof key !== 'number') {
    fail(`"key" must be a string or a number when present, got ${describeJson(key)}`);
  }
  if (vocabulary === undefined) return;
  const operation = f as string;
  if (!vocabulary.operations.includes(operation)) {
    fail(`unknown operation "${operation}" for the ${vocabulary.name} model (expected ${vocabulary.operations.join(', ')})`);
  }
  const problem =
    type === 'invoke'
      ? vocabulary.validateArgument(operation, value)
      : type === 'ok'
        ? vocabulary.validateResult(operation, value)
        : undefined;
  if (problem !== undefined) fail(problem);
}

/** Tracks each process's outstanding invoke so completions can be matched to it. */
class CompletionPairing {
  private readonly outstanding = new Map<ProcessId, HistoryEvent>();

  /** Returns a message when the event breaks the invoke/completion protocol. */
  accept(event: HistoryEvent): string | undefined {
    const pending = this.outstanding.get(event.process);
    if (event.type === 'invoke') {
      if (pending !== undefined) {
        return `process ${JSON.stringify(event.process)} invokes "${event.f}" while its "${pending.f}" is still outstanding`;
      }
      this.outstanding.set(event.process, event);
      return undefined;
    }
    if (pending === undefined) {
      return `"${event.type}" completion for process ${JSON.stringify(event.process)} has no outstanding invoke`;
    }
    if (pending.f !== event.f) {
      return `completion "${event.f}" does not match process ${JSON.stringify(event.process)}'s outstanding "${pending.f}"`;
    }
    if (event.key !== undefined && event.key !== pending.key) {
      return `completion key ${JSON.stringify(event.key)} does not match the invoked key ${JSON.stringify(pending.key ?? null)}`;
    }
    this.outstanding.delete(event.process);
    return undefined;
  }
}

function describeJson(value: unknown): string {
  if (value === undefined) return 'nothing';
  const text = JSON.stringify(value);
  return text.length > 40 ? `${text.slice(0, 37)}...` : text;
}
