import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Autoscaler, type NodeReading, type ResourceMonitor, resolvePolicy, type ScalingActuator } from '../../src/scaling';

/**
 * The autoscaler loop around the pure HPA core (src/scaling/autoscaler.ts, issue 9 §3): while
 * the actuator is still carrying out an earlier resize (nodes draining before they stop), an
 * evaluation is logged as `ScalingInProgress` and starts nothing. The node count the core
 * sees includes the draining nodes, so without this gate the same proposal would drain more
 * nodes again at every evaluation until the first drain ends: 8 → 6 asked, 4 drained.
 */

/** Every node at 37.5% cpu against a 50% target: ceil(0.75 × 8) = 6, a scale-in of 2. */
const lowCpu = (ids: readonly string[]): NodeReading[] => ids.map((node) => ({ node, ready: true, values: { cpu: 37.5 } }));

function loop(busy: () => boolean): { autoscaler: Autoscaler; asked: number[] } {
  const ids = ['n1', 'n2', 'n3', 'n4', 'n5', 'n6', 'n7', 'n8'];
  const asked: number[] = [];
  const actuator: ScalingActuator = {
    nodes: () => ids.map((id) => ({ id, ready: true })),
    busy,
    scaleOut: (count) => asked.push(count),
    scaleIn: (count) => asked.push(-count),
  };
  const monitor = { sample: () => undefined, readings: () => lowCpu(ids) } as unknown as ResourceMonitor;
  const policy = resolvePolicy({ minNodes: 2, maxNodes: 10, replicationFactor: 1, metrics: [{ metric: 'cpu', averageValue: 50 }], scaleDown: { stabilizationWindowSeconds: 0 } });
  const timers = { setTimer: () => 0 as never, cancelTimer: () => undefined };
  const autoscaler = new Autoscaler(policy, { clock: { nowMs: () => 60_000 }, timers, monitor, activity: { activity: () => undefined }, actuator }, 5_000);
  return { autoscaler, asked };
}

describe('autoscaler loop: one resize at a time', () => {
  it('asks for the scale-in the core decides when nothing is in progress', () => {
    const { autoscaler, asked } = loop(() => false);
    assert.equal(autoscaler.evaluateNow().desiredNodes, 6);
    assert.deepEqual(asked, [-2]);
  });

  it('starts no new resize while an earlier one is still being carried out, and logs why', () => {
    let draining = false;
    const { autoscaler, asked } = loop(() => draining);
    autoscaler.evaluateNow();
    draining = true; // the two nodes asked for are draining; they still count toward the 8
    const during = autoscaler.evaluateNow();
    assert.deepEqual(asked, [-2], `the autoscaler asked for another resize while nodes were still draining (asked ${asked.join(', ')}): it would drain more nodes than it decided`);
    assert.deepEqual(during.limits, ['ScalingInProgress']);
    assert.equal(during.action, 'none');
  });
});
