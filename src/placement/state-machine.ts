import type { NodeId } from '../runtime/ports';
import { createShardMap, emptyShardMap, type Shard, type ShardMap } from '../sharding/shard-map';
import { type CommittedScalingPolicy, type ScalingPolicyApplyResult, type ScalingPolicyCommand, ScalingPolicyRegister } from './scaling-policy';

/**
 * The placement group's replicated state (PD's region metadata, CockroachDB's meta
 * ranges): the shard map, the history of every change to it, and the journal of data
 * moves in progress. It is applied from the placement group's committed log, so every
 * change survives the crash of any minority of the group.
 *
 * Every map change is a compare-and-set on the epoch: a proposer states the epoch it
 * read, and the change applies only if that is still the current one. Two movers racing
 * on one stale map cannot both win, and a retried proposal cannot apply twice.
 *
 * The journal records each move's last committed step, so that whoever drives moves
 * after a leader change (or a crash of the driver) resumes from it: finishing or rolling
 * the move back, never guessing.
 *
 * Everything here is a function of the applied entries: no clock (the proposer stamps
 * virtual time into the entry), no randomness.
 */

export const placementGroupId = 'placement';

/** One committed change of the map: the history query's row. */
export interface MapChange {
  readonly epoch: number;
  readonly reason: string;
  /** Virtual time the change was proposed, stamped by the proposer. */
  readonly atMs: number;
}

/** A move's progress as the journal keeps it (see src/rebalance/executor.ts for the steps). */
export interface JournalRecord {
  readonly moveId: string;
  /** The move, as the planner described it (JSON). */
  readonly move: unknown;
  readonly step: string;
  readonly startedAtMs: number;
  readonly updatedAtMs: number;
  /** Snapshot or copy bytes charged to the move so far. */
  readonly bytes: number;
}

export type PlacementCommand =
  | { readonly kind: 'change-map'; readonly expectedEpoch: number; readonly shards: readonly Shard[]; readonly reason: string; readonly atMs: number }
  /** A move's step, with the map change that step makes (both apply, or neither). */
  | { readonly kind: 'journal'; readonly record: JournalRecord; readonly expectedStep: string | null; readonly mapChange?: JournalMapChange }
  | { readonly kind: 'journal-end'; readonly moveId: string; readonly outcome: 'done' | 'rolled-back'; readonly atMs: number }
  /** The cluster's scaling policy (src/placement/scaling-policy.ts). */
  | ScalingPolicyCommand;

/** The map change a journal step carries: compare-and-set on the epoch, like 'change-map'. */
export interface JournalMapChange {
  readonly expectedEpoch: number;
  readonly shards: readonly Shard[];
  readonly reason: string;
  readonly atMs: number;
}

/** A placement command as it travels in the log. */
export interface PlacementLogEntry {
  readonly placement: PlacementCommand;
}

export function isPlacementEntry(data: unknown): data is PlacementLogEntry {
  return typeof data === 'object' && data !== null && 'placement' in data;
}

export type PlacementApplyResult =
  | { readonly status: 'ok'; readonly epoch: number }
  | { readonly status: 'stale-epoch'; readonly currentEpoch: number }
  | { readonly status: 'stale-step'; readonly currentStep: string | null }
  | Exclude<ScalingPolicyApplyResult, { status: 'ok' }>;

/** A finished move, for the progress report. */
export interface FinishedMove {
  readonly moveId: string;
  readonly outcome: 'done' | 'rolled-back';
  readonly startedAtMs: number;
  readonly endedAtMs: number;
  readonly bytes: number;
}

export interface PlacementSnapshot {
  readonly format: typeof snapshotFormat;
  readonly lastAppliedIndex: number;
  readonly epoch: number;
  readonly shards: readonly Shard[];
  readonly history: readonly MapChange[];
  readonly journal: readonly JournalRecord[];
  readonly finished: readonly FinishedMove[];
  /** Present once a scaling policy was committed. */
  readonly scaling?: CommittedScalingPolicy;
}

const snapshotFormat = 'phantomdb.placement.v1';

export class PlacementStateMachine {
  private currentMap: ShardMap = emptyShardMap();
  private readonly changes: MapChange[] = [];
  private readonly journalRecords = new Map<string, JournalRecord>();
  private readonly finishedMoves: FinishedMove[] = [];
  private readonly scaling = new ScalingPolicyRegister();
  /** Invariant: strictly increases with every applied command. */
  private appliedIndex = 0;

  /** Called after every applied map change (the database keeps the latest committed map). */
  constructor(private readonly onMapApplied: (map: ShardMap) => void = () => {}) {}

  get map(): ShardMap {
    return this.currentMap;
  }

  get history(): readonly MapChange[] {
    return this.changes;
  }

  get journal(): readonly JournalRecord[] {
    return [...this.journalRecords.values()];
  }

  get finished(): readonly FinishedMove[] {
    return this.finishedMoves;
  }

  get lastAppliedIndex(): number {
    return this.appliedIndex;
  }

  /** The committed scaling policy (undefined until one is committed). */
  get scalingPolicy(): CommittedScalingPolicy | undefined {
    return this.scaling.current;
  }

  apply(entry: PlacementLogEntry, logIndex: number): PlacementApplyResult {
    if (!Number.isInteger(logIndex) || logIndex <= this.appliedIndex) {
      throw new Error(`placement: apply at log index ${logIndex} after ${this.appliedIndex}: indexes must strictly increase`);
    }
    this.appliedIndex = logIndex;
    const command = entry.placement;
    switch (command.kind) {
      case 'change-map':
        return this.changeMap(command.expectedEpoch, command.shards, command.reason, command.atMs);
      case 'journal':
        return this.writeJournal(command.record, command.expectedStep, command.mapChange);
      case 'journal-end':
        return this.endJournal(command.moveId, command.outcome, command.atMs);
      case 'scaling-policy': {
        const result = this.scaling.apply(command);
        return result.status === 'ok' ? { status: 'ok', epoch: this.currentMap.epoch } : result;
      }
    }
  }

  private changeMap(expectedEpoch: number, shards: readonly Shard[], reason: string, atMs: number): PlacementApplyResult {
    if (expectedEpoch !== this.currentMap.epoch) return { status: 'stale-epoch', currentEpoch: this.currentMap.epoch };
    // createShardMap validates: a proposer's bug cannot commit a map with an unowned slot.
    this.currentMap = createShardMap(expectedEpoch + 1, shards);
    this.changes.push({ epoch: this.currentMap.epoch, reason, atMs });
    this.onMapApplied(this.currentMap);
    return { status: 'ok', epoch: this.currentMap.epoch };
  }

  private writeJournal(record: JournalRecord, expectedStep: string | null, mapChange: JournalMapChange | undefined): PlacementApplyResult {
    const current = this.journalRecords.get(record.moveId)?.step ?? null;
    if (current !== expectedStep) return { status: 'stale-step', currentStep: current };
    if (mapChange !== undefined) {
      const changed = this.changeMap(mapChange.expectedEpoch, mapChange.shards, mapChange.reason, mapChange.atMs);
      if (changed.status !== 'ok') return changed;
    }
    this.journalRecords.set(record.moveId, record);
    return { status: 'ok', epoch: this.currentMap.epoch };
  }

  private endJournal(moveId: string, outcome: 'done' | 'rolled-back', atMs: number): PlacementApplyResult {
    const record = this.journalRecords.get(moveId);
    if (record === undefined) return { status: 'stale-step', currentStep: null };
    this.journalRecords.delete(moveId);
    this.finishedMoves.push({ moveId, outcome, startedAtMs: record.startedAtMs, endedAtMs: atMs, bytes: record.bytes });
    return { status: 'ok', epoch: this.currentMap.epoch };
  }

  snapshot(): PlacementSnapshot {
    return {
      format: snapshotFormat,
      lastAppliedIndex: this.appliedIndex,
      epoch: this.currentMap.epoch,
      shards: this.currentMap.shards,
      history: [...this.changes],
      journal: [...this.journalRecords.values()],
      finished: [...this.finishedMoves],
      ...(this.scaling.current === undefined ? {} : { scaling: this.scaling.current }),
    };
  }

  restore(data: unknown): void {
    const snapshot = data as PlacementSnapshot;
    if (snapshot?.format !== snapshotFormat) throw new TypeError(`not a ${snapshotFormat} snapshot`);
    this.currentMap = snapshot.shards.length === 0 ? emptyShardMap() : createShardMap(snapshot.epoch, snapshot.shards);
    this.changes.splice(0, this.changes.length, ...snapshot.history);
    this.journalRecords.clear();
    for (const record of snapshot.journal) this.journalRecords.set(record.moveId, record);
    this.finishedMoves.splice(0, this.finishedMoves.length, ...snapshot.finished);
    this.appliedIndex = snapshot.lastAppliedIndex;
    this.scaling.restore(snapshot.scaling);
    if (this.currentMap.shards.length > 0) this.onMapApplied(this.currentMap);
  }

  /** The snapshot a brand-new placement group starts from: the first map, committed at bootstrap. */
  static bootstrapSnapshot(map: ShardMap, atMs: number, index: number): PlacementSnapshot {
    return {
      format: snapshotFormat,
      lastAppliedIndex: index,
      epoch: map.epoch,
      shards: map.shards,
      history: [{ epoch: map.epoch, reason: 'bootstrap: the first placement of the shards', atMs }],
      journal: [],
      finished: [],
    };
  }
}

/** Nodes of a shard in any role (voters and learners). */
export function shardMembers(shard: Shard): NodeId[] {
  return [...shard.replicas, ...(shard.learners ?? [])];
}
