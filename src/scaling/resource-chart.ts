import type { EChartsOption } from 'echarts';
import type { ResourceSample } from './monitor';
import type { MetricName } from './types';

/**
 * The picture of issue 9 §1 as an Apache ECharts option (pure data; drawn to SVG in
 * support/, because ECharts reads the real clock and starts a real timer): each metric's
 * cluster average over virtual time, with the node count drawn over it on its own axis.
 */
export interface NodeCountPoint {
  readonly atMs: number;
  readonly nodes: number;
}

const METRICS: readonly [MetricName, string, string][] = [
  ['cpu', 'cpu %', '#3a62c9'],
  ['memory', 'memory %', '#2e9e6a'],
  ['disk', 'disk %', '#9a6fd0'],
  ['requestsPerSecond', 'requests/s per node', '#d9822b'],
];

export function resourceChartOption(samples: readonly ResourceSample[], nodeCounts: readonly NodeCountPoint[], title = 'Resources per node over virtual time'): EChartsOption {
  const byTime = new Map<number, ResourceSample[]>();
  for (const sample of samples) byTime.set(sample.atMs, [...(byTime.get(sample.atMs) ?? []), sample]);
  const times = [...byTime.keys()].sort((a, b) => a - b);
  const average = (metric: MetricName): [number, number][] =>
    times.map((atMs) => {
      const at = byTime.get(atMs)!;
      return [atMs / 1000, Number((at.reduce((sum, sample) => sum + sample.values[metric], 0) / at.length).toFixed(2))];
    });
  const series: NonNullable<EChartsOption['series']> = METRICS.map(([metric, name, color]) => ({
    name,
    type: 'line',
    showSymbol: false,
    data: average(metric),
    yAxisIndex: 0,
    itemStyle: { color },
  }));
  series.push({ name: 'nodes', type: 'line', step: 'end', showSymbol: false, data: nodeCounts.map((point) => [point.atMs / 1000, point.nodes]), yAxisIndex: 1, itemStyle: { color: '#222222' }, lineStyle: { width: 2 } });
  return {
    animation: false,
    title: { text: title, left: 'center', textStyle: { fontSize: 14 } },
    legend: { top: 28 },
    grid: { top: 70, left: 60, right: 60, bottom: 50 },
    xAxis: { type: 'value', name: 'virtual time (s)', nameLocation: 'middle', nameGap: 28 },
    yAxis: [
      { type: 'value', name: 'per node' },
      { type: 'value', name: 'nodes', minInterval: 1, position: 'right' },
    ],
    series,
  };
}
