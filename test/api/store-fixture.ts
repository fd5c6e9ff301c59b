import { PhantomCluster } from '../../src/api';
import { Simulation } from '../../src/sim';

/**
 * A started store for the api tests: `nodes` nodes joined through node-1, `shards` shards of
 * 3 replicas each, every shard with a stable leader, and whatever `alsoUntil` waits for.
 */
export function startStore(seed: number, options: { nodes?: number; shards?: number; alsoUntil?: (cluster: PhantomCluster) => boolean } = {}): { sim: Simulation; cluster: PhantomCluster } {
  const sim = new Simulation({ seed });
  const cluster = new PhantomCluster(sim, { clusterName: 'api-test', joinToken: 'api-test' });
  for (let i = 1; i <= (options.nodes ?? 4); i++) cluster.addNode(`node-${i}`, { seeds: i === 1 ? [] : ['node-1'] });
  sim.runFor(1000);
  cluster.database.create({ shards: options.shards ?? 1, replicationFactor: 3 });
  const ready = (): boolean => cluster.database.shardIds().every((shard) => cluster.database.hasStableLeader(shard)) && (options.alsoUntil?.(cluster) ?? true);
  sim.runUntil(ready, { withinMs: 10_000, waitingFor: 'leaders' });
  return { sim, cluster };
}
