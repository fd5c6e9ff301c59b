import { performance } from 'node:perf_hooks';
import { PhantomCluster } from '../src/api';
import { Simulation } from '../src/sim';
import type { BenchRow } from './types';

/** Every shard has a leader that a majority of the replicas named in the shard map follow. */
function everyShardLed(cluster: PhantomCluster): boolean {
  const database = cluster.database;
  return database.shardMap.shards.every((shard) => {
    const statuses = shard.replicas.map((node) => database.replica(shard.id, node)?.status());
    const leader = statuses.find((status) => status?.role === 'leader');
    if (leader === undefined) return false;
    const following = statuses.filter((status) => status !== undefined && status.term === leader.term && status.leader === leader.id);
    return following.length * 2 > shard.replicas.length;
  });
}

/**
 * Multi-Raft at scale: 100 nodes, 1,000 shards of 3 replicas, then a minute of idleness.
 * Idle groups quiesce, so the minute costs little more than membership's own traffic.
 */
export function benchMultiRaft(): BenchRow[] {
  const start = performance.now();
  const sim = new Simulation({ seed: 1000 });
  const cluster = new PhantomCluster(sim, { clusterName: 'bench', joinToken: 'bench' });
  for (let i = 1; i <= 100; i++) cluster.addNode(`node-${i}`, { seeds: i === 1 ? [] : ['node-1'] });
  sim.runFor(1000);
  cluster.database.create({ shards: 1000, replicationFactor: 3 });
  sim.runUntil(() => everyShardLed(cluster), { withinMs: 10_000, waitingFor: 'a leader in every shard', pollMs: 100 });
  const ledMs = performance.now() - start;
  const eventsBefore = sim.scheduler.eventsExecuted;
  sim.runFor(60_000);
  const totalMs = performance.now() - start;
  if (!everyShardLed(cluster)) throw new Error('after the idle minute some shard of the 1,000-shard benchmark has no leader');
  return [
    {
      name: '100 nodes x 1,000 shards x 60 idle simulated s: wall time', value: Math.round(totalMs), unit: 'ms', target: '< 10,000',
      note: `start and elections ${Math.round(ledMs)} ms; idle minute ${Math.round(totalMs - ledMs)} ms, ${sim.scheduler.eventsExecuted - eventsBefore} events`,
    },
  ];
}

if (require.main === module) console.table(benchMultiRaft());
