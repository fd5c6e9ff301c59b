import type { KvClient } from '../kv/client';
import type { Operation } from '../kv/client-operation';
import { planRegionalMap, shardIdOfTable, tableKey } from '../placement/regional-map';
import { quorumOf, type SitedNode, survivalViolations, type TableLocality } from '../placement/survival';
import type { NodeId } from '../runtime/ports';
import { RegionLatencyMatrix, type RegionLatencyRow, type Simulation } from '../sim';
import { planRebalance } from '../rebalance/planner';
import type { Plan } from '../rebalance/types';
import { shardById } from '../sharding/shard-map';
import type { PhantomCluster } from './phantom-cluster';
import { regionalRaftTiming } from './regional-raft-timing';

/**
 * The sharded store across regions (issue 11 §1): nodes stand in regions and zones, the
 * network applies the region latency matrix to every message, and each table is one shard
 * whose voters are placed by the table's survival goal with its leader preferred in the
 * home region (src/placement/survival.ts). The kv server's leader balancer then keeps
 * leadership on that preferred leader whenever it is up and caught up.
 */
export interface RegionalSetup {
  readonly regions: readonly string[];
  readonly latencies: readonly RegionLatencyRow[];
  /** One-way latency inside a region, in ms. */
  readonly inRegionMs: number;
}

export class RegionalDatabase {
  private matrix: RegionLatencyMatrix | undefined;
  private readonly tables = new Map<string, TableLocality>();

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
    for (const table of tables) this.tables.set(table.table, table);
    // The placement group survives a region too: one replica in each of the first three regions.
    const firsts = this.regions.flatMap((region) => this.nodesIn(region).slice(0, 1));
    const placementNodes = [...firsts, ...this.sitedNodes().map((node) => node.id).filter((node) => !firsts.includes(node))].slice(0, 3);
    this.cluster.database.create({ shards: tables.length, replicationFactor: Math.max(...tables.map((table) => table.voters)), map, placementNodes });
  }

  /** Regions ordered by round trip from `home` (itself first), ties by name. */
  regionsByDistance(home: string): string[] {
    const matrix = this.latencyMatrix;
    // An unknown home region is refused by placement, naming the table; order by name meanwhile.
    if (!matrix.regions.includes(home)) return [...matrix.regions].sort();
    return [...matrix.regions].sort((left, right) => matrix.roundTripMs(home, left) - matrix.roundTripMs(home, right) || (left < right ? -1 : left > right ? 1 : 0));
  }

  locality(table: string): TableLocality {
    const locality = this.tables.get(table);
    if (locality === undefined) throw new Error(`there is no table ${table} (tables: ${[...this.tables.keys()].join(', ') || 'none'})`);
    return locality;
  }

  /**
   * Gives a table a new home region and returns the plan that meets every table's goal
   * from the current map (the planner's survival phase: voters into place, then the
   * leader home). The caller runs the plan through the migration executor.
   */
  changeHomeRegion(table: string, homeRegion: string): Plan {
    const before = this.locality(table);
    const changed = { ...before, homeRegion };
    this.tables.set(table, changed);
    try {
      return this.planSurvival();
    } catch (error) {
      this.tables.set(table, before);
      throw error;
    }
  }

  /** The moves that bring every table's voters and leader to what its goal asks. */
  planSurvival(): Plan {
    const nodes = this.sitedNodes().map((node) => ({ id: node.id, region: node.region, zone: node.zone }));
    const survival = this.tableNames.map((table) => ({ shard: this.shardOf(table), locality: this.locality(table) }));
    const replicationFactor = Math.min(...survival.map(({ locality }) => locality.voters));
    return planRebalance({ map: this.cluster.database.shardMap, nodes, policy: { measure: 'replicas', threshold: 0.1, replicationFactor }, survival });
  }

  get tableNames(): string[] {
    return [...this.tables.keys()];
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
