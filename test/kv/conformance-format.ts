/**
 * Test helpers written from shared/conformance/linearizability/README.md alone, so that
 * the recorder is checked against the documented format and not against itself:
 * a line validator, and a brute-force linearizability check for small histories.
 */

export interface FormatEvent {
  readonly process: number | string;
  readonly type: 'invoke' | 'ok' | 'fail' | 'info';
  readonly f: string;
  readonly key?: string | number;
  readonly value?: unknown;
}

const vocabularies: Readonly<Record<string, readonly string[]>> = {
  register: ['read', 'write', 'cas'],
  kv: ['get', 'put', 'append'],
};

/** Parses JSON Lines and throws, naming the line, on anything the README does not allow. */
export function parseConformanceHistory(text: string, model: 'register' | 'kv'): FormatEvent[] {
  const outstanding = new Map<number | string, FormatEvent>();
  const events: FormatEvent[] = [];
  text.split('\n').forEach((line, index) => {
    if (line.trim() === '') return;
    const fail = (problem: string): never => {
      throw new Error(`line ${index + 1}: ${problem}: ${line}`);
    };
    const event = JSON.parse(line) as FormatEvent;
    const fields = Object.keys(event);
    if (fields.some((field) => !['process', 'type', 'f', 'key', 'value'].includes(field))) fail('unknown field');
    if (typeof event.process !== 'number' && typeof event.process !== 'string') fail('process');
    if (!['invoke', 'ok', 'fail', 'info'].includes(event.type)) fail('type');
    if (!vocabularies[model].includes(event.f)) fail(`f not in the ${model} model`);
    if (event.key !== undefined && typeof event.key !== 'string' && typeof event.key !== 'number') fail('key');
    if (event.type === 'invoke') {
      if (outstanding.has(event.process)) fail('second invoke while one is outstanding');
      outstanding.set(event.process, event);
      const problem = argumentProblem(event);
      if (problem !== undefined) fail(problem);
    } else {
      const pending = outstanding.get(event.process);
      if (pending === undefined || pending.f !== event.f || pending.key !== event.key) fail('completion without a matching invoke');
      outstanding.delete(event.process);
      if (event.type === 'ok' && (event.f === 'get') && typeof event.value !== 'string') fail('a get returns a string');
    }
    events.push(event);
  });
  return events;
}

function argumentProblem(event: FormatEvent): string | undefined {
  if (event.f === 'write' && event.value === undefined) return 'write needs a value';
  if (event.f === 'cas' && !(Array.isArray(event.value) && event.value.length === 2)) return 'cas needs [expected, new]';
  if ((event.f === 'put' || event.f === 'append') && typeof event.value !== 'string') return `${event.f} needs a string`;
  return undefined;
}

interface CheckedOperation {
  readonly f: string;
  readonly argument: unknown;
  readonly type: 'ok' | 'fail' | 'info';
  readonly result: unknown;
  readonly invokedAt: number;
  readonly completedAt: number;
}

/** Wing & Gong style exhaustive search, per key. Fine for a few dozen operations a key. */
export function isLinearizable(events: readonly FormatEvent[], model: 'register' | 'kv'): boolean {
  const keys = new Set(events.map((event) => event.key));
  return [...keys].every((key) => checkKey(pairUp(events.filter((event) => event.key === key)), model));
}

function pairUp(events: readonly FormatEvent[]): CheckedOperation[] {
  const operations: CheckedOperation[] = [];
  events.forEach((event, index) => {
    if (event.type !== 'invoke') return;
    const completionIndex = events.findIndex((other, later) => later > index && other.process === event.process);
    const completion = completionIndex < 0 ? undefined : events[completionIndex];
    const type = completion === undefined ? 'info' : (completion.type as CheckedOperation['type']);
    // A failed non-cas operation changed nothing and observed nothing.
    if (type === 'fail' && event.f !== 'cas') return;
    const completedAt = type === 'info' ? Number.POSITIVE_INFINITY : completionIndex;
    operations.push({ f: event.f, argument: event.value, type, result: completion?.value, invokedAt: index, completedAt });
  });
  if (operations.length > 30) throw new Error('too many operations for the brute-force check');
  return operations;
}

function checkKey(operations: readonly CheckedOperation[], model: 'register' | 'kv'): boolean {
  const seen = new Set<string>();
  const search = (remaining: number, state: unknown): boolean => {
    const memo = `${remaining}|${JSON.stringify(state)}`;
    if (seen.has(memo)) return false;
    seen.add(memo);
    const open = operations.map((_, index) => index).filter((index) => remaining & (1 << index));
    if (open.every((index) => operations[index].type === 'info')) return true;
    const earliestCompletion = Math.min(...open.map((index) => operations[index].completedAt));
    for (const index of open) {
      const operation = operations[index];
      if (operation.invokedAt > earliestCompletion) continue;
      const without = remaining & ~(1 << index);
      const next = step(model, state, operation);
      if (next !== rejected && search(without, next)) return true;
      // An unknown operation may also never take effect.
      if (operation.type === 'info' && search(without, state)) return true;
    }
    return false;
  };
  return search((1 << operations.length) - 1, model === 'register' ? null : '');
}

const rejected = Symbol('rejected');

function step(model: 'register' | 'kv', state: unknown, operation: CheckedOperation): unknown {
  const known = operation.type !== 'info';
  switch (operation.f) {
    case 'read':
    case 'get':
      return !known || operation.result === state ? state : rejected;
    case 'write':
    case 'put':
      return operation.argument;
    case 'append':
      return (state as string) + (operation.argument as string);
    case 'cas': {
      const [expected, replacement] = operation.argument as [unknown, unknown];
      if (operation.type === 'fail') return state !== expected ? state : rejected;
      if (state === expected) return replacement;
      return known ? rejected : state;
    }
  }
  throw new Error(`unknown operation ${operation.f} in the ${model} model`);
}
