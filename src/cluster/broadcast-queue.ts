/**
 * The dissemination queue of SWIM §4.1: updates waiting to be piggybacked, each sent a
 * bounded number of times (λ · log n), least-sent first and newest first among equals.
 *
 * Entries live in buckets indexed by how often they were sent, so choosing the updates
 * for one message costs O(piggyback size) rather than a scan or a sort of the queue.
 * A newer update about the same member supersedes the queued one (marked, removed lazily).
 */
import type { NodeId } from '../runtime/ports';
import { invariant } from './invariant';
import type { MemberUpdate } from './types';

interface QueuedUpdate {
  readonly update: MemberUpdate;
  transmits: number;
  superseded: boolean;
}

export class BroadcastQueue {
  /** buckets[t] holds entries sent t times; the end of each array is the newest entry. */
  private readonly buckets: QueuedUpdate[][] = [[]];
  /** The one live entry per member. Invariant: every value is in some bucket and not superseded. */
  private readonly latestByMember = new Map<NodeId, QueuedUpdate>();

  /** Number of members with an update still to be sent. */
  get pendingCount(): number {
    return this.latestByMember.size;
  }

  enqueue(update: MemberUpdate): void {
    const previous = this.latestByMember.get(update.memberId);
    if (previous) previous.superseded = true;
    const entry: QueuedUpdate = { update, transmits: 0, superseded: false };
    this.latestByMember.set(update.memberId, entry);
    this.buckets[0].push(entry);
  }

  /**
   * Takes up to `countMax` updates for one message and counts them as sent; an update sent
   * `transmitLimit` times is dropped. Updates about `excludedMemberId` are skipped (the caller
   * already put a fresher record of that member in the message).
   */
  take(countMax: number, transmitLimit: number, excludedMemberId?: NodeId): MemberUpdate[] {
    // Messages are built only on failure: every ping and ack takes its piggyback here.
    if (!(Number.isInteger(countMax) && countMax >= 0)) invariant(false, `countMax must be a non-negative integer, got ${countMax}`);
    if (!(transmitLimit >= 1)) invariant(false, `transmitLimit must be at least 1, got ${transmitLimit}`);
    const chosen: QueuedUpdate[] = [];
    const skipped: QueuedUpdate[] = [];
    for (let transmits = 0; transmits < this.buckets.length && chosen.length < countMax; transmits++) {
      const bucket = this.buckets[transmits];
      while (bucket.length > 0 && chosen.length < countMax) {
        const entry = bucket.pop()!;
        if (entry.superseded) continue;
        if (entry.transmits >= transmitLimit) {
          this.forget(entry);
        } else if (entry.update.memberId === excludedMemberId) {
          skipped.push(entry);
        } else {
          chosen.push(entry);
        }
      }
    }
    for (const entry of skipped) this.bucketFor(entry.transmits).push(entry);
    const updates: MemberUpdate[] = new Array(chosen.length);
    for (let index = 0; index < chosen.length; index++) {
      const entry = chosen[index];
      updates[index] = entry.update;
      entry.transmits++;
      if (entry.transmits >= transmitLimit) this.forget(entry);
      else this.bucketFor(entry.transmits).push(entry);
    }
    invariant(updates.length <= countMax, 'took more updates than asked for');
    return updates;
  }

  private bucketFor(transmits: number): QueuedUpdate[] {
    while (this.buckets.length <= transmits) this.buckets.push([]);
    return this.buckets[transmits];
  }

  private forget(entry: QueuedUpdate): void {
    entry.superseded = true;
    if (this.latestByMember.get(entry.update.memberId) === entry) this.latestByMember.delete(entry.update.memberId);
  }
}
