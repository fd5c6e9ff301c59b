import { EMPTY_SCALER_STATE, evaluate, resolvePolicy, type NodeReading, type ScalerState } from '../src/scaling';
import { Simulation } from '../src/sim';
import { ScalingScenario } from '../support/scaling-scenario';
import { bestOf } from './sim';
import type { BenchRow } from './types';

/**
 * Issue 9 §5: the autoscaler's decision time for 1,000 nodes (every metric, with a full
 * stabilization history), and the virtual time from a load step to a balanced cluster on the
 * modeled service (nodes join in 20 s; a draining node hands data on at 50 MB/s).
 */
export function benchScaling(): BenchRow[] {
  return [benchDecision(), ...benchLoadStep()];
}

function benchDecision(): BenchRow {
  const policy = resolvePolicy({
    minNodes: 3,
    maxNodes: 2000,
    replicationFactor: 3,
    metrics: [
      { metric: 'cpu', averageValue: 70 },
      { metric: 'memory', averageValue: 60 },
      { metric: 'disk', averageValue: 60 },
      { metric: 'requestsPerSecond', averageValue: 500 },
    ],
  });
  const readings: NodeReading[] = Array.from({ length: 1000 }, (_, index) => ({
    node: `node-${index + 1}`,
    ready: index % 50 !== 0,
    values: index % 97 === 0 ? {} : { cpu: 40 + (index % 60), memory: 30 + (index % 40), disk: 20 + (index % 50), requestsPerSecond: 300 + (index % 400) },
  }));
  // A full 300 s window of recommendations at the 15 s interval, and recent scale events.
  let state: ScalerState = EMPTY_SCALER_STATE;
  for (let step = 0; step < 20; step++) state = evaluate(policy, state, { nowMs: step * 15_000, currentNodes: 1000, readings }).state;
  const rounds = 1000;
  let desired = 0;
  const elapsedMs = bestOf(3, () => {
    for (let round = 0; round < rounds; round++) desired = evaluate(policy, state, { nowMs: 300_000, currentNodes: 1000, readings }).decision.desiredNodes;
  });
  return { name: 'autoscaler decision, 1,000 nodes × 4 metrics, full window: time', value: Number(((elapsedMs * 1000) / rounds).toFixed(1)), unit: 'µs', note: `${rounds} decisions in ${Math.round(elapsedMs)} ms; desired ${desired}` };
}

function benchLoadStep(): BenchRow[] {
  const sim = new Simulation({ seed: 1 });
  const scenario = new ScalingScenario({ sim, scenarioName: 'bench', attachText: () => undefined, attachSvg: () => undefined });
  scenario.setPolicy({ minNodes: 3, maxNodes: 12, replicationFactor: 3, metrics: [{ metric: 'cpu', averageValue: 60 }] });
  scenario.start(3, 1000);
  scenario.demandOpsPerSecond = 1500;
  sim.runFor(60_000);
  const upFromMs = sim.nowMs;
  scenario.demandOpsPerSecond = 6000;
  sim.runUntil(() => scenario.nodeIds.length === 10 && scenario.balanced(), { withinMs: 600_000, waitingFor: 'a balanced cluster of 10 nodes', pollMs: 100 });
  const upMs = sim.nowMs - upFromMs;
  const downFromMs = sim.nowMs;
  scenario.demandOpsPerSecond = 1000;
  sim.runUntil(() => scenario.nodeIds.length === 3 && scenario.balanced(), { withinMs: 1_200_000, waitingFor: 'a balanced cluster of 3 nodes', pollMs: 100 });
  const downMs = sim.nowMs - downFromMs;
  return [
    { name: 'load step 1,500 → 6,000 ops/s: virtual time to 10 balanced nodes', value: upMs / 1000, unit: 'virtual s', note: 'modeled service; 15 s interval, nodes join in 20 s, default scale-up rate' },
    { name: 'load drop 6,000 → 1,000 ops/s: virtual time to 3 balanced nodes', value: downMs / 1000, unit: 'virtual s', note: '300 s scale-down window; drain throttle 50 MB/s, 1 GB × 3 replicas' },
  ];
}
