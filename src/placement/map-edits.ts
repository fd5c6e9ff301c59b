import type { NodeId } from '../runtime/ports';
import { findShard, type Shard, type ShardId, type ShardMap, type SlotRange } from '../sharding/shard-map';
import { rangesFromSlots, slotsOf } from '../sharding/slots';

/**
 * The map edits a data move makes at each committed step, as pure functions from the
 * latest map to the next list of shards (the placement group adds the epoch). Each
 * returns undefined when the edit is already in the map, so that a step retried after a
 * lost answer does not change the map twice.
 */

export function withLearner(map: ShardMap, shardId: ShardId, node: NodeId): Shard[] | undefined {
  const shard = requireShard(map, shardId);
  if (shard.replicas.includes(node) || (shard.learners ?? []).includes(node)) return undefined;
  return replace(map, { ...shard, learners: [...(shard.learners ?? []), node] });
}

export function withoutLearner(map: ShardMap, shardId: ShardId, node: NodeId): Shard[] | undefined {
  const shard = requireShard(map, shardId);
  if (!(shard.learners ?? []).includes(node)) return undefined;
  return replace(map, { ...shard, learners: (shard.learners ?? []).filter((id) => id !== node) });
}

/** The learner becomes a voter; if `handOverFrom` is the preferred leader, the preference passes to the newcomer. */
export function promoted(map: ShardMap, shardId: ShardId, node: NodeId, handOverFrom: NodeId): Shard[] | undefined {
  const shard = requireShard(map, shardId);
  if (shard.replicas.includes(node)) return undefined;
  const preferredLeader = shard.preferredLeader === handOverFrom ? node : shard.preferredLeader;
  return replace(map, { ...shard, replicas: [...shard.replicas, node], learners: (shard.learners ?? []).filter((id) => id !== node), preferredLeader });
}

export function withoutVoter(map: ShardMap, shardId: ShardId, node: NodeId): Shard[] | undefined {
  const shard = requireShard(map, shardId);
  if (!shard.replicas.includes(node)) return undefined;
  const replicas = shard.replicas.filter((id) => id !== node);
  if (replicas.length === 0) throw new Error(`removing ${node} would leave ${shardId} with no replica`);
  const preferredLeader = shard.preferredLeader === node ? replicas[0] : shard.preferredLeader;
  return replace(map, { ...shard, replicas, preferredLeader });
}

export function withPreferredLeader(map: ShardMap, shardId: ShardId, node: NodeId): Shard[] | undefined {
  const shard = requireShard(map, shardId);
  if (shard.preferredLeader === node || !shard.replicas.includes(node)) return undefined;
  return replace(map, { ...shard, preferredLeader: node });
}

/** Hands `range` to `toShard` (a new shard arrives with the slots it takes); a shard left with no slots (a merge's source) leaves the map. */
export function withSlotsMoved(map: ShardMap, range: SlotRange, toShard: Shard): Shard[] | undefined {
  const existing = findShard(map, toShard.id);
  if (existing !== undefined && ownsRange(existing, range)) return undefined;
  const target = existing ?? { ...toShard, slots: [] };
  const grown = { ...target, slots: rangesFromSlots([...slotsOf(target.slots), ...slotsOf([range])]) };
  const shards = map.shards.map((shard) => (shard.id === target.id ? grown : { ...shard, slots: subtract(shard.slots, range) }));
  if (existing === undefined) shards.push(grown);
  return shards.filter((shard) => shard.slots.length > 0);
}

export function ownsRange(shard: Shard, range: SlotRange): boolean {
  for (let slot = range.start; slot < range.endExclusive; slot++) {
    if (!shard.slots.some((owned) => owned.start <= slot && slot < owned.endExclusive)) return false;
  }
  return true;
}

function subtract(ranges: readonly { start: number; endExclusive: number }[], cut: SlotRange): SlotRange[] {
  const result: SlotRange[] = [];
  for (const range of ranges) {
    if (range.endExclusive <= cut.start || range.start >= cut.endExclusive) result.push(range);
    else {
      if (range.start < cut.start) result.push({ start: range.start, endExclusive: cut.start });
      if (range.endExclusive > cut.endExclusive) result.push({ start: cut.endExclusive, endExclusive: range.endExclusive });
    }
  }
  return result;
}

function requireShard(map: ShardMap, shardId: ShardId): Shard {
  const shard = findShard(map, shardId);
  if (shard === undefined) throw new Error(`no shard ${shardId} in map epoch ${map.epoch}`);
  return shard;
}

function replace(map: ShardMap, changed: Shard): Shard[] {
  return map.shards.map((shard) => (shard.id === changed.id ? changed : shard));
}
