export * from './types';
export { PolicyError, resolvePolicy, validatePolicy, effectiveMinimum, DEFAULT_SCALE_DOWN, DEFAULT_SCALE_UP, DEFAULT_TOLERANCE, type ScalingPolicySpec, type ScalingRulesSpec } from './policy';
export { proposeForMetric } from './replica-calculator';
export { stabilize, scaleDownLimit, scaleUpLimit } from './behavior';
export { evaluate, type Evaluation, type EvaluationInput } from './recommender';
export { formatDecisionLog } from './decision-log';
export { ResourceMonitor, deriveMetrics, formatResourceTable, type ActivitySource, type NodeActivity, type ResourceSample, type MonitorOptions } from './monitor';
export { resourceChartOption, type NodeCountPoint } from './resource-chart';
export { Autoscaler, type AutoscalerPorts, type ScalingActuator } from './autoscaler';
