import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { EMPTY_SCALER_STATE, effectiveMinimum, evaluate, resolvePolicy, type NodeReading, type ScalerState, type ScalingDecision } from '../../src/scaling';

/**
 * Properties of the HPA core under random policies and random (even missing, joining)
 * readings: the count never leaves [minimum in force, max] once inside it, and with one
 * rate policy per direction no period ever sees more net change than it allows (HPA
 * "Scaling Policies": `periodSeconds` is "the length of time in the past for which the
 * policy must hold true").
 */
const reading = fc.oneof(
  { weight: 8, arbitrary: fc.integer({ min: 0, max: 400 }).map((cpu) => ({ ready: true, cpu })) },
  { weight: 1, arbitrary: fc.constant({ ready: true, cpu: undefined }) },
  { weight: 1, arbitrary: fc.constant({ ready: false, cpu: undefined }) },
);
const scenario = fc.record({
  minNodes: fc.integer({ min: 1, max: 5 }),
  span: fc.integer({ min: 0, max: 30 }),
  upNodes: fc.integer({ min: 1, max: 6 }),
  downNodes: fc.integer({ min: 1, max: 6 }),
  upPeriod: fc.integer({ min: 1, max: 120 }),
  downPeriod: fc.integer({ min: 1, max: 120 }),
  downWindow: fc.integer({ min: 0, max: 120 }),
  scheduled: fc.option(fc.record({ fromMs: fc.integer({ min: 0, max: 300_000 }), length: fc.integer({ min: 1, max: 300_000 }), extra: fc.integer({ min: 0, max: 10 }) })),
  stepsMs: fc.array(fc.integer({ min: 1_000, max: 40_000 }), { minLength: 5, maxLength: 40 }),
  loads: fc.array(fc.array(reading, { minLength: 1, maxLength: 40 }), { minLength: 5, maxLength: 40 }),
});

describe('autoscaler properties (fast-check)', () => {
  it('never outside [minimum in force, max]; never more than the rate policy allows per period', () => {
    fc.assert(
      fc.property(scenario, (input) => {
        const maxNodes = input.minNodes + input.span;
        const scheduled = input.scheduled ? [{ fromMs: input.scheduled.fromMs, untilMs: input.scheduled.fromMs + input.scheduled.length, minNodes: Math.min(maxNodes, input.minNodes + input.scheduled.extra) }] : [];
        const policy = resolvePolicy({
          minNodes: input.minNodes,
          maxNodes,
          replicationFactor: 1,
          metrics: [{ metric: 'cpu', averageValue: 100 }],
          scaleUp: { policies: [{ type: 'Nodes', value: input.upNodes, periodSeconds: input.upPeriod }] },
          scaleDown: { stabilizationWindowSeconds: input.downWindow, policies: [{ type: 'Nodes', value: input.downNodes, periodSeconds: input.downPeriod }] },
          scheduledMinimums: scheduled,
        });
        let state: ScalerState = EMPTY_SCALER_STATE;
        let nodes = input.minNodes;
        let nowMs = 0;
        const decisions: ScalingDecision[] = [];
        for (let step = 0; step < input.stepsMs.length; step++) {
          nowMs += input.stepsMs[step];
          const sample = input.loads[step % input.loads.length];
          const readings: NodeReading[] = Array.from({ length: nodes }, (_, index) => {
            const drawn = sample[index % sample.length];
            return { node: `node-${index + 1}`, ready: drawn.ready, values: drawn.cpu === undefined ? {} : { cpu: drawn.cpu } };
          });
          const evaluation = evaluate(policy, state, { nowMs, currentNodes: nodes, readings });
          const { desiredNodes } = evaluation.decision;
          const minimum = effectiveMinimum(policy, nowMs).minNodes;
          assert.ok(desiredNodes <= maxNodes, `${desiredNodes} above max ${maxNodes}`);
          assert.ok(desiredNodes >= minimum, `${desiredNodes} below the minimum in force ${minimum} at ${nowMs} ms`);
          state = evaluation.state;
          nodes = desiredNodes;
          decisions.push(evaluation.decision);
        }
        // A change forced by a rising minimum is not rate-limited (HPA: below min goes straight to min),
        // but it still counts toward the period of the changes after it.
        const forced = (decision: ScalingDecision): boolean => decision.currentNodes < effectiveMinimum(policy, decision.atMs).minNodes;
        assertRate(decisions, forced, 'scale-out', input.upNodes, input.upPeriod);
        assertRate(decisions, forced, 'scale-in', input.downNodes, input.downPeriod);
      }),
      { numRuns: 300, seed: 9 },
    );
  });
});

/**
 * HPA measures each policy from the count at the start of its period (current − added +
 * removed within the period), so what the policy bounds is the NET change over any period:
 * a scale-up followed by a scale-down in one period may remove the nodes just added too.
 */
function assertRate(decisions: readonly ScalingDecision[], forced: (decision: ScalingDecision) => boolean, action: 'scale-out' | 'scale-in', allowed: number, periodSeconds: number): void {
  const sign = action === 'scale-out' ? 1 : -1;
  const changes = decisions.filter((decision) => decision.action !== 'none').map((decision) => ({ atMs: decision.atMs, change: sign * (decision.desiredNodes - decision.currentNodes), action: decision.action, forced: forced(decision) }));
  for (const end of changes.filter((change) => change.action === action && !change.forced)) {
    const inPeriod = changes.filter((change) => change.atMs <= end.atMs && change.atMs > end.atMs - periodSeconds * 1000);
    const net = inPeriod.reduce((sum, change) => sum + change.change, 0);
    assert.ok(net <= allowed, `${action}: net ${net} nodes within ${periodSeconds} s ending at ${end.atMs} ms, policy allows ${allowed}`);
  }
}
