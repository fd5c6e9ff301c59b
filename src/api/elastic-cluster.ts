import { defaultExecutorOptions, type ExecutorOptions, MigrationExecutor } from '../rebalance/executor';
import type { PlanNode } from '../rebalance/types';
import type { NodeId } from '../runtime/ports';
import { placementGroupId } from '../placement/state-machine';
import { repairVoters, SurvivalGoalError } from '../placement/survival';
import type { ActivitySource, NodeActivity } from '../scaling/monitor';
import type { NodeCountPoint } from '../scaling/resource-chart';
import { chooseNodesToDrain, reasonsNotToStop, type StopView } from '../scaling/scale-in';
import type { ScalingActuator } from '../scaling/autoscaler';
import { planWithCommittedGoals } from './goal-planning';
import { migrationPorts } from './migration-ports';
import type { PhantomCluster } from './phantom-cluster';
import { jsonLengthOfImmutableItems } from '../util/json-length';

/**
 * The autoscaler's hands on the real cluster (issue 9 §3): it starts nodes that join with
 * the cluster's join token, lets the rebalancer (planner + migration executor) give them
 * shards, drains nodes through the same rebalancer, and stops a node only when it holds
 * nothing. It is also the monitor's activity source: each node's readings come from what
 * its processes really did (src/kv/server.ts counts requests and CPU time; the state
 * machines hold the data; the disk holds the Raft logs).
 *
 * A node's life here: joining (started, holds no voter yet; HPA counts it at 0% on
 * scale-up) → serving → draining (the planner moves every replica off it) → stopped. A
 * reconcile loop runs every `reconcileIntervalMs`: it stops each draining node that passes
 * the scale-in safety check (src/scaling/scale-in.ts: it holds nothing in the map, in any
 * group's configuration or on its disk, and no shard or the replication factor needs it),
 * and when the executor is idle it plans (replica counts within `threshold`, leaders too,
 * draining nodes emptied) and submits the moves.
 */
export type ElasticNodeState = 'joining' | 'serving' | 'draining' | 'stopped';

export interface NodeCapacity {
  /** Processing time of one client request (the node's CPU): capacity is 1000 / this requests per second. */
  readonly serviceTimeMs: number;
  readonly memoryBytes: number;
  readonly diskBytes: number;
}

export interface ElasticClusterOptions {
  readonly replicationFactor: number;
  readonly capacity: NodeCapacity;
  /** The rebalancer's imbalance threshold on replica counts (0.1: within 10% of the mean). */
  readonly threshold: number;
  readonly reconcileIntervalMs: number;
  readonly executor: ExecutorOptions;
}

export const defaultElasticOptions = { threshold: 0.1, reconcileIntervalMs: 1_000, executor: defaultExecutorOptions } as const;

/** One scale-in request and what the safety rules made of it. */
export interface DrainRecord {
  readonly atMs: number;
  readonly asked: number;
  readonly chosen: readonly NodeId[];
  readonly passedOver: readonly string[];
}

export interface StopRecord {
  readonly atMs: number;
  readonly node: NodeId;
  /** Server nodes left counting toward capacity after the stop. */
  readonly serversAfter: number;
}

export class ElasticCluster implements ScalingActuator, ActivitySource {
  readonly executor: MigrationExecutor;
  readonly nodeCounts: NodeCountPoint[] = [];
  readonly drains: DrainRecord[] = [];
  readonly stops: StopRecord[] = [];
  /** Plans submitted, with their size (the report's rebalancing trail). */
  readonly plans: { atMs: number; moves: number; draining: readonly NodeId[] }[] = [];
  /** Planner refusals met by the reconcile loop (none expected; a final check reads it). */
  readonly problems: string[] = [];
  private readonly states = new Map<NodeId, ElasticNodeState>();
  private nextNumber: number;
  private running = false;

  constructor(private readonly cluster: PhantomCluster, readonly options: ElasticClusterOptions) {
    if (!(options.capacity.serviceTimeMs > 0)) throw new RangeError(`a node's service time must be positive, got ${options.capacity.serviceTimeMs} ms`);
    const servers = cluster.nodeIds.filter((id) => cluster.database.raftOn(id) !== undefined);
    if (servers.length < options.replicationFactor) throw new RangeError(`${servers.length} server nodes cannot hold ${options.replicationFactor} replicas of a shard`);
    for (const id of servers) this.states.set(id, 'serving');
    this.nextNumber = 1 + Math.max(0, ...servers.map((id) => Number(/(\d+)$/.exec(id)?.[1] ?? 0)));
    cluster.database.kvServiceTimeMs = options.capacity.serviceTimeMs;
    this.executor = new MigrationExecutor(migrationPorts(cluster.sim, cluster.database), options.executor);
    this.recordCount();
  }

  /** Starts the reconcile loop (rebalancing, joining nodes becoming serving, drained nodes stopping). */
  start(): void {
    if (this.running) return;
    this.running = true;
    const loop = (): void => {
      if (!this.running) return;
      this.reconcile();
      this.cluster.sim.scheduler.schedule(this.options.reconcileIntervalMs, loop);
    };
    this.cluster.sim.scheduler.schedule(this.options.reconcileIntervalMs, loop);
  }

  stop(): void {
    this.running = false;
  }

  stateOf(node: NodeId): ElasticNodeState | undefined {
    return this.states.get(node);
  }

  /** Nodes that count toward capacity (joining and draining included); ready = serving. */
  nodes(): readonly { id: string; ready: boolean }[] {
    return this.liveIds().map((id) => ({ id, ready: this.states.get(id) === 'serving' }));
  }

  /** Server nodes not stopped, in the order they were added. */
  liveIds(): NodeId[] {
    return [...this.states].filter(([, state]) => state !== 'stopped').map(([id]) => id);
  }

  idsIn(state: ElasticNodeState): NodeId[] {
    return [...this.states].filter(([, current]) => current === state).map(([id]) => id);
  }

  /** A scale-in is being carried out (HPA does not start another resize meanwhile). */
  busy(): boolean {
    return this.idsIn('draining').length > 0;
  }

  /** Starts `count` nodes; each joins through the placement nodes with the cluster's join token. */
  scaleOut(count: number): void {
    const seeds = this.cluster.database.placement.nodes.filter((id) => this.cluster.node(id).isUp);
    for (let index = 0; index < count; index++) {
      const id = `node-${this.nextNumber++}`;
      this.cluster.addNode(id, { seeds: seeds.length > 0 ? seeds : this.liveIds().slice(0, 1) });
      this.states.set(id, 'joining');
    }
    this.recordCount();
  }

  /** Marks up to `count` nodes draining, as the scale-in rules allow (see src/scaling/scale-in.ts). */
  scaleIn(count: number): void {
    const map = this.cluster.database.shardMap;
    const protectedNodes = new Set(this.cluster.database.placement.nodes);
    const nodes = this.liveIds().map((id) => ({
      id,
      replicas: map.shards.filter((shard) => shard.replicas.includes(id) || (shard.learners ?? []).includes(id)).length,
      protected: protectedNodes.has(id) || this.states.get(id) === 'joining',
      draining: this.states.get(id) === 'draining',
      up: this.cluster.node(id).state === 'running',
    }));
    const view = { nodes, shards: map.shards.map((shard) => ({ id: shard.id, voters: shard.replicas })), replicationFactor: this.options.replicationFactor };
    const goalsWithout = this.goalsWithout();
    const choice = chooseNodesToDrain(goalsWithout === undefined ? view : { ...view, goalsWithout }, count);
    for (const id of choice.chosen) this.states.set(id, 'draining');
    this.drains.push({ atMs: this.cluster.sim.nowMs, asked: count, ...choice });
  }

  /** The scale-in check of the committed survival goals: can every table's goal still be met without the leaving nodes? */
  private goalsWithout(): ((leaving: ReadonlySet<NodeId>) => string | undefined) | undefined {
    const goals = this.cluster.database.placement.goals();
    if (goals.length === 0) return undefined;
    const map = this.cluster.database.shardMap;
    return (leaving) => {
      const sited = this.liveIds().flatMap((id) => {
        const { region, zone } = this.cluster.node(id).metadata;
        return leaving.has(id) || this.states.get(id) === 'draining' || region === undefined ? [] : [{ id, region, zone: zone ?? `${region}/${id}` }];
      });
      for (const { shard, locality } of goals) {
        try {
          repairVoters(locality, { voters: map.shards.find((entry) => entry.id === shard)?.replicas ?? [] }, sited);
        } catch (error) {
          if (error instanceof SurvivalGoalError) return error.message;
          throw error;
        }
      }
      return undefined;
    };
  }

  /**
   * True when nothing joins, drains or moves, every server node runs and the planner may place on it (a node
   * that restarted counts once every member sees it alive again), and the planner finds nothing to move.
   */
  balanced(): boolean {
    if (this.idsIn('joining').length > 0 || this.busy() || !this.executor.idle) return false;
    const placeable = this.planNodes().filter((node) => !node.draining).length;
    if (placeable !== this.liveIds().length) return false;
    return this.plan().moves.length === 0;
  }

  /** What a node did, as its processes and disk show it; undefined (a missing sample) while it is not running. */
  activity(id: NodeId): NodeActivity | undefined {
    const state = this.states.get(id);
    if (state === undefined || state === 'stopped' || this.cluster.node(id).state !== 'running') return undefined;
    const kv = this.cluster.database.kvOn(id);
    const raft = this.cluster.database.raftOn(id);
    if (kv === undefined || raft === undefined) return undefined;
    const disk = this.cluster.node(id).disk;
    let dataBytes = 0;
    let raftLogBytes = 0;
    for (const group of raft.groupIds) {
      if (group !== placementGroupId) dataBytes += kv.machine(group)?.byteCount ?? 0;
      const log = disk.get<unknown[]>(`raft/${group}/log`);
      if (log !== undefined) raftLogBytes += jsonLengthOfImmutableItems(log);
    }
    const { serviceTimeMs, memoryBytes, diskBytes } = this.options.capacity;
    return { operationsProcessed: kv.work.requestsHandled, requestsServed: kv.work.requestsHandled, dataBytes, raftLogBytes, capacity: { operationsPerSecond: 1000 / serviceTimeMs, memoryBytes, diskBytes } };
  }

  // ---- the reconcile loop ------------------------------------------------------------------------

  reconcile(): void {
    this.markJoinedNodesServing();
    // The stop check is the one gate: a draining node stops as soon as it holds nothing anywhere.
    for (const node of this.idsIn('draining')) this.stopIfEmpty(node);
    if (!this.executor.idle) return;
    let moves;
    try {
      moves = this.plan().moves;
    } catch (error) {
      // The planner calls every node it must empty draining; say which of them are down rather than drained.
      const down = this.liveIds().filter((id) => this.cluster.node(id).state !== 'running');
      const downNote = down.length > 0 ? ` (not running: ${down.join(', ')})` : '';
      if (this.problems.length < 20) this.problems.push(`${(this.cluster.sim.nowMs / 1000).toFixed(1)} s: ${(error as Error).message}${downNote}`);
      return;
    }
    if (moves.length > 0) {
      this.plans.push({ atMs: this.cluster.sim.nowMs, moves: moves.length, draining: this.idsIn('draining') });
      this.executor.submit(moves);
    }
  }

  private plan() {
    // Within the tables' committed survival goals, if any (goal-planning.ts).
    return planWithCommittedGoals(this.cluster.sim, this.cluster.database, { map: this.cluster.database.shardMap, nodes: this.planNodes(), policy: { measure: 'replicas', threshold: this.options.threshold, replicationFactor: this.options.replicationFactor } });
  }

  /**
   * The nodes as the planner sees them: every live node that has joined (all members see it
   * alive) or that the map names. Draining ones must empty, and so must a node whose process
   * does not run: the planner never places a replica or leadership on a node that is down
   * (the move would wait on it, roll back after 3 s and be planned again, for ever), and the
   * replicas it holds are made again on running nodes, as CockroachDB up-replicates a dead
   * node's ranges. A node that comes back is a target again, and replica GC deletes its old copies.
   */
  private planNodes(): PlanNode[] {
    const map = this.cluster.database.shardMap;
    const named = new Set(map.shards.flatMap((shard) => [...shard.replicas, ...(shard.learners ?? [])]));
    return this.liveIds()
      .filter((id) => named.has(id) || this.hasJoined(id))
      .map((id) => ({ id, draining: this.states.get(id) === 'draining' || this.cluster.node(id).state !== 'running' }));
  }

  private hasJoined(id: NodeId): boolean {
    return this.cluster.node(id).state === 'running' && this.cluster.member(id)?.rejection() === undefined && this.cluster.everyLiveMemberSees(id, 'alive');
  }

  /** A joining node serves once it holds a voter replica in the committed map. */
  private markJoinedNodesServing(): void {
    const map = this.cluster.database.shardMap;
    for (const id of this.idsIn('joining')) {
      if (map.shards.some((shard) => shard.replicas.includes(id))) this.states.set(id, 'serving');
    }
  }

  private stopIfEmpty(node: NodeId): void {
    if (reasonsNotToStop(node, this.stopView(node)).length > 0) return;
    const simNode = this.cluster.node(node);
    if (simNode.isUp) simNode.stop(); // graceful: membership announces the departure, the disk is flushed
    this.states.set(node, 'stopped');
    this.stops.push({ atMs: this.cluster.sim.nowMs, node, serversAfter: this.liveIds().length });
    this.recordCount();
  }

  /** The cluster as the stop check sees it: the map, each group's running configuration, the node's disk. */
  stopView(node: NodeId): StopView {
    const database = this.cluster.database;
    const map = database.shardMap;
    const configs = map.shards.flatMap((shard) => {
      const leader = database.leaderOf(shard.id);
      const config = leader === undefined ? undefined : database.replica(shard.id, leader)?.status().config;
      return config === undefined ? [] : [{ id: shard.id, voters: config.voters, learners: config.learners }];
    });
    const groupsOnDisk = (this.cluster.node(node).disk.get<{ groupId: string }[]>('raft/groups') ?? []).map((spec) => spec.groupId).filter((group) => group !== placementGroupId);
    const live = this.liveIds();
    return {
      map: map.shards.map((shard) => ({ id: shard.id, voters: shard.replicas, learners: shard.learners ?? [] })),
      configs,
      groupsOnDisk,
      upNodes: live.filter((id) => this.cluster.node(id).state === 'running'),
      serverCount: live.length,
      replicationFactor: this.options.replicationFactor,
    };
  }

  private recordCount(): void {
    this.nodeCounts.push({ atMs: this.cluster.sim.nowMs, nodes: this.liveIds().length });
  }
}

