import type { CycleMicroOp, CycleModel, CycleTxn } from '../check';

/**
 * Transaction histories in Jepsen's EDN history format, as Elle reads them
 * (elle.list-append / elle.rw-register): every transaction is an invocation and a
 * completion of `:f :txn`, whose value is a vector of micro-operations:
 * `[:append k v]` and `[:r k [v1 v2]]` (list-append) or `[:w k v]` and `[:r k v]`
 * (rw-register). The invocation's reads carry nil; `:info` completions repeat the
 * invocation, as Jepsen writes them. Events are ordered by time, completions of unknown
 * time last, with `:index` counting up and `:time` in nanoseconds.
 */

export interface TimedTxn extends CycleTxn {
  readonly invokeMs?: number;
  readonly completeMs?: number;
}

const ednString = (text: string): string => JSON.stringify(text);

function ednValue(value: string | null | readonly string[], model: CycleModel): string {
  if (value === null) return 'nil';
  if (Array.isArray(value)) return `[${value.map(ednString).join(' ')}]`;
  if (model === 'list-append') {
    const text = (value as string).trim();
    return `[${text === '' ? '' : text.split(/\s+/).map(ednString).join(' ')}]`;
  }
  return ednString(value as string);
}

function ednOp(op: CycleMicroOp, model: CycleModel, withReadValues: boolean): string {
  if (op.f !== 'r') return `[:${op.f} ${ednString(op.key)} ${op.value === null ? 'nil' : ednString(op.value)}]`;
  const value = withReadValues ? ednValue(op.value, model) : 'nil';
  return `[:${op.f} ${ednString(op.key)} ${value}]`;
}

export function toEdnHistory(history: readonly TimedTxn[], model: CycleModel): string {
  for (const txn of history) {
    for (const op of txn.ops) {
      if (model === 'list-append' && op.f === 'w') throw new Error(`transaction ${txn.id} writes ${op.key}: a list-append history has only appends and reads`);
      if (model === 'rw-register' && op.f === 'append') throw new Error(`transaction ${txn.id} appends to ${op.key}: an rw-register history has only writes and reads`);
    }
  }
  const processes = new Map<string, number>();
  const processOf = (txn: TimedTxn): number => {
    const name = txn.process ?? txn.id;
    if (!processes.has(name)) processes.set(name, processes.size);
    return processes.get(name)!;
  };
  const events: { timeMs: number; order: number; text: (index: number) => string }[] = [];
  history.forEach((txn, order) => {
    const process = processOf(txn);
    const invokeMs = txn.invokeMs ?? order;
    const invoked = `[${txn.ops.map((op) => ednOp(op, model, false)).join(' ')}]`;
    const completed = txn.type === 'info' ? invoked : `[${txn.ops.map((op) => ednOp(op, model, true)).join(' ')}]`;
    const line = (type: string, value: string, timeMs: number) => (index: number) => `{:type :${type}, :f :txn, :value ${value}, :process ${process}, :time ${Math.round(timeMs * 1e6)}, :index ${index}}`;
    events.push({ timeMs: invokeMs, order: order * 2, text: line('invoke', invoked, invokeMs) });
    const completeMs = txn.completeMs ?? Number.POSITIVE_INFINITY;
    events.push({ timeMs: completeMs, order: order * 2 + 1, text: line(txn.type, completed, Number.isFinite(completeMs) ? completeMs : invokeMs) });
  });
  events.sort((a, b) => a.timeMs - b.timeMs || a.order - b.order);
  return events.map((event, index) => event.text(index)).join('\n') + '\n';
}
