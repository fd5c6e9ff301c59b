import type { EChartsOption } from 'echarts';
import type { DistributionAnalysis } from './analysis';
import type { Imbalance } from './types';

/**
 * The pictures of issue 8 §2 as Apache ECharts options: plain data, built here (pure,
 * deterministic) and drawn to SVG by support/distribution-svg.ts. The drawing stays out
 * of src/ because ECharts reads the real clock when loaded and zrender starts a real
 * 16 ms animation timer on every refresh, even server-side with animation off; src/ must
 * not touch real time or timers (see scripts/determinism-guard.js). Only a type is
 * imported from echarts here, which compiles away.
 */

/** Replicas and leaders per node, before and (when given) after a plan, as grouped bars. */
export function distributionChartOption(before: DistributionAnalysis, after?: DistributionAnalysis, title = 'Replicas and leaders per node'): EChartsOption {
  const nodes = nodeOrder(before, after);
  const valuesOf = (analysis: DistributionAnalysis, field: 'replicas' | 'leaders'): number[] =>
    nodes.map((node) => analysis.nodes.find((row) => row.node === node)?.[field] ?? 0);
  const series: NonNullable<EChartsOption['series']> = [
    { name: after ? 'replicas before' : 'replicas', type: 'bar', data: valuesOf(before, 'replicas'), itemStyle: { color: '#9db4e8' } },
    { name: after ? 'leaders before' : 'leaders', type: 'bar', data: valuesOf(before, 'leaders'), itemStyle: { color: '#f3c48b' } },
  ];
  if (after) {
    series.push(
      { name: 'replicas after', type: 'bar', data: valuesOf(after, 'replicas'), itemStyle: { color: '#3a62c9' } },
      { name: 'leaders after', type: 'bar', data: valuesOf(after, 'leaders'), itemStyle: { color: '#d9822b' } },
    );
  }
  return {
    animation: false,
    title: { text: title, left: 'center', textStyle: { fontSize: 14 } },
    legend: { top: 28 },
    grid: { top: 70, left: 50, right: 20, bottom: 60 },
    xAxis: { type: 'category', data: nodes, axisLabel: { rotate: nodes.length > 8 ? 45 : 0, interval: 0 } },
    yAxis: { type: 'value', name: 'count', minInterval: 1 },
    series,
  };
}

/** One sample of imbalance at a virtual time. */
export interface ImbalanceSample {
  readonly timeMs: number;
  readonly imbalance: readonly Imbalance[];
}

/** max/mean of every measure over virtual time (seconds), one line per measure. */
export function imbalanceChartOption(samples: readonly ImbalanceSample[], title = 'Imbalance over virtual time (max/mean)'): EChartsOption {
  const measures = [...new Set(samples.flatMap((sample) => sample.imbalance.map((entry) => entry.measure)))];
  return {
    animation: false,
    title: { text: title, left: 'center', textStyle: { fontSize: 14 } },
    legend: { top: 28 },
    grid: { top: 70, left: 60, right: 30, bottom: 50 },
    xAxis: { type: 'value', name: 'virtual s', nameLocation: 'middle', nameGap: 28 },
    yAxis: { type: 'value', name: 'max/mean', min: 1 },
    series: measures.map((measure) => ({
      name: measure,
      type: 'line',
      showSymbol: samples.length <= 40,
      data: samples.map((sample) => [sample.timeMs / 1000, round(sample.imbalance.find((entry) => entry.measure === measure)?.maxOverMean ?? 1)]),
    })),
  };
}

/** Nodes of the first analysis in its order, then any that only the second one has. */
function nodeOrder(before: DistributionAnalysis, after?: DistributionAnalysis): string[] {
  const nodes = before.nodes.map((row) => row.node);
  for (const row of after?.nodes ?? []) if (!nodes.includes(row.node)) nodes.push(row.node);
  return nodes;
}

function round(value: number): number {
  return Math.round(value * 1000) / 1000;
}
