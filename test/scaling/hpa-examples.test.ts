import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { EMPTY_SCALER_STATE, evaluate, proposeForMetric, resolvePolicy, type NodeReading, type ScalerState, type ScalingDecision, type ScalingPolicySpec } from '../../src/scaling';

/**
 * The worked examples of the Kubernetes HPA documentation, "Algorithm details" and
 * "Support for configurable scaling behavior", and those of issue 9. Each test names the
 * passage it reproduces. Targets are averages per node; 200m against 100m is written 200 vs 100.
 */

const readings = (values: readonly (number | undefined | 'joining')[]): NodeReading[] =>
  values.map((value, index) => ({ node: `node-${index + 1}`, ready: value !== 'joining', values: typeof value === 'number' ? { cpu: value } : {} }));

const spec = (overrides: Partial<ScalingPolicySpec> = {}): ScalingPolicySpec => ({
  minNodes: 1,
  maxNodes: 1000,
  replicationFactor: 1,
  metrics: [{ metric: 'cpu', averageValue: 100 }],
  ...overrides,
});

describe('HPA "Algorithm details": desiredReplicas = ceil[currentReplicas × (currentMetricValue / desiredMetricValue)]', () => {
  it('200m observed against a 100m target doubles the count (200.0 / 100.0 == 2.0)', () => {
    const proposal = proposeForMetric({ metric: 'cpu', averageValue: 100 }, readings([200, 200, 200, 200]), 4, 0.1);
    assert.equal(proposal.nodes, 8);
    assert.equal(proposal.usageRatio, 2);
  });

  it('50m against 100m halves the count (50.0 / 100.0 == 0.5)', () => {
    assert.equal(proposeForMetric({ metric: 'cpu', averageValue: 100 }, readings([50, 50, 50, 50]), 4, 0.1).nodes, 2);
  });

  it('issue 9: 50 nodes at 90% against a 75% target → ceil(50 × 90 / 75) = 60', () => {
    const proposal = proposeForMetric({ metric: 'cpu', averageValue: 75 }, readings(Array(50).fill(90)), 50, 0.1);
    assert.equal(proposal.nodes, 60);
  });

  it('"the control plane skips any scaling action if the ratio is sufficiently close to 1.0 (within a configurable tolerance, 0.1 by default)"', () => {
    // 110 against 100 is not inside: in float64 |1 − 1.1| = 0.10000000000000009 > 0.1, as in HPA's Go code.
    for (const value of [91, 100, 105, 109, 90]) assert.equal(proposeForMetric({ metric: 'cpu', averageValue: 100 }, readings([value, value, value]), 3, 0.1).nodes, 3, `ratio ${value / 100}`);
    assert.equal(proposeForMetric({ metric: 'cpu', averageValue: 100 }, readings([111, 111, 111]), 3, 0.1).nodes, 4, 'ratio 1.11 is outside the tolerance');
  });

  it('missing metrics: "assume those pods were consuming 100% of the desired value in case of a scale down"', () => {
    // Three nodes at 50 and one missing: 0.5 alone proposes 2; counting the missing one at 100 gives 250/4 = 0.625 → 3.
    const proposal = proposeForMetric({ metric: 'cpu', averageValue: 100 }, readings([50, 50, 50, undefined]), 4, 0.1);
    assert.equal(proposal.usageRatio, 0.5);
    assert.equal(proposal.adjustedRatio, 0.625);
    assert.equal(proposal.nodes, 3);
  });

  it('missing metrics: "and 0% in case of a scale up"', () => {
    // Three nodes at 150 and one missing: 450/4 = 1.125 → ceil(4.5) = 5, not the 6 that 1.5 × 4 would give.
    const proposal = proposeForMetric({ metric: 'cpu', averageValue: 100 }, readings([150, 150, 150, undefined]), 4, 0.1);
    assert.equal(proposal.adjustedRatio, 1.125);
    assert.equal(proposal.nodes, 5);
  });

  it('not-yet-ready pods: "assume they are consuming 0% of the desired metric" on scale-up', () => {
    const proposal = proposeForMetric({ metric: 'cpu', averageValue: 100 }, readings([200, 200, 200, 'joining']), 4, 0.1);
    assert.equal(proposal.usageRatio, 2);
    assert.equal(proposal.adjustedRatio, 1.5);
    assert.equal(proposal.nodes, 6);
  });

  it('not-yet-ready pods are left out of a scale-down (they are not counted at 0%)', () => {
    assert.equal(proposeForMetric({ metric: 'cpu', averageValue: 100 }, readings([40, 40, 'joining']), 3, 0.1).nodes, 1);
  });

  it('"If the new ratio reverses the scale direction ... the scale will be skipped"', () => {
    // One node at 130 (scale up) with two missing counted at 0%: 130/3 ≈ 0.43 would mean scale down, so nothing.
    const up = proposeForMetric({ metric: 'cpu', averageValue: 100 }, readings([130, undefined, undefined]), 3, 0.1);
    assert.equal(up.nodes, 3);
    assert.match(up.reason, /flips direction/);
    // Two at 150 (scale up) and two joining counted at 0%: 300/4 = 0.75, a reversal too.
    assert.equal(proposeForMetric({ metric: 'cpu', averageValue: 100 }, readings([150, 150, 'joining', 'joining']), 4, 0.1).nodes, 4);
    // Three at 95... two at 30 and one missing counted at 100%: 160/3 ≈ 0.53, no reversal: ceil(1.6) = 2.
    assert.equal(proposeForMetric({ metric: 'cpu', averageValue: 100 }, readings([30, 30, undefined]), 3, 0.1).nodes, 2);
  });

  it('"If any of these metrics cannot be computed ... and a scale down is suggested by the metrics which can be fetched, scaling is skipped"', () => {
    const policy = resolvePolicy(spec({ metrics: [{ metric: 'cpu', averageValue: 100 }, { metric: 'memory', averageValue: 50 }], scaleDown: { stabilizationWindowSeconds: 0 } }));
    const { decision } = evaluate(policy, EMPTY_SCALER_STATE, { nowMs: 0, currentNodes: 4, readings: readings([20, 20, 20, 20]) });
    assert.equal(decision.desiredNodes, 4);
    assert.deepEqual(decision.limits, ['MissingMetricBlocksScaleDown', 'DesiredWithinRange']);
  });

  it('several metrics: "choose the largest of the desired replica counts"', () => {
    const policy = resolvePolicy(spec({ metrics: [{ metric: 'cpu', averageValue: 100 }, { metric: 'requestsPerSecond', averageValue: 10 }] }));
    const nodes: NodeReading[] = [1, 2, 3, 4].map((index) => ({ node: `node-${index}`, ready: true, values: { cpu: 150, requestsPerSecond: 25 } }));
    const { decision } = evaluate(policy, EMPTY_SCALER_STATE, { nowMs: 0, currentNodes: 4, readings: nodes });
    assert.deepEqual(decision.proposals.map((proposal) => proposal.nodes), [6, 10]);
    assert.equal(decision.desiredNodes, 8, 'largest proposal 10, but the default scale-up allows max(100%, 4) per 15 s: 8');
  });

  it('min and max: a count above maxReplicas goes to max; a proposal beyond max stops at max', () => {
    const policy = resolvePolicy(spec({ minNodes: 2, maxNodes: 6 }));
    assert.equal(evaluate(policy, EMPTY_SCALER_STATE, { nowMs: 0, currentNodes: 9, readings: readings([100, 100]) }).decision.desiredNodes, 6);
    const capped = evaluate(policy, EMPTY_SCALER_STATE, { nowMs: 0, currentNodes: 4, readings: readings([400, 400, 400, 400]) }).decision;
    assert.deepEqual([capped.desiredNodes, capped.limits.at(-1)], [6, 'TooManyReplicas']);
    const floor = evaluate(resolvePolicy(spec({ minNodes: 2, maxNodes: 6, scaleDown: { stabilizationWindowSeconds: 0 } })), EMPTY_SCALER_STATE, { nowMs: 0, currentNodes: 4, readings: readings([1, 1, 1, 1]) }).decision;
    assert.deepEqual([floor.desiredNodes, floor.limits.at(-1)], [2, 'TooFewReplicas']);
  });
});

/** Runs the autoscaler every `stepMs` on a cluster that reaches each desired count at once; total demand is fixed. */
function run(policySpec: ScalingPolicySpec, startNodes: number, demandAt: (nowMs: number) => number, untilMs: number, stepMs = 15_000): ScalingDecision[] {
  const policy = resolvePolicy(policySpec);
  let state: ScalerState = EMPTY_SCALER_STATE;
  let nodes = startNodes;
  const decisions: ScalingDecision[] = [];
  for (let nowMs = 0; nowMs <= untilMs; nowMs += stepMs) {
    // Metric values are whole milli-units, as HPA's metrics API reports them.
    const perNode = Math.round(demandAt(nowMs) / nodes);
    const evaluation = evaluate(policy, state, { nowMs, currentNodes: nodes, readings: readings(Array(nodes).fill(perNode)) });
    state = evaluation.state;
    decisions.push(evaluation.decision);
    nodes = evaluation.decision.desiredNodes;
  }
  return decisions;
}

const counts = (decisions: readonly ScalingDecision[]): number[] => decisions.filter((decision) => decision.action !== 'none').map((decision) => decision.desiredNodes);

describe('HPA "Scaling Policies": from 80 toward 10 with {4 pods / 60 s, 10% / 60 s}', () => {
  const rates = [
    { type: 'Nodes', value: 4, periodSeconds: 60 },
    { type: 'Percent', value: 10, periodSeconds: 60 },
  ] as const;

  const milli = { metrics: [{ metric: 'cpu', averageValue: 100_000 }] } as const;

  it('selectPolicy Max (default): "during the first step 8 replicas will be reduced ... 72 ... 10% is 7.2 but the number is rounded up to 8" — below 40 the 4-pod policy applies', () => {
    const decisions = run(spec({ ...milli, scaleDown: { stabilizationWindowSeconds: 0, policies: rates } }), 80, () => 1_000_000, 15 * 60_000);
    assert.deepEqual(counts(decisions), [72, 64, 57, 51, 45, 40, 36, 32, 28, 24, 20, 16, 12, 10]);
    // One step per 60 s period: every change is 60 s after the one before.
    const times = decisions.filter((decision) => decision.action !== 'none').map((decision) => decision.atMs);
    assert.deepEqual(times, times.map((_, index) => index * 60_000));
    assert.ok(decisions.some((decision) => decision.limits.includes('ScaleDownLimit')));
  });

  it('selectPolicy Min: at most 4 per period (the smaller of the two changes)', () => {
    const decisions = run(spec({ ...milli, scaleDown: { stabilizationWindowSeconds: 0, policies: rates, selectPolicy: 'Min' } }), 80, () => 1_000_000, 20 * 60_000);
    assert.deepEqual(counts(decisions).slice(0, 5), [76, 72, 68, 64, 60]);
    // Below 40 the 10% change is the smaller one: 36 → int32(36 × 0.9) = 32 against 36 − 4 = 32; 24 → 21 rather than 20.
    for (const [before, after] of pairs([80, ...counts(decisions)])) assert.ok(before - after <= 4, `${before} → ${after} removes more than 4`);
  });

  it('selectPolicy Disabled: "scale down is disabled"', () => {
    const decisions = run(spec({ scaleDown: { selectPolicy: 'Disabled' } }), 80, () => 1000, 10 * 60_000);
    assert.deepEqual(counts(decisions), []);
    assert.ok(decisions.every((decision) => decision.desiredNodes === 80));
  });

  it('"Percent 900 ... 9 times the current number of pods can be added ... 1 -> 10 -> 100 -> 1000"', () => {
    const decisions = run(spec({ scaleUp: { policies: [{ type: 'Percent', value: 900, periodSeconds: 60 }] } }), 1, () => 100_000, 4 * 60_000);
    assert.deepEqual(counts(decisions), [10, 100, 1000]);
  });

  it('"Default Behavior": scale-up adds max(100%, 4 pods) per 15 s', () => {
    assert.deepEqual(counts(run(spec(), 1, () => 2000, 90_000)), [5, 10, 20]);
  });
});

describe('HPA "Stabilization window": scale-down takes the highest recommendation of the last 300 s', () => {
  it('a brief dip does not scale in', () => {
    const dip = (nowMs: number): number => (nowMs === 60_000 ? 100 : 800);
    const decisions = run(spec(), 8, dip, 10 * 60_000);
    assert.deepEqual(counts(decisions), []);
    assert.ok(decisions[4].limits.includes('ScaleDownStabilized'), 'the dip at 60 s was held by the window');
  });

  it('a sustained drop scales in once the window has passed since the last high recommendation', () => {
    const drop = (nowMs: number): number => (nowMs < 60_000 ? 800 : 200);
    const decisions = run(spec(), 8, drop, 10 * 60_000);
    const firstScaleIn = decisions.find((decision) => decision.action === 'scale-in')!;
    // The last recommendation of 8 was at 45 s. HPA keeps records strictly after now − 300 s, so at 345 s it is out.
    assert.equal(firstScaleIn.atMs, 345_000);
    assert.ok(decisions.filter((decision) => decision.atMs >= 60_000 && decision.atMs < 345_000).every((decision) => decision.limits.includes('ScaleDownStabilized')));
    assert.equal(firstScaleIn.desiredNodes, 2);
  });

  it('scale-up has no window by default, and a scale-up window takes the lowest recommendation', () => {
    const jump = (nowMs: number): number => (nowMs < 60_000 ? 400 : 800);
    assert.equal(run(spec(), 4, jump, 60_000).at(-1)!.desiredNodes, 8);
    const slowed = run(spec({ scaleUp: { stabilizationWindowSeconds: 60 } }), 4, jump, 120_000);
    // The last low recommendation (4) was at 45 s; it leaves the 60 s window at 105 s.
    assert.equal(slowed.find((decision) => decision.action === 'scale-out')!.atMs, 105_000);
  });
});

describe('scheduled minimum capacity (issue 9 §2)', () => {
  it('raises the minimum during its window and releases it after', () => {
    const decisions = run(spec({ minNodes: 2, scaleDown: { stabilizationWindowSeconds: 0 }, scheduledMinimums: [{ fromMs: 60_000, untilMs: 180_000, minNodes: 6 }] }), 2, () => 200, 300_000);
    assert.deepEqual(decisions.map((decision) => decision.desiredNodes), [2, 2, 2, 2, 6, 6, 6, 6, 6, 6, 6, 6, 2, 2, 2, 2, 2, 2, 2, 2, 2]);
    assert.deepEqual(decisions[4].limits, ['ScheduledMinimum']);
  });
});

function pairs<T>(values: readonly T[]): [T, T][] {
  return values.slice(1).map((value, index) => [values[index], value]);
}
