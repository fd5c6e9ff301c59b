import { METRIC_NAMES, type MetricTarget, type RatePolicy, type ScalingPolicy, type ScalingRules, type ScheduledMinimum, type SelectPolicy } from './types';

/**
 * Scaling policies: HPA's defaults filled in, and every field checked. A policy that makes
 * no sense is refused with a PolicyError naming the field, never silently corrected.
 *
 * Defaults are those of "Default Behavior" in the Kubernetes HPA documentation:
 * scale-down waits 300 s (stabilization) and may remove 100% per 15 s; scale-up has no
 * window and may add max(100%, 4 nodes) per 15 s; tolerance 0.1; sync period 15 s.
 */

export class PolicyError extends Error {
  constructor(readonly field: string, problem: string) {
    super(`scaling policy: ${field} ${problem}`);
    this.name = 'PolicyError';
  }
}

export interface ScalingRulesSpec {
  readonly stabilizationWindowSeconds?: number;
  readonly selectPolicy?: SelectPolicy;
  readonly policies?: readonly RatePolicy[];
}

/** What a user writes; every omitted field takes HPA's default. */
export interface ScalingPolicySpec {
  readonly minNodes: number;
  readonly maxNodes: number;
  readonly replicationFactor: number;
  readonly metrics: readonly MetricTarget[];
  readonly tolerance?: number;
  readonly scaleUp?: ScalingRulesSpec;
  readonly scaleDown?: ScalingRulesSpec;
  readonly scheduledMinimums?: readonly ScheduledMinimum[];
  readonly evaluationIntervalMs?: number;
}

export const DEFAULT_TOLERANCE = 0.1;
export const DEFAULT_EVALUATION_INTERVAL_MS = 15_000;
export const DEFAULT_SCALE_UP: ScalingRules = {
  stabilizationWindowSeconds: 0,
  selectPolicy: 'Max',
  policies: [
    { type: 'Percent', value: 100, periodSeconds: 15 },
    { type: 'Nodes', value: 4, periodSeconds: 15 },
  ],
};
export const DEFAULT_SCALE_DOWN: ScalingRules = {
  stabilizationWindowSeconds: 300,
  selectPolicy: 'Max',
  policies: [{ type: 'Percent', value: 100, periodSeconds: 15 }],
};
/** HPA's API limits: a rate policy's period is at most 1800 s, a stabilization window at most 3600 s. */
const MAX_PERIOD_SECONDS = 1800;
const MAX_WINDOW_SECONDS = 3600;

/** Fills in the defaults and validates; throws PolicyError naming the first bad field. */
export function resolvePolicy(spec: ScalingPolicySpec): ScalingPolicy {
  const policy: ScalingPolicy = {
    minNodes: spec.minNodes,
    maxNodes: spec.maxNodes,
    replicationFactor: spec.replicationFactor,
    metrics: spec.metrics,
    tolerance: spec.tolerance ?? DEFAULT_TOLERANCE,
    scaleUp: resolveRules(spec.scaleUp, DEFAULT_SCALE_UP),
    scaleDown: resolveRules(spec.scaleDown, DEFAULT_SCALE_DOWN),
    scheduledMinimums: spec.scheduledMinimums ?? [],
    evaluationIntervalMs: spec.evaluationIntervalMs ?? DEFAULT_EVALUATION_INTERVAL_MS,
  };
  validatePolicy(policy);
  return policy;
}

function resolveRules(spec: ScalingRulesSpec | undefined, defaults: ScalingRules): ScalingRules {
  return {
    stabilizationWindowSeconds: spec?.stabilizationWindowSeconds ?? defaults.stabilizationWindowSeconds,
    selectPolicy: spec?.selectPolicy ?? defaults.selectPolicy,
    policies: spec?.policies ?? defaults.policies,
  };
}

export function validatePolicy(policy: ScalingPolicy): void {
  wholeAtLeast('replicationFactor', policy.replicationFactor, 1);
  wholeAtLeast('minNodes', policy.minNodes, 1);
  wholeAtLeast('maxNodes', policy.maxNodes, 1);
  if (policy.maxNodes < policy.replicationFactor) {
    throw new PolicyError('maxNodes', `(${policy.maxNodes}) is below the replication factor (${policy.replicationFactor}): shards could not keep their replicas`);
  }
  if (policy.minNodes > policy.maxNodes) throw new PolicyError('minNodes', `(${policy.minNodes}) is greater than maxNodes (${policy.maxNodes})`);
  if (policy.minNodes < policy.replicationFactor) {
    throw new PolicyError('minNodes', `(${policy.minNodes}) is below the replication factor (${policy.replicationFactor}): scale-in would cost shards their replicas`);
  }
  validateMetrics(policy.metrics);
  if (!(policy.tolerance >= 0 && policy.tolerance < 1)) throw new PolicyError('tolerance', `must be at least 0 and below 1, got ${policy.tolerance}`);
  if (!(Number.isFinite(policy.evaluationIntervalMs) && policy.evaluationIntervalMs > 0)) {
    throw new PolicyError('evaluationIntervalMs', `must be a positive number of milliseconds, got ${policy.evaluationIntervalMs}`);
  }
  validateRules('scaleUp', policy.scaleUp);
  validateRules('scaleDown', policy.scaleDown);
  policy.scheduledMinimums.forEach((entry, index) => validateScheduledMinimum(`scheduledMinimums[${index}]`, entry, policy));
}

function validateMetrics(metrics: readonly MetricTarget[]): void {
  if (metrics.length === 0) throw new PolicyError('metrics', 'must name at least one metric to scale on');
  const seen = new Set<string>();
  metrics.forEach((target, index) => {
    const field = `metrics[${index}]`;
    if (!METRIC_NAMES.includes(target.metric)) throw new PolicyError(`${field}.metric`, `must be one of ${METRIC_NAMES.join(', ')}, got ${JSON.stringify(target.metric)}`);
    if (seen.has(target.metric)) throw new PolicyError(`${field}.metric`, `names ${target.metric} twice`);
    seen.add(target.metric);
    if (!(Number.isFinite(target.averageValue) && target.averageValue > 0)) {
      throw new PolicyError(`${field}.averageValue`, `(target for ${target.metric}) must be greater than 0, got ${target.averageValue}`);
    }
  });
}

function validateRules(field: string, rules: ScalingRules): void {
  const window = rules.stabilizationWindowSeconds;
  if (!(Number.isInteger(window) && window >= 0 && window <= MAX_WINDOW_SECONDS)) {
    throw new PolicyError(`${field}.stabilizationWindowSeconds`, `must be a whole number from 0 to ${MAX_WINDOW_SECONDS}, got ${window}`);
  }
  if (!['Max', 'Min', 'Disabled'].includes(rules.selectPolicy)) throw new PolicyError(`${field}.selectPolicy`, `must be Max, Min or Disabled, got ${JSON.stringify(rules.selectPolicy)}`);
  if (rules.selectPolicy !== 'Disabled' && rules.policies.length === 0) throw new PolicyError(`${field}.policies`, 'must hold at least one rate policy unless selectPolicy is Disabled');
  rules.policies.forEach((rate, index) => {
    const at = `${field}.policies[${index}]`;
    if (rate.type !== 'Nodes' && rate.type !== 'Percent') throw new PolicyError(`${at}.type`, `must be Nodes or Percent, got ${JSON.stringify(rate.type)}`);
    if (!(Number.isInteger(rate.value) && rate.value > 0)) throw new PolicyError(`${at}.value`, `must be a whole number greater than 0, got ${rate.value}`);
    if (!(Number.isInteger(rate.periodSeconds) && rate.periodSeconds > 0 && rate.periodSeconds <= MAX_PERIOD_SECONDS)) {
      throw new PolicyError(`${at}.periodSeconds`, `must be a whole number from 1 to ${MAX_PERIOD_SECONDS}, got ${rate.periodSeconds}`);
    }
  });
}

function validateScheduledMinimum(field: string, entry: ScheduledMinimum, policy: ScalingPolicy): void {
  if (!(entry.fromMs >= 0 && entry.untilMs > entry.fromMs)) throw new PolicyError(`${field}.untilMs`, `must come after fromMs (${entry.fromMs}), got ${entry.untilMs}`);
  wholeAtLeast(`${field}.minNodes`, entry.minNodes, 1);
  if (entry.minNodes > policy.maxNodes) throw new PolicyError(`${field}.minNodes`, `(${entry.minNodes}) is greater than maxNodes (${policy.maxNodes})`);
}

function wholeAtLeast(field: string, value: number, least: number): void {
  if (!(Number.isInteger(value) && value >= least)) throw new PolicyError(field, `must be a whole number of at least ${least}, got ${value}`);
}

/** The minimum in force at `nowMs`: the policy's, raised by any scheduled minimum whose window holds `nowMs`. */
export function effectiveMinimum(policy: ScalingPolicy, nowMs: number): { minNodes: number; scheduled: boolean } {
  let minNodes = policy.minNodes;
  let scheduled = false;
  for (const entry of policy.scheduledMinimums) {
    if (nowMs >= entry.fromMs && nowMs < entry.untilMs && entry.minNodes > minNodes) {
      minNodes = entry.minNodes;
      scheduled = true;
    }
  }
  return { minNodes, scheduled };
}
