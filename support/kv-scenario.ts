import { checkLinearizability, explainText, findLostWrites, type HistoryEvent, registerModel, renderSvg } from '../src/check';
import type { Operation } from '../src/kv/client-operation';
import { Workload, type WorkloadCounts } from '../src/api/workload';
import { setPreferredLeader, shardById, shardForKey } from '../src/sharding/shard-map';
import { type FaultKind, Nemesis } from '../src/sim';
import { auditNemesis } from './nemesis-audit';
import type { PhantomWorld } from './world';

/** Bound for every shard of a new store to elect a leader (see README, "Consensus bounds"). */
const LEADER_BOUND_MS = 5_000;
/** The store a step starts when it needs one and the scenario started none (said in the glossary). */
export const DEFAULT_STORE = { nodes: 5, shards: 3, replicas: 3 } as const;
/** Bound for one client operation, including retries across an election. */
const OPERATION_BOUND_MS = 15_000;

/** The key-value part of a scenario: store set-up, client operations, workload and oracles. */
export class KvScenario {
  private readonly lastOperations = new Map<string, Operation>();
  private workload: Workload | undefined;
  private nemesis: Nemesis | undefined;
  /** Length of the history last found linearizable. */
  private linearizableUpTo = 0;

  constructor(private readonly world: PhantomWorld) {}

  private get database() {
    return this.world.cluster.database;
  }

  /** Starts node-1 … node-N (those not running yet), then the store; waits until every shard has a leader. */
  start(nodes: number, shards: number, replicas: number): void {
    const cluster = this.world.cluster;
    for (let index = 1; index <= nodes; index++) {
      if (!this.world.sim.hasNode(`node-${index}`)) cluster.addNode(`node-${index}`, { seeds: index === 1 ? [] : ['node-1'] });
    }
    this.world.waitUntil(() => cluster.liveMembers().length >= nodes && cluster.agreement(), 10_000, `all ${nodes} nodes to join`);
    this.createStore(shards, replicas);
  }

  /**
   * For steps that need a store when the scenario started none: the default store of
   * DEFAULT_STORE, on the running cluster's nodes if there is one (replicas capped at
   * their number), else on node-1 … node-5.
   */
  ensureStore(): void {
    if (this.database.shardIds().length > 0) return;
    const running = this.world.hasCluster ? this.world.cluster.liveMembers().length : 0;
    if (running === 0) this.start(DEFAULT_STORE.nodes, DEFAULT_STORE.shards, DEFAULT_STORE.replicas);
    else this.createStore(DEFAULT_STORE.shards, Math.min(DEFAULT_STORE.replicas, running));
    this.world.attachText('default store', `No store was started, so a step started the default one: ${this.database.shardIds().length} shards of ${Math.min(DEFAULT_STORE.replicas, this.world.cluster.liveMembers().length)} replicas on ${this.world.cluster.liveMembers().length} nodes.`);
  }

  private createStore(shards: number, replicas: number): void {
    // Violations are recorded, not thrown mid-step: a step and the After hook report them.
    this.database.recordSafetyViolations = true;
    this.database.create({ shards, replicationFactor: replicas });
    this.waitForLeaders(LEADER_BOUND_MS);
    this.world.addFinalCheck('consensus safety', () => {
      const violations = this.database.safetyViolations;
      if (violations.length > 0) throw new Error(violations.map((violation) => violation.message).join('\n'));
    });
    this.world.addFinalCheck('linearizability of every client history', () => this.assertLinearizable());
    this.world.addFinalCheck('no acknowledged write lost', () => this.assertNoLostWrites());
  }

  waitForLeaders(withinMs: number): void {
    const database = this.database;
    this.world.waitUntil(() => database.shardIds().every((shard) => database.hasStableLeader(shard)), withinMs, 'every shard to have a leader');
  }

  leaderCounts(): Map<string, number> {
    const counts = new Map<string, number>();
    for (const node of this.world.cluster.nodeIds) counts.set(node, 0);
    for (const shard of this.database.shardIds()) {
      const leader = this.database.leaderOf(shard);
      if (leader) counts.set(leader, (counts.get(leader) ?? 0) + 1);
    }
    return counts;
  }

  /** Runs virtual time until the operation completes; keeps it as the client's last operation. */
  await(operation: Operation, description: string): Operation {
    this.world.waitUntil(() => operation.done, OPERATION_BOUND_MS, description);
    const client = operation.clientId?.split(/[@#]/)[0];
    if (client) this.lastOperations.set(client, operation);
    return operation;
  }

  lastOperation(client: string): Operation {
    const operation = this.lastOperations.get(client);
    if (!operation) throw new Error(`In step "${this.world.currentStep}": client "${client}" has not done anything yet`);
    return operation;
  }

  moveLeadership(key: string): void {
    const shard = shardForKey(this.database.shardMap, key)!;
    const leader = this.database.leaderOf(shard.id);
    if (!leader) throw new Error(`the shard holding ${key} (${shard.id}) has no leader to move`);
    const target = shard.replicas.find((node) => node !== leader)!;
    // Only leadership moves: the shard map (and so every client's cached route) still names
    // the old leader, which is what makes the next request need a redirect. The leader
    // balancer moves leadership back to the preferred leader about a second later.
    this.database.replica(shard.id, leader)!.transferLeadership(target);
    this.world.waitUntil(() => this.database.leaderOf(shard.id) === target, 3_000, `leadership of ${shard.id} to move to ${target}`);
  }

  changeShardMap(key: string): void {
    const map = this.database.shardMap;
    const shard = shardForKey(map, key)!;
    const next = shard.replicas.find((node) => node !== shard.preferredLeader)!;
    // Every map change is a committed entry of the placement group.
    this.database.placement.changeMap(setPreferredLeader(map, shard.id, next).shards, `preferred leader of ${shard.id} moved to ${next}`);
    this.world.waitUntil(() => this.database.shardMap.epoch > map.epoch, OPERATION_BOUND_MS, `the placement group to commit the new map of ${shard.id}`);
  }

  loseRepliesTo(client: string, durationMs: number): void {
    this.database.client(client);
    const clientNode = `client:${client}`;
    const servers = this.world.cluster.nodeIds.filter((node) => this.database.raftOn(node) !== undefined);
    for (const server of servers) this.world.sim.network.cutOneWay(server, clientNode);
    this.world.sim.scheduler.schedule(durationMs, () => {
      for (const server of servers) this.world.sim.network.restoreOneWay(server, clientNode);
    });
  }

  startWorkload(clients: number, keys: number): void {
    this.workload = new Workload(this.world.sim, this.database, { clients, keys, kinds: ['read', 'write', 'cas'], thinkTimeMs: { minMs: 5, maxMs: 50 } });
    this.workload.start();
  }

  workloadCounts(): WorkloadCounts {
    if (!this.workload) throw new Error('no clients are running; start them with "{int} clients reading, writing and comparing-and-setting {int} keys"');
    return this.workload.counts;
  }

  /** Safety phase under the nemesis, then heal, stop the clients and read every key once more. */
  runNemesis(durationMs: number, faults: string[]): void {
    const workload = this.workload;
    if (!workload) throw new Error('start the clients before the fault schedule');
    const servers = this.world.cluster.nodeIds.filter((node) => this.database.raftOn(node) !== undefined);
    this.nemesis = new Nemesis(this.world.sim, { nodes: servers, faults: faults as FaultKind[] });
    const startMs = this.world.sim.nowMs;
    this.nemesis.start();
    this.world.sim.runFor(durationMs);
    this.nemesis.healAll();
    workload.stop();
    auditNemesis(this.world, { requested: faults, faults: this.nemesis.log, workloadNodes: this.workloadNodes(workload), workloadWindowMs: { startMs, endMs: this.world.sim.nowMs } });
    this.world.waitUntil(() => workload.idle, OPERATION_BOUND_MS, 'the clients to finish their last operations after healing');
    for (const key of workload.keyNames) {
      const read = this.await(this.database.client('final-reader').get(key), `a final read of ${key}`);
      // The lost-write oracle judges the healed state through these reads: they must succeed.
      if (read.outcome !== 'ok') throw new Error(`the final read of ${key} after healing did not succeed: ${read.outcome} (${read.reason})`);
    }
  }

  /** The workload's client nodes and every replica of a shard holding one of its keys. */
  private workloadNodes(workload: Workload): string[] {
    const nodes = new Set(workload.clientNames.map((client) => `client:${client}`));
    for (const key of workload.keyNames) for (const node of shardForKey(this.database.shardMap, key)?.replicas ?? []) nodes.add(node);
    return [...nodes];
  }

  assertLinearizable(): void {
    const events = this.database.history.events as readonly HistoryEvent[];
    // A history already found linearizable needs no second search (the After hook re-checks
    // only what a Then-step has not seen).
    if (events.length === 0 || events.length === this.linearizableUpTo) return;
    const result = checkLinearizability(events, registerModel, { maxSearchSteps: 50_000_000 });
    if (result.verdict === 'linearizable') {
      this.linearizableUpTo = events.length;
      return;
    }
    if (result.explanation) this.world.attachSvg(renderSvg(result, events));
    const explanation = result.verdict === 'not-linearizable' ? explainText(result) : 'the checker could not decide within its step budget';
    this.world.attachText('linearizability', explanation);
    throw new Error(`the client history is ${result.verdict === 'unknown' ? 'undecided' : 'not linearizable'}:\n${explanation}`);
  }

  assertNoLostWrites(): void {
    const lost = findLostWrites(this.database.history.events as readonly HistoryEvent[]);
    if (lost.length > 0) throw new Error(`acknowledged writes were lost:\n${lost.map((write) => `- ${write.explanation}`).join('\n')}`);
  }

  /** Liveness: a fresh client writes one key of every shard. */
  assertProgress(withinMs: number): void {
    const map = this.database.shardMap;
    for (const shard of map.shards) {
      const key = keyOnShard(map, shard.id);
      const operation = this.database.client('progress-probe').put(key, `probe-${shard.id}`);
      this.world.waitUntil(() => operation.done, withinMs, `a new write to ${shard.id}`);
      if (operation.outcome !== 'ok') throw new Error(`the write to ${shard.id} did not succeed: ${operation.outcome} (${operation.reason})`);
    }
  }
}

function keyOnShard(map: Parameters<typeof shardForKey>[0], shardId: string): string {
  shardById(map, shardId);
  for (let index = 0; index < 10_000; index++) {
    const key = `probe-${index}`;
    if (shardForKey(map, key)?.id === shardId) return key;
  }
  throw new Error(`no probe key maps to ${shardId}`);
}

export function kvStore(world: PhantomWorld): KvScenario {
  return world.part('kv', () => new KvScenario(world));
}
