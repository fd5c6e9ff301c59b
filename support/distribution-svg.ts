import type { EChartsOption } from 'echarts';
import type { DistributionAnalysis } from '../src/rebalance/analysis';
import { distributionChartOption, type ImbalanceSample, imbalanceChartOption } from '../src/rebalance/distribution-chart';

/**
 * Draws the rebalancing pictures (src/rebalance/distribution-chart.ts) to SVG with
 * Apache ECharts' server-side renderer, for report attachments (`world.attachSvg`).
 *
 * It lives in support/, not src/: ECharts reads the real clock when loaded and zrender
 * schedules a real 16 ms timer on every refresh even in SSR mode, which src/ may not do.
 * The picture itself is deterministic: animation is off, and the per-instance counters
 * ECharts puts in ids and class names (zr0-, zr1-, … and cls-N, which grow for the life of
 * the process) are renumbered from zero, so the same data gives the same bytes.
 */
export interface SvgSize {
  readonly width: number;
  readonly height: number;
}

export function renderChartSvg(option: EChartsOption, size: SvgSize = { width: 720, height: 360 }): string {
  // Loaded on first use: every support file is loaded for every scenario, and ECharts is large.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const echarts = require('echarts') as typeof import('echarts');
  const chart = echarts.init(null, null, { renderer: 'svg', ssr: true, width: size.width, height: size.height });
  try {
    chart.setOption({ ...option, animation: false });
    return normaliseInstanceIds(chart.renderToSVGString());
  } finally {
    chart.dispose();
  }
}

/** Replicas and leaders per node, before and (when given) after a plan. */
export function distributionSvg(before: DistributionAnalysis, after?: DistributionAnalysis, title?: string): string {
  const width = Math.max(480, 80 + 48 * before.nodes.length);
  return renderChartSvg(distributionChartOption(before, after, title), { width, height: 360 });
}

/** max/mean per measure over virtual time. */
export function imbalanceSvg(samples: readonly ImbalanceSample[], title?: string): string {
  return renderChartSvg(imbalanceChartOption(samples, title), { width: 720, height: 320 });
}

function normaliseInstanceIds(svg: string): string {
  const classes = new Map<string, string>();
  return svg
    .replace(/\bzr\d+-/g, 'zr0-')
    .replace(/\bcls-(\d+)\b/g, (_match, number: string) => {
      if (!classes.has(number)) classes.set(number, `cls-${classes.size}`);
      return classes.get(number)!;
    });
}
