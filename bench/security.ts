import { performance } from 'node:perf_hooks';
import { PhantomCluster } from '../src/api';
import type { Operation } from '../src/kv/client-operation';
import { MessageBoundary } from '../src/runtime/message-boundary';
import { Simulation } from '../src/sim';
import type { BenchRow } from './types';

/**
 * What the message boundary costs (src/runtime/message-boundary.ts): the same closed-loop
 * write workload on a 3-node store, with the boundary and with it bypassed, alternately in
 * one run; the figure is the ratio of their throughputs (best of three each).
 */
function writesPerWallSecond(bypass: boolean): number {
  const sim = new Simulation({ seed: 15 });
  const cluster = new PhantomCluster(sim, { clusterName: 'bench', joinToken: 'bench' });
  for (let i = 1; i <= 3; i++) cluster.addNode(`node-${i}`, { seeds: i === 1 ? [] : ['node-1'] });
  sim.runFor(1000);
  cluster.database.create({ shards: 1, replicationFactor: 3 });
  sim.runUntil(() => cluster.database.hasStableLeader('shard-1'), { withinMs: 5000, waitingFor: 'a leader' });
  const accept = MessageBoundary.prototype.accept;
  if (bypass) MessageBoundary.prototype.accept = () => true;
  try {
    let running = true;
    let committed = 0;
    for (let c = 0; c < 32; c++) {
      const client = cluster.database.client(`bench-${c}`);
      let n = 0;
      const next = (operation?: Operation): void => {
        if (operation?.outcome === 'ok') committed++;
        if (running) client.put(`key-${c % 16}`, `${c}-${n++}`, next);
      };
      next();
    }
    const start = performance.now();
    sim.runFor(3000);
    const wallMs = performance.now() - start;
    running = false;
    return committed / (wallMs / 1000);
  } finally {
    MessageBoundary.prototype.accept = accept;
    sim.dispose();
  }
}

export function benchSecurity(): BenchRow[] {
  let guarded = 0;
  let bypassed = 0;
  for (let round = 0; round < 3; round++) {
    guarded = Math.max(guarded, writesPerWallSecond(false));
    bypassed = Math.max(bypassed, writesPerWallSecond(true));
  }
  return [
    { name: 'committed writes per wall second, every message checked (3 nodes)', value: Math.round(guarded), unit: 'writes/s' },
    { name: 'same workload with the message boundary bypassed', value: Math.round(bypassed), unit: 'writes/s' },
    { name: 'throughput kept with the boundary on (ratio of the two)', value: Math.round((guarded / bypassed) * 1000) / 10, unit: '%' },
  ];
}
