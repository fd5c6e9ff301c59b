import { defaultElasticOptions, ElasticCluster } from '../src/api/elastic-cluster';
import { RampWorkload } from '../src/api/ramp-workload';
import { latencyPercentiles } from '../src/load/stats';
import { Autoscaler, formatDecisionLog, formatResourceTable, ResourceMonitor, type ScalingDecision, type ScalingPolicy } from '../src/scaling';
import type { Simulation } from '../src/sim';
import { schedulerTimers } from './scheduler-timers';

export { schedulerTimers } from './scheduler-timers';
import { kvStore } from './kv-scenario';
import { rebalancing } from './rebalancing-scenario';
import { resourceSvg } from './scaling-svg';
import { renderChartSvg } from './distribution-svg';
import type { PhantomWorld } from './world';

/** The monitor samples every node this often, and a reading averages this many samples (HPA's metrics pipeline window). */
export const ELASTIC_SAMPLE_INTERVAL_MS = 5_000;
export const ELASTIC_WINDOW_SAMPLES = 3;
/** Bound for the first nodes to join and every shard to elect a leader. */
const START_BOUND_MS = 10_000;
/** Bound for the clients' last operations and each final read (retries across an election or a move). */
const OPERATION_BOUND_MS = 15_000;
/** Bound for the rebalancer to finish before the final map oracle. */
const SETTLE_BOUND_MS = 60_000;
/** How often the watchers look at quorum and the replication factor (virtual ms). */
const WATCH_MS = 100;
/** How often a waiting step re-evaluates its predicate (the predicates read the whole cluster). */
const POLL_MS = 250;
const THINK_TIME = { minMs: 10, maxMs: 40 } as const;
const MAX_CLIENTS = 200;

/**
 * Elastic scaling of the real cluster (issue 9): the sharded store on server nodes, a client
 * load whose size the scenario changes, the resource monitor reading what the nodes really
 * did, the HPA autoscaler, and the elastic cluster (src/api/elastic-cluster.ts) that starts
 * nodes with the join token, rebalances, drains and stops them. Watchers check every 100 ms
 * that no shard lost its quorum and that the cluster never went below the replication
 * factor; the final oracles are Raft safety, linearizability, no lost write, and the
 * placement map agreeing with every group.
 */
export class ElasticScenario {
  elastic?: ElasticCluster;
  autoscaler?: Autoscaler;
  workload?: RampWorkload;
  readonly monitor = new ResourceMonitor({ intervalMs: ELASTIC_SAMPLE_INTERVAL_MS, windowSamples: ELASTIC_WINDOW_SAMPLES });
  /** The first time a shard's voters in the map had no majority of running nodes. */
  quorumViolation: string | undefined;
  /** The first time fewer server nodes than the replication factor ran, or a shard had fewer replicas. */
  replicationViolation: string | undefined;
  private finalReadsDone = false;

  constructor(private readonly world: PhantomWorld) {}

  get sim(): Simulation {
    return this.world.sim;
  }

  /** Starts node-1 … node-N, the store, the elastic cluster, the autoscaler and the watchers. */
  start(policy: ScalingPolicy, nodes: number, requestsPerSecond: number, shards: number, keys: number): void {
    if (this.elastic) throw new Error('the elastic cluster is already running');
    if (!(requestsPerSecond > 0)) throw new RangeError(`a node must serve a positive number of requests per second, got ${requestsPerSecond}`);
    if (nodes < policy.replicationFactor) throw new RangeError(`${nodes} nodes cannot hold ${policy.replicationFactor} replicas of a shard`);
    const cluster = this.world.cluster;
    for (let index = 1; index <= nodes; index++) cluster.addNode(`node-${index}`, { seeds: index === 1 ? [] : ['node-1'] });
    this.world.waitUntil(() => cluster.liveMembers().length === nodes && cluster.agreement(), START_BOUND_MS, `all ${nodes} nodes to join`);
    const database = cluster.database;
    database.recordSafetyViolations = true;
    database.create({ shards, replicationFactor: policy.replicationFactor });
    this.world.waitUntil(() => database.shardIds().every((shard) => database.hasStableLeader(shard)), START_BOUND_MS, 'every shard to have a leader');
    this.elastic = new ElasticCluster(cluster, {
      ...defaultElasticOptions,
      replicationFactor: policy.replicationFactor,
      capacity: { serviceTimeMs: 1000 / requestsPerSecond, memoryBytes: 4_000_000, diskBytes: 64_000_000 },
    });
    this.workload = new RampWorkload(this.sim, database, { maxClients: MAX_CLIENTS, keys, thinkTimeMs: THINK_TIME });
    // The policy in force is the placement group's committed one once an admin changed it (src/api/placement-admin.ts).
    const committedPolicy = () => database.placement.freshestMachine()?.scalingPolicy?.policy;
    this.autoscaler = new Autoscaler(policy, { clock: { nowMs: () => this.sim.nowMs }, timers: schedulerTimers(this.sim), monitor: this.monitor, activity: this.elastic, actuator: this.elastic, committedPolicy }, ELASTIC_SAMPLE_INTERVAL_MS);
    this.elastic.start();
    this.autoscaler.start();
    this.watch();
    this.registerOracles();
  }

  get cluster(): ElasticCluster {
    if (!this.elastic) throw new Error('no elastic cluster was started; start one with "Given an elastic cluster of N nodes …"');
    return this.elastic;
  }

  get load(): RampWorkload {
    if (!this.workload) throw new Error('no elastic cluster was started, so there is no client load');
    return this.workload;
  }

  get decisions(): readonly ScalingDecision[] {
    return this.autoscaler?.decisions ?? [];
  }

  /** Runs virtual time until the predicate holds, looking every POLL_MS. */
  waitFor(predicate: () => boolean, withinMs: number, waitingFor: () => string): void {
    try {
      this.sim.runUntil(predicate, { withinMs, waitingFor: 'the elastic cluster', pollMs: POLL_MS });
    } catch (error) {
      throw new Error(`waited ${withinMs / 1000} s of virtual time for ${waitingFor()} (now ${(this.sim.nowMs / 1000).toFixed(1)} s)\n${(error as Error).message}`);
    }
  }

  /** Waits until exactly `expected` server nodes count toward capacity (joining and draining ones included, stopped ones not). */
  awaitServerNodes(expected: number, withinMs: number): void {
    const live = () => this.cluster.liveIds();
    this.waitFor(() => live().length === expected, withinMs, () => `${expected} server nodes (there are ${live().length}: ${live().map((id) => `${id} ${this.cluster.stateOf(id)}`).join(', ')})`);
  }

  /** Waits until at least `least` server nodes count toward capacity (joining and draining ones included). */
  awaitAtLeastServerNodes(least: number, withinMs: number): void {
    this.waitFor(() => this.cluster.liveIds().length >= least, withinMs, () => `at least ${least} server nodes (there are ${this.cluster.liveIds().length})`);
  }

  /** Waits until every server node serves, nothing moves and each holds its share of the replicas (and at least one). */
  awaitSpread(withinMs: number): void {
    const counts = () => [...this.replicaCounts()].map(([node, count]) => `${node} ${count}`).join(', ');
    this.waitFor(() => this.cluster.balanced(), withinMs, () => `a balanced cluster (replicas per node: ${counts()}; moving: ${this.cluster.executor.idle ? 'nothing' : 'yes'})`);
    const empty = [...this.replicaCounts()].filter(([, count]) => count === 0).map(([node]) => node);
    if (empty.length > 0) throw new Error(`the cluster is balanced but ${empty.join(', ')} hold(s) no replica (replicas per node: ${counts()})`);
  }

  /** The server node count the cluster started with. */
  startingServerNodes(): number {
    return this.cluster.nodeCounts[0]?.nodes ?? this.cluster.liveIds().length;
  }

  /** The most server nodes the cluster has counted so far (joining and draining ones included). */
  mostServerNodes(): number {
    return Math.max(this.cluster.liveIds().length, ...this.cluster.nodeCounts.map((point) => point.nodes));
  }

  /** The given percentile of latency over operations that ended in the last `windowMs` (undefined if none did). */
  latencyPercentile(percentile: 'p50' | 'p95' | 'p99', windowMs: number): number | undefined {
    const fromMs = this.sim.nowMs - windowMs;
    const latencies = this.load.samples.filter((sample) => sample.endMs > fromMs && sample.ok).map((sample) => sample.latencyMs);
    return latencyPercentiles(latencies)?.[percentile];
  }

  /** Each server node's replicas in the committed map (live nodes only, stopped ones dropped). */
  replicaCounts(): Map<string, number> {
    const counts = new Map(this.cluster.liveIds().map((id) => [id, 0]));
    for (const shard of this.world.cluster.database.shardMap.shards) for (const node of shard.replicas) counts.set(node, (counts.get(node) ?? 0) + 1);
    return counts;
  }

  /** Stops the clients and reads every key once more (the lost-write oracle judges through these reads). */
  finishLoad(): void {
    if (this.finalReadsDone || !this.workload) return;
    this.finalReadsDone = true;
    const workload = this.workload;
    workload.setActiveClients(0);
    this.world.waitUntil(() => workload.idle, OPERATION_BOUND_MS, 'the clients to finish their last operations');
    const kv = kvStore(this.world);
    for (const key of workload.keyNames) {
      const read = kv.await(this.world.cluster.database.client('final-reader').get(key), `a final read of ${key}`);
      if (read.outcome !== 'ok') throw new Error(`the final read of ${key} did not succeed: ${read.outcome} (${read.reason})`);
    }
  }

  /** Problems with the nodes that scale-in stopped: each must hold nothing, on disk or in the map. */
  stopProblems(): string[] {
    const problems: string[] = [];
    const map = this.world.cluster.database.shardMap;
    for (const stop of this.cluster.stops) {
      const disk = this.world.cluster.node(stop.node).disk;
      const groups = (disk.get<{ groupId: string }[]>('raft/groups') ?? []).map((spec) => spec.groupId).filter((group) => group !== 'placement');
      if (groups.length > 0) problems.push(`${stop.node} stopped at ${(stop.atMs / 1000).toFixed(1)} s still holding replicas of ${groups.join(', ')} on its disk`);
      const named = map.shards.filter((shard) => shard.replicas.includes(stop.node) || (shard.learners ?? []).includes(stop.node)).map((shard) => shard.id);
      if (named.length > 0) problems.push(`the placement map still names ${stop.node} (stopped at ${(stop.atMs / 1000).toFixed(1)} s) for ${named.join(', ')}`);
    }
    return problems;
  }

  attachReport(): void {
    if (!this.elastic) return;
    const elastic = this.elastic;
    if (this.decisions.length > 0) this.world.attachText('autoscaler decisions (real cluster)', formatDecisionLog(this.decisions));
    const nodeCounts = [...elastic.nodeCounts, { atMs: this.sim.nowMs, nodes: elastic.liveIds().length }];
    if (this.monitor.history.length > 0) {
      this.world.attachText(`cluster resources at ${(this.sim.nowMs / 1000).toFixed(1)} s`, formatResourceTable(this.monitor.history));
      this.world.attachSvg(resourceSvg(this.monitor.history, nodeCounts, `Resources and node count: ${this.world.scenarioName}`));
    }
    if (this.workload && this.workload.samples.length > 0) {
      this.world.attachText('client latency per 15 s of virtual time', this.latencyTable(nodeCounts));
      this.world.attachSvg(this.latencySvg(nodeCounts));
    }
    const drains = elastic.drains.map((drain) => `${(drain.atMs / 1000).toFixed(1)} s: ${drain.asked} asked, drained ${drain.chosen.join(', ') || 'none'}${drain.passedOver.map((reason) => `\n    passed over: ${reason}`).join('')}`);
    const stops = elastic.stops.map((stop) => `${(stop.atMs / 1000).toFixed(1)} s: ${stop.node} stopped, ${stop.serversAfter} server nodes left`);
    const plans = elastic.plans.map((plan) => `${(plan.atMs / 1000).toFixed(1)} s: ${plan.moves} moves submitted${plan.draining.length > 0 ? ` (draining ${plan.draining.join(', ')})` : ''}`);
    this.world.attachText('scale-out, rebalancing and scale-in', [`nodes: ${elastic.liveIds().map((id) => `${id} ${elastic.stateOf(id)}`).join(', ')}`, 'plans:', ...plans, 'drains:', ...drains, 'stops:', ...stops].join('\n'));
  }

  /** Latency percentiles and throughput per 15 s of virtual time, with the node count at its end. */
  private latencyTable(nodeCounts: readonly { atMs: number; nodes: number }[]): string {
    const samples = this.load.samples;
    const endMs = samples[samples.length - 1].endMs;
    const rows = ['    until  nodes  ok ops/s  p50 ms  p95 ms  p99 ms'];
    const byWindow = okLatenciesByWindow(samples, 15_000);
    for (let fromMs = 0; fromMs < endMs; fromMs += 15_000) {
      const inWindow = byWindow[fromMs / 15_000] ?? [];
      const percentiles = latencyPercentiles(inWindow);
      const nodes = [...nodeCounts].reverse().find((point) => point.atMs <= fromMs + 15_000)?.nodes ?? 0;
      const cell = (value: number | undefined): string => (value === undefined ? '-' : value.toFixed(1)).padStart(6);
      rows.push(`${((fromMs + 15_000) / 1000).toFixed(0).padStart(7)} s  ${String(nodes).padStart(5)}  ${(inWindow.length / 15).toFixed(1).padStart(8)}  ${cell(percentiles?.p50)}  ${cell(percentiles?.p95)}  ${cell(percentiles?.p99)}`);
    }
    return rows.join('\n');
  }

  /** Latency percentiles per 5 s window over virtual time, with the node count over them. */
  private latencySvg(nodeCounts: readonly { atMs: number; nodes: number }[]): string {
    const samples = this.load.samples;
    const endMs = samples[samples.length - 1].endMs;
    const windows: { atS: number; p50?: number; p99?: number }[] = [];
    const byWindow = okLatenciesByWindow(samples, ELASTIC_SAMPLE_INTERVAL_MS);
    for (let fromMs = 0; fromMs < endMs; fromMs += ELASTIC_SAMPLE_INTERVAL_MS) {
      const latencies = byWindow[fromMs / ELASTIC_SAMPLE_INTERVAL_MS] ?? [];
      const percentiles = latencyPercentiles(latencies);
      windows.push({ atS: (fromMs + ELASTIC_SAMPLE_INTERVAL_MS) / 1000, p50: percentiles?.p50, p99: percentiles?.p99 });
    }
    return renderChartSvg({
      animation: false,
      title: { text: `Client latency and node count: ${this.world.scenarioName}`, left: 'center', textStyle: { fontSize: 14 } },
      legend: { top: 28 },
      grid: { top: 70, left: 60, right: 60, bottom: 50 },
      xAxis: { type: 'value', name: 'virtual time (s)', nameLocation: 'middle', nameGap: 28 },
      yAxis: [{ type: 'value', name: 'latency (ms)' }, { type: 'value', name: 'nodes', minInterval: 1, position: 'right' }],
      series: [
        { name: 'p50 latency', type: 'line', showSymbol: false, yAxisIndex: 0, data: windows.map((window) => [window.atS, window.p50 ?? null]) },
        { name: 'p99 latency', type: 'line', showSymbol: false, yAxisIndex: 0, data: windows.map((window) => [window.atS, window.p99 ?? null]) },
        { name: 'nodes', type: 'line', step: 'end', showSymbol: false, yAxisIndex: 1, data: nodeCounts.map((point) => [point.atMs / 1000, point.nodes]), itemStyle: { color: '#222222' } },
      ],
    }, { width: 760, height: 380 });
  }

  /** Every 100 ms: each shard keeps a majority of its voters on running nodes, and the replication factor holds. */
  private watch(): void {
    const database = this.world.cluster.database;
    const replicationFactor = this.cluster.options.replicationFactor;
    const check = (): void => {
      const nowS = (this.sim.nowMs / 1000).toFixed(1);
      for (const shard of database.shardMap.shards) {
        const running = shard.replicas.filter((node) => this.world.cluster.node(node).state === 'running').length;
        if (this.quorumViolation === undefined && running * 2 <= shard.replicas.length) this.quorumViolation = `${shard.id} had ${running} of its ${shard.replicas.length} voters (${shard.replicas.join(', ')}) running at ${nowS} s`;
        if (this.replicationViolation === undefined && shard.replicas.length < replicationFactor) this.replicationViolation = `${shard.id} had ${shard.replicas.length} replicas at ${nowS} s, below the replication factor ${replicationFactor}`;
      }
      const servers = this.cluster.liveIds().length;
      if (this.replicationViolation === undefined && servers < replicationFactor) this.replicationViolation = `${servers} server nodes at ${nowS} s, below the replication factor ${replicationFactor}`;
      this.sim.scheduler.schedule(WATCH_MS, check);
    };
    check();
  }

  private registerOracles(): void {
    const database = this.world.cluster.database;
    const kv = kvStore(this.world);
    this.world.addFinalCheck('the clients stop and every key is read once more', () => this.finishLoad());
    this.world.addFinalCheck('consensus safety (every data group and the placement group)', () => {
      if (database.safetyViolations.length > 0) throw new Error(database.safetyViolations.map((violation) => violation.message).join('\n'));
    });
    this.world.addFinalCheck('linearizability of every client history', () => kv.assertLinearizable());
    this.world.addFinalCheck('no acknowledged write lost', () => kv.assertNoLostWrites());
    this.world.addFinalCheck('no shard lost its quorum and the replication factor held', () => {
      if (this.quorumViolation) throw new Error(this.quorumViolation);
      if (this.replicationViolation) throw new Error(this.replicationViolation);
    });
    this.world.addFinalCheck('every node scale-in stopped held nothing', () => {
      const problems = this.stopProblems();
      if (problems.length > 0) throw new Error(problems.join('\n'));
    });
    this.world.addFinalCheck('the rebalancer met no refusal', () => {
      if (this.cluster.problems.length > 0) throw new Error(this.cluster.problems.join('\n'));
    });
    this.world.addFinalCheck('the placement map agrees with every group configuration', () => {
      this.autoscaler?.stop();
      this.sim.runUntil(() => this.cluster.executor.idle, { withinMs: SETTLE_BOUND_MS, waitingFor: 'the rebalancer to finish its moves', pollMs: POLL_MS });
      rebalancing(this.world).assertMapAgreesWithGroups(SETTLE_BOUND_MS);
    });
  }
}

export function elasticOf(world: PhantomWorld): ElasticScenario {
  return world.part('elastic', () => new ElasticScenario(world));
}

/** The scenario's elastic part if a step created one (the After hook must not create it). */
export function existingElastic(world: PhantomWorld): ElasticScenario | undefined {
  return world.hasPart('elastic') ? elasticOf(world) : undefined;
}

/**
 * Latencies of the successful samples in each window of `windowMs` (window i holds the
 * samples that ended in (i·windowMs, (i+1)·windowMs]), in one pass: filtering every sample
 * again for each window was a tenth of a long real-cluster scenario's CPU.
 */
function okLatenciesByWindow(samples: readonly { ok: boolean; endMs: number; latencyMs: number }[], windowMs: number): number[][] {
  const windows: number[][] = [];
  for (const sample of samples) {
    if (!sample.ok || !(sample.endMs > 0)) continue;
    const index = Math.ceil(sample.endMs / windowMs) - 1;
    (windows[index] ??= []).push(sample.latencyMs);
  }
  return windows;
}
