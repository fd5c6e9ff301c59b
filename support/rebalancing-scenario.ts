import { groupView, migrationPorts } from '../src/api/migration-ports';
import { Workload } from '../src/api/workload';
import type { GroupView } from '../src/rebalance/ports';
import { mapConfigDisagreements } from '../src/rebalance/agreement';
import { defaultExecutorOptions, type ExecutorOptions, MigrationExecutor, type MigrationProgress } from '../src/rebalance/executor';
import { planWithCommittedGoals } from '../src/api/goal-planning';
import { type BalanceMeasure, type Move, type Plan, type PlanNode, PlanError, type ShardLoad } from '../src/rebalance/types';
import type { NodeId } from '../src/runtime/ports';
import { findShard, type Shard, shardById, shardForKey, slotForKey } from '../src/sharding/shard-map';
import { rangesFromSlots, slotsOf } from '../src/sharding/slots';
import { type FaultKind, Nemesis } from '../src/sim';
import { kvStore } from './kv-scenario';
import type { PhantomWorld } from './world';

/** Bound for every shard of a new store to elect a leader (see README, "Consensus bounds"). */
const LEADER_BOUND_MS = 5_000;
/** Bound for a joining node to be agreed on by every member. */
const JOIN_BOUND_MS = 10_000;
/** Bound for the executor to finish whatever it is doing before the final oracle compares map and groups. */
const SETTLE_BOUND_MS = 60_000;
/** Bound for a client operation (with retries across a cut-over or an election). */
const OPERATION_BOUND_MS = 15_000;

/** One row of the "where does this key live" answer. */
export interface KeyLocation {
  readonly key: string;
  readonly slot: number;
  readonly shard: string;
  readonly replicas: string;
  readonly preferredLeader: NodeId;
  readonly epoch: number;
}

/** One row of the "what does this node hold" answer. */
export interface NodeHolding {
  readonly shard: string;
  /** Role in the map: voter, learner, preferred leader. */
  readonly role: string;
  /** What the node last reported in its store heartbeat. */
  readonly reportedRole: string;
  readonly keys: number;
  readonly bytes: number;
}

/**
 * The rebalancing part of a scenario: a store whose data moves, the migration executor,
 * clients working throughout, the placement service's answers as tables, and the final
 * oracle that compares the placement map with every group's configuration.
 */
export class RebalancingScenario {
  private executorInstance: MigrationExecutor | undefined;
  private executorOptions: ExecutorOptions = defaultExecutorOptions;
  private workload: Workload | undefined;
  private readonly originalShards = new Map<string, string>();
  private readonly movedOffLeaders = new Map<string, NodeId>();
  private readonly draining = new Set<NodeId>();
  private lastPlan: Plan | undefined;
  private zoneViolation: string | undefined;
  private zoneWatch = false;
  private crashedPlacementLeader: NodeId | undefined;
  private frozenPlacementLeader: NodeId | undefined;
  private crashedPlacementNodes: NodeId[] = [];

  constructor(private readonly world: PhantomWorld) {}

  private get database() {
    return this.world.cluster.database;
  }

  /** Starts node-1 … node-N and the store; registers the oracles (kv's and the map's). */
  start(nodes: number, shards: number, replicas: number, snapshotThreshold?: number, zones?: readonly string[]): void {
    const cluster = this.world.cluster;
    for (let index = 1; index <= nodes; index++) {
      const zone = zones?.[(index - 1) % zones.length];
      cluster.addNode(`node-${index}`, { seeds: index === 1 ? [] : ['node-1'], ...(zone === undefined ? {} : { metadata: { zone } }) });
    }
    this.world.waitUntil(() => cluster.liveMembers().length === nodes && cluster.agreement(), JOIN_BOUND_MS, `all ${nodes} nodes to join`);
    this.database.create({ shards, replicationFactor: replicas, ...(snapshotThreshold === undefined ? {} : { snapshotThreshold }) });
    this.waitForLeaders();
    const kv = kvStore(this.world);
    this.world.addFinalCheck('consensus safety (every data group and the placement group)', () => {
      const violation = this.database.safetyViolation();
      if (violation) throw violation;
    });
    this.world.addFinalCheck('linearizability of every client history', () => kv.assertLinearizable());
    this.world.addFinalCheck('no acknowledged write lost', () => kv.assertNoLostWrites());
    this.world.addFinalCheck('the placement map agrees with every group configuration', () => this.assertMapAgreesWithGroups(SETTLE_BOUND_MS));
  }

  waitForLeaders(): void {
    this.world.waitUntil(() => this.database.shardIds().every((shard) => this.database.hasStableLeader(shard)), LEADER_BOUND_MS, 'every shard to have a leader');
  }

  /** A new server node joins the cluster (it holds nothing until data moves to it). */
  addNode(node: NodeId, zone?: string): void {
    const cluster = this.world.cluster;
    cluster.addNode(node, { seeds: ['node-1'], ...(zone === undefined ? {} : { metadata: { zone } }) });
    this.world.waitUntil(() => cluster.everyLiveMemberSees(node, 'alive'), JOIN_BOUND_MS, `${node} to join`);
  }

  configureExecutor(options: Partial<ExecutorOptions>): void {
    if (this.executorInstance !== undefined) throw new Error('the migration limits must be set before the first move');
    this.executorOptions = { ...this.executorOptions, ...options };
  }

  get executor(): MigrationExecutor {
    this.executorInstance ??= new MigrationExecutor(migrationPorts(this.world.sim, this.database), this.executorOptions);
    return this.executorInstance;
  }

  submit(moves: readonly Move[]): void {
    const ids = this.executor.submit(moves);
    this.lastSubmitted = moves.map((move, index) => ({ id: ids[index], what: describeMove(move) }));
  }

  /** The moves the last `submit` started, each with its id and a description ("shard-1 from node-2 to node-5"). */
  lastSubmitted: readonly { readonly id: string | undefined; readonly what: string }[] = [];

  /** How each of the last submitted moves ended ('done', 'rolled-back'), or undefined while it has not. */
  outcomesOfLastSubmitted(): { what: string; id: string | undefined; outcome: string | undefined }[] {
    const finished = this.database.placement.finishedMoves();
    return this.lastSubmitted.map(({ id, what }) => ({ what, id, outcome: finished.find((move) => move.moveId === id)?.outcome }));
  }

  waitForMoves(withinMs: number): void {
    try {
      this.world.waitUntil(() => this.executor.idle, withinMs, 'the moves to finish');
    } catch (error) {
      throw new Error(`${(error as Error).message}\n${this.executorState()}`);
    }
  }

  /** The executor's progress, journal, map and each group's configuration, for a failure message. */
  executorState(): string {
    const groups = this.database.shardIds().map((id) => {
      const view = groupView(this.database, id);
      if (view === undefined) return `${id}: no leader`;
      const progress = Object.entries(view.progress).map(([node, entry]) => `${node} match ${entry.matchIndex} ${entry.state}${entry.recentActive ? '' : ' inactive'}${entry.isLearner ? ' learner' : ''}`).join('; ');
      return `${id}: leader ${view.leader}, voters ${view.config.voters.join(',')}, learners ${view.config.learners.join(',') || '-'}, commit ${view.commitIndex}${view.configCommitted ? '' : ' (config change pending)'}; ${progress}`;
    });
    return [`progress: ${JSON.stringify(this.progress())}`, `journal: ${JSON.stringify(this.database.placement.journal())}`, ...groups].join('\n');
  }

  progress(): MigrationProgress {
    return this.executor.progress(this.database.placement.finishedMoves());
  }

  /** The replica of the shard that is on its leader right now (so the move must hand leadership over). */
  leaderReplica(shardId: string): NodeId {
    const leader = this.database.leaderOf(shardId);
    if (leader === undefined) throw new Error(`${shardId} has no leader`);
    return leader;
  }

  rememberMovedOffLeader(shardId: string, node: NodeId): void {
    this.movedOffLeaders.set(shardId, node);
  }

  movedOffLeader(shardId: string): NodeId {
    const node = this.movedOffLeaders.get(shardId);
    if (node === undefined) throw new Error(`no copy of ${shardId} was moved off its leader in this scenario`);
    return node;
  }

  // ---- faults mid-move ------------------------------------------------------------------------------

  /** Waits until the journal shows the move of `shardId` to `node` at `step` (or later); bounded. */
  waitForMoveStep(shardId: string, node: NodeId, step: string, withinMs: number): void {
    const order = ['planned', 'learner-added', 'promoted', 'leader-moved', 'removed'];
    const reached = (): boolean => this.database.placement.journal().some((record) => {
      const move = record.move as Move;
      return move.kind === 'move-replica' && move.shard === shardId && move.to === node && order.indexOf(record.step) >= order.indexOf(step);
    });
    this.world.waitUntil(reached, withinMs, `the move of ${shardId} to ${node} to reach "${step}"`);
  }

  /** Crashes the placement group's leader and remembers it (for its restart). */
  crashPlacementLeader(): NodeId {
    const leader = this.database.placement.leader();
    if (leader === undefined) throw new Error('the placement group has no leader to crash');
    this.world.node(leader).crash();
    this.crashedPlacementLeader = leader;
    return leader;
  }

  restartPlacementLeader(): void {
    if (this.crashedPlacementLeader === undefined) throw new Error("the placement group's leader has not crashed in this scenario");
    this.world.node(this.crashedPlacementLeader).start();
  }

  /** Pauses the placement group's leader and cuts it off from every other node (messages to it are lost, not held); remembers it. */
  freezePlacementLeader(): NodeId {
    const leader = this.database.placement.leader();
    if (leader === undefined) throw new Error('the placement group has no leader to freeze');
    this.world.node(leader).pause();
    this.world.sim.network.isolate(leader);
    this.frozenPlacementLeader = leader;
    return leader;
  }

  /** The placement leader frozen by freezePlacementLeader. */
  get frozenLeader(): NodeId {
    if (this.frozenPlacementLeader === undefined) throw new Error(`In step "${this.world.currentStep}": no placement leader was frozen; start with "the placement group's leader freezes, cut off from every other node"`);
    return this.frozenPlacementLeader;
  }

  /** Crashes every placement node but the frozen leader, and remembers them (for their restart). */
  crashOtherPlacementNodes(): NodeId[] {
    const frozen = this.frozenLeader;
    this.crashedPlacementNodes = this.database.placement.nodes.filter((node) => node !== frozen);
    for (const node of this.crashedPlacementNodes) this.world.node(node).crash();
    return this.crashedPlacementNodes;
  }

  restartCrashedPlacementNodes(): void {
    if (this.crashedPlacementNodes.length === 0) throw new Error(`In step "${this.world.currentStep}": no placement node crashed; start with "the placement group's other nodes crash"`);
    for (const node of this.crashedPlacementNodes) this.world.node(node).start();
  }

  // ---- chaos --------------------------------------------------------------------------------------

  /**
   * Safety phase: random faults (the nemesis) and a random move every 0.5–1.5 s (a replica
   * to a node that has none of the shard, or a key's slot to another shard), for the
   * duration. Then heal, let the executor finish or roll back (bounded), and stop the
   * clients with a final read of every key.
   */
  runChaos(durationMs: number, faults: readonly FaultKind[]): void {
    const servers = this.world.cluster.nodeIds.filter((node) => this.database.raftOn(node) !== undefined);
    const nemesis = new Nemesis(this.world.sim, { nodes: servers, faults: [...faults] });
    const random = this.world.sim.random.stream('rebalance-chaos');
    const endMs = this.world.sim.nowMs + durationMs;
    let submitted = 0;
    const next = (): void => {
      if (this.world.sim.nowMs >= endMs) return;
      const move = this.randomMove(random, servers);
      if (move !== undefined && this.executor.progress([]).pending < 2) {
        this.submit([move]);
        submitted++;
      }
      this.world.sim.scheduler.schedule(500 + random.int(1000), next);
    };
    nemesis.start();
    next();
    this.world.sim.runFor(durationMs);
    nemesis.healAll();
    this.world.attachText('faults injected', nemesis.log.map((fault) => `${(fault.startMs / 1000).toFixed(2)} s – ${fault.endMs === undefined ? 'end' : (fault.endMs / 1000).toFixed(2) + ' s'}: ${fault.description}`).join('\n'));
    this.waitForMoves(SETTLE_BOUND_MS);
    this.world.attachText('migration progress', `${submitted} random moves submitted\n${this.progressTable()}`);
    this.stopClients();
  }

  private randomMove(random: { int(max: number): number; next(): number }, servers: readonly NodeId[]): Move | undefined {
    const map = this.database.shardMap;
    const shard = map.shards[random.int(map.shards.length)];
    if (random.next() < 0.6) {
      const candidates = servers.filter((node) => !shard.replicas.includes(node) && !(shard.learners ?? []).includes(node));
      if (candidates.length === 0) return undefined;
      const from = shard.replicas[random.int(shard.replicas.length)];
      return { kind: 'move-replica', shard: shard.id, from, to: candidates[random.int(candidates.length)], reason: 'chaos: random replica move' };
    }
    const others = map.shards.filter((other) => other.id !== shard.id);
    const key = this.workload?.keyNames[random.int(this.workload.keyNames.length)];
    if (others.length === 0 || key === undefined) return undefined;
    const from = shardForKey(map, key)!;
    const to = map.shards.filter((other) => other.id !== from.id)[random.int(map.shards.length - 1)];
    const slot = slotForKey(key);
    return { kind: 'move-slots', from: from.id, to: to.id, range: { start: slot, endExclusive: slot + 1 }, reason: `chaos: the slot of ${key} to ${to.id}` };
  }

  // ---- plans ------------------------------------------------------------------------------------

  /** Marks nodes as draining: the next plan moves every replica off them. */
  drain(nodes: readonly NodeId[]): void {
    for (const node of nodes) {
      if (!this.world.sim.hasNode(node) || this.database.raftOn(node) === undefined) throw new PlanError(`there is no node ${node} to drain`);
      this.draining.add(node);
    }
  }

  /** The nodes as the planner sees them: every server node, with its zone, capacity and whether it drains. */
  planNodes(): PlanNode[] {
    return this.world.cluster.nodeIds.filter((node) => this.database.raftOn(node) !== undefined || this.database.shardMap.shards.some((shard) => shard.replicas.includes(node))).map((node) => {
      const metadata = this.world.sim.node(node).metadata;
      return { id: node, ...(metadata.zone !== undefined && metadata.zone !== 'default' ? { zone: metadata.zone } : {}), ...(metadata.capacity !== undefined ? { capacity: metadata.capacity } : {}), draining: this.draining.has(node) };
    });
  }

  /** Loads per shard from the placement leader's latest store heartbeats (the shard leader's report). */
  loads(): ShardLoad[] {
    const reports = this.database.placement.storeReports();
    return this.database.shardMap.shards.map((shard) => {
      const replica = reports.flatMap((report) => report.replicas).find((entry) => entry.group === shard.id && entry.role === 'leader');
      return { shard: shard.id, bytes: replica?.bytes ?? 0, readsPerSecond: replica?.readsPerSecond ?? 0, writesPerSecond: replica?.writesPerSecond ?? 0 };
    });
  }

  /** Plans a rebalance of the current map; throws the planner's PlanError on bad input (nothing changes). */
  plan(measure: BalanceMeasure, threshold: number): Plan {
    const replicationFactor = Math.max(...this.database.shardMap.shards.map((shard) => shard.replicas.length));
    this.lastPlan = planWithCommittedGoals(this.world.sim, this.database, { map: this.database.shardMap, nodes: this.planNodes(), loads: this.loads(), policy: { measure, threshold, replicationFactor } });
    return this.lastPlan;
  }

  get plannedMoves(): readonly Move[] {
    if (this.lastPlan === undefined) throw new Error('no plan was made; plan a rebalance first');
    return this.lastPlan.moves;
  }

  runPlan(): void {
    this.submit(this.plannedMoves);
  }

  planTable(): string {
    const rows = this.plannedMoves.map((move) => {
      const where = move.kind === 'move-replica' || move.kind === 'transfer-leader' ? `${move.shard}  ${move.from} → ${move.to}` : move.kind === 'move-slots' ? `${move.from} → ${move.to}` : move.kind === 'split' ? `${move.shard} → ${move.newShard}` : `${move.from} → ${move.into}`;
      return `${move.kind.padEnd(16)} ${where.padEnd(30)} ${move.reason}`;
    });
    const imbalance = (this.lastPlan!.before.map((entry) => `${entry.measure} ${entry.maxOverMean.toFixed(2)}`).join(', ')) + ' → ' + this.lastPlan!.after.map((entry) => `${entry.measure} ${entry.maxOverMean.toFixed(2)}`).join(', ');
    return [`${'KIND'.padEnd(16)} ${'WHAT'.padEnd(30)} REASON`, ...rows, '', `max/mean before → after: ${imbalance}`].join('\n');
  }

  /** Replicas per server node in the current map (nodes holding none included). */
  replicaCounts(): Map<NodeId, number> {
    const counts = new Map<NodeId, number>(this.planNodes().map((node) => [node.id, 0]));
    for (const shard of this.database.shardMap.shards) for (const node of shard.replicas) counts.set(node, (counts.get(node) ?? 0) + 1);
    return counts;
  }

  /** From now on, every 50 ms of virtual time, checks that no shard has two voting replicas in one zone (a learner joining is not one yet, and a replica being replaced counts with its replacement). */
  watchZones(): void {
    if (this.zoneWatch) return;
    this.zoneWatch = true;
    const check = (): void => {
      if (this.zoneViolation === undefined) this.zoneViolation = this.zoneConflict();
      this.world.sim.scheduler.schedule(50, check);
    };
    check();
  }

  get firstZoneViolation(): string | undefined {
    return this.zoneViolation ?? this.zoneConflict();
  }

  /** A replica being replaced and its replacement count as one: add-then-remove has both for a moment. */
  private zoneConflict(): string | undefined {
    const leaving = new Set(this.database.placement.journal().map((record) => record.move as Move).flatMap((move) => (move.kind === 'move-replica' ? [`${move.shard}/${move.from}`] : [])));
    for (const shard of this.database.shardMap.shards) {
      const zones = new Map<string, NodeId>();
      for (const node of shard.replicas.filter((replica) => !leaving.has(`${shard.id}/${replica}`))) {
        const zone = this.world.sim.node(node).metadata.zone ?? node;
        if (zones.has(zone)) return `${shard.id} had copies on ${zones.get(zone)} and ${node}, both in zone ${zone}, at ${this.world.sim.nowMs.toFixed(0)} ms (epoch ${this.database.shardMap.epoch})`;
        zones.set(zone, node);
      }
    }
    return undefined;
  }

  // ---- clients ---------------------------------------------------------------------------

  startClients(clients: number, keys: number): void {
    this.workload = new Workload(this.world.sim, this.database, { clients, keys, kinds: ['read', 'write', 'cas'], thinkTimeMs: { minMs: 5, maxMs: 50 } });
    this.workload.start();
  }

  /** Stops the clients, waits for their last operations, then reads every key once more (the lost-write oracle needs a final read). */
  stopClients(): void {
    const workload = this.workload;
    if (workload === undefined) throw new Error('no clients are running; start them with "{int} clients keep reading and writing {int} keys"');
    workload.stop();
    this.world.waitUntil(() => workload.idle, OPERATION_BOUND_MS, 'the clients to finish their last operations');
    for (const key of workload.keyNames) {
      const read = kvStore(this.world).await(this.database.client('final-reader').get(key), `a final read of ${key}`);
      if (read.outcome !== 'ok') throw new Error(`the final read of ${key} did not succeed: ${read.outcome} (${read.reason})`);
    }
    this.world.attachText('client operations', JSON.stringify(workload.counts, null, 2));
  }

  get workloadCounts() {
    if (this.workload === undefined) throw new Error('no clients ran in this scenario');
    return this.workload.counts;
  }

  // ---- the placement service's answers ----------------------------------------------------

  whereKeyLives(key: string): KeyLocation {
    const map = this.database.shardMap;
    const shard = shardForKey(map, key)!;
    return { key, slot: slotForKey(key), shard: shard.id, replicas: [...shard.replicas].sort().join(', '), preferredLeader: shard.preferredLeader, epoch: map.epoch };
  }

  /** The map's answer for a node, joined with what the node last said in its store heartbeat. */
  whatNodeHolds(node: NodeId): NodeHolding[] {
    const report = this.database.placement.storeReports().find((store) => store.node === node);
    return this.database.shardMap.shards.filter((shard) => roleIn(shard, node) !== undefined).map((shard) => {
      const replica = report?.replicas.find((entry) => entry.group === shard.id);
      return { shard: shard.id, role: roleIn(shard, node)!, reportedRole: replica?.role ?? 'not reported', keys: replica?.keys ?? 0, bytes: replica?.bytes ?? 0 };
    });
  }

  /** Waits for a store heartbeat from every running server node to reach the placement leader. */
  waitForHeartbeats(withinMs: number): void {
    const servers = this.world.cluster.nodeIds.filter((node) => this.world.sim.node(node).state === 'running' && this.database.raftOn(node) !== undefined);
    const before = new Map(this.database.placement.storeReports().map((report) => [report.node, report.sequence]));
    this.world.waitUntil(() => {
      const reports = this.database.placement.storeReports();
      return servers.every((node) => reports.some((report) => report.node === node && report.sequence > (before.get(node) ?? 0)));
    }, withinMs, () => `a new store heartbeat from every running node (now placement leader ${this.database.placement.leader() ?? 'none'} has reports from ${this.database.placement.storeReports().map((report) => `${report.node}#${report.sequence}`).join(', ') || 'nobody'})`);
  }

  /** Nodes whose disks hold the key (in a served replica's state machine). */
  nodesHoldingKey(key: string): NodeId[] {
    const shard = shardForKey(this.database.shardMap, key)!;
    return this.world.cluster.nodeIds.filter((node) => this.database.localValue(shard.id, node, key) !== undefined && this.database.localValue(shard.id, node, key) !== null);
  }

  historyTable(): string {
    const rows = this.database.placement.history().map((change) => `${String(change.epoch).padStart(5)}  ${(change.atMs / 1000).toFixed(3).padStart(9)} s  ${change.reason}`);
    return [`EPOCH  ${'TIME'.padStart(11)}  REASON`, ...rows].join('\n');
  }

  progressTable(): string {
    const progress = this.progress();
    return [
      `moves done          ${progress.done}`,
      `moves rolled back   ${progress.rolledBack}`,
      `moves pending       ${progress.pending + progress.inFlight}`,
      `bytes moved         ${progress.bytesMoved}`,
      `elapsed (simulated) ${(progress.elapsedMs / 1000).toFixed(3)} s`,
      `most moves at once  ${progress.concurrentMax} (limit ${this.executor.options.maxConcurrentMoves})`,
      `releases deferred   ${progress.releasesDeferred} (a transaction held locks in the range)`,
      `moves skipped       ${this.executor.skipped.length}${this.executor.skipped.map((skip) => `\n  ${skip.moveId}: ${skip.reason}`).join('')}`,
    ].join('\n');
  }

  // ---- the final oracle ------------------------------------------------------------------------

  /** Waits for the executor to settle, then compares the map with every group's configuration and with every disk. */
  assertMapAgreesWithGroups(withinMs: number): void {
    if (this.executorInstance !== undefined) this.world.waitUntil(() => this.executor.idle, withinMs, 'the executor to finish its moves');
    let problems: string[] = [];
    try {
      this.world.waitUntil(() => (problems = this.disagreements()).length === 0, withinMs, 'the map and the group configurations to agree');
    } catch {
      throw new Error(`the placement map and the groups disagree:\n${problems.map((problem) => `- ${problem}`).join('\n')}`);
    }
  }

  disagreements(): string[] {
    const map = this.database.shardMap;
    const groups = new Map<string, GroupView | undefined>();
    const hosts = new Map<string, NodeId[]>();
    for (const node of this.world.cluster.nodeIds) {
      for (const spec of this.world.sim.node(node).disk.get<{ groupId: string }[]>('raft/groups') ?? []) {
        if (spec.groupId === 'placement') continue;
        hosts.set(spec.groupId, [...(hosts.get(spec.groupId) ?? []), node]);
      }
    }
    for (const shard of map.shards) groups.set(shard.id, groupView(this.database, shard.id));
    return mapConfigDisagreements(map, groups, hosts);
  }

  // ---- slot moves ------------------------------------------------------------------------------

  /** Moves the key's slot to `toShard` (by default the first other shard by name). */
  moveSlotOf(key: string, toShard?: string): void {
    const map = this.database.shardMap;
    const from = shardForKey(map, key)!.id;
    this.originalShards.set(key, from);
    const to = toShard ?? map.shards.map((shard) => shard.id).filter((id) => id !== from).sort()[0];
    if (to === from) throw new Error(`${key} already lives on ${to}`);
    shardById(map, to);
    const slot = slotForKey(key);
    this.submit([{ kind: 'move-slots', from, to, range: { start: slot, endExclusive: slot + 1 }, reason: `scenario: the slot of ${key} to ${to}` }]);
  }

  originalShardOf(key: string): string | undefined {
    return this.originalShards.get(key);
  }

  split(shardId: string, newShard: string, replicas: readonly NodeId[]): void {
    const shard = this.shard(shardId);
    if (this.hasShard(newShard)) throw new Error(`${newShard} already exists`);
    const slots = [...slotsOf(shard.slots)];
    const upper = rangesFromSlots(slots.slice(Math.ceil(slots.length / 2)));
    this.submit([{ kind: 'split', shard: shardId, newShard, ranges: upper, replicas, reason: `scenario: split ${shardId}` }]);
  }

  slotCount(shardId: string): number {
    return [...slotsOf(this.shard(shardId).slots)].length;
  }

  shard(shardId: string): Shard {
    return shardById(this.database.shardMap, shardId);
  }

  hasShard(shardId: string): boolean {
    return findShard(this.database.shardMap, shardId) !== undefined;
  }
}

function roleIn(shard: Shard, node: NodeId): string | undefined {
  if (shard.preferredLeader === node) return 'voter, preferred leader';
  if (shard.replicas.includes(node)) return 'voter';
  if ((shard.learners ?? []).includes(node)) return 'learner';
  return undefined;
}

export function rebalancing(world: PhantomWorld): RebalancingScenario {
  return world.part('rebalancing', () => new RebalancingScenario(world));
}

function describeMove(move: Move): string {
  switch (move.kind) {
    case 'move-replica':
      return `the move of ${move.shard}'s copy from ${move.from} to ${move.to}`;
    default:
      return `the ${move.kind} of ${'shard' in move ? move.shard : 'the shards'}`;
  }
}
