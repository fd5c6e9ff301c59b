import { performance } from 'node:perf_hooks';
import type { NodeEnv } from '../src/runtime/ports';
import { Scheduler, Simulation } from '../src/sim';
import type { BenchRow } from './types';

/** Best of `runs` wall-clock timings of `work`, in milliseconds. */
export function bestOf(runs: number, work: () => void): number {
  let best = Infinity;
  for (let i = 0; i < runs; i++) {
    const start = performance.now();
    work();
    best = Math.min(best, performance.now() - start);
  }
  return best;
}

/** Bare scheduler: self-rescheduling callbacks, no network, no trace. */
export function benchScheduler(): BenchRow {
  const events = 2_000_000;
  const elapsedMs = bestOf(3, () => {
    const scheduler = new Scheduler();
    let remaining = events;
    const tick = (): void => {
      if (--remaining > 0) scheduler.schedule(1 + (remaining % 7), tick);
    };
    for (let i = 0; i < 64; i++) scheduler.schedule(i, tick);
    scheduler.runFor(Number.MAX_SAFE_INTEGER / 2);
  });
  return { name: 'scheduler events per wall second', value: Math.round(events / (elapsedMs / 1000)), unit: 'events/s', target: '>= 1,000,000' };
}

/** Messages bouncing between 10 nodes through the full network path (latency, trace, counters). */
export function benchNetwork(): BenchRow {
  const deliveriesWanted = 500_000;
  let delivered = 0;
  const elapsedMs = bestOf(3, () => {
    delivered = 0;
    const sim = new Simulation({ seed: 1 });
    const ids = Array.from({ length: 10 }, (_, i) => `node-${i + 1}`);
    for (const id of ids) {
      sim.addNode(id, (env: NodeEnv) => ({
        onMessage: () => {
          if (++delivered < deliveriesWanted) env.network.send(ids[delivered % ids.length], { type: 'bench.hop' });
        },
      }));
    }
    const first = sim.node('node-1');
    for (let i = 0; i < 100; i++) sim.network.send(first.id, ids[i % ids.length], { type: 'bench.hop' });
    sim.runUntil(() => delivered >= deliveriesWanted, { withinMs: 1e12, waitingFor: 'all deliveries' });
  });
  return { name: 'simulated network deliveries per wall second', value: Math.round(delivered / (elapsedMs / 1000)), unit: 'deliveries/s', target: '>= 300,000' };
}
