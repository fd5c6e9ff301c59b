/**
 * Renders a membership timeline as a self-contained SVG: one row per node, coloured
 * segments over virtual time, a seconds axis with gridlines, and a legend. No external
 * fonts, stylesheets or scripts; hovering a segment shows its exact interval.
 */
import type { MembershipTimeline } from './timeline';
import { MEMBER_STATES, type MemberState } from './types';

export interface TimelineSvgOptions {
  /** Right edge of the time axis (virtual ms). */
  readonly endMs: number;
  /** Left edge of the time axis (virtual ms); default 0. */
  readonly startMs?: number;
  readonly title?: string;
  /** Total width in pixels; default 960. */
  readonly widthPx?: number;
  /** When the run ended, if before `endMs` (the axis may be longer than a run that ended at once); marked by a line. */
  readonly runEndMs?: number;
  /** Nodes that were started but never became members (a refused join), each with a note drawn in its row. */
  readonly neverMembers?: readonly { readonly id: string; readonly note: string }[];
}

/** A state that starts at the very end of the run is still drawn, this wide, so the last state is always visible. */
const FINAL_STATE_MIN_PX = 4;

/** Colours chosen to stay distinguishable for common colour-vision deficiencies and in greyscale. */
export const STATE_COLOURS: Readonly<Record<MemberState, string>> = {
  alive: '#2e9e44',
  suspect: '#f2a900',
  dead: '#d62d20',
  left: '#9e9e9e',
};

const FONT = "font-family='Helvetica, Arial, sans-serif'";
const ROW_HEIGHT_PX = 22;
const BAR_HEIGHT_PX = 14;
const TOP_PX = 44;
const AXIS_HEIGHT_PX = 28;
const LEGEND_HEIGHT_PX = 30;
const RIGHT_PX = 20;
/** A "nice" tick step keeps the axis at no more than about a dozen labels. */
const TICK_STEPS_MS = [100, 200, 500, 1_000, 2_000, 5_000, 10_000, 15_000, 30_000, 60_000, 120_000, 300_000, 600_000, 1_800_000, 3_600_000];
const TICKS_MAX = 12;

export function renderTimelineSvg(timeline: MembershipTimeline, options: TimelineSvgOptions): string {
  const startMs = options.startMs ?? 0;
  const { endMs } = options;
  if (!(endMs > startMs)) throw new RangeError(`endMs (${endMs}) must be after startMs (${startMs})`);
  const neverMembers = (options.neverMembers ?? []).filter((node) => timeline.changes(node.id).length === 0);
  const ids = [...timeline.nodeIds(), ...neverMembers.map((node) => node.id)];
  const labelWidthPx = 16 + 7.5 * Math.max(4, ...ids.map((id) => id.length));
  const widthPx = Math.max(options.widthPx ?? 960, labelWidthPx + 200);
  const plotWidthPx = widthPx - labelWidthPx - RIGHT_PX;
  const plotBottomPx = TOP_PX + ids.length * ROW_HEIGHT_PX;
  const heightPx = plotBottomPx + AXIS_HEIGHT_PX + LEGEND_HEIGHT_PX;
  const x = (ms: number): number => labelWidthPx + ((ms - startMs) / (endMs - startMs)) * plotWidthPx;
  const title = options.title ?? 'Cluster membership over virtual time';
  const parts: string[] = [
    `<svg xmlns='http://www.w3.org/2000/svg' width='${widthPx}' height='${heightPx}' viewBox='0 0 ${widthPx} ${heightPx}' ${FONT} font-size='12'>`,
    `<title>${escapeXml(title)}</title>`,
    `<rect x='0' y='0' width='${widthPx}' height='${heightPx}' fill='#ffffff'/>`,
    `<text x='${labelWidthPx}' y='22' font-size='15' font-weight='bold' fill='#222222'>${escapeXml(title)}</text>`,
  ];
  parts.push(...renderGrid(startMs, endMs, x, plotBottomPx));
  const runEndMs = Math.min(options.runEndMs ?? endMs, endMs);
  ids.forEach((id, row) => {
    const note = neverMembers.find((node) => node.id === id)?.note;
    parts.push(...renderRow(timeline, id, row, startMs, runEndMs, x, labelWidthPx, plotWidthPx, note));
  });
  if (runEndMs < endMs) {
    const endX = x(runEndMs).toFixed(1);
    parts.push(`<line x1='${endX}' y1='${TOP_PX - 4}' x2='${endX}' y2='${plotBottomPx + 4}' stroke='#222222' stroke-dasharray='3,3'/>`);
    parts.push(`<text x='${(x(runEndMs) + 4).toFixed(1)}' y='${TOP_PX - 10}' fill='#222222'>run ended at ${formatSeconds(runEndMs)}</text>`);
  }
  parts.push(...renderLegend(labelWidthPx, plotBottomPx + AXIS_HEIGHT_PX + 8));
  parts.push('</svg>');
  return parts.join('\n') + '\n';
}

function renderGrid(startMs: number, endMs: number, x: (ms: number) => number, plotBottomPx: number): string[] {
  const stepMs = TICK_STEPS_MS.find((step) => (endMs - startMs) / step <= TICKS_MAX) ?? TICK_STEPS_MS[TICK_STEPS_MS.length - 1];
  const parts: string[] = [];
  for (let tickMs = Math.ceil(startMs / stepMs) * stepMs; tickMs <= endMs; tickMs += stepMs) {
    const tickX = x(tickMs).toFixed(1);
    parts.push(`<line x1='${tickX}' y1='${TOP_PX - 4}' x2='${tickX}' y2='${plotBottomPx + 4}' stroke='#dddddd' stroke-width='1'/>`);
    parts.push(`<text x='${tickX}' y='${plotBottomPx + 18}' text-anchor='middle' fill='#444444'>${formatTick(tickMs, stepMs)}</text>`);
  }
  parts.push(`<line x1='${x(startMs).toFixed(1)}' y1='${plotBottomPx + 4}' x2='${x(endMs).toFixed(1)}' y2='${plotBottomPx + 4}' stroke='#666666' stroke-width='1'/>`);
  parts.push(`<text x='${x(endMs).toFixed(1)}' y='${TOP_PX - 10}' text-anchor='end' fill='#666666'>virtual time (s)</text>`);
  return parts;
}

function renderRow(
  timeline: MembershipTimeline,
  id: string,
  row: number,
  startMs: number,
  endMs: number,
  x: (ms: number) => number,
  labelWidthPx: number,
  plotWidthPx: number,
  note?: string,
): string[] {
  const rowTopPx = TOP_PX + row * ROW_HEIGHT_PX;
  const barTopPx = rowTopPx + (ROW_HEIGHT_PX - BAR_HEIGHT_PX) / 2;
  const parts = [
    `<rect x='${labelWidthPx}' y='${barTopPx}' width='${plotWidthPx.toFixed(1)}' height='${BAR_HEIGHT_PX}' fill='#f3f3f3'/>`,
    `<text x='${labelWidthPx - 8}' y='${rowTopPx + ROW_HEIGHT_PX / 2 + 4}' text-anchor='end' fill='#222222'>${escapeXml(id)}</text>`,
  ];
  if (note !== undefined) {
    parts.push(`<text x='${labelWidthPx + 6}' y='${rowTopPx + ROW_HEIGHT_PX / 2 + 4}' fill='#555555' font-style='italic'>${escapeXml(note)}</text>`);
    return parts;
  }
  const segments = timeline.segments(id, endMs, startMs);
  // A state first recorded at the run's last instant has no length yet; draw it anyway, as the status table lists it.
  const last = timeline.changes(id).at(-1);
  if (last !== undefined && last.atMs >= endMs && last.atMs >= startMs) segments.push({ state: last.state, startMs: endMs, endMs });
  for (const segment of segments) {
    const right = x(segment.endMs);
    const width = Math.max(segment.endMs === endMs ? FINAL_STATE_MIN_PX : 1, right - x(segment.startMs));
    const left = segment.endMs === endMs ? Math.min(x(segment.startMs), right - width) : x(segment.startMs);
    const tip = `${id}: ${segment.state} from ${formatSeconds(segment.startMs)} to ${formatSeconds(segment.endMs)}`;
    parts.push(
      `<rect x='${left.toFixed(1)}' y='${barTopPx}' width='${width.toFixed(1)}' height='${BAR_HEIGHT_PX}' fill='${STATE_COLOURS[segment.state]}'><title>${escapeXml(tip)}</title></rect>`,
    );
  }
  return parts;
}

function renderLegend(leftPx: number, topPx: number): string[] {
  const entries: [string, string][] = [...MEMBER_STATES.map((state): [string, string] => [state, STATE_COLOURS[state]]), ['not yet known', '#f3f3f3']];
  const parts: string[] = [];
  let cursorPx = leftPx;
  for (const [label, colour] of entries) {
    parts.push(`<rect x='${cursorPx}' y='${topPx}' width='14' height='14' fill='${colour}' stroke='#888888' stroke-width='0.5'/>`);
    parts.push(`<text x='${cursorPx + 20}' y='${topPx + 11}' fill='#222222'>${escapeXml(label)}</text>`);
    cursorPx += 28 + 7 * label.length + 16;
  }
  return parts;
}

function formatTick(tickMs: number, stepMs: number): string {
  const seconds = tickMs / 1000;
  return stepMs < 1000 ? seconds.toFixed(1) : String(Math.round(seconds));
}

function formatSeconds(milliseconds: number): string {
  return `${(milliseconds / 1000).toFixed(2)} s`;
}

function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/'/g, '&apos;').replace(/"/g, '&quot;');
}
