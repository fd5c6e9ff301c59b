import * as echarts from 'echarts';

/**
 * Charts for reports, drawn by Apache ECharts on the server side as SVG strings (no DOM,
 * offline). Kept outside src/ because a chart library is report tooling, not part of the
 * deterministic system (the determinism guard covers src/). Animation is off, so the
 * same data gives the same SVG.
 */

export interface ChartSize {
  readonly width: number;
  readonly height: number;
}

const DEFAULT_SIZE: ChartSize = { width: 760, height: 320 };

/** Renders one ECharts option to an SVG string and releases the chart. */
export function renderChartSvg(option: echarts.EChartsCoreOption, size: ChartSize = DEFAULT_SIZE): string {
  const chart = echarts.init(null, null, { renderer: 'svg', ssr: true, width: size.width, height: size.height });
  try {
    chart.setOption({ animation: false, backgroundColor: '#ffffff', ...option });
    // The ecmeta_* attributes are for hydrating the chart in a browser page; a report's
    // picture is never hydrated, and they were about 30% of each chart's bytes.
    return chart.renderToSVGString().replace(/ ecmeta_[a-z_]+="[^"]*"/g, '');
  } finally {
    chart.dispose();
  }
}

export interface LineSeries {
  readonly name: string;
  /** [x, y] points; y null leaves a gap. */
  readonly points: readonly (readonly [number, number | null])[];
}

/** Lines over a numeric x axis (virtual time, run number). */
export function lineChartSvg(title: string, xName: string, yName: string, series: readonly LineSeries[], size?: ChartSize): string {
  return renderChartSvg(
    {
      title: { text: title, left: 'center', textStyle: { fontSize: 13 } },
      legend: { bottom: 0 },
      grid: { left: 70, right: 30, top: 40, bottom: 60 },
      xAxis: { type: 'value', name: xName, nameLocation: 'middle', nameGap: 25 },
      yAxis: { type: 'value', name: yName, nameLocation: 'middle', nameGap: 50 },
      series: series.map((line) => ({ name: line.name, type: 'line', showSymbol: line.points.length < 40, connectNulls: false, data: line.points.map((point) => [...point]) })),
    },
    size,
  );
}

/** Bars over labelled categories (a histogram's buckets). */
export function barChartSvg(title: string, categories: readonly string[], xName: string, yName: string, series: readonly { name: string; values: readonly number[] }[], size?: ChartSize): string {
  return renderChartSvg(
    {
      title: { text: title, left: 'center', textStyle: { fontSize: 13 } },
      legend: { bottom: 0 },
      grid: { left: 70, right: 30, top: 40, bottom: 60 },
      xAxis: { type: 'category', data: [...categories], name: xName, nameLocation: 'middle', nameGap: 25 },
      yAxis: { type: 'value', name: yName, nameLocation: 'middle', nameGap: 50 },
      series: series.map((bars) => ({ name: bars.name, type: 'bar', data: [...bars.values] })),
    },
    size,
  );
}
