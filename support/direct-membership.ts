import type { PhantomWorld } from './world';

/*
 * Groups whose Raft membership a scenario changed itself, outside the placement service
 * (the consensus steps' learners and removals, an administrator removing a replica). The
 * shard map deliberately does not follow such changes (see ShardedDatabase.changeMembership),
 * so the cross-component oracles that compare the map with the groups leave these groups
 * out, and say so in the report (support/integration-oracles.ts).
 */
const key = 'groups whose membership the scenario changed outside placement';

export function noteDirectMembershipChange(world: PhantomWorld, groupId: string): void {
  const groups = (world.remembered.get(key) as Set<string> | undefined) ?? new Set<string>();
  groups.add(groupId);
  world.remembered.set(key, groups);
}

export function directMembershipChanges(world: PhantomWorld): ReadonlySet<string> {
  return (world.remembered.get(key) as Set<string> | undefined) ?? new Set<string>();
}
