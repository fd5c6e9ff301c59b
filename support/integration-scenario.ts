import type { ShardedDatabase } from '../src/api/database';
import type { NodeId } from '../src/runtime/ports';
import { shardForKey } from '../src/sharding/shard-map';
import { renderChartSvg } from './charts';
import { rebalancing } from './rebalancing-scenario';
import { escapeXml, type Lane, PALETTE, renderLanesSvg } from './pictures/lanes-svg';
import { registerPicture } from './pictures/registry';
import { transactions } from './txn-scenario';
import type { PhantomWorld } from './world';

/** Bound for a restarted node to catch up (every shard it holds has a leader it follows, at the leader's commit index). */
const CATCH_UP_BOUND_MS = 20_000;
/** Bound for the tellers and the moves to finish once the run is over. */
const FINISH_BOUND_MS = 60_000;
/** The availability window. */
const MINUTE_MS = 60_000;

export type NodeState = 'running' | 'down' | 'joining';

/** One completed client operation, for the latency picture and the availability table. */
export interface TimedOperation {
  readonly process: string;
  readonly kind: string;
  readonly invokeMs: number;
  readonly completeMs: number;
  readonly ok: boolean;
}

/** Availability of one simulated minute (see IntegrationScenario.availability). */
export interface MinuteAvailability {
  readonly minute: number;
  /** 1 minus the clients' time lost in unserved reads and writes over their total time. */
  readonly share: number;
  readonly lostMs: number;
  readonly clients: number;
  /** Reads and writes that failed or ended unknown, completing in this minute. */
  readonly failed: number;
}

/**
 * The integration part of a scenario (issue 11 §3): the components together (bank
 * transactions, the rebalancer, Raft groups, key-value clients) under node joins, rolling
 * restarts and leader churn. It records every node's state over virtual time, and draws a
 * picture of the run: node states, leaders per shard, and operation latency.
 */
export class IntegrationScenario {
  private readonly states = new Map<NodeId, { state: NodeState; atMs: number }[]>();
  readonly joined: NodeId[] = [];
  private windowStartMs = 0;
  private windowEndMs: number | undefined;

  constructor(private readonly world: PhantomWorld) {
    for (const node of this.servers()) this.record(node, 'running', 0);
    registerPicture(world, 'node states and leaders per shard', () => this.timelineSvg());
    registerPicture(world, 'operation latency', () => this.latencySvg());
  }

  private get database(): ShardedDatabase {
    return this.world.cluster.database;
  }

  private servers(): NodeId[] {
    return this.world.cluster.nodeIds.filter((node) => this.database.raftOn(node) !== undefined || this.states.has(node));
  }

  private record(node: NodeId, state: NodeState, atMs = this.world.sim.nowMs): void {
    this.states.set(node, [...(this.states.get(node) ?? []), { state, atMs }]);
  }

  // ---- bank while nodes join -------------------------------------------------------------------

  /**
   * The tellers run for the duration; one second in, `count` nodes join one after the
   * other, and once they are members the rebalancer plans a replica rebalance (within 10 %)
   * and carries it out while the tellers go on. Then the tellers stop, their last
   * transactions finish, and the moves finish (bounded).
   */
  bankWhileNodesJoin(durationMs: number, count: number): void {
    const bank = transactions(this.world).bank;
    const scenario = rebalancing(this.world);
    const endMs = this.world.sim.nowMs + durationMs;
    this.windowStartMs = this.world.sim.nowMs;
    bank.start();
    this.world.sim.runFor(1_000);
    const first = this.servers().length + 1;
    for (let index = 0; index < count; index++) {
      const node = `node-${first + index}`;
      this.record(node, 'joining');
      scenario.addNode(node);
      this.record(node, 'running');
      this.joined.push(node);
    }
    const plan = scenario.plan('replicas', 0.1);
    this.world.attachText('rebalancing plan', scenario.planTable());
    if (plan.moves.length === 0) throw new Error(`the rebalancer planned no move onto ${this.joined.join(', ')}`);
    scenario.runPlan();
    if (this.world.sim.nowMs < endMs) this.world.sim.runFor(endMs - this.world.sim.nowMs);
    bank.stop();
    this.world.waitUntil(() => bank.idle, FINISH_BOUND_MS, 'the tellers to finish their last transactions');
    scenario.waitForMoves(FINISH_BOUND_MS);
    this.windowEndMs = this.world.sim.nowMs;
    this.world.attachText('bank', JSON.stringify(bank.counts, null, 2));
    this.world.attachText('migration progress', scenario.progressTable());
  }

  /** Joined nodes that hold no replica of a shard holding an account, with what they hold. */
  joinedNodesWithoutAccounts(): string[] {
    const map = this.database.shardMap;
    const accountShards = new Set(transactions(this.world).bank.accountKeys.map((key) => shardForKey(map, key)!.id));
    return this.joined
      .filter((node) => !map.shards.some((shard) => accountShards.has(shard.id) && shard.replicas.includes(node)))
      .map((node) => `${node} holds ${map.shards.filter((shard) => shard.replicas.includes(node)).map((shard) => shard.id).join(', ') || 'no replica'} (shards with accounts: ${[...accountShards].sort().join(', ')})`);
  }

  // ---- rolling restart -------------------------------------------------------------------------

  /**
   * Restarts every server node in turn while the clients run: the node crashes, stays down
   * for `downMs`, restarts, and the next one goes down only once this one has caught up
   * (bounded). Then the clients stop with a final read of every key.
   */
  rollingRestart(downMs: number): void {
    this.windowStartMs = this.world.sim.nowMs;
    for (const node of this.servers()) {
      this.world.node(node).crash();
      this.record(node, 'down');
      this.world.sim.runFor(downMs);
      this.world.node(node).restart();
      this.record(node, 'running');
      this.world.waitUntil(() => this.caughtUp(node), CATCH_UP_BOUND_MS, `${node} to catch up after its restart`);
    }
    this.windowEndMs = this.world.sim.nowMs;
    rebalancing(this.world).stopClients();
  }

  /** Every shard the node holds has a stable leader, and the node's replica has applied up to its commit index. */
  private caughtUp(node: NodeId): boolean {
    for (const shard of this.database.shardMap.shards) {
      if (!shard.replicas.includes(node)) continue;
      const leader = this.database.leaderOf(shard.id);
      if (leader === undefined || !this.database.hasStableLeader(shard.id)) return false;
      const leaderStatus = this.database.replica(shard.id, leader)!.status();
      const mine = this.database.replica(shard.id, node)?.status();
      if (mine === undefined || mine.leader !== leader || mine.commitIndex < leaderStatus.commitIndex) return false;
    }
    return true;
  }

  // ---- leader churn during a rebalance --------------------------------------------------------------

  /**
   * Plans a replica rebalance (within 10 %) and carries it out; meanwhile, every
   * `everyMs`, the leader of a shard picked by the seeded stream `integration-churn`
   * crashes and restarts `everyMs / 2` later. After the duration the crashed nodes are
   * back, the moves finish (bounded) and the clients stop with a final read of every key.
   */
  churnDuringRebalance(durationMs: number, everyMs: number): number {
    const scenario = rebalancing(this.world);
    const random = this.world.sim.random.stream('integration-churn');
    this.windowStartMs = this.world.sim.nowMs;
    const plan = scenario.plan('replicas', 0.1);
    this.world.attachText('rebalancing plan', scenario.planTable());
    if (plan.moves.length === 0) throw new Error('the rebalancer planned no move');
    scenario.runPlan();
    const endMs = this.world.sim.nowMs + durationMs;
    let crashes = 0;
    while (this.world.sim.nowMs + everyMs <= endMs) {
      this.world.sim.runFor(everyMs / 2);
      const shards = this.database.shardIds();
      const shard = shards[random.int(shards.length)];
      const leader = this.database.leaderOf(shard);
      if (leader !== undefined) {
        this.world.node(leader).crash();
        this.record(leader, 'down');
        crashes++;
      }
      this.world.sim.runFor(everyMs / 2);
      if (leader !== undefined) {
        this.world.node(leader).restart();
        this.record(leader, 'running');
      }
    }
    if (this.world.sim.nowMs < endMs) this.world.sim.runFor(endMs - this.world.sim.nowMs);
    scenario.waitForMoves(FINISH_BOUND_MS);
    this.windowEndMs = this.world.sim.nowMs;
    this.world.attachText('migration progress', scenario.progressTable());
    scenario.stopClients();
    return crashes;
  }

  // ---- what the clients saw -------------------------------------------------------------------------

  /** Completed operations: the key-value clients' (from the store's history) and the bank's transactions. */
  operations(): TimedOperation[] {
    const history = this.database.history;
    const open = new Map<string, { kind: string; atMs: number }>();
    const done: TimedOperation[] = [];
    history.events.forEach((event, index) => {
      const atMs = history.timesMs[index];
      const process = String(event.process);
      if (event.type === 'invoke') open.set(process, { kind: event.f, atMs });
      else {
        const started = open.get(process);
        if (started === undefined) return;
        open.delete(process);
        done.push({ process, kind: started.kind, invokeMs: started.atMs, completeMs: atMs, ok: event.type === 'ok' });
      }
    });
    if (this.world.hasPart('transactions')) {
      for (const entry of transactions(this.world).system.history.entries()) {
        if (entry.completeMs !== undefined) done.push({ process: entry.process, kind: 'transaction', invokeMs: entry.invokeMs, completeMs: entry.completeMs, ok: entry.type === 'ok' });
      }
    }
    return done.sort((a, b) => a.completeMs - b.completeMs);
  }

  /**
   * Per simulated minute of the run (the last one possibly shorter), time-weighted: the
   * share of the key-value clients' time not spent waiting on a read or write that then
   * failed or ended unknown (the store did not serve it). A closed-loop client waiting on
   * an unavailable shard issues nothing else, so counting operations would hide the
   * outage; counting the time spent in failed operations does not. Compare-and-sets and
   * transactions are left out: a compare that did not match, or a transaction aborted by
   * a conflict, is an answer, not unavailability.
   */
  availability(): MinuteAvailability[] {
    const endMs = this.windowEndMs ?? this.world.sim.nowMs;
    const kv = this.operations().filter((operation) => operation.kind !== 'transaction');
    const unserved = kv.filter((operation) => (operation.kind === 'read' || operation.kind === 'write') && !operation.ok);
    const minutes: MinuteAvailability[] = [];
    for (let startMs = this.windowStartMs, minute = 1; startMs < endMs; startMs += MINUTE_MS, minute++) {
      const stopMs = Math.min(endMs, startMs + MINUTE_MS);
      const clients = Math.max(1, new Set(kv.filter((operation) => operation.invokeMs < stopMs && operation.completeMs >= startMs).map((operation) => operation.process)).size);
      const lostMs = unserved.reduce((sum, operation) => sum + Math.max(0, Math.min(stopMs, operation.completeMs) - Math.max(startMs, operation.invokeMs)), 0);
      const failed = unserved.filter((operation) => operation.completeMs >= startMs && operation.completeMs < stopMs).length;
      minutes.push({ minute, share: 1 - lostMs / (clients * (stopMs - startMs)), lostMs, clients, failed });
    }
    return minutes;
  }

  availabilityTable(): string {
    const rows = this.availability().map((entry) => `${String(entry.minute).padStart(6)}  ${String(entry.clients).padStart(7)}  ${(entry.lostMs / 1000).toFixed(2).padStart(16)}  ${String(entry.failed).padStart(20)}  ${(100 * entry.share).toFixed(2)} %`);
    return ['MINUTE  CLIENTS  CLIENT-S UNSERVED  READS/WRITES FAILED  AVAILABILITY', ...rows].join('\n');
  }

  // ---- the picture ----------------------------------------------------------------------------------

  private timelineSvg(): string | undefined {
    if (!this.world.hasSimulation) return undefined;
    const nowMs = Math.max(this.world.sim.nowMs, 1);
    const colours: Record<NodeState, string> = { running: '#2ca02c', down: '#d62728', joining: '#ff7f0e' };
    const nodeLanes: Lane[] = [...this.states].map(([node, changes]) => ({
      name: node,
      bars: changes.map((change, index) => ({
        startMs: change.atMs,
        endMs: changes[index + 1]?.atMs ?? nowMs,
        colour: colours[change.state],
        tip: `${node} ${change.state} from ${(change.atMs / 1000).toFixed(2)} s`,
      })),
    }));
    const servers = [...this.states.keys()];
    const colourOf = (node: string): string => PALETTE[Math.max(0, servers.indexOf(node)) % PALETTE.length];
    const leaderLanes: Lane[] = this.database.shardIds().map((shard) => {
      const elections = this.database.elections(shard);
      return {
        name: `${shard} leader`,
        bars: elections.map((election, index) => ({
          startMs: election.atMs,
          endMs: elections[index + 1]?.atMs ?? nowMs,
          colour: colourOf(election.node),
          label: `${election.node} · t${election.term}`,
          tip: `${shard}: ${escapeXml(election.node)} leads from term ${election.term}`,
        })),
      };
    });
    return renderLanesSvg({
      title: 'Node states and leaders per shard over virtual time',
      note: 'Node lanes: green running, red down, orange joining. Shard lanes: the leader from each election to the next, coloured by node.',
      lanes: [...nodeLanes, ...leaderLanes],
      endMs: nowMs,
      legend: [
        ...(['running', 'down', 'joining'] as const).map((state) => ({ label: state, colour: colours[state] })),
        ...servers.map((node) => ({ label: `leader ${node}`, colour: colourOf(node) })),
      ],
    });
  }

  private latencySvg(): string | undefined {
    if (!this.world.hasSimulation) return undefined;
    const operations = this.operations();
    if (operations.length === 0) return undefined;
    const kinds = [...new Set(operations.map((operation) => operation.kind))].sort();
    const series = kinds.flatMap((kind) => {
      const mine = operations.filter((operation) => operation.kind === kind);
      const ok = mine.filter((operation) => operation.ok).map((operation) => [operation.completeMs / 1000, operation.completeMs - operation.invokeMs] as const);
      const failed = mine.filter((operation) => !operation.ok).map((operation) => [operation.completeMs / 1000, operation.completeMs - operation.invokeMs] as const);
      return [{ name: `${kind} ok`, points: ok }, ...(failed.length > 0 ? [{ name: `${kind} failed or unknown`, points: failed }] : [])];
    });
    return renderChartSvg(
      {
        title: { text: 'Client operation latency over virtual time (a dot per operation at its completion; past 300 per series, the slowest of each run of k)', left: 'center', textStyle: { fontSize: 13 } },
        legend: { bottom: 0 },
        grid: { left: 70, right: 30, top: 40, bottom: 60 },
        xAxis: { type: 'value', name: 'virtual time (s)', nameLocation: 'middle', nameGap: 25 },
        yAxis: { type: 'log', name: 'latency (ms)', nameLocation: 'middle', nameGap: 50, min: 1 },
        series: series.map((entry) => ({ name: entry.name, type: 'scatter', symbolSize: 3, data: thinned(entry.points).map(([atS, latencyMs]) => [atS, Math.max(1, latencyMs)]) })),
      },
      { width: 960, height: 340 },
    );
  }
}

/** At most POINTS_MAX points per series (every k-th, the slowest of each k kept), so the report stays small. */
const POINTS_MAX = 300;
function thinned(points: readonly (readonly [number, number])[]): (readonly [number, number])[] {
  if (points.length <= POINTS_MAX) return [...points];
  const step = Math.ceil(points.length / POINTS_MAX);
  const kept: (readonly [number, number])[] = [];
  for (let start = 0; start < points.length; start += step) {
    const group = points.slice(start, start + step);
    kept.push(group.reduce((slowest, point) => (point[1] > slowest[1] ? point : slowest)));
  }
  return kept;
}

export function integration(world: PhantomWorld): IntegrationScenario {
  return world.part('integration', () => new IntegrationScenario(world));
}
