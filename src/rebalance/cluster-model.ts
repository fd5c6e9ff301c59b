import type { NodeId } from '../runtime/ports';
import type { Shard, ShardId, ShardMap, SlotRange } from '../sharding/shard-map';
import type { PlanNode, ShardLoad } from './types';

/**
 * The planner's working copy of a cluster: shards and nodes by index, with per-node
 * counts and sums kept up to date on every change, so that choosing the next move never
 * rescans the map. (PD keeps the same per-store statistics in its cluster cache.)
 *
 * The model is mutable and private to one planning run; the input map is never touched.
 */

/** Per-slot load of a shard (only what a split needs). */
export interface SlotLoad {
  readonly slot: number;
  readonly bytes: number;
  readonly opsPerSecond: number;
}

export interface ModelShard {
  readonly id: ShardId;
  slots: readonly SlotRange[];
  /** Node indices, distinct. */
  replicas: number[];
  /** Node index of the preferred leader; one of `replicas`. */
  leader: number;
  bytes: number;
  readsPerSecond: number;
  writesPerSecond: number;
  slotLoads?: readonly SlotLoad[];
  /** False once merged away. */
  live: boolean;
  /**
   * Set when the shard holds a table with a survival goal (after the survival phase has
   * met it): its voters then move only within their region, and its leadership only to a
   * voter in this, its home region, so no later phase undoes the goal.
   */
  homeRegion?: string;
}

export interface ModelNode {
  readonly id: NodeId;
  /** Zone key: nodes without a zone form a zone of their own. */
  readonly zoneKey: string;
  readonly zone?: string;
  /** Region, when given (survival goals). */
  readonly region?: string;
  readonly capacity: number;
  readonly draining: boolean;
  /** Listed in the input nodes (false for a node only the map mentions). */
  readonly known: boolean;
  readonly shards: Set<number>;
  readonly led: Set<number>;
  /**
   * Zone key → how many of this node's shards have a replica in that zone (kept only when
   * zones are configured). A shard can move from this node to a node of another zone z
   * only if it has no replica in z yet, so when the count for z equals `shards.size` no
   * shard can go there, and the balancer skips the pair without scanning its shards.
   */
  readonly zoneCoverage: Map<string, number>;
  bytes: number;
  readsPerSecond: number;
  writesPerSecond: number;
}

export class ClusterModel {
  readonly nodes: ModelNode[] = [];
  readonly shards: ModelShard[] = [];
  private readonly nodeIndex = new Map<NodeId, number>();
  /** True when at least one input node names a zone. */
  readonly zonesConfigured: boolean;

  constructor(map: ShardMap, nodes: readonly PlanNode[], loads: readonly ShardLoad[] = []) {
    this.zonesConfigured = nodes.some((node) => node.zone !== undefined);
    for (const node of nodes) this.addNode(node, true);
    const loadById = new Map(loads.map((load) => [load.shard, load]));
    for (const shard of map.shards) this.addShard(shard, loadById.get(shard.id));
  }

  indexOf(node: NodeId): number | undefined {
    return this.nodeIndex.get(node);
  }

  /** Adds a shard (from the map, or a new one made by a split) and returns its index. */
  addShard(shard: Shard, load: ShardLoad | undefined): number {
    const index = this.shards.length;
    const replicas = shard.replicas.map((node) => this.nodeIndex.get(node) ?? this.addNode({ id: node }, false));
    const modelShard: ModelShard = {
      id: shard.id,
      slots: shard.slots,
      replicas: [],
      leader: -1,
      bytes: load?.bytes ?? 0,
      readsPerSecond: load?.readsPerSecond ?? 0,
      writesPerSecond: load?.writesPerSecond ?? 0,
      slotLoads: load?.slots,
      live: true,
    };
    this.shards.push(modelShard);
    for (const node of replicas) this.attach(index, node);
    this.countZones(index, 1);
    this.setLeader(index, this.nodeIndex.get(shard.preferredLeader)!);
    return index;
  }

  /** Replaces replica `from` of `shard` by `to`; the leader must not be `from` unless it is the only replica. */
  moveReplica(shard: number, from: number, to: number): void {
    const modelShard = this.shards[shard];
    if (!modelShard.replicas.includes(from)) throw new Error(`${this.nodes[from].id} holds no replica of ${modelShard.id}`);
    if (modelShard.replicas.includes(to)) throw new Error(`${this.nodes[to].id} already holds a replica of ${modelShard.id}`);
    const wasLeader = modelShard.leader === from;
    if (wasLeader && modelShard.replicas.length > 1) throw new Error(`${modelShard.id}: move leadership off ${this.nodes[from].id} before removing its replica`);
    this.countZones(shard, -1);
    this.attach(shard, to);
    if (wasLeader) this.setLeader(shard, to);
    this.detach(shard, from);
    this.countZones(shard, 1);
  }

  setLeader(shard: number, node: number): void {
    const modelShard = this.shards[shard];
    if (!modelShard.replicas.includes(node)) throw new Error(`${this.nodes[node].id} is not a replica of ${modelShard.id}`);
    if (modelShard.leader >= 0) this.nodes[modelShard.leader].led.delete(shard);
    modelShard.leader = node;
    this.nodes[node].led.add(shard);
  }

  /** Removes a shard (merged away) from every node. */
  retireShard(shard: number): void {
    const modelShard = this.shards[shard];
    this.nodes[modelShard.leader].led.delete(shard);
    this.countZones(shard, -1);
    for (const node of [...modelShard.replicas]) this.detach(shard, node);
    modelShard.live = false;
  }

  /** Changes a shard's load (split or merge), keeping the per-node sums right. */
  setLoad(shard: number, load: { bytes: number; readsPerSecond: number; writesPerSecond: number; slotLoads?: readonly SlotLoad[] }): void {
    const modelShard = this.shards[shard];
    for (const node of modelShard.replicas) this.addLoad(node, modelShard, -1);
    modelShard.bytes = load.bytes;
    modelShard.readsPerSecond = load.readsPerSecond;
    modelShard.writesPerSecond = load.writesPerSecond;
    modelShard.slotLoads = load.slotLoads;
    for (const node of modelShard.replicas) this.addLoad(node, modelShard, 1);
  }

  /** Binds a shard to its table's home region (see ModelShard.homeRegion). */
  bindToHomeRegion(shard: number, homeRegion: string): void {
    this.shards[shard].homeRegion = homeRegion;
  }

  /** True when `node` may lead `shard`: any replica, or for a shard with a goal, a replica in its home region. */
  mayLead(shard: number, node: number): boolean {
    const home = this.shards[shard].homeRegion;
    return home === undefined || this.nodes[node].region === home;
  }

  /**
   * True when moving `shard`'s replica from `from` to `to` keeps its table's goal: a shard
   * without one may go anywhere; one with a goal stays in the same region (so the voters
   * per region, which is all either goal counts, do not change), and its leader's replica
   * moves only if another voter in the home region can take the leadership first.
   */
  keepsGoal(shard: number, from: number, to: number): boolean {
    const modelShard = this.shards[shard];
    if (modelShard.homeRegion === undefined) return true;
    if (this.nodes[to].region === undefined || this.nodes[to].region !== this.nodes[from].region) return false;
    return modelShard.leader !== from || modelShard.replicas.some((node) => node !== from && this.mayLead(shard, node));
  }

  /** True when a replica of `shard` other than the one on `except` lies in `zoneKey`. */
  hasReplicaInZone(shard: number, zoneKey: string, except = -1): boolean {
    for (const node of this.shards[shard].replicas) {
      if (node !== except && this.nodes[node].zoneKey === zoneKey) return true;
    }
    return false;
  }

  /** How many shards on `node` have a replica in `zoneKey` (only with zones configured). */
  coverage(node: number, zoneKey: string): number {
    return this.nodes[node].zoneCoverage.get(zoneKey) ?? 0;
  }

  private countZones(shard: number, sign: 1 | -1): void {
    if (!this.zonesConfigured) return;
    const replicas = this.shards[shard].replicas;
    const zones = new Set(replicas.map((node) => this.nodes[node].zoneKey));
    for (const node of replicas) {
      const coverage = this.nodes[node].zoneCoverage;
      for (const zone of zones) coverage.set(zone, (coverage.get(zone) ?? 0) + sign);
    }
  }

  liveShards(): number[] {
    const live: number[] = [];
    this.shards.forEach((shard, index) => {
      if (shard.live) live.push(index);
    });
    return live;
  }

  /** Nodes that may hold replicas: listed and not draining. */
  eligibleNodes(): number[] {
    const eligible: number[] = [];
    this.nodes.forEach((node, index) => {
      if (node.known && !node.draining) eligible.push(index);
    });
    return eligible;
  }

  toShardMap(epoch: number): ShardMap {
    const shards = this.liveShards().map((index) => {
      const shard = this.shards[index];
      return { id: shard.id, slots: shard.slots, replicas: shard.replicas.map((node) => this.nodes[node].id), preferredLeader: this.nodes[shard.leader].id };
    });
    return deepFreeze({ epoch, shards });
  }

  toLoads(): ShardLoad[] {
    return this.liveShards().map((index) => {
      const shard = this.shards[index];
      return { shard: shard.id, bytes: shard.bytes, readsPerSecond: shard.readsPerSecond, writesPerSecond: shard.writesPerSecond, ...(shard.slotLoads ? { slots: shard.slotLoads } : {}) };
    });
  }

  private addNode(node: PlanNode, known: boolean): number {
    const index = this.nodes.length;
    this.nodes.push({
      id: node.id,
      zone: node.zone,
      region: node.region,
      zoneKey: node.zone === undefined ? `node:${node.id}` : `zone:${node.zone}`,
      capacity: node.capacity ?? 1,
      draining: node.draining ?? false,
      known,
      shards: new Set(),
      led: new Set(),
      zoneCoverage: new Map(),
      bytes: 0,
      readsPerSecond: 0,
      writesPerSecond: 0,
    });
    this.nodeIndex.set(node.id, index);
    return index;
  }

  private attach(shard: number, node: number): void {
    this.shards[shard].replicas.push(node);
    this.nodes[node].shards.add(shard);
    this.addLoad(node, this.shards[shard], 1);
  }

  private detach(shard: number, node: number): void {
    const modelShard = this.shards[shard];
    modelShard.replicas = modelShard.replicas.filter((replica) => replica !== node);
    this.nodes[node].shards.delete(shard);
    this.addLoad(node, modelShard, -1);
  }

  private addLoad(node: number, shard: ModelShard, sign: 1 | -1): void {
    const modelNode = this.nodes[node];
    modelNode.bytes += sign * shard.bytes;
    modelNode.readsPerSecond += sign * shard.readsPerSecond;
    modelNode.writesPerSecond += sign * shard.writesPerSecond;
  }
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const field of Object.values(value)) deepFreeze(field);
  }
  return value;
}
