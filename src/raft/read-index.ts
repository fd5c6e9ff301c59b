import { hasQuorum } from './quorum';
import type { NodeId, ReadState } from './types';

interface PendingRead {
  readonly requestId: string;
  /** The leader's commit index when the read arrived. */
  readonly index: number;
  readonly sequence: number;
}

/**
 * ReadIndex (thesis §6.4) on the leader. Each read records the commit index and gets a
 * sequence number; heartbeats carry the latest sequence and followers echo it. Once a
 * majority of voters (the leader counting itself) has echoed a sequence >= a read's, the
 * leader was still leader after the read arrived, so the read may be served at its index.
 * Many reads share one heartbeat round.
 */
export class ReadIndexTracker {
  /** Invariant: sequences strictly increase along the queue. */
  private pending: PendingRead[] = [];
  private latestSequenceValue = 0;
  /** Highest sequence each peer echoed in this leadership. */
  private readonly acknowledged = new Map<NodeId, number>();

  get latestSequence(): number { return this.latestSequenceValue; }
  get pendingCount(): number { return this.pending.length; }

  add(requestId: string, index: number): number {
    this.latestSequenceValue += 1;
    this.pending.push({ requestId, index, sequence: this.latestSequenceValue });
    return this.latestSequenceValue;
  }

  acknowledge(from: NodeId, sequence: number): void {
    // An echo of a sequence this incarnation never sent comes from before a restart.
    if (sequence > this.latestSequenceValue) return;
    if (sequence > (this.acknowledged.get(from) ?? 0)) this.acknowledged.set(from, sequence);
  }

  /** Reads now confirmed by a quorum, in arrival order. */
  takeConfirmed(voters: readonly NodeId[], self: NodeId): ReadState[] {
    const confirmed: ReadState[] = [];
    while (this.pending.length > 0) {
      const read = this.pending[0];
      const confirmedBy = (id: NodeId): boolean => id === self || (this.acknowledged.get(id) ?? 0) >= read.sequence;
      if (!hasQuorum(voters, confirmedBy)) break;
      confirmed.push({ requestId: read.requestId, index: read.index });
      this.pending.shift();
    }
    return confirmed;
  }

  /** Leadership ended: every pending read is dropped. Sequence numbers keep increasing. */
  clear(): string[] {
    const dropped = this.pending.map((read) => read.requestId);
    this.pending = [];
    this.acknowledged.clear();
    return dropped;
  }
}
