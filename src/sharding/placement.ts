import type { NodeId } from '../runtime/ports';

/**
 * Replica and leader placement, as pure functions over node ids (the shard map module
 * wraps them into a map). Two guarantees, both checked by property tests:
 *
 * - Replica counts per node differ by at most one. Each shard takes the least-loaded
 *   nodes first, which keeps every node within one replica of every other after each
 *   shard; zones only break ties, so spreading across zones never costs balance.
 * - No node is the preferred leader of more than ceil(shards / nodes) shards. Leaders
 *   are an assignment problem (each shard picks one of its replicas, each node has that
 *   capacity), solved with augmenting paths. A solution always exists when replicas are
 *   balanced: any k nodes hold at most k·ceil(shards·RF/nodes) ≤ k·RF·ceil(shards/nodes)
 *   replicas, so at most k·ceil(shards/nodes) shards live only on them (Hall's condition).
 */

export interface PlacementNode {
  readonly id: NodeId;
  /** Failure domain. Replicas of one shard go to different zones when the counts allow. */
  readonly zone?: string;
}

/** The replica sets of `shardCount` shards, each `replicationFactor` distinct nodes. */
export function placeReplicas(nodes: readonly PlacementNode[], shardCount: number, replicationFactor: number): NodeId[][] {
  assertPlacementArguments(nodes, shardCount, replicationFactor);
  const load = new ZoneAwareLoad(nodes);
  const replicaSets: NodeId[][] = [];
  for (let shard = 0; shard < shardCount; shard++) {
    const chosen: PlacementNode[] = [];
    for (let copy = 0; copy < replicationFactor; copy++) {
      const node = load.leastLoaded(chosen);
      chosen.push(node);
      load.add(node);
    }
    replicaSets.push(chosen.map((node) => node.id));
  }
  return replicaSets;
}

/** The highest number of shards one node may be preferred leader of. */
export function leadersPerNodeMax(shardCount: number, nodeCount: number): number {
  return Math.ceil(shardCount / nodeCount);
}

/**
 * One preferred leader per shard, chosen among its replicas, so that no node leads more
 * than `leadersMax` shards. Less-loaded replicas are tried first, which in practice
 * spreads leaders about as evenly as the replica sets allow.
 */
export function chooseLeaders(replicaSets: readonly (readonly NodeId[])[], leadersMax: number): NodeId[] {
  if (!Number.isInteger(leadersMax) || leadersMax < 1) throw new RangeError(`leadersMax must be ≥ 1, got ${leadersMax}`);
  const assignment = new LeaderAssignment(replicaSets, leadersMax);
  for (let shard = 0; shard < replicaSets.length; shard++) {
    if (!assignment.augment(shard, new Set([shard]))) {
      throw new Error(`no leader assignment with at most ${leadersMax} leaders per node exists (shard index ${shard})`);
    }
  }
  return assignment.leaders();
}

function assertPlacementArguments(nodes: readonly PlacementNode[], shardCount: number, replicationFactor: number): void {
  if (!Number.isInteger(shardCount) || shardCount < 1) throw new RangeError(`shardCount must be ≥ 1, got ${shardCount}`);
  if (!Number.isInteger(replicationFactor) || replicationFactor < 1) {
    throw new RangeError(`replicationFactor must be ≥ 1, got ${replicationFactor}`);
  }
  if (replicationFactor > nodes.length) {
    throw new RangeError(`replicationFactor ${replicationFactor} needs at least that many nodes, got ${nodes.length}`);
  }
  const ids = new Set(nodes.map((node) => node.id));
  if (ids.size !== nodes.length) throw new Error('node ids must be distinct');
}

/** Replica counts per node and per zone; picks the next node for a shard. */
class ZoneAwareLoad {
  private readonly nodeLoad = new Map<NodeId, number>();
  private readonly zoneLoad = new Map<string, number>();
  private readonly zoneSize = new Map<string, number>();

  constructor(private readonly nodes: readonly PlacementNode[]) {
    for (const node of nodes) {
      this.nodeLoad.set(node.id, 0);
      const zone = zoneOf(node);
      this.zoneLoad.set(zone, 0);
      this.zoneSize.set(zone, (this.zoneSize.get(zone) ?? 0) + 1);
    }
  }

  add(node: PlacementNode): void {
    this.nodeLoad.set(node.id, this.nodeLoad.get(node.id)! + 1);
    this.zoneLoad.set(zoneOf(node), this.zoneLoad.get(zoneOf(node))! + 1);
  }

  /** Least-loaded node not already chosen; ties go to a zone the shard does not use
   *  yet, then to the zone with the least load per node, then to list order. */
  leastLoaded(chosen: readonly PlacementNode[]): PlacementNode {
    const usedZones = new Set(chosen.map(zoneOf));
    let best: PlacementNode | undefined;
    for (const node of this.nodes) {
      if (chosen.includes(node)) continue;
      if (best === undefined || this.compare(node, best, usedZones) < 0) best = node;
    }
    if (best === undefined) throw new Error('no node left to place a replica on');
    return best;
  }

  private compare(left: PlacementNode, right: PlacementNode, usedZones: ReadonlySet<string>): number {
    const byLoad = this.nodeLoad.get(left.id)! - this.nodeLoad.get(right.id)!;
    if (byLoad !== 0) return byLoad;
    const byZoneUse = Number(usedZones.has(zoneOf(left))) - Number(usedZones.has(zoneOf(right)));
    if (byZoneUse !== 0) return byZoneUse;
    // Cross-multiplied to compare load-per-node of two zones without fractions.
    const leftZone = zoneOf(left);
    const rightZone = zoneOf(right);
    return this.zoneLoad.get(leftZone)! * this.zoneSize.get(rightZone)! - this.zoneLoad.get(rightZone)! * this.zoneSize.get(leftZone)!;
  }
}

function zoneOf(node: PlacementNode): string {
  // Nodes without a zone each form their own zone, so zone spreading never groups them.
  return node.zone === undefined ? `node:${node.id}` : `zone:${node.zone}`;
}

/** Kuhn's augmenting paths, with a capacity of `leadersMax` shards per node. */
class LeaderAssignment {
  private readonly leaderOf: (NodeId | undefined)[];
  private readonly load = new Map<NodeId, number>();

  constructor(
    private readonly replicaSets: readonly (readonly NodeId[])[],
    private readonly leadersMax: number,
  ) {
    this.leaderOf = replicaSets.map(() => undefined);
  }

  /** Gives `shard` a leader, moving other shards' leaders along a path if needed. */
  augment(shard: number, visited: Set<number>): boolean {
    const current = this.leaderOf[shard];
    const candidates = this.replicaSets[shard]
      .filter((node) => node !== current)
      .sort((left, right) => this.loadOf(left) - this.loadOf(right));
    for (const node of candidates) {
      if (this.loadOf(node) < this.leadersMax) return this.assign(shard, node);
    }
    for (const node of candidates) {
      for (const other of this.shardsLedBy(node)) {
        if (visited.has(other)) continue;
        visited.add(other);
        if (this.augment(other, visited)) return this.assign(shard, node);
      }
    }
    return false;
  }

  leaders(): NodeId[] {
    return this.leaderOf.map((leader, shard) => {
      if (leader === undefined) throw new Error(`shard index ${shard} has no leader`);
      return leader;
    });
  }

  private assign(shard: number, node: NodeId): true {
    const previous = this.leaderOf[shard];
    if (previous !== undefined) this.load.set(previous, this.loadOf(previous) - 1);
    this.leaderOf[shard] = node;
    this.load.set(node, this.loadOf(node) + 1);
    if (this.loadOf(node) > this.leadersMax) throw new Error(`leader capacity exceeded on ${node}`);
    return true;
  }

  private loadOf(node: NodeId): number {
    return this.load.get(node) ?? 0;
  }

  private shardsLedBy(node: NodeId): number[] {
    const shards: number[] = [];
    this.leaderOf.forEach((leader, shard) => {
      if (leader === node) shards.push(shard);
    });
    return shards;
  }
}
