import type { NodeId, RandomSource } from '../runtime/ports';
import { chooseLeaders, leadersPerNodeMax, type PlacementNode, placeReplicas } from './placement';
import { evenSlotRanges, hashSlotCount, isSlot, normalizedRanges, rangesFromSlots, type SlotRange, slotForKey, slotsOf } from './slots';

export { hashSlotCount, slotForKey, type SlotRange } from './slots';
export { type PlacementNode } from './placement';

/**
 * The shard map: the single place that says where data lives.
 *
 * Partitioning is by hash, not by range. Every key hashes to one of a fixed 1024 slots
 * and each shard owns a set of slots. Our keys carry no order the workload relies on,
 * so range partitioning would buy nothing today while making hot, sequential keys (the
 * usual `user-1`, `user-2`, ...) pile onto one shard; hashing spreads them evenly without
 * any split or merge machinery. Because the slot count is fixed across epochs, a key's
 * slot never changes: rebalancing moves whole slots between shards (`moveSlots`) and a
 * client with an old map can still compute the slot and be told its epoch is stale.
 * Cross-shard range scans are a separate, later problem (they would visit every shard).
 *
 * Maps are immutable (deeply frozen). Every change returns a new map whose epoch is one
 * higher, so "newer map" is simply "higher epoch".
 */

export type ShardId = string;

export interface Shard {
  readonly id: ShardId;
  /** Sorted, merged, non-empty slot ranges owned by this shard. */
  readonly slots: readonly SlotRange[];
  /** Distinct nodes holding a copy (the Raft group's voters). */
  readonly replicas: readonly NodeId[];
  /** The replica that should lead the shard's group; always one of `replicas`. */
  readonly preferredLeader: NodeId;
  /** Non-voting copies catching up before promotion (a replica move in progress); absent when none. */
  readonly learners?: readonly NodeId[];
}

export interface ShardMap {
  /** 0 for the empty map, 1 for a freshly planned one, +1 on every change. */
  readonly epoch: number;
  readonly shards: readonly Shard[];
}

export interface PlanShardsOptions {
  /** Node ids, or nodes with zones so that a shard's replicas go to different zones. */
  readonly nodes: readonly (NodeId | PlacementNode)[];
  readonly shardCount: number;
  readonly replicationFactor: number;
  /** When given, the node order is shuffled first, so ties fall differently per seed. */
  readonly random?: RandomSource;
}

/** The map before any shard exists. Every key is then unplaced. */
export function emptyShardMap(): ShardMap {
  return deepFreeze({ epoch: 0, shards: [] });
}

/** Validates and freezes a map built elsewhere (for example read back from JSON). */
export function createShardMap(epoch: number, shards: readonly Shard[]): ShardMap {
  const map: ShardMap = {
    epoch,
    shards: shards.map((shard) => ({
      id: shard.id,
      slots: normalizedRanges(shard.slots),
      replicas: [...shard.replicas],
      preferredLeader: shard.preferredLeader,
      ...(shard.learners !== undefined && shard.learners.length > 0 ? { learners: [...shard.learners] } : {}),
    })),
  };
  validateShards(map);
  deepFreeze(map);
  // Building the slot table also checks that every slot has exactly one owner.
  if (map.shards.length > 0) slotOwnerCache.set(map, buildSlotOwners(map));
  return map;
}

/** A balanced first map: slots split evenly, replicas and leaders placed (see placement.ts). */
export function planShards(options: PlanShardsOptions): ShardMap {
  const nodes = options.nodes.map((node): PlacementNode => (typeof node === 'string' ? { id: node } : node));
  if (options.random !== undefined) options.random.shuffle(nodes);
  const replicaSets = placeReplicas(nodes, options.shardCount, options.replicationFactor);
  const leaders = chooseLeaders(replicaSets, leadersPerNodeMax(options.shardCount, nodes.length));
  const slotRanges = evenSlotRanges(options.shardCount);
  const shards = replicaSets.map((replicas, index) => ({
    id: `shard-${index + 1}`,
    slots: [slotRanges[index]],
    replicas,
    preferredLeader: leaders[index],
  }));
  return createShardMap(1, shards);
}

/** The shard owning `key`'s slot; undefined only for a map with no shards. */
export function shardForKey(map: ShardMap, key: string): Shard | undefined {
  if (map.shards.length === 0) return undefined;
  const shard = slotOwners(map)[slotForKey(key)];
  if (shard === undefined) throw new Error(`shard map epoch ${map.epoch} leaves the slot of key ${JSON.stringify(key)} unowned`);
  return shard;
}

export function findShard(map: ShardMap, shardId: ShardId): Shard | undefined {
  // Maps are frozen, so an index built once per map stays right; a linear search was the
  // main cost of an idle 1,000-shard cluster (leader balancing asks once per group per second).
  if (map.shards.length < 16) return map.shards.find((shard) => shard.id === shardId);
  let index = shardIndexCache.get(map);
  if (index === undefined) {
    index = new Map(map.shards.map((shard) => [shard.id, shard]));
    shardIndexCache.set(map, index);
  }
  return index.get(shardId);
}

const shardIndexCache = new WeakMap<ShardMap, ReadonlyMap<ShardId, Shard>>();

export function shardById(map: ShardMap, shardId: ShardId): Shard {
  const shard = findShard(map, shardId);
  if (shard === undefined) throw new Error(`no shard ${shardId} in shard map epoch ${map.epoch}`);
  return shard;
}

/**
 * Replaces replica `fromNode` of a shard by `toNode`. When the preferred leader leaves,
 * the preference passes to the first remaining replica (an existing copy, already caught
 * up), not to the newcomer; call `setPreferredLeader` afterwards to choose otherwise.
 */
export function moveReplica(map: ShardMap, shardId: ShardId, fromNode: NodeId, toNode: NodeId): ShardMap {
  const shard = shardById(map, shardId);
  if (!shard.replicas.includes(fromNode)) throw new Error(`${fromNode} is not a replica of ${shardId}`);
  if (shard.replicas.includes(toNode)) throw new Error(`${toNode} is already a replica of ${shardId}`);
  const replicas = shard.replicas.map((node) => (node === fromNode ? toNode : node));
  const preferredLeader =
    shard.preferredLeader === fromNode ? (replicas.find((node) => node !== toNode) ?? toNode) : shard.preferredLeader;
  return withShard(map, { ...shard, replicas, preferredLeader });
}

export function setPreferredLeader(map: ShardMap, shardId: ShardId, leader: NodeId): ShardMap {
  const shard = shardById(map, shardId);
  if (!shard.replicas.includes(leader)) throw new Error(`${leader} is not a replica of ${shardId}`);
  return withShard(map, { ...shard, preferredLeader: leader });
}

/** Hands the slots of `range` to shard `toShardId`. Every shard must keep at least one slot. */
export function moveSlots(map: ShardMap, range: SlotRange, toShardId: ShardId): ShardMap {
  if (!isSlot(range.start) || !(range.endExclusive > range.start && range.endExclusive <= hashSlotCount)) {
    throw new RangeError(`not a slot range: [${range.start}, ${range.endExclusive})`);
  }
  shardById(map, toShardId);
  const owners = slotOwners(map).map((shard) => shard.id);
  for (let slot = range.start; slot < range.endExclusive; slot++) owners[slot] = toShardId;
  const shards = map.shards.map((shard) => ({
    ...shard,
    slots: rangesFromSlots(owners.flatMap((owner, slot) => (owner === shard.id ? [slot] : []))),
  }));
  return createShardMap(map.epoch + 1, shards);
}

/** Replicas per node, for every node holding at least one. */
export function replicaCounts(map: ShardMap): Map<NodeId, number> {
  const counts = new Map<NodeId, number>();
  for (const shard of map.shards) {
    for (const node of shard.replicas) counts.set(node, (counts.get(node) ?? 0) + 1);
  }
  return counts;
}

/** Preferred leaderships per node, for every node leading at least one shard. */
export function leaderCounts(map: ShardMap): Map<NodeId, number> {
  const counts = new Map<NodeId, number>();
  for (const shard of map.shards) counts.set(shard.preferredLeader, (counts.get(shard.preferredLeader) ?? 0) + 1);
  return counts;
}

/** Throws naming the first broken invariant of a shard map. */
export function validateShardMap(map: ShardMap): void {
  validateShards(map);
  if (map.shards.length > 0) buildSlotOwners(map);
}

function validateShards(map: ShardMap): void {
  if (!Number.isInteger(map.epoch) || map.epoch < 0) throw new Error(`shard map epoch must be an integer ≥ 0, got ${map.epoch}`);
  const ids = new Set<ShardId>();
  for (const shard of map.shards) {
    if (ids.has(shard.id)) throw new Error(`shard id ${shard.id} appears twice`);
    ids.add(shard.id);
    if (shard.replicas.length === 0) throw new Error(`${shard.id} has no replicas`);
    if (new Set(shard.replicas).size !== shard.replicas.length) throw new Error(`${shard.id} has a node twice among its replicas`);
    if (!shard.replicas.includes(shard.preferredLeader)) {
      throw new Error(`${shard.id}'s preferred leader ${shard.preferredLeader} is not one of its replicas`);
    }
    if (shard.slots.length === 0) throw new Error(`${shard.id} owns no slots`);
    const learners = shard.learners ?? [];
    if (new Set(learners).size !== learners.length || learners.some((node) => shard.replicas.includes(node))) {
      throw new Error(`${shard.id} lists a learner twice or as a voter too`);
    }
  }
}

const slotOwnerCache = new WeakMap<ShardMap, readonly Shard[]>();

/** Shard per slot. Cached per map object, which is safe because maps are frozen. */
function slotOwners(map: ShardMap): readonly Shard[] {
  let owners = slotOwnerCache.get(map);
  if (owners === undefined) {
    owners = buildSlotOwners(map);
    if (Object.isFrozen(map)) slotOwnerCache.set(map, owners);
  }
  return owners;
}

function buildSlotOwners(map: ShardMap): Shard[] {
  const owners: (Shard | undefined)[] = new Array(hashSlotCount).fill(undefined);
  for (const shard of map.shards) {
    for (const slot of slotsOf(shard.slots)) {
      if (!isSlot(slot)) throw new Error(`${shard.id} owns ${slot}, which is not a slot`);
      if (owners[slot] !== undefined) throw new Error(`slot ${slot} is owned by both ${owners[slot]!.id} and ${shard.id}`);
      owners[slot] = shard;
    }
  }
  const unowned = owners.indexOf(undefined);
  if (unowned >= 0) throw new Error(`slot ${unowned} is owned by no shard`);
  return owners as Shard[];
}

function withShard(map: ShardMap, changed: Shard): ShardMap {
  return createShardMap(
    map.epoch + 1,
    map.shards.map((shard) => (shard.id === changed.id ? changed : shard)),
  );
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const field of Object.values(value)) deepFreeze(field);
  }
  return value;
}
