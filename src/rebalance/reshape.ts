import type { NodeId } from '../runtime/ports';
import { rangesFromSlots, slotsOf } from '../sharding/slots';
import type { ClusterModel, SlotLoad } from './cluster-model';
import type { PlanBuilder } from './plan-builder';
import type { RebalancePolicy } from './types';

/**
 * Shard splits and merges, decided before any replica moves so that the balance phase
 * places the new shard's load too.
 *
 * Split (PD's split of hot regions; CockroachDB's load-based splitting): a shard whose
 * reads + writes per second exceed the policy threshold hands the upper part of its slots
 * to a new shard. The cut is the point of the slot order closest to half the shard's
 * load (or half its bytes, by policy); without per-slot figures every slot counts the
 * same. One split per hot shard per plan: if a half is still hot, the next plan splits it.
 *
 * Merge (PD's merge checker): shards below the byte threshold are paired smallest first;
 * the smaller of a pair moves its slots into the larger and its group is retired. A pair
 * whose sum would count as hot is not merged, and a shard split in this plan is not
 * merged in the same plan.
 */
export function splitHotShards(builder: PlanBuilder, policy: RebalancePolicy, notes: string[]): Set<number> {
  const touched = new Set<number>();
  const limit = policy.hotShardOpsPerSecond;
  if (limit === undefined) return touched;
  const model = builder.model;
  for (const shard of model.liveShards()) {
    const modelShard = model.shards[shard];
    const ops = modelShard.readsPerSecond + modelShard.writesPerSecond;
    if (ops <= limit) continue;
    if (modelShard.homeRegion !== undefined) {
      notes.push(`${modelShard.id} serves ${ops} ops/s, above the split threshold ${limit}, but holds a table with a survival goal, which stays one shard`);
      continue;
    }
    const slots = [...slotsOf(modelShard.slots)];
    if (slots.length < 2) {
      notes.push(`${modelShard.id} serves ${ops} ops/s, above the split threshold ${limit}, but owns a single slot and cannot be split`);
      continue;
    }
    touched.add(shard);
    touched.add(splitShard(builder, shard, slots, policy, `${modelShard.id} serves ${ops} ops/s, above the split threshold ${limit}`));
  }
  return touched;
}

function splitShard(builder: PlanBuilder, shard: number, slots: readonly number[], policy: RebalancePolicy, why: string): number {
  const model = builder.model;
  const modelShard = model.shards[shard];
  const perSlot = new Map((modelShard.slotLoads ?? []).map((load) => [load.slot, load]));
  const slotWeight = (slot: number): number => {
    const load = perSlot.get(slot);
    if (load === undefined) return 0;
    return policy.splitBy === 'size' ? load.bytes : load.opsPerSecond;
  };
  const weights = slots.map(slotWeight);
  const cut = halfwayCut(weights.some((weight) => weight > 0) ? weights : slots.map(() => 1));
  const kept = slots.slice(0, cut);
  const moved = slots.slice(cut);
  const movedSet = new Set(moved);
  const fraction = (pick: (load: SlotLoad) => number): number => {
    const total = slots.reduce((sum, slot) => sum + (perSlot.has(slot) ? pick(perSlot.get(slot)!) : 0), 0);
    if (total <= 0) return moved.length / slots.length;
    return moved.reduce((sum, slot) => sum + (perSlot.has(slot) ? pick(perSlot.get(slot)!) : 0), 0) / total;
  };
  const bytesMoved = fraction((load) => load.bytes);
  const opsMoved = fraction((load) => load.opsPerSecond);
  const slotLoads = modelShard.slotLoads;
  const newLoad = {
    bytes: modelShard.bytes * bytesMoved,
    readsPerSecond: modelShard.readsPerSecond * opsMoved,
    writesPerSecond: modelShard.writesPerSecond * opsMoved,
    slotLoads: slotLoads?.filter((load) => movedSet.has(load.slot)),
  };
  model.setLoad(shard, {
    bytes: modelShard.bytes - newLoad.bytes,
    readsPerSecond: modelShard.readsPerSecond - newLoad.readsPerSecond,
    writesPerSecond: modelShard.writesPerSecond - newLoad.writesPerSecond,
    slotLoads: slotLoads?.filter((load) => !movedSet.has(load.slot)),
  });
  modelShard.slots = rangesFromSlots(kept);
  const replicas = placeNewShard(model, policy.replicationFactor);
  const newId = nextShardId(model);
  const ranges = rangesFromSlots(moved);
  const index = model.addShard({ id: newId, slots: ranges, replicas, preferredLeader: replicas[0] }, { shard: newId, ...newLoad, slots: newLoad.slotLoads });
  const by = policy.splitBy === 'size' ? 'bytes' : 'load';
  builder.record({
    kind: 'split',
    shard: modelShard.id,
    newShard: newId,
    ranges,
    replicas,
    reason: `${why}: ${moved.length} of its ${slots.length} slots (half its ${by}) move to new shard ${newId}`,
  });
  return index;
}

/** The cut k in [1, n−1] whose prefix weight is closest to half the total; ties: the lower k. */
export function halfwayCut(weights: readonly number[]): number {
  const total = weights.reduce((sum, weight) => sum + weight, 0);
  let prefix = 0;
  let best = 1;
  let bestGap = Infinity;
  for (let cut = 1; cut < weights.length; cut++) {
    prefix += weights[cut - 1];
    const gap = Math.abs(prefix - total / 2);
    if (gap < bestGap - 1e-9) {
      best = cut;
      bestGap = gap;
    }
  }
  return best;
}

/**
 * Replicas for a new shard: the nodes holding the fewest replicas per capacity, one per
 * zone; the first has the fewest leaderships and becomes the preferred leader.
 */
function placeNewShard(model: ClusterModel, replicationFactor: number): NodeId[] {
  const candidates = model.eligibleNodes().sort((a, b) => model.nodes[a].shards.size / model.nodes[a].capacity - model.nodes[b].shards.size / model.nodes[b].capacity || a - b);
  const chosen: number[] = [];
  for (const node of candidates) {
    if (chosen.length === replicationFactor) break;
    if (chosen.some((other) => model.nodes[other].zoneKey === model.nodes[node].zoneKey)) continue;
    chosen.push(node);
  }
  if (chosen.length < replicationFactor) throw new Error(`only ${chosen.length} zones can take a replica of a new shard`);
  const leaderRank = (node: number): number => model.nodes[node].led.size / model.nodes[node].capacity;
  chosen.sort((a, b) => leaderRank(a) - leaderRank(b) || a - b);
  return chosen.map((node) => model.nodes[node].id);
}

/** `shard-N` with N one above every number used by a `shard-N` id so far. */
function nextShardId(model: ClusterModel): string {
  let highest = 0;
  for (const shard of model.shards) {
    const match = /^shard-(\d+)$/.exec(shard.id);
    if (match) highest = Math.max(highest, Number(match[1]));
  }
  let candidate = highest + 1;
  while (model.shards.some((shard) => shard.id === `shard-${candidate}`)) candidate++;
  return `shard-${candidate}`;
}

export function mergeSmallShards(builder: PlanBuilder, policy: RebalancePolicy, exclude: ReadonlySet<number>): void {
  const below = policy.mergeBelowBytes;
  if (below === undefined) return;
  const model = builder.model;
  const small = model
    .liveShards()
    // A table with a survival goal is one shard: it neither absorbs nor is absorbed.
    .filter((shard) => !exclude.has(shard) && model.shards[shard].homeRegion === undefined && model.shards[shard].bytes < below)
    .sort((a, b) => model.shards[a].bytes - model.shards[b].bytes || a - b);
  const merged = new Set<number>();
  for (let index = 0; index < small.length; index++) {
    if (merged.has(small[index])) continue;
    const partner = small.slice(index + 1).find((other) => !merged.has(other) && mayMerge(builder, small[index], other, policy));
    if (partner === undefined) continue;
    merged.add(small[index]);
    merged.add(partner);
    mergePair(builder, small[index], partner, below);
  }
}

function mayMerge(builder: PlanBuilder, left: number, right: number, policy: RebalancePolicy): boolean {
  if (policy.hotShardOpsPerSecond === undefined) return true;
  const ops = (shard: number): number => builder.model.shards[shard].readsPerSecond + builder.model.shards[shard].writesPerSecond;
  return ops(left) + ops(right) <= policy.hotShardOpsPerSecond;
}

/** `from` is the smaller (it was sorted first), so the fewer bytes are copied. */
function mergePair(builder: PlanBuilder, from: number, into: number, below: number): void {
  const model = builder.model;
  const source = model.shards[from];
  const target = model.shards[into];
  const combined = {
    bytes: source.bytes + target.bytes,
    readsPerSecond: source.readsPerSecond + target.readsPerSecond,
    writesPerSecond: source.writesPerSecond + target.writesPerSecond,
    slotLoads: source.slotLoads || target.slotLoads ? [...(target.slotLoads ?? []), ...(source.slotLoads ?? [])].sort((a, b) => a.slot - b.slot) : undefined,
  };
  model.setLoad(into, combined);
  target.slots = rangesFromSlots([...slotsOf(target.slots), ...slotsOf(source.slots)]);
  model.retireShard(from);
  builder.record({
    kind: 'merge',
    from: source.id,
    into: target.id,
    reason: `${source.id} (${source.bytes} bytes) and ${target.id} (${target.bytes} bytes) are both below the merge threshold ${below} bytes`,
  });
}
