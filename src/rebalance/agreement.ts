import type { NodeId } from '../runtime/ports';
import type { ShardId, ShardMap } from '../sharding/shard-map';
import type { GroupView } from './ports';

/**
 * The final oracle of every scenario that moves data: the placement group's map and each
 * data group's committed configuration say the same thing (voters = the map's replicas,
 * learners = the map's learners), and no node still keeps a copy of a shard that neither
 * names. Returns one line per disagreement, naming shard and nodes; empty when they agree.
 */
export function mapConfigDisagreements(
  map: ShardMap,
  groups: ReadonlyMap<ShardId, GroupView | undefined>,
  hosts: ReadonlyMap<ShardId, readonly NodeId[]>,
): string[] {
  const problems: string[] = [];
  for (const shard of map.shards) {
    const view = groups.get(shard.id);
    if (view === undefined) {
      problems.push(`${shard.id} has no leader to report its configuration`);
      continue;
    }
    if (!view.configCommitted) problems.push(`${shard.id}'s latest configuration change (leader ${view.leader}) is not committed`);
    const voters = sorted(view.config.voters);
    const learners = sorted(view.config.learners);
    if (voters.join() !== sorted(shard.replicas).join()) {
      problems.push(`${shard.id}: the map (epoch ${map.epoch}) lists replicas ${sorted(shard.replicas).join(', ')} but the group's voters are ${voters.join(', ')}`);
    }
    if (learners.join() !== sorted(shard.learners ?? []).join()) {
      problems.push(`${shard.id}: the map lists learners ${sorted(shard.learners ?? []).join(', ') || 'none'} but the group's learners are ${learners.join(', ') || 'none'}`);
    }
    const members = new Set([...voters, ...learners]);
    for (const node of hosts.get(shard.id) ?? []) {
      if (!members.has(node)) problems.push(`${node} still keeps a replica of ${shard.id}, which neither the map nor the group's configuration includes`);
    }
  }
  for (const [shardId, nodes] of hosts) {
    if (!map.shards.some((shard) => shard.id === shardId) && nodes.length > 0) {
      problems.push(`${nodes.join(', ')} still keep replicas of ${shardId}, which is no longer in the map (epoch ${map.epoch})`);
    }
  }
  return problems;
}

function sorted(nodes: readonly NodeId[]): NodeId[] {
  return [...nodes].sort();
}
