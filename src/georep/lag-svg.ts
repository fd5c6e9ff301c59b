/**
 * Draws the replication lag over virtual time as a self-contained SVG (no external fonts,
 * styles or scripts): two panels sharing the time axis, lag in ms above and pending
 * changes below, one line per region pair, with the periods when the network was split or
 * a region was down shaded. Each line has a <title> so hovering names the pair.
 */
import type { LagRecorder } from './lag';

export interface LagSvgOptions {
  readonly title: string;
  readonly endMs: number;
  readonly widthPx?: number;
}

/** Distinguishable in common colour-vision deficiencies (Okabe–Ito palette) and extended for more pairs. */
const PAIR_COLOURS = ['#0072b2', '#e69f00', '#009e73', '#cc79a7', '#56b4e9', '#d55e00', '#000000', '#f0e442', '#7f7f7f', '#8c564b', '#17becf', '#9467bd'];
const FONT = "font-family='Helvetica, Arial, sans-serif'";
const PANEL_HEIGHT_PX = 170;
const TOP_PX = 58;
const GAP_PX = 46;
const LEFT_PX = 70;
const RIGHT_PX = 210;
const TICK_STEPS_MS = [100, 200, 500, 1_000, 2_000, 5_000, 10_000, 15_000, 30_000, 60_000, 120_000, 300_000];

export function renderLagSvg(recorder: LagRecorder, options: LagSvgOptions): string {
  const widthPx = options.widthPx ?? 960;
  const samples = recorder.samples;
  const endMs = Math.max(options.endMs, samples.length > 0 ? samples[samples.length - 1].atMs : 1, 1);
  const plotWidthPx = widthPx - LEFT_PX - RIGHT_PX;
  const heightPx = TOP_PX + 2 * PANEL_HEIGHT_PX + GAP_PX + 40;
  const x = (ms: number): number => LEFT_PX + (ms / endMs) * plotWidthPx;
  const pairs = recorder.pairs();
  const parts: string[] = [
    `<svg xmlns='http://www.w3.org/2000/svg' width='${widthPx}' height='${heightPx}' viewBox='0 0 ${widthPx} ${heightPx}' ${FONT} font-size='12'>`,
    `<title>${escapeXml(options.title)}</title>`,
    `<rect x='0' y='0' width='${widthPx}' height='${heightPx}' fill='#ffffff'/>`,
    `<text x='${LEFT_PX}' y='22' font-size='15' font-weight='bold' fill='#222222'>${escapeXml(options.title)}</text>`,
  ];
  const panels: { label: string; pick: (column: number) => number[]; topPx: number }[] = [
    { label: 'lag (ms)', pick: (column) => samples.map((sample) => sample.lagMs[column]), topPx: TOP_PX },
    { label: 'pending changes', pick: (column) => samples.map((sample) => sample.pending[column]), topPx: TOP_PX + PANEL_HEIGHT_PX + GAP_PX },
  ];
  for (const panel of panels) {
    const series = pairs.map((_, column) => panel.pick(column));
    const maxValue = niceCeiling(Math.max(1, ...series.flat()));
    const y = (value: number): number => panel.topPx + PANEL_HEIGHT_PX - (value / maxValue) * PANEL_HEIGHT_PX;
    parts.push(...shading(recorder, x, panel.topPx));
    parts.push(...axes(panel.label, maxValue, y, panel.topPx, endMs, x));
    pairs.forEach(([origin, destination], column) => {
      const points = samples.map((sample, index) => `${x(sample.atMs).toFixed(1)},${y(series[column][index]).toFixed(1)}`).join(' ');
      const colour = PAIR_COLOURS[column % PAIR_COLOURS.length];
      parts.push(`<polyline data-pair='${escapeXml(`${origin}>${destination}`)}' points='${points}' fill='none' stroke='${colour}' stroke-width='1.6'><title>${escapeXml(`${origin} → ${destination}: ${panel.label}`)}</title></polyline>`);
    });
  }
  parts.push(...legend(pairs, widthPx - RIGHT_PX + 16));
  parts.push('</svg>');
  return parts.join('\n') + '\n';
}

function shading(recorder: LagRecorder, x: (ms: number) => number, topPx: number): string[] {
  const parts: string[] = [];
  const samples = recorder.samples;
  for (let index = 0; index < samples.length; index++) {
    if (!samples[index].disturbed) continue;
    let end = index;
    while (end + 1 < samples.length && samples[end + 1].disturbed) end++;
    const startPx = x(samples[index].atMs);
    const endPx = x(end + 1 < samples.length ? samples[end + 1].atMs : samples[end].atMs);
    parts.push(`<rect x='${startPx.toFixed(1)}' y='${topPx}' width='${Math.max(1, endPx - startPx).toFixed(1)}' height='${PANEL_HEIGHT_PX}' fill='#f3d9d9'><title>network split or a region down</title></rect>`);
    index = end;
  }
  return parts;
}

function axes(label: string, maxValue: number, y: (value: number) => number, topPx: number, endMs: number, x: (ms: number) => number): string[] {
  const parts: string[] = [];
  const bottomPx = topPx + PANEL_HEIGHT_PX;
  for (let step = 0; step <= 4; step++) {
    const value = (maxValue * step) / 4;
    const lineY = y(value).toFixed(1);
    parts.push(`<line x1='${LEFT_PX}' y1='${lineY}' x2='${x(endMs).toFixed(1)}' y2='${lineY}' stroke='#e4e4e4' stroke-width='1'/>`);
    parts.push(`<text x='${LEFT_PX - 6}' y='${(Number(lineY) + 4).toFixed(1)}' text-anchor='end' fill='#444444'>${formatNumber(value)}</text>`);
  }
  const stepMs = TICK_STEPS_MS.find((candidate) => endMs / candidate <= 12) ?? TICK_STEPS_MS[TICK_STEPS_MS.length - 1];
  for (let tickMs = 0; tickMs <= endMs; tickMs += stepMs) {
    const tickX = x(tickMs).toFixed(1);
    parts.push(`<line x1='${tickX}' y1='${bottomPx}' x2='${tickX}' y2='${bottomPx + 4}' stroke='#666666'/>`);
    parts.push(`<text x='${tickX}' y='${bottomPx + 16}' text-anchor='middle' fill='#444444'>${formatNumber(tickMs / 1000)}</text>`);
  }
  parts.push(`<line x1='${LEFT_PX}' y1='${bottomPx}' x2='${x(endMs).toFixed(1)}' y2='${bottomPx}' stroke='#666666'/>`);
  parts.push(`<line x1='${LEFT_PX}' y1='${topPx}' x2='${LEFT_PX}' y2='${bottomPx}' stroke='#666666'/>`);
  parts.push(`<text x='${LEFT_PX}' y='${topPx - 6}' fill='#222222' font-weight='bold'>${escapeXml(label)}</text>`);
  parts.push(`<text x='${x(endMs).toFixed(1)}' y='${bottomPx + 30}' text-anchor='end' fill='#666666'>virtual time (s)</text>`);
  return parts;
}

function legend(pairs: readonly (readonly [string, string])[], leftPx: number): string[] {
  const parts = [`<text x='${leftPx}' y='${TOP_PX + 4}' font-weight='bold' fill='#222222'>origin → destination</text>`];
  pairs.forEach(([origin, destination], column) => {
    const rowY = TOP_PX + 22 + column * 18;
    parts.push(`<line x1='${leftPx}' y1='${rowY - 4}' x2='${leftPx + 22}' y2='${rowY - 4}' stroke='${PAIR_COLOURS[column % PAIR_COLOURS.length]}' stroke-width='3'/>`);
    parts.push(`<text x='${leftPx + 28}' y='${rowY}' fill='#222222'>${escapeXml(`${origin} → ${destination}`)}</text>`);
  });
  const shadeY = TOP_PX + 30 + pairs.length * 18;
  parts.push(`<rect x='${leftPx}' y='${shadeY - 10}' width='22' height='12' fill='#f3d9d9'/>`);
  parts.push(`<text x='${leftPx + 28}' y='${shadeY}' fill='#222222'>split or region down</text>`);
  return parts;
}

function niceCeiling(value: number): number {
  const magnitude = 10 ** Math.floor(Math.log10(value));
  for (const factor of [1, 2, 2.5, 5, 10]) if (factor * magnitude >= value) return factor * magnitude;
  return 10 * magnitude;
}

function formatNumber(value: number): string {
  return Number.isInteger(value) ? String(value) : value.toFixed(value < 10 ? 2 : 1).replace(/\.?0+$/, '');
}

function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/'/g, '&apos;').replace(/"/g, '&quot;');
}
