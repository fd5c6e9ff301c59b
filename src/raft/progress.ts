import { assertInvariant } from './invariants';
import type { ProgressState, ProgressStatus } from './types';

/**
 * A bounded window of AppendEntries in flight to one follower, each recorded by the last
 * index it carried. Acknowledgements free every message up to the acknowledged index.
 */
export class Inflights {
  private readonly lastIndexes: number[] = [];

  constructor(readonly capacity: number) {
    assertInvariant(capacity > 0, `inflight capacity must be positive, got ${capacity}`);
  }

  get count(): number { return this.lastIndexes.length; }
  isFull(): boolean { return this.lastIndexes.length >= this.capacity; }

  add(lastIndex: number): void {
    assertInvariant(!this.isFull(), 'adding to a full inflight window');
    const previous = this.lastIndexes[this.lastIndexes.length - 1];
    assertInvariant(previous === undefined || lastIndex > previous, () =>
      `inflight indexes must increase: ${lastIndex} after ${previous}`);
    this.lastIndexes.push(lastIndex);
  }

  freeUpTo(index: number): void {
    let freed = 0;
    while (freed < this.lastIndexes.length && this.lastIndexes[freed] <= index) freed++;
    if (freed > 0) this.lastIndexes.splice(0, freed);
  }

  freeFirst(): void {
    this.lastIndexes.shift();
  }

  reset(): void {
    this.lastIndexes.length = 0;
  }
}

/**
 * The leader's view of one follower (etcd's tracker.Progress), with three states:
 * - probe: we do not know where its log matches ours; send one AppendEntries at a time
 *   (one per heartbeat interval) and back off on rejection;
 * - replicate: its log matches up to matchIndex; pipeline appends optimistically, bounded
 *   by the inflight window;
 * - snapshot: an InstallSnapshot is on its way; send nothing else until it is answered
 *   (or `stalledTicks` says it was probably lost).
 */
export class Progress {
  /** Highest index known to match the leader's log. Never decreases. */
  matchIndex = 0;
  /** Next index to send. Invariant: matchIndex < nextIndex. */
  nextIndex: number;
  state: ProgressState = 'probe';
  /** In probe state: an append was sent and not yet answered (or a heartbeat went by). */
  probeSent = false;
  /** In snapshot state: the index of the snapshot sent. */
  pendingSnapshotIndex = 0;
  /** In snapshot state: heartbeat intervals since the snapshot was sent. */
  stalledTicks = 0;
  /** Heard from this peer since the last check-quorum round (thesis §6.2). */
  recentActive = false;
  readonly inflights: Inflights;

  constructor(nextIndex: number, inflightCapacity: number, public isLearner: boolean) {
    this.nextIndex = nextIndex;
    this.inflights = new Inflights(inflightCapacity);
  }

  /** A success acknowledgement up to `index`. Returns whether matchIndex moved. */
  maybeUpdate(index: number): boolean {
    let updated = false;
    if (index > this.matchIndex) {
      this.matchIndex = index;
      this.probeSent = false;
      updated = true;
    }
    this.nextIndex = Math.max(this.nextIndex, index + 1);
    return updated;
  }

  /** Pipelined send in replicate state: assume success. */
  optimisticUpdate(lastSentIndex: number): void {
    this.nextIndex = lastSentIndex + 1;
  }

  /**
   * A rejection of prevLogIndex `rejectedIndex` with the leader's preferred next index
   * computed from the conflict hint. Returns false for a stale rejection.
   */
  maybeDecreaseTo(rejectedIndex: number, hintNextIndex: number): boolean {
    if (this.state === 'snapshot') return false;
    if (this.state === 'replicate') {
      // A rejection at or below the match point answers an older message.
      if (rejectedIndex <= this.matchIndex) return false;
      this.becomeProbe();
    } else if (this.nextIndex - 1 !== rejectedIndex) {
      // In probe state only the answer to the latest probe counts.
      return false;
    }
    this.nextIndex = Math.max(Math.min(rejectedIndex, hintNextIndex), this.matchIndex + 1);
    this.probeSent = false;
    return true;
  }

  becomeProbe(): void {
    // Coming from snapshot state we know the follower will hold at least the snapshot.
    const from = this.state === 'snapshot' ? Math.max(this.matchIndex, this.pendingSnapshotIndex) : this.matchIndex;
    this.resetState('probe');
    this.nextIndex = from + 1;
  }

  becomeReplicate(): void {
    this.resetState('replicate');
    this.nextIndex = this.matchIndex + 1;
  }

  becomeSnapshot(snapshotIndex: number): void {
    this.resetState('snapshot');
    this.pendingSnapshotIndex = snapshotIndex;
  }

  /** Whether the leader should hold back AppendEntries to this peer for now. */
  isPaused(): boolean {
    switch (this.state) {
      case 'probe': return this.probeSent;
      case 'replicate': return this.inflights.isFull();
      case 'snapshot': return true;
    }
  }

  status(): ProgressStatus {
    return {
      matchIndex: this.matchIndex,
      nextIndex: this.nextIndex,
      state: this.state,
      recentActive: this.recentActive,
      isLearner: this.isLearner,
      inflightMessages: this.inflights.count,
    };
  }

  private resetState(state: ProgressState): void {
    this.state = state;
    this.probeSent = false;
    this.pendingSnapshotIndex = 0;
    this.stalledTicks = 0;
    this.inflights.reset();
  }
}
