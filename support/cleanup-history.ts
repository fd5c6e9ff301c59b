import type { HistoryEvent } from '../src/history/format';

/** Invocations in a JSON Lines history with no completion after them, one line each. */
export function openInvocations(events: readonly HistoryEvent[]): string[] {
  const open = new Map<string, HistoryEvent>();
  for (const event of events) {
    const process = String(event.process);
    if (event.type === 'invoke') open.set(process, event);
    else open.delete(process);
  }
  return [...open].map(([process, event]) => `${process}: ${event.f} ${JSON.stringify(event.value)}`);
}
