/**
 * Cross-component oracles over the sharded store (issue 11 §4), pure functions over plain
 * views of the state the facades expose: the placement group's shard map, each data
 * group's configuration (from its leader), and what each replica's state machine holds.
 * Each returns one line per problem, naming the shard, node and key; empty when all is well.
 *
 * They judge a store at rest: run them after the moves and elections have settled (the
 * caller retries within a bound), on a store with every replica the map names running.
 */

/** A shard as the map places it. */
export interface MapShardView {
  readonly id: string;
  /** The voters. */
  readonly replicas: readonly string[];
  readonly learners?: readonly string[];
}

export interface MapView {
  readonly epoch: number;
  readonly shards: readonly MapShardView[];
}

/** A data group's configuration as its leader reports it. */
export interface GroupConfigView {
  readonly leader: string;
  readonly config: { readonly voters: readonly string[]; readonly learners: readonly string[] };
  /** The latest configuration change is committed. */
  readonly configCommitted: boolean;
}

/**
 * The shard map agrees with every Raft group's configuration: voters are the map's
 * replicas, learners the map's learners, the latest change is committed, and no node keeps
 * a replica of a shard that neither names (or of a shard no longer in the map).
 * `hosts`: per shard, the nodes that keep a replica of it (from their disks).
 */
export function mapConfigDisagreements(
  map: MapView,
  groups: ReadonlyMap<string, GroupConfigView | undefined>,
  hosts: ReadonlyMap<string, readonly string[]>,
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

/** What one replica's state machine holds. */
export interface ReplicaContents {
  readonly node: string;
  readonly shard: string;
  /** The keys it serves or keeps (its data, not keys copied in for a move). */
  readonly keys: readonly string[];
  /** Keys copied in for a slot move that has not been acquired (or abandoned). */
  readonly incomingKeys: readonly string[];
}

/** How many problems of one kind are named before the rest are counted. */
const namedMax = 10;

/**
 * Every key is stored by exactly the replicas the map names, and nowhere else:
 * - a replica keeps only keys whose slot the map gives its shard, and only on a node the
 *   map names for that shard;
 * - every node the map names for a shard (voter or learner) keeps a replica of it, and
 *   all replicas of a shard keep the same keys;
 * - no replica holds keys copied in for a move that never finished.
 * `ownerOf` is the map's answer for a key (its shard id).
 */
export function keyPlacementProblems(map: MapView, ownerOf: (key: string) => string | undefined, replicas: readonly ReplicaContents[]): string[] {
  const problems: string[] = [];
  const byShard = new Map<string, ReplicaContents[]>();
  for (const replica of replicas) byShard.set(replica.shard, [...(byShard.get(replica.shard) ?? []), replica]);
  for (const replica of replicas) problems.push(...misplacedKeys(map, ownerOf, replica));
  for (const shard of map.shards) {
    const named = [...shard.replicas, ...(shard.learners ?? [])];
    const present = byShard.get(shard.id) ?? [];
    for (const node of named) if (!present.some((replica) => replica.node === node)) problems.push(`${node} is named for ${shard.id} by the map (epoch ${map.epoch}) but keeps no replica of it`);
    problems.push(...divergentKeys(shard.id, present));
  }
  return problems;
}

function misplacedKeys(map: MapView, ownerOf: (key: string) => string | undefined, replica: ReplicaContents): string[] {
  const shard = map.shards.find((candidate) => candidate.id === replica.shard);
  if (shard === undefined) return [`${replica.node} keeps a replica of ${replica.shard}, which is not in the map (epoch ${map.epoch})`];
  const problems: string[] = [];
  if (!shard.replicas.includes(replica.node) && !(shard.learners ?? []).includes(replica.node)) {
    problems.push(`${replica.node} keeps a replica of ${replica.shard} (${replica.keys.length} keys) but the map (epoch ${map.epoch}) does not name it`);
  }
  const misplaced = replica.keys.filter((key) => ownerOf(key) !== replica.shard);
  for (const key of misplaced.slice(0, namedMax)) problems.push(`key ${key} is stored on ${replica.node} in ${replica.shard}, but the map (epoch ${map.epoch}) places it in ${ownerOf(key) ?? 'no shard'}`);
  if (misplaced.length > namedMax) problems.push(`… and ${misplaced.length - namedMax} more keys of ${replica.shard} on ${replica.node} that the map places elsewhere`);
  if (replica.incomingKeys.length > 0) {
    problems.push(`${replica.node} in ${replica.shard} still holds ${replica.incomingKeys.length} key(s) copied in for a move that never finished (first: ${replica.incomingKeys[0]})`);
  }
  return problems;
}

/** Keys some replicas of a shard keep and others do not. */
function divergentKeys(shardId: string, replicas: readonly ReplicaContents[]): string[] {
  if (replicas.length < 2) return [];
  const sets = replicas.map((replica) => new Set(replica.keys));
  const union = new Set(replicas.flatMap((replica) => replica.keys));
  const problems: string[] = [];
  for (const key of [...union].sort()) {
    const missing = replicas.filter((_, index) => !sets[index].has(key)).map((replica) => replica.node);
    if (missing.length === 0) continue;
    if (problems.length === namedMax) {
      problems.push(`… and more keys of ${shardId} that some replicas do not keep`);
      break;
    }
    const holders = replicas.filter((_, index) => sets[index].has(key)).map((replica) => replica.node);
    problems.push(`key ${key} of ${shardId} is kept by ${holders.join(', ')} but not by ${missing.join(', ')}`);
  }
  return problems;
}

function sorted(nodes: readonly string[]): string[] {
  return [...nodes].sort();
}
