import type { MetricProposal, MetricTarget, NodeReading } from './types';

/**
 * One metric's desired node count, exactly as the Kubernetes HPA documentation's
 * "Algorithm details" (and its replica calculator, `calcPlainMetricReplicas`) computes it:
 *
 *   desired = ceil(current × currentMetricValue / desiredMetricValue)
 *
 * - Inside the tolerance (|ratio − 1| ≤ 0.1 by default) nothing changes.
 * - Ready nodes with a sample give the usage ratio. If some samples are missing, they count
 *   as 100% of the target when the ratio says scale down and as 0% when it says scale up;
 *   nodes still joining (not ready) count as 0% on scale-up. The ratio is then recomputed
 *   ("the adjusted ratio"); if it falls inside the tolerance or flips direction, nothing
 *   changes, and a result that would move against the adjusted ratio is dropped too.
 * - With no ready node reporting the metric, there is no proposal (`nodes` undefined).
 */
export function proposeForMetric(target: MetricTarget, readings: readonly NodeReading[], currentNodes: number, tolerance: number): MetricProposal {
  const measured: number[] = [];
  let missing = 0;
  let joining = 0;
  for (const reading of readings) {
    const value = reading.values[target.metric];
    if (!reading.ready) joining += 1;
    else if (value === undefined || !Number.isFinite(value)) missing += 1;
    else measured.push(value);
  }
  const base = { metric: target.metric };
  if (measured.length === 0) return { ...base, reason: `no ready node reported ${target.metric}` };
  const observedAverage = sum(measured) / measured.length;
  const usageRatio = observedAverage / target.averageValue;
  const withinTolerance = (ratio: number): boolean => Math.abs(1 - ratio) <= tolerance;
  const observed = { ...base, observedAverage, usageRatio };

  const countJoining = joining > 0 && usageRatio > 1;
  if (missing === 0 && !countJoining) {
    if (withinTolerance(usageRatio)) return { ...observed, adjustedRatio: usageRatio, nodes: currentNodes, reason: 'within tolerance' };
    return { ...observed, adjustedRatio: usageRatio, nodes: Math.ceil(usageRatio * measured.length), reason: 'ratio of observed to target' };
  }
  // Missing samples: 100% of target on scale-down, 0% on scale-up. Joining nodes: 0% on scale-up.
  const missingValue = usageRatio < 1 ? target.averageValue : 0;
  const counted = measured.length + missing + (countJoining ? joining : 0);
  const adjustedRatio = (sum(measured) + missing * missingValue) / counted / target.averageValue;
  const adjusted = { ...observed, adjustedRatio };
  if (withinTolerance(adjustedRatio)) return { ...adjusted, nodes: currentNodes, reason: 'adjusted ratio within tolerance (missing or joining nodes counted)' };
  if ((usageRatio < 1 && adjustedRatio > 1) || (usageRatio > 1 && adjustedRatio < 1)) {
    return { ...adjusted, nodes: currentNodes, reason: 'adjusted ratio flips direction (missing or joining nodes counted)' };
  }
  const nodes = Math.ceil(adjustedRatio * counted);
  if ((adjustedRatio < 1 && nodes > currentNodes) || (adjustedRatio > 1 && nodes < currentNodes)) {
    return { ...adjusted, nodes: currentNodes, reason: 'result would move against the adjusted ratio' };
  }
  return { ...adjusted, nodes, reason: 'adjusted ratio (missing or joining nodes counted)' };
}

function sum(values: readonly number[]): number {
  let total = 0;
  for (const value of values) total += value;
  return total;
}
