import type { NodeId } from '../runtime/ports';
import { createShardMap, emptyShardMap, findShard, type Shard, type ShardMap } from '../sharding/shard-map';
import { type CommittedScalingPolicy, type ScalingPolicyApplyResult, type ScalingPolicyCommand, ScalingPolicyRegister } from './scaling-policy';
import { localityProblem, type TableGoal } from './survival';

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
 * Tables' survival goals and home regions (src/placement/survival.ts) are part of this
 * state too, set by committed `set-goal` entries: every planner run reads the goals the
 * group committed, whichever node plans and whatever leader changes happened since, so a
 * rebalance, a join or a drain plans within them (CockroachDB keeps zone configurations in
 * its replicated system tables for the same reason).
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
  | ScalingPolicyCommand
  /** A table's survival goal and home region (new, or replacing the table's current one). */
  | { readonly kind: 'set-goal'; readonly goal: TableGoal; readonly reason: string; readonly atMs: number };

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
  | Exclude<ScalingPolicyApplyResult, { status: 'ok' }>
  /** A goal the state refuses (bad shape, unknown shard, a shard already holding another table): nothing changed. */
  | { readonly status: 'refused'; readonly reason: string };

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
  /** Tables' goals by shard (absent in snapshots taken before goals were placement state). */
  readonly goals?: readonly TableGoal[];
}

const snapshotFormat = 'phantomdb.placement.v1';

export class PlacementStateMachine {
  private currentMap: ShardMap = emptyShardMap();
  private readonly changes: MapChange[] = [];
  private readonly journalRecords = new Map<string, JournalRecord>();
  private readonly finishedMoves: FinishedMove[] = [];
  private readonly scaling = new ScalingPolicyRegister();
  /** Shard → its table's goal. Invariant: no two shards hold the same table. */
  private readonly tableGoals = new Map<string, TableGoal>();
  /** Invariant: strictly increases with every applied command. */
  private appliedIndex = 0;

  /**
   * `onMapApplied`: after every applied map change (the database keeps the latest committed
   * map). `onGoalsApplied`: after every applied goal and every restore, with the log index
   * they hold as of (the database keeps the goals of the highest index any replica applied).
   */
  constructor(
    private readonly onMapApplied: (map: ShardMap) => void = () => {},
    private readonly onGoalsApplied: (goals: readonly TableGoal[], index: number) => void = () => {},
  ) {}

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

  /** Every table's committed goal, by shard id. */
  get goals(): readonly TableGoal[] {
    return [...this.tableGoals.values()].sort((left, right) => (left.shard < right.shard ? -1 : left.shard > right.shard ? 1 : 0));
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
      case 'set-goal':
        return this.setGoal(command.goal);
    }
  }

  /**
   * Sets a table's goal. Refused (nothing changes) when the goal is malformed, names a
   * shard the map does not have, or a shard that holds another table, or gives a table a
   * second shard. Whether the regions can meet the goal depends on the nodes, which this
   * state does not keep: the proposer checks that before proposing (placement-group.ts).
   */
  private setGoal(goal: TableGoal): PlacementApplyResult {
    const problem = goalProblem(goal);
    if (problem !== undefined) return { status: 'refused', reason: problem };
    if (findShard(this.currentMap, goal.shard) === undefined) return { status: 'refused', reason: `table ${goal.locality.table}: there is no shard ${goal.shard} in map epoch ${this.currentMap.epoch}` };
    const holder = this.tableGoals.get(goal.shard);
    if (holder !== undefined && holder.locality.table !== goal.locality.table) return { status: 'refused', reason: `shard ${goal.shard} already holds table ${holder.locality.table}, not ${goal.locality.table}` };
    const elsewhere = [...this.tableGoals.values()].find((other) => other.locality.table === goal.locality.table && other.shard !== goal.shard);
    if (elsewhere !== undefined) return { status: 'refused', reason: `table ${goal.locality.table} is held by shard ${elsewhere.shard}, not ${goal.shard}` };
    this.tableGoals.set(goal.shard, { shard: goal.shard, locality: { table: goal.locality.table, goal: goal.locality.goal, homeRegion: goal.locality.homeRegion, voters: goal.locality.voters } });
    this.onGoalsApplied(this.goals, this.appliedIndex);
    return { status: 'ok', epoch: this.currentMap.epoch };
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
      goals: this.goals,
    };
  }

  restore(data: unknown): void {
    const snapshot = data as PlacementSnapshot;
    if (snapshot?.format !== snapshotFormat) throw new TypeError(`not a ${snapshotFormat} snapshot`);
    const goals = snapshot.goals ?? [];
    for (const goal of goals) {
      const problem = goalProblem(goal);
      if (problem !== undefined) throw new TypeError(`a ${snapshotFormat} snapshot with a bad goal: ${problem}`);
    }
    this.currentMap = snapshot.shards.length === 0 ? emptyShardMap() : createShardMap(snapshot.epoch, snapshot.shards);
    this.changes.splice(0, this.changes.length, ...snapshot.history);
    this.journalRecords.clear();
    for (const record of snapshot.journal) this.journalRecords.set(record.moveId, record);
    this.finishedMoves.splice(0, this.finishedMoves.length, ...snapshot.finished);
    this.tableGoals.clear();
    for (const goal of goals) this.tableGoals.set(goal.shard, goal);
    this.appliedIndex = snapshot.lastAppliedIndex;
    this.scaling.restore(snapshot.scaling);
    if (this.currentMap.shards.length > 0) this.onMapApplied(this.currentMap);
    this.onGoalsApplied(this.goals, this.appliedIndex);
  }

  /** The snapshot a brand-new placement group starts from: the first map, committed at bootstrap. */
  static bootstrapSnapshot(map: ShardMap, atMs: number, index: number, goals: readonly TableGoal[] = []): PlacementSnapshot {
    for (const goal of goals) {
      const problem = goalProblem(goal) ?? (findShard(map, goal.shard) === undefined ? `there is no shard ${goal.shard} in the first map` : undefined);
      if (problem !== undefined) throw new Error(`placement bootstrap: ${problem}`);
    }
    return {
      format: snapshotFormat,
      lastAppliedIndex: index,
      epoch: map.epoch,
      shards: map.shards,
      history: [{ epoch: map.epoch, reason: 'bootstrap: the first placement of the shards', atMs }],
      journal: [],
      finished: [],
      goals: [...goals],
    };
  }
}

function goalProblem(goal: TableGoal): string | undefined {
  if (typeof goal !== 'object' || goal === null || typeof goal.shard !== 'string' || goal.shard === '') return `a goal must name its shard, got ${JSON.stringify(goal)}`;
  if (typeof goal.locality !== 'object' || goal.locality === null) return `the goal of shard ${goal.shard} has no locality`;
  return localityProblem(goal.locality);
}

/** Nodes of a shard in any role (voters and learners). */
export function shardMembers(shard: Shard): NodeId[] {
  return [...shard.replicas, ...(shard.learners ?? [])];
}
