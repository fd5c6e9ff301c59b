import { performance } from 'node:perf_hooks';
import { MessageBoundary } from '../src/runtime/message-boundary';
import { closedLoopWriters, startStore } from './consensus';
import type { BenchRow } from './types';

/**
 * What the message boundary costs (src/runtime/message-boundary.ts): the same closed-loop
 * write workload on a 3-node store, with the boundary and with it bypassed, alternately in
 * one run; the figure is the ratio of their throughputs (best of three each).
 */
function writesPerWallSecond(bypass: boolean): number {
  const { sim, cluster } = startStore(15, 3);
  const accept = MessageBoundary.prototype.accept;
  if (bypass) MessageBoundary.prototype.accept = () => true;
  try {
    const writers = closedLoopWriters(cluster, 32);
    const start = performance.now();
    sim.runFor(3000);
    const wallMs = performance.now() - start;
    writers.stop();
    return writers.committed() / (wallMs / 1000);
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
