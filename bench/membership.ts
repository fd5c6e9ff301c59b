import { PhantomCluster } from '../src/api';
import { Simulation } from '../src/sim';
import { bestOf } from './sim';
import type { BenchRow } from './types';

/** Wall time of one 100-node cluster: everyone joins through node-1, then 60 simulated seconds. */
export function benchMembership(): BenchRow[] {
  let events = 0;
  const elapsedMs = bestOf(3, () => {
    const sim = new Simulation({ seed: 100 });
    const cluster = new PhantomCluster(sim, { clusterName: 'bench', joinToken: 'bench' });
    for (let i = 1; i <= 100; i++) cluster.addNode(`node-${i}`, { seeds: i === 1 ? [] : ['node-1'] });
    sim.runFor(60_000);
    if (!cluster.agreement()) throw new Error('the 100-node benchmark cluster did not agree on its membership');
    events = sim.scheduler.eventsExecuted;
  });
  return [
    { name: '100-node membership, 60 simulated s: wall time', value: Math.round(elapsedMs), unit: 'ms', target: '< 5,000' },
    { name: '100-node membership: simulated events', value: events, unit: 'events' },
  ];
}
