/*
 * A small hand-written SVG chart for the report: one lane per row (a group, a
 * transaction, a saga step), bars over virtual time and point markers, a time axis and a
 * legend. Self-contained (no fonts, scripts or stylesheets); hovering shows each item's
 * exact times. Deterministic: the same rows give the same bytes.
 */

export interface LaneBar {
  readonly startMs: number;
  readonly endMs: number;
  readonly colour: string;
  readonly label?: string;
  readonly tip: string;
}

export interface LaneMarker {
  readonly atMs: number;
  readonly colour: string;
  readonly shape: 'dot' | 'cross' | 'tick';
  readonly tip: string;
}

export interface Lane {
  readonly name: string;
  readonly bars: readonly LaneBar[];
  readonly markers?: readonly LaneMarker[];
}

export interface LanesChart {
  readonly title: string;
  readonly lanes: readonly Lane[];
  readonly endMs: number;
  readonly startMs?: number;
  readonly legend: readonly { readonly label: string; readonly colour: string }[];
  /** A line under the title, e.g. what was left out. */
  readonly note?: string;
}

const ROW_PX = 22;
const BAR_PX = 14;
const TOP_PX = 52;
const WIDTH_PX = 960;
const RIGHT_PX = 20;
const TICK_STEPS_MS = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1_000, 2_000, 5_000, 10_000, 30_000, 60_000, 300_000];

export function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/'/g, '&apos;').replace(/"/g, '&quot;');
}

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(3)} s`;
}

export function renderLanesSvg(chart: LanesChart): string {
  const startMs = chart.startMs ?? 0;
  const endMs = Math.max(chart.endMs, startMs + 1);
  const labelPx = 16 + 7 * Math.max(6, ...chart.lanes.map((lane) => lane.name.length));
  const plotPx = WIDTH_PX - labelPx - RIGHT_PX;
  const bottomPx = TOP_PX + chart.lanes.length * ROW_PX;
  const heightPx = bottomPx + 64;
  const x = (ms: number): number => labelPx + ((ms - startMs) / (endMs - startMs)) * plotPx;
  const out = [
    `<svg xmlns='http://www.w3.org/2000/svg' width='${WIDTH_PX}' height='${heightPx}' viewBox='0 0 ${WIDTH_PX} ${heightPx}' font-family='Helvetica, Arial, sans-serif' font-size='12'>`,
    `<title>${escapeXml(chart.title)}</title>`,
    `<rect x='0' y='0' width='${WIDTH_PX}' height='${heightPx}' fill='#ffffff'/>`,
    `<text x='${labelPx}' y='20' font-size='15' font-weight='bold' fill='#222222'>${escapeXml(chart.title)}</text>`,
  ];
  if (chart.note) out.push(`<text x='${labelPx}' y='38' fill='#555555'>${escapeXml(chart.note)}</text>`);
  const stepMs = TICK_STEPS_MS.find((step) => (endMs - startMs) / step <= 12) ?? TICK_STEPS_MS[TICK_STEPS_MS.length - 1];
  for (let tick = Math.ceil(startMs / stepMs) * stepMs; tick <= endMs; tick += stepMs) {
    out.push(`<line x1='${x(tick).toFixed(1)}' y1='${TOP_PX - 4}' x2='${x(tick).toFixed(1)}' y2='${bottomPx + 4}' stroke='#e3e3e3'/>`);
    out.push(`<text x='${x(tick).toFixed(1)}' y='${bottomPx + 18}' text-anchor='middle' fill='#444444'>${(tick / 1000).toFixed(stepMs < 1000 ? 3 : 0)}</text>`);
  }
  out.push(`<text x='${x(endMs).toFixed(1)}' y='${bottomPx + 34}' text-anchor='end' fill='#666666'>virtual time (s)</text>`);
  chart.lanes.forEach((lane, row) => {
    const top = TOP_PX + row * ROW_PX;
    const barTop = top + (ROW_PX - BAR_PX) / 2;
    out.push(`<text x='${labelPx - 8}' y='${top + ROW_PX / 2 + 4}' text-anchor='end' fill='#222222'>${escapeXml(lane.name)}</text>`);
    out.push(`<rect x='${labelPx}' y='${barTop}' width='${plotPx}' height='${BAR_PX}' fill='#f5f5f5'/>`);
    for (const bar of lane.bars) {
      const left = x(Math.max(bar.startMs, startMs));
      const width = Math.max(2, x(Math.min(bar.endMs, endMs)) - left);
      out.push(`<rect x='${left.toFixed(1)}' y='${barTop}' width='${width.toFixed(1)}' height='${BAR_PX}' fill='${bar.colour}'><title>${escapeXml(`${bar.tip} (${seconds(bar.startMs)} to ${seconds(bar.endMs)})`)}</title></rect>`);
      if (bar.label && width > 7 * bar.label.length + 6) out.push(`<text x='${(left + 4).toFixed(1)}' y='${barTop + 11}' fill='#ffffff' font-size='11'>${escapeXml(bar.label)}</text>`);
    }
    for (const marker of lane.markers ?? []) out.push(markerSvg(x(marker.atMs), top + ROW_PX / 2, marker));
  });
  let cursor = labelPx;
  for (const entry of chart.legend) {
    out.push(`<rect x='${cursor}' y='${bottomPx + 44}' width='12' height='12' fill='${entry.colour}'/>`);
    out.push(`<text x='${cursor + 16}' y='${bottomPx + 54}' fill='#222222'>${escapeXml(entry.label)}</text>`);
    cursor += 34 + 7 * entry.label.length;
  }
  out.push('</svg>');
  return out.join('\n') + '\n';
}

function markerSvg(cx: number, cy: number, marker: LaneMarker): string {
  const tip = `<title>${escapeXml(`${marker.tip} at ${seconds(marker.atMs)}`)}</title>`;
  if (marker.shape === 'dot') return `<circle cx='${cx.toFixed(1)}' cy='${cy}' r='5' fill='${marker.colour}' stroke='#ffffff'>${tip}</circle>`;
  if (marker.shape === 'tick') return `<rect x='${(cx - 1.5).toFixed(1)}' y='${cy - 9}' width='3' height='18' fill='${marker.colour}'>${tip}</rect>`;
  return `<path d='M${(cx - 5).toFixed(1)},${cy - 5} L${(cx + 5).toFixed(1)},${cy + 5} M${(cx - 5).toFixed(1)},${cy + 5} L${(cx + 5).toFixed(1)},${cy - 5}' stroke='${marker.colour}' stroke-width='2.5'>${tip}</path>`;
}

/** A few colours that stay apart for common colour-vision deficiencies; leaders are coloured by node, in turn. */
export const PALETTE = ['#1f77b4', '#ff7f0e', '#2ca02c', '#d62728', '#9467bd', '#8c564b', '#e377c2', '#7f7f7f', '#bcbd22', '#17becf'];
