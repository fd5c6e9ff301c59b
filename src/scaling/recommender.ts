import { scaleDownLimit, scaleUpLimit, stabilize } from './behavior';
import { effectiveMinimum } from './policy';
import { proposeForMetric } from './replica-calculator';
import type { Limit, MetricProposal, NodeReading, ScalerState, ScalingDecision, ScalingPolicy } from './types';

/**
 * One autoscaler evaluation, pure: readings and memory in, a logged decision and the new
 * memory out. The order is the HPA controller's (`reconcileAutoscaler` then
 * `normalizeDesiredReplicasWithBehaviors`):
 *   1. a count above max (or below the minimum in force) goes straight to the bound;
 *   2. otherwise each metric proposes a count and the largest wins; if a metric could not
 *      be computed and the others say scale down, nothing changes;
 *   3. the stabilization windows smooth the proposal;
 *   4. the rate policies and min/max bound the step.
 */
export interface EvaluationInput {
  readonly nowMs: number;
  /** Nodes in the cluster that count toward capacity, including those still joining. */
  readonly currentNodes: number;
  readonly readings: readonly NodeReading[];
}

export interface Evaluation {
  readonly decision: ScalingDecision;
  readonly state: ScalerState;
}

export function evaluate(policy: ScalingPolicy, state: ScalerState, input: EvaluationInput): Evaluation {
  const { nowMs, currentNodes } = input;
  if (!(Number.isInteger(currentNodes) && currentNodes >= 1)) throw new Error(`autoscaler: current node count must be a whole number ≥ 1, got ${currentNodes}`);
  const minimum = effectiveMinimum(policy, nowMs);
  const proposals = policy.metrics.map((target) => proposeForMetric(target, input.readings, currentNodes, policy.tolerance));
  const outOfRange = boundOutOfRange(policy, currentNodes, minimum);
  if (outOfRange) return finish(policy, state, input, proposals, outOfRange.desired, outOfRange.desired, outOfRange.desired, [outOfRange.limit], state.recommendations);

  const limits: Limit[] = [];
  const valid = proposals.filter((proposal) => proposal.nodes !== undefined).map((proposal) => proposal.nodes!);
  let proposed = valid.length === 0 ? currentNodes : Math.max(...valid);
  if (valid.length < proposals.length && proposed < currentNodes) {
    proposed = currentNodes;
    limits.push('MissingMetricBlocksScaleDown');
  }
  const stabilized = stabilize(state, nowMs, currentNodes, proposed, policy.scaleUp, policy.scaleDown);
  if (stabilized > proposed) limits.push('ScaleDownStabilized');
  if (stabilized < proposed) limits.push('ScaleUpStabilized');
  const keepSinceMs = nowMs - 1000 * Math.max(policy.scaleUp.stabilizationWindowSeconds, policy.scaleDown.stabilizationWindowSeconds);
  const recommendations = [...state.recommendations.filter((record) => record.atMs > keepSinceMs), { atMs: nowMs, nodes: proposed }];
  const { desired, limit } = limitRate(policy, state, nowMs, currentNodes, stabilized, minimum);
  limits.push(limit);
  return finish(policy, state, input, proposals, proposed, stabilized, desired, limits, recommendations);
}

function boundOutOfRange(policy: ScalingPolicy, currentNodes: number, minimum: { minNodes: number; scheduled: boolean }): { desired: number; limit: Limit } | undefined {
  if (currentNodes > policy.maxNodes) return { desired: policy.maxNodes, limit: 'TooManyReplicas' };
  if (currentNodes < minimum.minNodes) return { desired: minimum.minNodes, limit: minimum.scheduled ? 'ScheduledMinimum' : 'TooFewReplicas' };
  return undefined;
}

/** HPA's `convertDesiredReplicasWithBehaviorRate`: the rate policies and min/max bound the step. */
function limitRate(policy: ScalingPolicy, state: ScalerState, nowMs: number, currentNodes: number, desired: number, minimum: { minNodes: number; scheduled: boolean }): { desired: number; limit: Limit } {
  if (desired > currentNodes) {
    if (policy.scaleUp.selectPolicy === 'Disabled') return { desired: currentNodes, limit: 'ScalingDisabled' };
    const rateLimit = Math.max(currentNodes, scaleUpLimit(state, nowMs, currentNodes, policy.scaleUp));
    const [maximum, limit]: [number, Limit] = policy.maxNodes > rateLimit ? [rateLimit, 'ScaleUpLimit'] : [policy.maxNodes, 'TooManyReplicas'];
    if (desired > maximum) return { desired: maximum, limit };
  } else if (desired < currentNodes) {
    if (policy.scaleDown.selectPolicy === 'Disabled') return { desired: currentNodes, limit: 'ScalingDisabled' };
    const rateLimit = Math.min(currentNodes, scaleDownLimit(state, nowMs, currentNodes, policy.scaleDown));
    const [least, limit]: [number, Limit] =
      minimum.minNodes < rateLimit ? [rateLimit, 'ScaleDownLimit'] : [minimum.minNodes, minimum.scheduled ? 'ScheduledMinimum' : 'TooFewReplicas'];
    if (desired < least) return { desired: least, limit };
  }
  return { desired, limit: 'DesiredWithinRange' };
}

function finish(
  policy: ScalingPolicy,
  state: ScalerState,
  input: EvaluationInput,
  proposals: readonly MetricProposal[],
  proposedNodes: number,
  stabilizedNodes: number,
  desiredNodes: number,
  limits: readonly Limit[],
  recommendations: ScalerState['recommendations'],
): Evaluation {
  const { nowMs, currentNodes } = input;
  const change = desiredNodes - currentNodes;
  const action = change > 0 ? 'scale-out' : change < 0 ? 'scale-in' : 'none';
  const keepSinceMs = nowMs - 1000 * longestPeriodSeconds(policy);
  const recent = (events: ScalerState['scaleUpEvents']): ScalerState['scaleUpEvents'] => events.filter((event) => event.atMs > keepSinceMs);
  const nextState: ScalerState = {
    recommendations,
    scaleUpEvents: [...recent(state.scaleUpEvents), ...(change > 0 ? [{ atMs: nowMs, change }] : [])],
    scaleDownEvents: [...recent(state.scaleDownEvents), ...(change < 0 ? [{ atMs: nowMs, change: -change }] : [])],
  };
  const decision: ScalingDecision = { atMs: nowMs, currentNodes, proposals, proposedNodes, stabilizedNodes, desiredNodes, limits, action };
  return { decision, state: nextState };
}

function longestPeriodSeconds(policy: ScalingPolicy): number {
  let longest = 0;
  for (const rate of [...policy.scaleUp.policies, ...policy.scaleDown.policies]) longest = Math.max(longest, rate.periodSeconds);
  return longest;
}
