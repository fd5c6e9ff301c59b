export * from './types';
export { PolicyError, resolvePolicy, validatePolicy, effectiveMinimum, DEFAULT_SCALE_DOWN, DEFAULT_SCALE_UP, DEFAULT_TOLERANCE, type ScalingPolicySpec, type ScalingRulesSpec } from './policy';
export { proposeForMetric } from './replica-calculator';
export { stabilize, scaleDownLimit, scaleUpLimit } from './behavior';
export { evaluate, type Evaluation, type EvaluationInput } from './recommender';
export { formatDecisionLog } from './decision-log';
