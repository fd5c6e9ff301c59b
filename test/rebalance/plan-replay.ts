import type { NodeId } from '../../src/runtime/ports';
import { createShardMap, type Shard, type ShardMap, shardById } from '../../src/sharding/shard-map';
import { rangesFromSlots, slotsOf } from '../../src/sharding/slots';
import type { Move, Plan, PlanInput } from '../../src/rebalance/types';

/**
 * An independent oracle for plans: replays every move on a real shard map (whose
 * constructor checks slot ownership, distinct replicas and leaders) and checks the rules
 * of issue 8 §3 after every step, and in the middle of every replica move (add, then
 * remove). Returns the final map, which must equal the plan's expected map.
 */
export function replayPlan(input: PlanInput, plan: Plan): ShardMap {
  const zoneOf = new Map(input.nodes.map((node) => [node.id, node.zone ?? `node:${node.id}`]));
  const zonesConfigured = input.nodes.some((node) => node.zone !== undefined);
  const draining = new Set(input.nodes.filter((node) => node.draining).map((node) => node.id));
  const rf = input.policy.replicationFactor;
  let map = createShardMap(input.map.epoch, input.map.shards);
  const initiallyZoneBroken = new Set(input.map.shards.filter((shard) => zoneClash(shard.replicas, zoneOf)).map((shard) => shard.id));
  plan.moves.forEach((move, step) => {
    const where = `step ${step + 1} (${move.kind}: ${move.reason})`;
    map = applyMove(map, move, where, { draining, rf, zoneOf });
    const changed = move.kind === 'move-replica' || move.kind === 'transfer-leader' ? [shardById(map, move.shard)] : map.shards;
    for (const shard of changed) {
      if (shard.replicas.length < rf) throw new Error(`${where}: ${shard.id} has ${shard.replicas.length} replicas, below ${rf}`);
      const clash = zonesConfigured && zoneClash(shard.replicas, zoneOf);
      if (clash && !initiallyZoneBroken.has(shard.id)) throw new Error(`${where}: ${shard.id} has two replicas in one zone (${shard.replicas.join(', ')})`);
      if (!clash) initiallyZoneBroken.delete(shard.id);
    }
  });
  // The constructor checks every shard and that each slot has exactly one owner.
  return createShardMap(map.epoch, map.shards);
}

/** A map with one shard replaced, built without the slot table (checked at the end). */
function withShard(map: ShardMap, changed: Shard): ShardMap {
  return { epoch: map.epoch + 1, shards: map.shards.map((shard) => (shard.id === changed.id ? changed : shard)) };
}

interface Rules {
  readonly draining: ReadonlySet<NodeId>;
  readonly rf: number;
  readonly zoneOf: ReadonlyMap<NodeId, string>;
}

function applyMove(map: ShardMap, move: Move, where: string, rules: Rules): ShardMap {
  switch (move.kind) {
    case 'move-replica': {
      const shard = shardById(map, move.shard);
      if (rules.draining.has(move.to)) throw new Error(`${where}: moves a replica onto draining ${move.to}`);
      if (!rules.zoneOf.has(move.to)) throw new Error(`${where}: moves a replica onto unknown node ${move.to}`);
      if (shard.preferredLeader === move.from && shard.replicas.length > 1) throw new Error(`${where}: removes leader ${move.from}'s replica of ${shard.id} before leadership moved away`);
      if (!shard.replicas.includes(move.from)) throw new Error(`${where}: ${move.from} holds no replica of ${shard.id}`);
      if (shard.replicas.includes(move.to)) throw new Error(`${where}: ${move.to} already holds a replica of ${shard.id}`);
      const leaderAfter = shard.preferredLeader === move.from ? move.to : shard.preferredLeader;
      return withShard(map, { ...shard, replicas: shard.replicas.map((node) => (node === move.from ? move.to : node)), preferredLeader: leaderAfter });
    }
    case 'transfer-leader': {
      const shard = shardById(map, move.shard);
      if (shard.preferredLeader !== move.from) throw new Error(`${where}: ${move.from} does not lead ${shard.id} (${shard.preferredLeader} does)`);
      if (rules.draining.has(move.to)) throw new Error(`${where}: hands leadership of ${shard.id} to draining ${move.to}`);
      if (!shard.replicas.includes(move.to)) throw new Error(`${where}: ${move.to} holds no replica of ${shard.id}`);
      return withShard(map, { ...shard, preferredLeader: move.to });
    }
    case 'split': {
      const shard = shardById(map, move.shard);
      const moved = new Set(slotsOf(move.ranges));
      const kept = [...slotsOf(shard.slots)].filter((slot) => !moved.has(slot));
      if (kept.length + moved.size !== [...slotsOf(shard.slots)].length) throw new Error(`${where}: splits off slots ${shard.id} does not own`);
      if (new Set(move.replicas).size !== move.replicas.length || move.replicas.length < rules.rf) throw new Error(`${where}: new shard replicas ${move.replicas.join(', ')}`);
      if (zoneClash(move.replicas, rules.zoneOf) && [...rules.zoneOf.values()].some((zone) => !zone.startsWith('node:'))) throw new Error(`${where}: new shard shares a zone`);
      const shards: Shard[] = map.shards.map((other) => (other.id === shard.id ? { ...other, slots: rangesFromSlots(kept) } : other));
      shards.push({ id: move.newShard, slots: move.ranges, replicas: move.replicas, preferredLeader: move.replicas[0] });
      return createShardMap(map.epoch + 1, shards);
    }
    case 'merge': {
      const from = shardById(map, move.from);
      const into = shardById(map, move.into);
      const shards = map.shards
        .filter((shard) => shard.id !== from.id)
        .map((shard) => (shard.id === into.id ? { ...shard, slots: rangesFromSlots([...slotsOf(into.slots), ...slotsOf(from.slots)]) } : shard));
      return createShardMap(map.epoch + 1, shards);
    }
    case 'move-slots':
      throw new Error(`${where}: the planner does not emit move-slots yet`);
  }
}

function zoneClash(replicas: readonly NodeId[], zoneOf: ReadonlyMap<NodeId, string>): boolean {
  const zones = replicas.map((node) => zoneOf.get(node) ?? `node:${node}`);
  return new Set(zones).size !== zones.length;
}

/** The shards of a map as plain comparable data (order of shards and replicas ignored). */
export function mapShape(map: ShardMap): string[] {
  return map.shards.map((shard) => `${shard.id} slots=${shard.slots.map((range) => `${range.start}-${range.endExclusive}`).join(',')} replicas=${[...shard.replicas].sort().join(',')} leader=${shard.preferredLeader}`).sort();
}
