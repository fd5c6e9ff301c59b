import { Digest } from '../util/hash';
import { formatVirtualTime } from './scheduler';

/** One structured trace event. `detail` holds small plain values only. */
export interface TraceEvent {
  readonly timeMs: number;
  readonly kind: string;
  readonly node?: string;
  readonly detail?: Record<string, unknown>;
  /** A preformatted detail for hot paths (network events), used instead of `detail`. */
  readonly summary?: string;
}

/**
 * The simulation trace: every send, delivery, drop, fault and protocol state change.
 *
 * Every event feeds a running digest, so two runs can be compared by one hex string; the
 * last `retained` events are kept for failure reports. Full history is not kept: a
 * 100-node minute produces millions of events.
 */
export class Trace {
  private readonly digest = new Digest();
  private readonly ring: (TraceEvent | undefined)[];
  private ringNext = 0;
  private total = 0;
  private readonly listeners: ((event: TraceEvent) => void)[] = [];

  constructor(readonly retained = 500) {
    if (retained < 1) throw new RangeError('a trace must retain at least one event');
    this.ring = new Array(retained);
  }

  record(event: TraceEvent): void {
    this.digest.update(lineOf(event));
    this.ring[this.ringNext] = event;
    this.ringNext = (this.ringNext + 1) % this.ring.length;
    this.total++;
    for (const listener of this.listeners) listener(event);
  }

  /** Listeners see every event after it is recorded (timelines, checkers). */
  subscribe(listener: (event: TraceEvent) => void): () => void {
    this.listeners.push(listener);
    return () => {
      const index = this.listeners.indexOf(listener);
      if (index >= 0) this.listeners.splice(index, 1);
    };
  }

  get eventCount(): number {
    return this.total;
  }

  digestHex(): string {
    return this.digest.hex();
  }

  /** The most recent events, oldest first. */
  recent(limit = 200): TraceEvent[] {
    const size = Math.min(this.total, this.ring.length);
    const count = Math.min(limit, size);
    const events: TraceEvent[] = [];
    for (let i = count; i > 0; i--) {
      const index = (this.ringNext - i + this.ring.length) % this.ring.length;
      events.push(this.ring[index]!);
    }
    return events;
  }

  formatRecent(limit = 200): string {
    return this.recent(limit).map(formatEvent).join('\n');
  }
}

function detailText(event: TraceEvent): string {
  if (event.summary !== undefined) return event.summary;
  return event.detail === undefined ? '' : JSON.stringify(event.detail);
}

function lineOf(event: TraceEvent): string {
  const detail = detailText(event);
  return `${event.timeMs}|${event.kind}|${event.node ?? ''}|${detail}`;
}

export function formatEvent(event: TraceEvent): string {
  const text = detailText(event);
  const detail = text === '' ? '' : ' ' + text;
  const node = event.node === undefined ? '' : ` ${event.node}`;
  return `[${formatVirtualTime(event.timeMs).padStart(11)}]${node} ${event.kind}${detail}`;
}
