/**
 * Elastic scaling (issue 9): the policy and decision types of the autoscaler's pure core.
 * The names and defaults follow the Kubernetes HorizontalPodAutoscaler v2 API
 * (`behavior.scaleUp/scaleDown`, `policies`, `selectPolicy`, `stabilizationWindowSeconds`),
 * with "nodes" where HPA says "pods" or "replicas".
 */

/** HPA `HPAScalingPolicy.type`: `Pods` (here `Nodes`) or `Percent`. */
export type RatePolicyType = 'Nodes' | 'Percent';

/** HPA `HPAScalingPolicy`: at most `value` nodes (or percent) of change per `periodSeconds`. */
export interface RatePolicy {
  readonly type: RatePolicyType;
  readonly value: number;
  readonly periodSeconds: number;
}

/** HPA `ScalingPolicySelect`: Max (the biggest change, the default), Min (the smallest) or Disabled. */
export type SelectPolicy = 'Max' | 'Min' | 'Disabled';

/** HPA `HPAScalingRules` for one direction. */
export interface ScalingRules {
  readonly stabilizationWindowSeconds: number;
  readonly selectPolicy: SelectPolicy;
  readonly policies: readonly RatePolicy[];
}

/** The per-node metrics the monitor samples (see monitor.ts). */
export type MetricName = 'cpu' | 'memory' | 'disk' | 'requestsPerSecond';
export const METRIC_NAMES: readonly MetricName[] = ['cpu', 'memory', 'disk', 'requestsPerSecond'];

/** HPA `MetricSpec` with an `AverageValue` target: the wanted average per node. */
export interface MetricTarget {
  readonly metric: MetricName;
  /** cpu, memory and disk in percent of the node's capacity; requestsPerSecond in requests per second. */
  readonly averageValue: number;
}

/** Scheduled minimum capacity: between the two virtual times the minimum node count is raised. */
export interface ScheduledMinimum {
  readonly fromMs: number;
  readonly untilMs: number;
  readonly minNodes: number;
}

/** A validated, fully defaulted scaling policy (see policy.ts for the defaults and checks). */
export interface ScalingPolicy {
  readonly minNodes: number;
  readonly maxNodes: number;
  /** Shards keep this many replicas, so the cluster never shrinks below it. */
  readonly replicationFactor: number;
  readonly metrics: readonly MetricTarget[];
  /** HPA's `--horizontal-pod-autoscaler-tolerance`, 0.1 by default. */
  readonly tolerance: number;
  readonly scaleUp: ScalingRules;
  readonly scaleDown: ScalingRules;
  readonly scheduledMinimums: readonly ScheduledMinimum[];
  /** How often the autoscaler evaluates (HPA's `--horizontal-pod-autoscaler-sync-period`, 15 s). */
  readonly evaluationIntervalMs: number;
}

/** One node's readings at an evaluation. A node still joining is not ready. */
export interface NodeReading {
  readonly node: string;
  readonly ready: boolean;
  /** A metric absent here is a missing sample. */
  readonly values: Partial<Record<MetricName, number>>;
}

/** The recommendation of one metric, before stabilization and rate limits. */
export interface MetricProposal {
  readonly metric: MetricName;
  /** Undefined when no ready node reported the metric: HPA cannot compute it. */
  readonly nodes?: number;
  /** Average over ready nodes with a sample, before missing and joining nodes were counted. */
  readonly observedAverage?: number;
  readonly usageRatio?: number;
  /** The ratio after missing samples and joining nodes were counted as HPA specifies. */
  readonly adjustedRatio?: number;
  readonly reason: string;
}

/** What limited the final count (HPA's ScalingLimited condition reasons, plus ours). */
export type Limit =
  | 'DesiredWithinRange'
  | 'ScaleUpLimit'
  | 'ScaleDownLimit'
  | 'TooManyReplicas'
  | 'TooFewReplicas'
  | 'ScheduledMinimum'
  | 'ScaleDownStabilized'
  | 'ScaleUpStabilized'
  | 'ScalingDisabled'
  | 'MissingMetricBlocksScaleDown'
  | 'ScalingInProgress';

/** One evaluation of the autoscaler, as logged. */
export interface ScalingDecision {
  readonly atMs: number;
  readonly currentNodes: number;
  readonly proposals: readonly MetricProposal[];
  /** The largest metric proposal (HPA: several metrics, the largest wins). */
  readonly proposedNodes: number;
  /** After the stabilization windows. */
  readonly stabilizedNodes: number;
  readonly desiredNodes: number;
  readonly limits: readonly Limit[];
  readonly action: 'none' | 'scale-out' | 'scale-in';
}

/** The autoscaler's memory between evaluations (HPA keeps the same per HPA object). */
export interface ScalerState {
  readonly recommendations: readonly { readonly atMs: number; readonly nodes: number }[];
  readonly scaleUpEvents: readonly { readonly atMs: number; readonly change: number }[];
  readonly scaleDownEvents: readonly { readonly atMs: number; readonly change: number }[];
}

export const EMPTY_SCALER_STATE: ScalerState = { recommendations: [], scaleUpEvents: [], scaleDownEvents: [] };
