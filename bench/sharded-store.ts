import { PhantomCluster } from '../src/api';
import { Simulation } from '../src/sim';

/** A cluster of `nodes` members that agree on the membership, storing `shards` shards of 3 replicas, each with a stable leader. */
export function startShardedStore(seed: number, nodes: number, shards: number): { sim: Simulation; cluster: PhantomCluster } {
  const sim = new Simulation({ seed });
  const cluster = new PhantomCluster(sim, { clusterName: 'bench', joinToken: 'bench' });
  for (let i = 1; i <= nodes; i++) cluster.addNode(`node-${i}`, { seeds: i === 1 ? [] : ['node-1'] });
  sim.runUntil(() => cluster.liveMembers().length === nodes && cluster.agreement(), { withinMs: 10_000, waitingFor: 'the nodes to join' });
  const database = cluster.database;
  database.create({ shards, replicationFactor: 3 });
  sim.runUntil(() => database.shardIds().every((shard) => database.hasStableLeader(shard)), { withinMs: 10_000, waitingFor: 'shard leaders' });
  return { sim, cluster };
}
