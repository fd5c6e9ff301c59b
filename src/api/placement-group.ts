import type { KvServer } from '../kv/server';
import { PlacementService, type ReplicaReport, type StoreReport } from '../placement/heartbeat';
import {
  type FinishedMove,
  type JournalRecord,
  type MapChange,
  type PlacementApplyResult,
  type PlacementCommand,
  type PlacementLogEntry,
  PlacementStateMachine,
  placementGroupId,
} from '../placement/state-machine';
import { type SitedNode, SurvivalGoalError, type TableGoal, localityProblem, voterCountsByRegion } from '../placement/survival';
import type { RaftStatus, Snapshot } from '../raft';
import type { NodeEnv, NodeId } from '../runtime/ports';
import type { ReplicatedStateMachine } from '../runtime/raft-host';
import type { RaftService } from '../runtime/raft-service';
import { emptyShardMap, type Shard, type ShardMap } from '../sharding/shard-map';
import type { Simulation } from '../sim';
import { plainInput } from '../util/wire-copy';
import { followedByMajority } from './leadership';

/** How often every server node reports its replicas and load to the placement leader. */
export const STORE_HEARTBEAT_MS = 1_000;

/** Wait before retrying a map change that was not committed (no leader, or a lost race). */
const MAP_RETRY_MS = 50;

/** Ports the placement group needs from the database that owns it. */
export interface PlacementGroupDeps {
  raftOn(node: NodeId): RaftService | undefined;
  kvOn(node: NodeId): KvServer | undefined;
  /** Tells the group's safety checker what a bootstrapped replica holds. */
  onBootstrapped(node: NodeId, snapshot: Snapshot): void;
}

export type PlacementOutcome = { ok: true; result: PlacementApplyResult } | { ok: false; reason: string };

/**
 * The placement group as the rest of the system sees it: the one authority on where data
 * lives. It hosts a Raft group (`placement`) on three nodes whose state machine is
 * src/placement/state-machine.ts, proposes map changes and journal steps to its leader,
 * and answers with the latest committed map.
 *
 * "Committed map" is the map of the highest epoch that any placement replica has applied:
 * a replica applies only committed entries, and epochs only grow, so that map is the
 * group's current one (a read from the applied state, as a client would get from any
 * replica and then fence by epoch).
 */
export class PlacementGroup {
  /** Nodes the placement group was bootstrapped on (its members may change later). */
  nodes: NodeId[] = [];
  private committed: ShardMap = emptyShardMap();
  /** The goals of the highest log index any placement replica applied: the committed goals (entries only commit, never un-commit). */
  private committedGoals: { readonly index: number; readonly goals: readonly TableGoal[] } = { index: 0, goals: [] };
  private readonly machines = new Map<NodeId, PlacementStateMachine>();
  private readonly services = new Map<NodeId, PlacementService>();

  constructor(private readonly sim: Simulation, private readonly deps: PlacementGroupDeps) {}

  /** The latest committed shard map (empty before the database exists). */
  get map(): ShardMap {
    return this.committed;
  }

  /** A fresh state machine for the placement replica on `node` (on every start). */
  machineFor(node: NodeId): ReplicatedStateMachine {
    const machine = new PlacementStateMachine(
      (map) => {
        if (map.epoch > this.committed.epoch) this.committed = map;
      },
      (goals, index) => {
        if (index > this.committedGoals.index) this.committedGoals = { index, goals };
      },
    );
    this.machines.set(node, machine);
    return {
      apply: (data, index) => machine.apply(data as PlacementLogEntry, index),
      snapshot: () => machine.snapshot(),
      restore: (data) => machine.restore(data),
    };
  }

  /** The store-heartbeat service of a server node. */
  serviceFor(env: NodeEnv, kv: KvServer, raft: RaftService): PlacementService {
    const service = new PlacementService(env, {
      placementNodes: () => this.nodes,
      placementRole: () => this.roleOn(env.id, raft),
      collectReplicas: (intervalMs) => collectReplicas(kv, raft, intervalMs),
      heartbeatIntervalMs: STORE_HEARTBEAT_MS,
    });
    this.services.set(env.id, service);
    return service;
  }

  /**
   * Starts the placement group on `nodes` with `map` as its first committed state. Every
   * replica starts from the same snapshot at index 1 (the bootstrap of CockroachDB's first
   * ranges: written to disk before the group runs, identical everywhere).
   */
  bootstrap(nodes: readonly NodeId[], map: ShardMap, goals: readonly TableGoal[] = []): void {
    if (this.nodes.length > 0) throw new Error('the placement group already exists');
    this.nodes = [...nodes];
    const data = PlacementStateMachine.bootstrapSnapshot(map, this.sim.nowMs, 1, goals);
    const snapshot: Snapshot = Object.freeze({ index: 1, term: 1, config: { voters: [...nodes], learners: [] }, data });
    for (const node of nodes) {
      const disk = this.sim.node(node).disk;
      disk.put(`raft/${placementGroupId}/snapshot`, snapshot);
      disk.put(`raft/${placementGroupId}/hard-state`, { term: 1, votedFor: null, commitIndex: 1 });
      disk.sync();
      this.deps.onBootstrapped(node, snapshot);
      const raft = this.deps.raftOn(node);
      if (raft === undefined) throw new Error(`${node} is not running, so it cannot host the placement group`);
      raft.ensureGroup({ groupId: placementGroupId, bootstrapConfig: { voters: [...nodes], learners: [] } });
    }
    this.committed = map;
    this.committedGoals = { index: 1, goals: [...goals] };
  }

  /** The running placement leader with the highest term. */
  leader(): NodeId | undefined {
    let best: { node: NodeId; term: number } | undefined;
    for (const node of this.sim.nodeIds) {
      const status = this.hostOn(node)?.status();
      if (status?.role === 'leader' && (best === undefined || status.term > best.term)) best = { node, term: status.term };
    }
    return best?.node;
  }

  /** Proposes a command to the placement leader; the callback runs once it is applied or lost. */
  propose(command: PlacementCommand, callback: (outcome: PlacementOutcome) => void): void {
    // The command goes into the placement group's log as it is: plain data, copied.
    const entry: PlacementLogEntry = { placement: plainInput(command, 'the placement command') };
    const leader = this.leader();
    if (leader === undefined) return callback({ ok: false, reason: 'the placement group has no leader' });
    this.hostOn(leader)!.propose(entry, (outcome) => {
      if (!outcome.ok) callback({ ok: false, reason: `placement leader ${leader}: ${outcome.reason}` });
      else callback({ ok: true, result: outcome.result as PlacementApplyResult });
    });
  }

  /** Proposes a new map (compare-and-set on the current epoch) with the reason for the history. */
  changeMap(shards: readonly Shard[], reason: string, callback: (outcome: PlacementOutcome) => void = () => {}): void {
    const away = this.awayFromHome(shards);
    if (away !== undefined) return callback({ ok: false, reason: away });
    this.propose({ kind: 'change-map', expectedEpoch: this.committed.epoch, shards, reason, atMs: this.sim.nowMs }, callback);
  }

  /**
   * Changes the map until the change is committed: `change` derives the next shards from
   * the latest committed map, or returns undefined once nothing is left to change. A lost
   * proposal or a lost compare-and-set race is retried from the newer map every
   * `retryMs`, at most `attemptsMax` times.
   */
  ensureMap(change: (map: ShardMap) => readonly Shard[] | undefined, reason: string, done: (ok: boolean) => void = () => {}, attemptsMax = 100): void {
    const shards = change(this.committed);
    if (shards === undefined) return done(true);
    // Leaders prefer the home region (the committed goals): such a change is refused, not retried.
    if (this.awayFromHome(shards) !== undefined) return done(false);
    if (attemptsMax <= 0) return done(false);
    this.changeMap(shards, reason, (outcome) => {
      if (outcome.ok && outcome.result.status === 'ok') return done(true);
      this.sim.scheduler.schedule(MAP_RETRY_MS, () => this.ensureMap(change, reason, done, attemptsMax - 1));
    });
  }

  /** The state machine of the placement replica that applied the most (the freshest view). */
  freshestMachine(): PlacementStateMachine | undefined {
    let best: PlacementStateMachine | undefined;
    for (const [node, machine] of this.machines) {
      if (this.hostOn(node) === undefined) continue;
      if (best === undefined || machine.lastAppliedIndex > best.lastAppliedIndex) best = machine;
    }
    return best;
  }

  /**
   * Every table's survival goal as the group committed it: the goals as of the highest log
   * index any placement replica applied (like the map: a replica that crashed right after
   * applying a goal does not take it back). What every planner run must plan within.
   */
  goals(): readonly TableGoal[] {
    return this.committedGoals.goals;
  }

  /**
   * Why `shards` would make a table with a committed goal prefer a leader outside its home
   * region, when its preferred leader changes (undefined when none would). The planner never
   * plans that (survival-phase.ts); this refuses it from anyone else, such as an operator's
   * leadership transfer, whose leader the key-value servers' leader balancer then brings
   * back home.
   */
  private awayFromHome(shards: readonly Shard[]): string | undefined {
    for (const { shard, locality } of this.committedGoals.goals) {
      const next = shards.find((entry) => entry.id === shard)?.preferredLeader;
      if (next === undefined || next === this.committed.shards.find((entry) => entry.id === shard)?.preferredLeader) continue;
      const region = this.sim.hasNode(next) ? this.sim.node(next).metadata.region : undefined;
      if (region !== locality.homeRegion) return `table ${locality.table} prefers a leader in its home region ${locality.homeRegion}, and ${next} stands in ${region ?? 'no region'}`;
    }
    return undefined;
  }

  /**
   * Sets a table's survival goal and home region through the group's log. Refused before
   * anything is proposed (with a SurvivalGoalError naming the table) when the goal is
   * malformed or the nodes' regions and zones cannot meet it: an unknown home region, fewer
   * than three regions for the region goal, too few zones in the home region for the zone
   * goal. A lost proposal is retried every `retryMs`; `done` gets undefined once the goal is
   * committed, or the reason the group refused it or could not commit it.
   */
  setGoal(goal: TableGoal, sited: readonly SitedNode[], reason: string, done: (problem: string | undefined) => void, attemptsMax = 100): void {
    const problem = localityProblem(goal.locality);
    if (problem !== undefined) throw new SurvivalGoalError(goal.locality, problem);
    voterCountsByRegion(goal.locality, sited);
    const attempt = (left: number): void => {
      if (left <= 0) return done(`the placement group did not commit table ${goal.locality.table}'s goal after ${attemptsMax} attempts`);
      this.propose({ kind: 'set-goal', goal, reason, atMs: this.sim.nowMs }, (outcome) => {
        if (outcome.ok && outcome.result.status === 'ok') return done(undefined);
        if (outcome.ok && outcome.result.status === 'refused') return done(outcome.result.reason);
        this.sim.scheduler.schedule(MAP_RETRY_MS, () => attempt(left - 1));
      });
    };
    attempt(attemptsMax);
  }

  history(): readonly MapChange[] {
    return this.freshestMachine()?.history ?? [];
  }

  journal(): readonly JournalRecord[] {
    return this.freshestMachine()?.journal ?? [];
  }

  /** The journal of moves in flight as the running placement replica on `node` has applied it (undefined: none runs there). */
  journalOn(node: NodeId): readonly JournalRecord[] | undefined {
    return this.hostOn(node) === undefined ? undefined : this.machines.get(node)?.journal;
  }

  /**
   * True when `journal()` holds every committed entry: the placement group has a leader that a
   * majority of its voters follow in its term and that has committed an entry of that term,
   * and the freshest running replica has applied that leader's commit index. Read from a lagging replica (the ones that had applied more
   * paused or crashed), the journal may lack a move in flight, whose learner then looks like
   * a stray (rebalancing seed 7654).
   */
  journalIsCurrent(): boolean {
    // Each running replica's status, read once (the mover asks on every tick).
    const statuses = new Map<NodeId, RaftStatus>();
    for (const node of this.sim.nodeIds) {
      const status = this.hostOn(node)?.status();
      if (status !== undefined) statuses.set(node, status);
    }
    const leader = this.leader();
    const status = leader === undefined ? undefined : statuses.get(leader);
    if (leader === undefined || status === undefined || !followedByMajority(leader, status, (node) => statuses.get(node))) return false;
    // A leader's commit index covers every committed entry only once it has committed one of
    // its own term: a leader just elected may hold entries its predecessor committed, beyond
    // the commit index it knows (Raft §8; before, a journal missing them counted as current).
    if (!this.hostOn(leader)!.raft.hasCommittedInCurrentTerm) return false;
    // Raft's applied index, not the machine's: the machine sees only commands, not the
    // leaders' no-ops. A replica that applied this far holds the freshest machine's state.
    return [...statuses.values()].some((replica) => replica.appliedIndex >= status.commitIndex);
  }

  finishedMoves(): readonly FinishedMove[] {
    return this.freshestMachine()?.finished ?? [];
  }

  /** Per node, the heartbeat answers its store-heartbeat service (the running one, or the last) ignored as not asked. */
  heartbeatAnswersNotAsked(): { node: NodeId; ignored: number }[] {
    return [...this.services].map(([node, service]) => ({ node, ignored: service.answersNotAsked }));
  }

  /** What the current placement leader heard in the latest store heartbeats. */
  storeReports(): StoreReport[] {
    const leader = this.leader();
    return leader === undefined ? [] : (this.services.get(leader)?.storeReports() ?? []);
  }

  private hostOn(node: NodeId) {
    const simNode = this.sim.hasNode(node) ? this.sim.node(node) : undefined;
    if (simNode?.state !== 'running') return undefined;
    return this.deps.raftOn(node)?.group(placementGroupId);
  }

  private roleOn(node: NodeId, raft: RaftService): { leader: boolean; leaderHint: NodeId | null; epoch: number } | undefined {
    // The core's accessors, not status(): a whole status per heartbeat was a visible share of an idle cluster's time.
    const replica = raft.group(placementGroupId)?.raft;
    if (replica === undefined) return undefined;
    return { leader: replica.currentRole === 'leader', leaderHint: replica.knownLeader, epoch: this.machines.get(node)?.map.epoch ?? 0 };
  }
}

function collectReplicas(kv: KvServer, raft: RaftService, intervalMs: number): ReplicaReport[] {
  return raft.groupIds.map((group) => {
    const host = raft.group(group)!;
    const machine = kv.machine(group);
    const served = kv.takeServedCounts(group);
    return {
      group,
      role: host.raft.currentRole,
      term: host.raft.currentTerm,
      appliedIndex: host.applied,
      keys: machine?.keyCount ?? 0,
      bytes: machine?.byteCount ?? 0,
      readsPerSecond: (served.reads * 1000) / intervalMs,
      writesPerSecond: (served.writes * 1000) / intervalMs,
    };
  });
}
