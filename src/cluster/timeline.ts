/**
 * Records how the cluster's opinion of each node changes over virtual time: one entry per
 * change of the observer-consensus state, so a long run stays small.
 */
import type { NodeId } from '../runtime/ports';
import { consensusStates } from './agreement';
import type { MemberState, MembershipView } from './types';

export interface StateChange {
  readonly atMs: number;
  readonly state: MemberState;
}

export interface TimelineSegment {
  readonly state: MemberState;
  readonly startMs: number;
  readonly endMs: number;
}

export class MembershipTimeline {
  private readonly changesByNode = new Map<NodeId, StateChange[]>();
  private lastRecordedMs = -Infinity;

  /** Records the consensus of the live observers' views at virtual time `virtualTimeMs`. */
  recordViews(virtualTimeMs: number, views: readonly MembershipView[]): void {
    this.record(virtualTimeMs, consensusStates(views));
  }

  /**
   * Records each node's state at `virtualTimeMs`; only changes are kept. Nodes absent from
   * `states` keep their last state (nobody live has an opinion that could replace it).
   */
  record(virtualTimeMs: number, states: ReadonlyMap<NodeId, MemberState>): void {
    if (!Number.isFinite(virtualTimeMs) || virtualTimeMs < this.lastRecordedMs) {
      throw new RangeError(`timeline times must not go backwards: ${virtualTimeMs} after ${this.lastRecordedMs}`);
    }
    this.lastRecordedMs = virtualTimeMs;
    for (const [id, state] of states) {
      let changes = this.changesByNode.get(id);
      if (!changes) this.changesByNode.set(id, (changes = []));
      if (changes.length === 0 || changes[changes.length - 1].state !== state) changes.push({ atMs: virtualTimeMs, state });
    }
  }

  nodeIds(): NodeId[] {
    return [...this.changesByNode.keys()].sort();
  }

  changes(id: NodeId): readonly StateChange[] {
    return this.changesByNode.get(id) ?? [];
  }

  /** The state recorded for `id` at `atMs`, or undefined before its first record. */
  stateAt(id: NodeId, atMs: number): MemberState | undefined {
    let state: MemberState | undefined;
    for (const change of this.changes(id)) {
      if (change.atMs > atMs) break;
      state = change.state;
    }
    return state;
  }

  /** Contiguous segments of one node's states, clipped to [startMs, endMs]. */
  segments(id: NodeId, endMs: number, startMs = 0): TimelineSegment[] {
    const changes = this.changes(id);
    const segments: TimelineSegment[] = [];
    for (let index = 0; index < changes.length; index++) {
      const from = Math.max(changes[index].atMs, startMs);
      const to = Math.min(index + 1 < changes.length ? changes[index + 1].atMs : endMs, endMs);
      if (to > from) segments.push({ state: changes[index].state, startMs: from, endMs: to });
    }
    return segments;
  }
}
