import { assertInvariant } from './invariants';
import type { Entry, Snapshot } from './types';

export interface LogRestore {
  readonly snapshot?: Snapshot;
  readonly entries: readonly Entry[];
  readonly commitIndex: number;
  readonly appliedIndex?: number;
}

export interface MaybeAppendResult {
  /** Index of the last entry of the AppendEntries, now known to match the leader. */
  readonly lastNewIndex: number;
  /** The first index written (a conflicting suffix from there on was cut first, Figure 7),
   *  or null when every entry was already present. */
  readonly appendedFromIndex: number | null;
}

export interface ConflictHint {
  readonly conflictIndex: number;
  readonly conflictTerm: number | null;
}

/**
 * The replicated log of one node: a snapshot anchor, then entries. The tail from
 * `unstableOffset` on has not been synced by the host yet ("unstable", as in etcd); the
 * part before it is a copy of what the host holds durably ("stable"). The core keeps both
 * in memory, so it never reads storage.
 */
export class RaftLog {
  /** Latest snapshot, durable or pending; null only while the log starts at index 1. */
  private snapshotValue: Snapshot | null;
  /** Invariant: entries[0].index === snapshotIndex + 1 (or the log is empty after it). */
  private snapshotIndexValue: number;
  private snapshotTermValue: number;
  /** Invariant: entries[i].index === snapshotIndex + 1 + i, and terms never decrease. */
  private entries: Entry[];
  /** Invariant: snapshotIndex + 1 <= unstableOffset <= lastIndex + 1. */
  private unstableOffset: number;
  /** A snapshot received from the leader that the host has not persisted yet.
   *  Invariant: when set, pendingSnapshot.index === snapshotIndex. */
  private pendingSnapshotValue: Snapshot | null = null;
  /** Invariant: snapshotIndex <= commitIndex <= lastIndex. Never decreases. */
  private commitIndexValue: number;
  /** Invariant: appliedIndex <= commitIndex. Never decreases. */
  private appliedIndexValue: number;

  constructor(restore?: LogRestore) {
    const snapshot = restore?.snapshot ?? null;
    this.snapshotValue = snapshot;
    this.snapshotIndexValue = snapshot?.index ?? 0;
    this.snapshotTermValue = snapshot?.term ?? 0;
    this.entries = (restore?.entries ?? []).filter((entry) => entry.index > this.snapshotIndexValue);
    this.unstableOffset = this.lastIndex + 1;
    this.commitIndexValue = Math.max(restore?.commitIndex ?? 0, this.snapshotIndexValue);
    this.appliedIndexValue = restore?.appliedIndex ?? this.snapshotIndexValue;
    this.checkContiguous(this.entries, this.snapshotIndexValue, this.snapshotTermValue);
    assertInvariant(this.commitIndexValue <= this.lastIndex, () =>
      `restored commitIndex ${this.commitIndexValue} is beyond the restored lastIndex ${this.lastIndex}`);
    assertInvariant(this.appliedIndexValue <= this.commitIndexValue, () =>
      `restored appliedIndex ${this.appliedIndexValue} is beyond commitIndex ${this.commitIndexValue}`);
  }

  get snapshot(): Snapshot | null { return this.snapshotValue; }
  get snapshotIndex(): number { return this.snapshotIndexValue; }
  get snapshotTerm(): number { return this.snapshotTermValue; }
  get firstIndex(): number { return this.snapshotIndexValue + 1; }
  get lastIndex(): number { return this.snapshotIndexValue + this.entries.length; }
  get lastTerm(): number { return this.entries.length > 0 ? this.entries[this.entries.length - 1].term : this.snapshotTermValue; }
  get commitIndex(): number { return this.commitIndexValue; }
  get appliedIndex(): number { return this.appliedIndexValue; }
  get pendingSnapshot(): Snapshot | null { return this.pendingSnapshotValue; }

  /** The term of the entry at `index`, or undefined when it is compacted or beyond the log. */
  term(index: number): number | undefined {
    if (index === this.snapshotIndexValue) return this.snapshotTermValue;
    if (index < this.snapshotIndexValue || index > this.lastIndex) return undefined;
    return this.entries[index - this.snapshotIndexValue - 1].term;
  }

  matchTerm(index: number, term: number): boolean {
    return this.term(index) === term;
  }

  entryAt(index: number): Entry | undefined {
    if (index <= this.snapshotIndexValue || index > this.lastIndex) return undefined;
    return this.entries[index - this.snapshotIndexValue - 1];
  }

  /** §5.4.1 election restriction: is a candidate's log at least as up to date as ours? */
  isUpToDate(candidateLastIndex: number, candidateLastTerm: number): boolean {
    const lastTerm = this.lastTerm;
    return candidateLastTerm > lastTerm || (candidateLastTerm === lastTerm && candidateLastIndex >= this.lastIndex);
  }

  /** Up to `maxCount` entries from `fromIndex` on. */
  slice(fromIndex: number, maxCount: number): Entry[] {
    assertInvariant(fromIndex > this.snapshotIndexValue, () =>
      `slice from ${fromIndex} reaches into the compacted prefix (snapshot index ${this.snapshotIndexValue})`);
    const start = fromIndex - this.snapshotIndexValue - 1;
    return this.entries.slice(start, start + Math.max(0, maxCount));
  }

  /** Leader append (Leader Append-Only, Figure 3): strictly after the last entry. */
  appendAsLeader(entry: Entry): void {
    assertInvariant(entry.index === this.lastIndex + 1, () =>
      `leader append at index ${entry.index} but lastIndex is ${this.lastIndex}`);
    assertInvariant(entry.term >= this.lastTerm, () =>
      `leader append with term ${entry.term} below last term ${this.lastTerm}`);
    this.entries.push(entry);
  }

  /**
   * The follower side of the AppendEntries consistency check (§5.3): if our log holds
   * (prevIndex, prevTerm), append the entries, cutting the first conflicting suffix
   * (Figure 7). Entries we already hold are kept, so a stale or duplicated message never
   * removes entries. Returns null when the check fails.
   */
  maybeAppend(prevIndex: number, prevTerm: number, entries: readonly Entry[]): MaybeAppendResult | null {
    if (!this.matchTerm(prevIndex, prevTerm)) return null;
    this.checkContiguous(entries, prevIndex, prevTerm);
    const lastNewIndex = prevIndex + entries.length;
    const conflictIndex = this.findConflict(entries);
    if (conflictIndex === 0) return { lastNewIndex, appendedFromIndex: null };
    assertInvariant(conflictIndex > this.commitIndexValue, () =>
      `entry ${conflictIndex} conflicts with the committed prefix (commitIndex ${this.commitIndexValue})`);
    this.truncateAndAppend(entries.slice(conflictIndex - prevIndex - 1));
    return { lastNewIndex, appendedFromIndex: conflictIndex };
  }

  /** The first index where `entries` disagree with our log or extend it; 0 if neither. */
  private findConflict(entries: readonly Entry[]): number {
    for (const entry of entries) {
      if (entry.index <= this.snapshotIndexValue) continue;
      if (!this.matchTerm(entry.index, entry.term)) return entry.index;
    }
    return 0;
  }

  private truncateAndAppend(entries: readonly Entry[]): void {
    if (entries.length === 0) return;
    const firstNewIndex = entries[0].index;
    assertInvariant(firstNewIndex > this.snapshotIndexValue && firstNewIndex <= this.lastIndex + 1, () =>
      `append at ${firstNewIndex} leaves a gap or reaches below the snapshot (log ${this.firstIndex}..${this.lastIndex})`);
    this.entries.length = firstNewIndex - this.snapshotIndexValue - 1;
    for (const entry of entries) this.entries.push(entry);
    this.unstableOffset = Math.min(this.unstableOffset, firstNewIndex);
  }

  /**
   * Hint for a rejected AppendEntries (end of §5.3): the term we hold at prevIndex and the
   * first index of that term, so the leader can skip the whole term in one round trip.
   */
  conflictHint(prevIndex: number): ConflictHint {
    if (prevIndex > this.lastIndex) return { conflictIndex: this.lastIndex + 1, conflictTerm: null };
    const conflictTerm = this.term(prevIndex);
    assertInvariant(conflictTerm !== undefined, () =>
      `conflict hint asked at compacted index ${prevIndex} (snapshot index ${this.snapshotIndexValue})`);
    const conflictIndex = Math.max(this.firstIndexOfTermAtOrAfter(conflictTerm), this.commitIndexValue + 1);
    return { conflictIndex: Math.min(conflictIndex, prevIndex), conflictTerm };
  }

  /** The last index holding `term`, or null. Terms never decrease along the log, so this
   *  is a binary search. */
  lastIndexOfTerm(term: number): number | null {
    let low = 0;
    let high = this.entries.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if (this.entries[middle].term <= term) low = middle + 1;
      else high = middle;
    }
    if (low > 0 && this.entries[low - 1].term === term) return this.snapshotIndexValue + low;
    if (low === 0 && this.snapshotTermValue === term && this.snapshotIndexValue > 0) return this.snapshotIndexValue;
    return null;
  }

  /** The first index whose term is >= `term` (binary search), at least firstIndex. */
  private firstIndexOfTermAtOrAfter(term: number): number {
    let low = 0;
    let high = this.entries.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if (this.entries[middle].term < term) low = middle + 1;
      else high = middle;
    }
    return this.snapshotIndexValue + 1 + low;
  }

  commitTo(index: number): boolean {
    if (index <= this.commitIndexValue) return false;
    assertInvariant(index <= this.lastIndex, () =>
      `commitIndex ${index} would pass lastIndex ${this.lastIndex}`);
    this.commitIndexValue = index;
    return true;
  }

  appliedTo(index: number): void {
    if (index <= this.appliedIndexValue) return;
    assertInvariant(index <= this.commitIndexValue, () =>
      `appliedIndex ${index} would pass commitIndex ${this.commitIndexValue}`);
    this.appliedIndexValue = index;
  }

  /** Committed entries not yet applied (those covered by a pending snapshot excluded). */
  entriesToApply(maxCount: number): Entry[] {
    const fromIndex = Math.max(this.appliedIndexValue, this.snapshotIndexValue) + 1;
    if (fromIndex > this.commitIndexValue) return [];
    return this.slice(fromIndex, Math.min(maxCount, this.commitIndexValue - fromIndex + 1));
  }

  hasEntriesToApply(): boolean {
    return Math.max(this.appliedIndexValue, this.snapshotIndexValue) < this.commitIndexValue;
  }

  unstableEntries(): Entry[] {
    if (this.unstableOffset > this.lastIndex) return [];
    return this.entries.slice(this.unstableOffset - this.snapshotIndexValue - 1);
  }

  hasUnstableEntries(): boolean {
    return this.unstableOffset <= this.lastIndex;
  }

  /** The host synced entries up to (index, term). Ignored if the log changed since. */
  stableTo(index: number, term: number): void {
    if (!this.matchTerm(index, term) || index < this.unstableOffset) return;
    this.unstableOffset = index + 1;
  }

  /** The host synced the pending snapshot at `index`. */
  stableSnapshotTo(index: number): void {
    if (this.pendingSnapshotValue !== null && this.pendingSnapshotValue.index === index) {
      this.pendingSnapshotValue = null;
    }
  }

  /** Replace the whole log by a snapshot from the leader (§7). */
  restore(snapshot: Snapshot): void {
    assertInvariant(snapshot.index > this.commitIndexValue, () =>
      `restoring snapshot ${snapshot.index} at or below commitIndex ${this.commitIndexValue}`);
    this.snapshotValue = snapshot;
    this.pendingSnapshotValue = snapshot;
    this.snapshotIndexValue = snapshot.index;
    this.snapshotTermValue = snapshot.term;
    this.entries = [];
    this.unstableOffset = snapshot.index + 1;
    this.commitIndexValue = snapshot.index;
  }

  /** Drop the prefix covered by a snapshot the host made of applied state (§7). */
  compact(snapshot: Snapshot): void {
    assertInvariant(snapshot.index <= this.appliedIndexValue, () =>
      `compacting to ${snapshot.index} beyond appliedIndex ${this.appliedIndexValue}`);
    assertInvariant(snapshot.index < this.unstableOffset, () =>
      `compacting to ${snapshot.index} over entries not yet synced (from ${this.unstableOffset})`);
    assertInvariant(this.term(snapshot.index) === snapshot.term, () =>
      `snapshot term ${snapshot.term} differs from the log term at ${snapshot.index}`);
    this.entries = this.entries.slice(snapshot.index - this.snapshotIndexValue);
    this.snapshotValue = snapshot;
    this.snapshotIndexValue = snapshot.index;
    this.snapshotTermValue = snapshot.term;
  }

  private checkContiguous(entries: readonly Entry[], previousIndex: number, previousTerm: number): void {
    let index = previousIndex;
    let term = previousTerm;
    for (const entry of entries) {
      assertInvariant(entry.index === index + 1, () => `entries are not contiguous: ${entry.index} follows ${index}`);
      assertInvariant(entry.term >= term, () => `entry ${entry.index} has term ${entry.term} below the term ${term} before it`);
      index = entry.index;
      term = entry.term;
    }
  }
}
