import { performance } from 'node:perf_hooks';
import { PhantomCluster } from '../src/api';
import type { Operation } from '../src/kv/client-operation';
import { Simulation } from '../src/sim';
import type { BenchRow } from './types';

function startStore(seed: number, nodes: number): { sim: Simulation; cluster: PhantomCluster } {
  const sim = new Simulation({ seed });
  const cluster = new PhantomCluster(sim, { clusterName: 'bench', joinToken: 'bench' });
  for (let i = 1; i <= nodes; i++) cluster.addNode(`node-${i}`, { seeds: i === 1 ? [] : ['node-1'] });
  sim.runFor(1000);
  cluster.database.create({ shards: 1, replicationFactor: nodes });
  sim.runUntil(() => cluster.database.hasStableLeader('shard-1'), { withinMs: 5000, waitingFor: 'a leader' });
  return { sim, cluster };
}

/** Closed loop: every client issues its next write as soon as the last one is answered. */
function committedWritesPerSecond(nodes: number, clients: number, simulatedMs: number): { perWallSecond: number; committed: number } {
  const { sim, cluster } = startStore(7, nodes);
  let committed = 0;
  let running = true;
  for (let c = 0; c < clients; c++) {
    const client = cluster.database.client(`bench-${c}`);
    let n = 0;
    const next = (operation?: Operation): void => {
      if (operation?.outcome === 'ok') committed++;
      if (running) client.put(`key-${c % 16}`, `${c}-${n++}`, next);
    };
    next();
  }
  const start = performance.now();
  sim.runFor(simulatedMs);
  const wallMs = performance.now() - start;
  running = false;
  return { perWallSecond: Math.round(committed / (wallMs / 1000)), committed };
}

/** Open loop at a fixed offered rate: how much faster than real time the simulation runs. */
function timeAcceleration(nodes: number, opsPerSecond: number, simulatedMs: number): number {
  const { sim, cluster } = startStore(11, nodes);
  const clients = Array.from({ length: 50 }, (_, index) => cluster.database.client(`load-${index}`));
  const intervalMs = 1000 / opsPerSecond;
  let issued = 0;
  const issue = (): void => {
    clients[issued % clients.length].put(`key-${issued % 64}`, String(issued));
    issued++;
    sim.scheduler.schedule(intervalMs, issue);
  };
  issue();
  const start = performance.now();
  sim.runFor(simulatedMs);
  const wallMs = performance.now() - start;
  return Math.round(simulatedMs / wallMs);
}

export function benchConsensus(): BenchRow[] {
  const three = committedWritesPerSecond(3, 64, 5000);
  const five = committedWritesPerSecond(5, 64, 5000);
  return [
    { name: 'committed writes per wall second, 3-node group, 64 clients', value: three.perWallSecond, unit: 'ops/s', target: '>= 50,000', note: `${three.committed} in 5 simulated s` },
    { name: 'committed writes per wall second, 5-node group, 64 clients', value: five.perWallSecond, unit: 'ops/s', note: `${five.committed} in 5 simulated s` },
    { name: 'time acceleration, 5 nodes under 1,000 writes/s', value: timeAcceleration(5, 1000, 20_000), unit: 'simulated s per wall s', target: '>= 1,000' },
  ];
}

if (require.main === module) console.table(benchConsensus());
