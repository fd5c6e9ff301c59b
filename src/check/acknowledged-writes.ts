import type { HistoryEvent } from './linearizability';

/**
 * "No acknowledged write is lost", checked directly on a register history (the
 * linearizability checker implies it; this oracle names the lost write in plain words).
 *
 * For every key, take the last successful read. A write W acknowledged before that read
 * began is lost if the read returned a value all of whose writes finished before W even
 * started (so W must have overwritten it), or returned "never written" although nothing
 * wrote that. A value written more than once is judged by its latest possible write.
 */

export interface LostWrite {
  key: string;
  value: unknown;
  readValue: unknown;
  explanation: string;
}

interface Interval {
  value: unknown;
  invokedAt: number;
  completedAt: number; // Infinity while unknown
  acknowledged: boolean;
}

export function findLostWrites(events: readonly HistoryEvent[]): LostWrite[] {
  const byKey = new Map<string, HistoryEvent[]>();
  for (const event of events) {
    const key = String(event.key ?? '');
    let keyEvents = byKey.get(key);
    if (!keyEvents) byKey.set(key, (keyEvents = []));
    keyEvents.push(event);
  }
  const lost: LostWrite[] = [];
  for (const [key, keyEvents] of byKey) lost.push(...lostWritesOfKey(key, keyEvents));
  return lost;
}

function lostWritesOfKey(key: string, events: readonly HistoryEvent[]): LostWrite[] {
  const writes: Interval[] = [];
  let finalRead: { value: unknown; invokedAt: number } | undefined;
  const open = new Map<unknown, { event: HistoryEvent; at: number }>();
  events.forEach((event, position) => {
    if (event.type === 'invoke') {
      open.set(event.process, { event, at: position });
      return;
    }
    const invoke = open.get(event.process);
    if (!invoke) return;
    open.delete(event.process);
    const written = writtenValue(invoke.event);
    if (written !== undefined && event.type !== 'fail') {
      writes.push({ value: written, invokedAt: invoke.at, completedAt: event.type === 'ok' ? position : Infinity, acknowledged: event.type === 'ok' });
    }
    if (invoke.event.f === 'read' && event.type === 'ok') finalRead = { value: event.value ?? null, invokedAt: invoke.at };
  });
  for (const { event, at } of open.values()) {
    const written = writtenValue(event);
    if (written !== undefined) writes.push({ value: written, invokedAt: at, completedAt: Infinity, acknowledged: false });
  }
  if (!finalRead) return [];
  const read = finalRead;
  // The same value may have been written more than once: the read may have seen any of them.
  const sources = writes.filter((write) => write.value === read.value);
  const lost: LostWrite[] = [];
  for (const write of writes) {
    if (!write.acknowledged || write.completedAt > read.invokedAt || write.value === read.value) continue;
    const overwritten = sources.length === 0 ? read.value === null : sources.every((source) => source.completedAt < write.invokedAt);
    if (!overwritten) continue;
    lost.push({
      key,
      value: write.value,
      readValue: read.value,
      explanation:
        `the write of ${JSON.stringify(write.value)} to ${key} was acknowledged, but the last read returned ` +
        (read.value === null ? 'nothing (never written)' : `${JSON.stringify(read.value)}, which was written before it`),
    });
  }
  return lost;
}

/** The value an operation writes in the register model, or undefined for a read. */
function writtenValue(event: HistoryEvent): unknown {
  if (event.f === 'write') return event.value ?? null;
  if (event.f === 'cas' && Array.isArray(event.value)) return event.value[1];
  return undefined;
}
