/**
 * Ordered per-origin change streams with acknowledgements and retransmission.
 *
 * Every local update a region makes is appended to its change log under the next
 * sequence number. Each other region is sent the log in order; it applies changes in
 * sequence order, makes them durable, and acknowledges the highest sequence applied
 * (cumulative, like TCP). What is not acknowledged within the retransmission time-out is
 * sent again from the first unacknowledged change (go-back-N), with the time-out doubling
 * while nothing gets through. A change is trimmed from the log only once every region has
 * acknowledged it, so nothing is lost to message loss, partitions or restarts.
 *
 * A region unreachable for very long would make the log grow without bound. Like
 * Cassandra's hint window, each destination has a limit of pending changes: past it, the
 * origin gives up streaming the backlog to that region and marks it for repair; the next
 * batch it sends carries `resetFrom`, and the destination then repairs itself with
 * anti-entropy (which exchanges only the differing ranges) instead of replaying the log.
 *
 * These classes are pure bookkeeping; the replica does the sending, timing and disk.
 */
import type { HlcTimestamp } from './hlc';
import type { KeyState } from './strategies';

export interface ChangeEntry {
  readonly seq: number;
  readonly keyspace: string;
  readonly key: string;
  /** The key's whole state after the update (merging it is idempotent). */
  readonly state: KeyState;
  /** When the update happened at the origin, in the origin's HLC. */
  readonly timestamp: HlcTimestamp;
}

/** The origin's log. Invariant: entries hold exactly the sequence numbers firstSeq..lastSeq. */
export class ChangeLog {
  private entries: ChangeEntry[] = [];
  private first: number;

  constructor(firstSeq = 1, entries: readonly ChangeEntry[] = []) {
    if (!Number.isInteger(firstSeq) || firstSeq < 1) throw new RangeError(`a log starts at sequence >= 1, got ${firstSeq}`);
    this.first = firstSeq;
    entries.forEach((entry, offset) => {
      if (entry.seq !== firstSeq + offset) throw new Error(`log entry ${offset} has sequence ${entry.seq}, expected ${firstSeq + offset}`);
      this.entries.push(entry);
    });
  }

  get firstSeq(): number {
    return this.first;
  }

  /** The highest sequence ever appended (firstSeq − 1 when empty). */
  get lastSeq(): number {
    return this.first + this.entries.length - 1;
  }

  get length(): number {
    return this.entries.length;
  }

  append(change: Omit<ChangeEntry, 'seq'>): ChangeEntry {
    const entry: ChangeEntry = { seq: this.lastSeq + 1, ...change };
    this.entries.push(entry);
    return entry;
  }

  get(seq: number): ChangeEntry | undefined {
    return seq >= this.first && seq <= this.lastSeq ? this.entries[seq - this.first] : undefined;
  }

  /** Up to `limit` entries from `fromSeq` on. */
  slice(fromSeq: number, limit: number): ChangeEntry[] {
    const start = Math.max(fromSeq, this.first) - this.first;
    return this.entries.slice(start, start + limit);
  }

  /** Drops every entry up to and including `seq`; returns the dropped sequence numbers' range. */
  trimThrough(seq: number): { from: number; to: number } | undefined {
    const to = Math.min(seq, this.lastSeq);
    if (to < this.first) return undefined;
    const from = this.first;
    this.entries = this.entries.slice(to - this.first + 1);
    this.first = to + 1;
    return { from, to };
  }
}

export interface OutboundTuning {
  /** Changes in one message. */
  batchMax: number;
  /** Changes sent but not yet acknowledged, at most. */
  windowMax: number;
  retransmitMinMs: number;
  retransmitMaxMs: number;
}

/** What an origin knows about one destination. */
export class OutboundStream {
  /** Every change up to here is applied at the destination (or was given up on: see resetFrom). */
  acked: number;
  /** The next sequence to send; acked < nextToSend <= lastSeq + 1. */
  nextToSend: number;
  /** Set when the backlog was given up on: the destination must skip to here and repair. */
  resetFrom: number | undefined;
  retransmitTimeoutMs: number;
  /** Local time of the last acknowledgement that made progress. */
  lastProgressMs = 0;

  constructor(
    readonly destination: string,
    acked: number,
    private readonly tuning: OutboundTuning,
    resetFrom?: number,
  ) {
    this.acked = acked;
    this.nextToSend = acked + 1;
    this.resetFrom = resetFrom;
    this.retransmitTimeoutMs = tuning.retransmitMinMs;
  }

  get inFlight(): number {
    return this.nextToSend - 1 - this.acked;
  }

  pending(lastSeq: number): number {
    return Math.max(0, lastSeq - this.acked);
  }

  /** The next batch to send, or undefined when nothing is due (all sent or the window is full). */
  nextBatch(log: ChangeLog): ChangeEntry[] | undefined {
    if (this.nextToSend > log.lastSeq) return undefined;
    const room = this.tuning.windowMax - this.inFlight;
    if (room <= 0) return undefined;
    const batch = log.slice(this.nextToSend, Math.min(room, this.tuning.batchMax));
    if (batch.length === 0) return undefined;
    this.nextToSend = batch[batch.length - 1].seq + 1;
    return batch;
  }

  /** A cumulative acknowledgement. Returns true when it acknowledged something new. */
  onAck(appliedSeq: number, nowMs: number, baseTimeoutMs: number): boolean {
    if (this.resetFrom !== undefined && appliedSeq >= this.resetFrom - 1) this.resetFrom = undefined;
    if (appliedSeq <= this.acked) return false;
    this.acked = appliedSeq;
    if (this.nextToSend <= appliedSeq) this.nextToSend = appliedSeq + 1;
    this.lastProgressMs = nowMs;
    this.retransmitTimeoutMs = this.clampTimeout(baseTimeoutMs);
    return true;
  }

  /** Nothing acknowledged for a whole time-out: send again from the first unacknowledged change. */
  onTimeout(): void {
    this.nextToSend = this.acked + 1;
    this.retransmitTimeoutMs = this.clampTimeout(this.retransmitTimeoutMs * 2);
  }

  /** The peer was heard from again after a silence: resend now, at the base time-out. */
  rewind(baseTimeoutMs: number): void {
    this.nextToSend = this.acked + 1;
    this.retransmitTimeoutMs = this.clampTimeout(baseTimeoutMs);
  }

  /** Gives up the backlog (past the retention limit): the destination will repair instead. */
  giveUp(lastSeq: number): void {
    this.resetFrom = lastSeq + 1;
    this.acked = lastSeq;
    this.nextToSend = lastSeq + 1;
  }

  private clampTimeout(timeoutMs: number): number {
    return Math.min(this.tuning.retransmitMaxMs, Math.max(this.tuning.retransmitMinMs, timeoutMs));
  }
}

/** What a destination knows about one origin's stream. */
export class InboundStream {
  /** Invariant: every change up to `applied` has been applied here (or skipped by a reset). */
  applied: number;
  private readonly buffered = new Map<number, ChangeEntry>();

  constructor(
    readonly origin: string,
    applied: number,
    private readonly bufferMax: number,
  ) {
    this.applied = applied;
  }

  get bufferedCount(): number {
    return this.buffered.size;
  }

  /**
   * Takes a batch; returns the changes to apply now, in sequence order, and whether the
   * origin reset the stream (so this region must repair from it).
   */
  accept(entries: readonly ChangeEntry[], resetFrom?: number): { ready: ChangeEntry[]; reset: boolean } {
    let reset = false;
    if (resetFrom !== undefined && this.applied < resetFrom - 1) {
      this.applied = resetFrom - 1;
      for (const seq of [...this.buffered.keys()]) if (seq <= this.applied) this.buffered.delete(seq);
      reset = true;
    }
    for (const entry of entries) {
      if (entry.seq <= this.applied || this.buffered.has(entry.seq)) continue;
      if (entry.seq - this.applied > this.bufferMax) continue; // too far ahead: it will come again
      this.buffered.set(entry.seq, entry);
    }
    const ready: ChangeEntry[] = [];
    for (let next = this.applied + 1; this.buffered.has(next); next++) {
      ready.push(this.buffered.get(next)!);
      this.buffered.delete(next);
    }
    return { ready, reset };
  }

  /** Records that the ready changes were applied and made durable. */
  commit(ready: readonly ChangeEntry[]): void {
    if (ready.length === 0) return;
    if (ready[0].seq !== this.applied + 1) throw new Error(`changes from ${this.origin} must be applied in order: got ${ready[0].seq} after ${this.applied}`);
    this.applied = ready[ready.length - 1].seq;
  }
}
