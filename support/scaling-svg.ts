import type { ResourceSample } from '../src/scaling/monitor';
import { resourceChartOption, type NodeCountPoint } from '../src/scaling/resource-chart';
import { renderChartSvg } from './distribution-svg';

/** Draws the resource picture (src/scaling/resource-chart.ts) with the deterministic SVG renderer of the rebalancing pictures. */
export function resourceSvg(samples: readonly ResourceSample[], nodeCounts: readonly NodeCountPoint[], title?: string): string {
  return renderChartSvg(resourceChartOption(samples, nodeCounts, title), { width: 760, height: 380 });
}
