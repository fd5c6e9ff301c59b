import type { ScalerState, ScalingRules } from './types';

/**
 * HPA's "Support for configurable scaling behavior": stabilization windows and rate
 * policies, as the controller's `stabilizeRecommendationWithBehaviors` and
 * `calculateScaleUpLimitWithScalingRules` / `calculateScaleDownLimitWithBehaviors` do it.
 */

/**
 * Stabilization: scale-up takes the lowest recommendation within its window, scale-down the
 * highest within its window, so the count only moves when every recent recommendation
 * agrees. Returns the stabilized count; the caller records the raw recommendation.
 */
export function stabilize(state: ScalerState, nowMs: number, currentNodes: number, desired: number, up: ScalingRules, down: ScalingRules): number {
  const upCutoff = nowMs - up.stabilizationWindowSeconds * 1000;
  const downCutoff = nowMs - down.stabilizationWindowSeconds * 1000;
  let upRecommendation = desired;
  let downRecommendation = desired;
  for (const record of state.recommendations) {
    // HPA: `rec.timestamp.After(cutoff)`, strictly after.
    if (record.atMs > upCutoff) upRecommendation = Math.min(upRecommendation, record.nodes);
    if (record.atMs > downCutoff) downRecommendation = Math.max(downRecommendation, record.nodes);
  }
  let recommendation = currentNodes;
  if (recommendation < upRecommendation) recommendation = upRecommendation;
  if (recommendation > downRecommendation) recommendation = downRecommendation;
  return recommendation;
}

/** Nodes changed by events younger than the period (HPA: `event.timestamp + period` after now). */
function changedWithin(events: ScalerState['scaleUpEvents'], periodSeconds: number, nowMs: number): number {
  let change = 0;
  for (const event of events) if (event.atMs + periodSeconds * 1000 > nowMs) change += event.change;
  return change;
}

/**
 * The highest count scale-up may reach now. Each policy is measured from the count at the
 * start of its period; Max picks the largest allowance, Min the smallest; Disabled allows
 * none. A Percent allowance is rounded up so that a small cluster can still grow.
 */
export function scaleUpLimit(state: ScalerState, nowMs: number, currentNodes: number, rules: ScalingRules): number {
  if (rules.selectPolicy === 'Disabled') return currentNodes;
  let result = rules.selectPolicy === 'Min' ? Number.POSITIVE_INFINITY : Number.NEGATIVE_INFINITY;
  for (const policy of rules.policies) {
    const periodStart = currentNodes - changedWithin(state.scaleUpEvents, policy.periodSeconds, nowMs) + changedWithin(state.scaleDownEvents, policy.periodSeconds, nowMs);
    const proposed = policy.type === 'Nodes' ? periodStart + policy.value : Math.ceil(periodStart * (1 + policy.value / 100));
    result = rules.selectPolicy === 'Min' ? Math.min(result, proposed) : Math.max(result, proposed);
  }
  return result;
}

/**
 * The lowest count scale-down may reach now. Max picks the largest change (the lowest
 * count), Min the smallest. A Percent allowance truncates the remaining count (HPA's
 * int32 conversion), which rounds the change up: 10% of 72 removes 8, as the docs say.
 */
export function scaleDownLimit(state: ScalerState, nowMs: number, currentNodes: number, rules: ScalingRules): number {
  if (rules.selectPolicy === 'Disabled') return currentNodes;
  let result = rules.selectPolicy === 'Min' ? Number.NEGATIVE_INFINITY : Number.POSITIVE_INFINITY;
  for (const policy of rules.policies) {
    const periodStart = currentNodes - changedWithin(state.scaleUpEvents, policy.periodSeconds, nowMs) + changedWithin(state.scaleDownEvents, policy.periodSeconds, nowMs);
    const proposed = policy.type === 'Nodes' ? periodStart - policy.value : Math.trunc(periodStart * (1 - policy.value / 100));
    result = rules.selectPolicy === 'Min' ? Math.max(result, proposed) : Math.min(result, proposed);
  }
  return result;
}
