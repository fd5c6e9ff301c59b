import type { NodeId } from '../runtime/ports';
import { hashSlotCount } from '../sharding/shard-map';
import { type PlanInput, PlanError } from './types';

/**
 * Checks a plan request before anything is planned, and throws a PlanError naming the
 * first problem. The planner is pure, so a refused request changes nothing anywhere.
 *
 * The map is checked shard by shard (ids, replicas, leader, slots), not for global slot
 * coverage: the planner only reads each shard's own slots, and every move it makes keeps
 * ownership exactly as it was (a split and a merge hand slots between two shards).
 */
export function validatePlanInput(input: PlanInput): void {
  validatePolicy(input);
  const nodes = validateNodes(input);
  validateShards(input, nodes);
  validateLoads(input);
  validateCapacityForReplication(input);
  validateZones(input);
}

function validatePolicy({ policy }: PlanInput): void {
  if (!['replicas', 'bytes', 'load'].includes(policy.measure)) throw new PlanError(`policy measure must be replicas, bytes or load, got ${String(policy.measure)}`);
  if (!(typeof policy.threshold === 'number' && Number.isFinite(policy.threshold) && policy.threshold > 0)) {
    throw new PlanError(`policy threshold must be a number > 0, got ${String(policy.threshold)}`);
  }
  if (!Number.isInteger(policy.replicationFactor) || policy.replicationFactor < 1) {
    throw new PlanError(`policy replication factor must be a whole number ≥ 1, got ${String(policy.replicationFactor)}`);
  }
  if (policy.hotShardOpsPerSecond !== undefined && !(Number.isFinite(policy.hotShardOpsPerSecond) && policy.hotShardOpsPerSecond > 0)) {
    throw new PlanError(`policy hot-shard split threshold must be > 0 ops per second, got ${String(policy.hotShardOpsPerSecond)}`);
  }
  if (policy.mergeBelowBytes !== undefined && !(Number.isFinite(policy.mergeBelowBytes) && policy.mergeBelowBytes > 0)) {
    throw new PlanError(`policy merge threshold must be > 0 bytes, got ${String(policy.mergeBelowBytes)}`);
  }
  if (policy.splitBy !== undefined && policy.splitBy !== 'load' && policy.splitBy !== 'size') {
    throw new PlanError(`policy split must be by load or by size, got ${String(policy.splitBy)}`);
  }
}

function validateNodes({ nodes }: PlanInput): Set<NodeId> {
  const ids = new Set<NodeId>();
  for (const node of nodes) {
    if (typeof node.id !== 'string' || node.id === '') throw new PlanError(`a node has no id`);
    if (ids.has(node.id)) throw new PlanError(`node ${node.id} is listed twice`);
    ids.add(node.id);
    const capacity = node.capacity ?? 1;
    if (!(Number.isFinite(capacity) && capacity > 0)) throw new PlanError(`node ${node.id} has capacity ${String(node.capacity)}; capacity must be a number > 0`);
  }
  return ids;
}

function validateShards({ map, policy }: PlanInput, nodes: Set<NodeId>): void {
  const ids = new Set<string>();
  for (const shard of map.shards) {
    if (ids.has(shard.id)) throw new PlanError(`shard ${shard.id} appears twice in the map`);
    ids.add(shard.id);
    const distinct = new Set(shard.replicas);
    if (distinct.size !== shard.replicas.length) throw new PlanError(`${shard.id} has two replicas on one node (${shard.replicas.join(', ')})`);
    for (const node of shard.replicas) {
      if (!nodes.has(node)) throw new PlanError(`${shard.id} has a replica on unknown node ${node}; list it (draining, to empty it) among the nodes`);
    }
    if (!distinct.has(shard.preferredLeader)) throw new PlanError(`${shard.id}'s leader ${shard.preferredLeader} is not one of its replicas`);
    if (shard.replicas.length < policy.replicationFactor) {
      throw new PlanError(`${shard.id} has ${shard.replicas.length} replicas, below the replication factor ${policy.replicationFactor}; it must be repaired before a rebalance`);
    }
    if (shard.slots.length === 0) throw new PlanError(`${shard.id} owns no slots`);
    for (const range of shard.slots) {
      if (!(Number.isInteger(range.start) && Number.isInteger(range.endExclusive) && range.start >= 0 && range.start < range.endExclusive && range.endExclusive <= hashSlotCount)) {
        throw new PlanError(`${shard.id} owns [${range.start}, ${range.endExclusive}), which is not a slot range`);
      }
    }
  }
}

function validateLoads({ map, loads, policy }: PlanInput): void {
  if (policy.measure !== 'replicas' && loads === undefined) throw new PlanError(`balancing by ${policy.measure} needs the shards' measured loads, and none were given`);
  if (policy.hotShardOpsPerSecond !== undefined && loads === undefined) throw new PlanError('a hot-shard split threshold needs the shards\' measured loads, and none were given');
  if (policy.mergeBelowBytes !== undefined && loads === undefined) throw new PlanError('a merge threshold needs the shards\' measured loads, and none were given');
  if (loads === undefined) return;
  const shards = new Set(map.shards.map((shard) => shard.id));
  const seen = new Set<string>();
  for (const load of loads) {
    if (!shards.has(load.shard)) throw new PlanError(`loads name unknown shard ${load.shard}`);
    if (seen.has(load.shard)) throw new PlanError(`loads name ${load.shard} twice`);
    seen.add(load.shard);
    for (const [field, value] of [['bytes', load.bytes], ['reads per second', load.readsPerSecond], ['writes per second', load.writesPerSecond]] as const) {
      if (!(Number.isFinite(value) && value >= 0)) throw new PlanError(`load of ${load.shard}: ${field} must be a number ≥ 0, got ${String(value)}`);
    }
    for (const slot of load.slots ?? []) {
      if (!(Number.isFinite(slot.bytes) && slot.bytes >= 0 && Number.isFinite(slot.opsPerSecond) && slot.opsPerSecond >= 0)) {
        throw new PlanError(`load of ${load.shard}: slot ${slot.slot} needs bytes and ops per second ≥ 0`);
      }
    }
  }
}

function validateCapacityForReplication({ nodes, policy, map }: PlanInput): void {
  const eligible = nodes.filter((node) => !node.draining);
  const widest = Math.max(policy.replicationFactor, ...map.shards.map((shard) => shard.replicas.length));
  if (eligible.length < widest) {
    const draining = nodes.filter((node) => node.draining).map((node) => node.id);
    const because = draining.length > 0 ? `draining ${draining.join(', ')} leaves` : 'there are';
    throw new PlanError(`${because} ${eligible.length} node${eligible.length === 1 ? '' : 's'} to hold data, fewer than the ${widest} replicas a shard needs (replication factor ${policy.replicationFactor})`);
  }
}

function validateZones({ nodes, policy, map }: PlanInput): void {
  if (!nodes.some((node) => node.zone !== undefined)) return;
  const zones = new Set(nodes.filter((node) => !node.draining).map((node) => (node.zone === undefined ? `node ${node.id}` : node.zone)));
  const widest = Math.max(policy.replicationFactor, ...map.shards.map((shard) => shard.replicas.length));
  if (zones.size < widest) {
    throw new PlanError(
      `zone constraints cannot be met: the nodes that are not draining span ${zones.size} zone${zones.size === 1 ? '' : 's'} (${[...zones].sort().join(', ')}), ` +
        `fewer than the ${widest} replicas a shard needs (replication factor ${policy.replicationFactor})`,
    );
  }
}
