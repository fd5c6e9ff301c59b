import type { KvClient } from '../kv/client';
import type { Operation } from '../kv/client-operation';
import { planRegionalMap, shardIdOfTable, tableKey } from '../placement/regional-map';
import { quorumOf, type SitedNode, type SurvivalGoal, survivalViolations, type TableLocality } from '../placement/survival';
import type { NodeId } from '../runtime/ports';
import { RegionLatencyMatrix, type RegionLatencyRow, type Simulation } from '../sim';
import type { Plan } from '../rebalance/types';
import { shardById } from '../sharding/shard-map';
import { planWithCommittedGoals } from './goal-planning';
import type { PhantomCluster } from './phantom-cluster';
import { regionalRaftTiming } from './regional-raft-timing';

/**
 * The sharded store across regions (issue 11 §1): nodes stand in regions and zones, the
 * network applies the region latency matrix to every message, and each table is one shard
 * whose voters are placed by the table's survival goal with its leader preferred in the
 * home region (src/placement/survival.ts). The kv server's leader balancer then keeps
 * leadership on that preferred leader whenever it is up and caught up.
 *
 * The goals themselves are the placement group's replicated state (committed with the
 * first map, changed by committed `set-goal` entries); this facade keeps none of its own.
 * It reads them from the group and plans with the same planner every rebalance uses.
 */
export interface RegionalSetup {
  readonly regions: readonly string[];
  readonly latencies: readonly RegionLatencyRow[];
  /** One-way latency inside a region, in ms. */
  readonly inRegionMs: number;
}

/** A goal change on its way through the placement group's log. */
export interface GoalChange {
  readonly table: string;
  /** True once the group committed the change or refused it. */
  settled: boolean;
  /** Why the group refused or could not commit it (undefined when committed). */
  problem: string | undefined;
}

export class RegionalDatabase {
  private matrix: RegionLatencyMatrix | undefined;

  constructor(
    private readonly sim: Simulation,
    private readonly cluster: PhantomCluster,
  ) {}

  /** Sets the latency matrix for every message between nodes of the regions. */
  configure(setup: RegionalSetup): void {
    this.matrix = new RegionLatencyMatrix(setup.regions, setup.latencies, { kind: 'constant', ms: setup.inRegionMs });
    this.sim.network.setRegionLatencies(this.matrix);
    this.cluster.database.raftTimingFor = regionalRaftTiming(this.matrix, (node) => (this.sim.hasNode(node) ? this.sim.node(node).metadata.region : undefined));
  }

  get latencyMatrix(): RegionLatencyMatrix {
    if (this.matrix === undefined) throw new Error('no regions are configured yet');
    return this.matrix;
  }

  get regions(): readonly string[] {
    return this.latencyMatrix.regions;
  }

  /** Server nodes with the region and zone they were started in (clients stand in a region only, no zone). */
  sitedNodes(): SitedNode[] {
    return this.cluster.nodeIds.flatMap((id) => {
      const { region, zone } = this.sim.node(id).metadata;
      return region === undefined || zone === undefined ? [] : [{ id, region, zone }];
    });
  }

  nodesIn(region: string): NodeId[] {
    return this.sitedNodes().filter((node) => node.region === region).map((node) => node.id);
  }

  regionOf(node: NodeId): string {
    const region = this.sim.node(node).metadata.region;
    if (region === undefined) throw new Error(`node ${node} stands in no region`);
    return region;
  }

  /** Creates one shard per table, placed by its survival goal; refuses a goal that cannot be met, naming the table. */
  createTables(tables: readonly TableLocality[]): void {
    const map = planRegionalMap(tables, this.sitedNodes(), { regionOrder: (home) => this.regionsByDistance(home).filter((region) => region !== home) });
    // The placement group survives a region too: one replica in each of the first three regions.
    const firsts = this.regions.flatMap((region) => this.nodesIn(region).slice(0, 1));
    const placementNodes = [...firsts, ...this.sitedNodes().map((node) => node.id).filter((node) => !firsts.includes(node))].slice(0, 3);
    const goals = tables.map((locality) => ({ shard: shardIdOfTable(locality.table), locality }));
    this.cluster.database.create({ shards: tables.length, replicationFactor: Math.max(...tables.map((table) => table.voters)), map, placementNodes, goals });
  }

  /** Regions ordered by round trip from `home` (itself first), ties by name. */
  regionsByDistance(home: string): string[] {
    const matrix = this.latencyMatrix;
    // An unknown home region is refused by placement, naming the table; order by name meanwhile.
    if (!matrix.regions.includes(home)) return [...matrix.regions].sort();
    return [...matrix.regions].sort((left, right) => matrix.roundTripMs(home, left) - matrix.roundTripMs(home, right) || (left < right ? -1 : left > right ? 1 : 0));
  }

  /** The table's goal as the placement group committed it. */
  locality(table: string): TableLocality {
    const goals = this.cluster.database.placement.goals();
    const goal = goals.find((entry) => entry.locality.table === table);
    if (goal === undefined) throw new Error(`there is no table ${table} (tables: ${goals.map((entry) => entry.locality.table).join(', ') || 'none'})`);
    return goal.locality;
  }

  /**
   * Gives a table a new home region through the placement group's log. Refuses at once,
   * naming the table, a region no node stands in or one the goal cannot live in; the
   * returned change settles once the group committed (or refused) it. Plan the moves that
   * follow with `planSurvival` after it settled.
   */
  changeHomeRegion(table: string, homeRegion: string): GoalChange {
    return this.changeGoal(table, { homeRegion });
  }

  /** Gives a table another survival goal (zone or region) through the placement group's log; see changeHomeRegion. */
  changeSurvivalGoal(table: string, goal: SurvivalGoal): GoalChange {
    return this.changeGoal(table, { goal });
  }

  private changeGoal(table: string, change: Partial<Pick<TableLocality, 'goal' | 'homeRegion'>>): GoalChange {
    const locality = { ...this.locality(table), ...change };
    const pending: GoalChange = { table, settled: false, problem: undefined };
    const reason = `table ${table}: survival goal ${locality.goal}, home region ${locality.homeRegion}`;
    this.cluster.database.placement.setGoal({ shard: this.shardOf(table), locality }, this.sitedNodes(), reason, (problem) => {
      pending.settled = true;
      pending.problem = problem;
    });
    return pending;
  }

  /**
   * The moves that bring every table's voters and leader to what its committed goal asks:
   * the planner every rebalance uses, given the committed goals (goal-planning.ts).
   */
  planSurvival(): Plan {
    return this.planRebalance([]);
  }

  /**
   * A plain rebalance of replica counts (and leaders) over every node standing in a region,
   * emptying the `draining` ones: the same planner, within the committed goals, so a join or
   * a drain never moves a voter or a leader against a table's goal.
   */
  planRebalance(draining: readonly NodeId[]): Plan {
    for (const node of draining) if (!this.sitedNodes().some((sited) => sited.id === node)) throw new Error(`node ${node} stands in no region of this store, so it cannot drain`);
    const nodes = this.sitedNodes().map((node) => ({ id: node.id, region: node.region, zone: node.zone, draining: draining.includes(node.id) }));
    const replicationFactor = Math.min(...this.tableNames.map((table) => this.locality(table).voters));
    return planWithCommittedGoals(this.sim, this.cluster.database, { map: this.cluster.database.shardMap, nodes, policy: { measure: 'replicas', threshold: 0.1, replicationFactor } });
  }

  get tableNames(): string[] {
    return this.cluster.database.placement.goals().map((goal) => goal.locality.table);
  }

  shardOf(table: string): string {
    this.locality(table);
    return shardIdOfTable(table);
  }

  /** The table's voters and preferred leader as the placement map has them now. */
  placementOf(table: string): { voters: readonly NodeId[]; preferredLeader: NodeId } {
    const shard = shardById(this.cluster.database.shardMap, this.shardOf(table));
    return { voters: shard.replicas, preferredLeader: shard.preferredLeader };
  }

  /** What is wrong with each table's placement for its goal (empty when every goal holds). */
  violations(): string[] {
    const nodes = this.sitedNodes();
    return this.tableNames.flatMap((table) => {
      const placement = this.placementOf(table);
      return survivalViolations(this.locality(table), placement.voters, placement.preferredLeader, nodes);
    });
  }

  /**
   * The commit latency the latency matrix predicts for a table whose leader stands in its
   * home region: order the voters by round trip from the home region; the leader and the
   * nearest others form the quorum, and the commit waits for the farthest of them (Spanner:
   * commit latency is set by the quorum's round trips). Under the zone goal that is the
   * in-region round trip; under the region goal, the round trip to the nearest region
   * that completes a quorum.
   */
  quorumRoundTripMs(table: string): number {
    const matrix = this.latencyMatrix;
    const home = this.locality(table).homeRegion;
    const { voters } = this.placementOf(table);
    const trips = voters.map((node) => matrix.roundTripMs(home, this.regionOf(node))).sort((left, right) => left - right);
    return trips[quorumOf(voters.length) - 1];
  }

  /** A client standing in `region` (created on first use). */
  client(name: string, region: string): KvClient {
    if (!this.regions.includes(region)) throw new Error(`client ${name}: there is no region ${region} (regions: ${this.regions.join(', ')})`);
    const client = this.cluster.database.client(name, { region });
    const placed = this.sim.network.regionOfNode(`client:${name}`);
    if (placed !== region) throw new Error(`client ${name} already stands in ${placed ?? 'no region'}, not ${region}`);
    return client;
  }

  write(clientName: string, region: string, table: string, key: string, value: string): Operation {
    this.locality(table);
    return this.client(clientName, region).put(tableKey(table, key), value);
  }

  /** The error an application sees for a failed operation on a table: the table's unavailability when a quorum is lost, else the client's reason. */
  explainFailure(table: string, region: string, operation: Operation): string {
    return this.unavailability(table, region) ?? operation.reason ?? operation.outcome;
  }

  read(clientName: string, region: string, table: string, key: string): Operation {
    this.locality(table);
    return this.client(clientName, region).get(tableKey(table, key));
  }

  /**
   * Why a table is unavailable to a client in `region`, in words, when a member there can
   * see that fewer than a quorum of the table's voters are alive and reachable, or
   * undefined when it cannot say so (CockroachDB reports a range that lost quorum as
   * "replica unavailable"). Judged from cluster membership as seen in the client's region.
   */
  unavailability(table: string, region: string): string | undefined {
    const locality = this.locality(table);
    const { voters } = this.placementOf(table);
    // A member in the client's region sees what the client's gateway would; any live member when none is up there.
    const live = (id: NodeId) => {
      const member = this.cluster.member(id);
      return member !== undefined && member.phase() === 'member' ? member : undefined;
    };
    const observer = this.nodesIn(region).map(live).find((member) => member !== undefined) ?? this.cluster.nodeIds.map(live).find((member) => member !== undefined);
    const down = voters.filter((node) => observer === undefined || (node !== observer.id && ['dead', 'suspect'].includes(observer.stateOf(node) ?? 'dead')));
    const reachable = voters.length - down.length;
    if (reachable >= quorumOf(voters.length)) return undefined;
    const where = [...new Set(down.map((node) => this.regionOf(node)))].sort().join(', ');
    return `table ${table} is unavailable from ${region}: ${reachable} of its ${voters.length} voters can be reached, fewer than a quorum of ${quorumOf(voters.length)} (survival goal ${locality.goal}, home region ${locality.homeRegion}; voters lost in ${where})`;
  }
}
