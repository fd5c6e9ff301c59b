import { Digest, type TextKey } from '../util/hash';
import { formatVirtualTime } from './scheduler';

/** One structured trace event. `detail` holds small plain values only. */
export interface TraceEvent {
  readonly timeMs: number;
  readonly kind: string;
  readonly node?: string;
  readonly detail?: Record<string, unknown>;
  /** Network events: the node at the other end of the link. */
  readonly peer?: string;
  /** Network events: the message's type tag and the network's id for it. */
  readonly messageType?: string;
  readonly messageId?: number;
  /** Network drops: why the message was lost. */
  readonly reason?: string;
}

/** A network event's fields, as `Trace.recordMessage` takes them. */
interface MutableTraceEvent {
  timeMs: number;
  kind: string;
  node: string | undefined;
  detail: Record<string, unknown> | undefined;
  peer: string | undefined;
  messageType: string | undefined;
  messageId: number | undefined;
  reason: string | undefined;
}

/**
 * The simulation trace: every send, delivery, drop, fault and protocol state change.
 *
 * Every event feeds a running digest, so two runs can be compared by one hex string; the
 * last `retained` events are kept for failure reports. Full history is not kept: a
 * 100-node minute produces millions of events.
 *
 * The hot path formats nothing: the digest takes an event's structured fields (numbers
 * by their bits, strings by their characters), and text is made only when a report asks
 * for it. The ring's slots are reused, so recording an event allocates nothing.
 */
export class Trace {
  private readonly digest = new Digest();
  private readonly ring: MutableTraceEvent[];
  private ringNext = 0;
  private total = 0;
  private readonly listeners: ((event: TraceEvent) => void)[] = [];

  constructor(readonly retained = 500) {
    if (retained < 1) throw new RangeError('a trace must retain at least one event');
    this.ring = Array.from({ length: retained }, emptySlot);
  }

  record(event: TraceEvent): void {
    const slot = this.nextSlot();
    slot.timeMs = event.timeMs;
    slot.kind = event.kind;
    slot.node = event.node;
    slot.detail = event.detail;
    slot.peer = event.peer;
    slot.messageType = event.messageType;
    slot.messageId = event.messageId;
    slot.reason = event.reason;
    this.digestSlot(slot);
  }

  /**
   * A network event (send, delivery, drop), recorded without building an object or text; its
   * strings come with their hashes (`TextKey`), which the network keeps on its links and
   * message types. It digests exactly as `record` of the same fields would.
   */
  recordMessage(timeMs: number, kind: TextKey, node: TextKey, peer: TextKey, messageType: TextKey, messageId: number, reason?: string): void {
    const slot = this.nextSlot();
    slot.timeMs = timeMs;
    slot.kind = kind.text;
    slot.node = node.text;
    slot.detail = undefined;
    slot.peer = peer.text;
    slot.messageType = messageType.text;
    slot.messageId = messageId;
    slot.reason = reason;
    const digest = this.digest;
    digest.number(timeMs);
    digest.textKey(kind);
    digest.textKey(node);
    digest.textKey(peer);
    digest.textKey(messageType);
    digest.number(messageId);
    digest.optionalText(reason);
    digest.endRecord();
    this.tell(slot);
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

  /** The most recent events, oldest first (copies: the ring's slots are reused). */
  recent(limit = 200): TraceEvent[] {
    const size = Math.min(this.total, this.ring.length);
    const count = Math.min(limit, size);
    const events: TraceEvent[] = [];
    for (let i = count; i > 0; i--) {
      const index = (this.ringNext - i + this.ring.length) % this.ring.length;
      events.push(copyOf(this.ring[index]));
    }
    return events;
  }

  formatRecent(limit = 200): string {
    return this.recent(limit).map(formatEvent).join('\n');
  }

  private nextSlot(): MutableTraceEvent {
    const slot = this.ring[this.ringNext];
    this.ringNext = this.ringNext + 1 === this.ring.length ? 0 : this.ringNext + 1;
    this.total++;
    return slot;
  }

  /** Feeds the event's fields to the digest, each field tagged by position so that
   *  ("ab", "c") and ("a", "bc") differ; then tells the listeners. */
  private digestSlot(slot: MutableTraceEvent): void {
    const digest = this.digest;
    digest.number(slot.timeMs);
    digest.text(slot.kind);
    digest.optionalText(slot.node);
    if (slot.messageType !== undefined) {
      digest.optionalText(slot.peer);
      digest.text(slot.messageType);
      digest.number(slot.messageId ?? -1);
      digest.optionalText(slot.reason);
    } else if (slot.detail !== undefined) {
      digestDetail(digest, slot.detail);
    }
    digest.endRecord();
    this.tell(slot);
  }

  private tell(slot: MutableTraceEvent): void {
    if (this.listeners.length > 0) {
      const event = copyOf(slot);
      for (const listener of this.listeners) listener(event);
    }
  }
}

/** Keys and values in their (deterministic) insertion order; nested values by their JSON. */
function digestDetail(digest: Digest, detail: Record<string, unknown>): void {
  for (const key in detail) {
    digest.text(key);
    const value = detail[key];
    switch (typeof value) {
      case 'number':
        digest.number(value);
        break;
      case 'string':
        digest.text(value);
        break;
      case 'boolean':
        digest.number(value ? -2 : -3);
        break;
      case 'undefined':
        digest.number(-4);
        break;
      default:
        digest.text(JSON.stringify(value) ?? 'null');
    }
  }
}

function emptySlot(): MutableTraceEvent {
  return { timeMs: 0, kind: '', node: undefined, detail: undefined, peer: undefined, messageType: undefined, messageId: undefined, reason: undefined };
}

function copyOf(slot: MutableTraceEvent): TraceEvent {
  const event: { -readonly [K in keyof TraceEvent]: TraceEvent[K] } = { timeMs: slot.timeMs, kind: slot.kind };
  if (slot.node !== undefined) event.node = slot.node;
  if (slot.detail !== undefined) event.detail = slot.detail;
  if (slot.messageType !== undefined) {
    event.peer = slot.peer;
    event.messageType = slot.messageType;
    event.messageId = slot.messageId;
    if (slot.reason !== undefined) event.reason = slot.reason;
  }
  return event;
}

function detailText(event: TraceEvent): string {
  if (event.messageType !== undefined) {
    const text = `${event.peer ?? ''} ${event.messageType} #${event.messageId ?? '?'}`;
    return event.reason === undefined ? text : `${text} ${event.reason}`;
  }
  return event.detail === undefined ? '' : JSON.stringify(event.detail);
}

export function formatEvent(event: TraceEvent): string {
  const text = detailText(event);
  const detail = text === '' ? '' : ' ' + text;
  const node = event.node === undefined ? '' : ` ${event.node}`;
  return `[${formatVirtualTime(event.timeMs).padStart(11)}]${node} ${event.kind}${detail}`;
}
