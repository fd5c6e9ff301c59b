import type { LinearizabilityResult } from './checker';
import { asParsedHistory, type HistoryEvent, type ParsedHistory, type PartitionKey, type ProcessId } from './history';
import { pairCompletions } from './partition';

/**
 * A self-contained SVG timeline of the failing partition (or of the whole history when
 * there is no violation): one lane per process, one bar per operation from invoke to
 * completion. Linearized-prefix bars are green, unplaceable ones red, the rest grey;
 * operations with unknown outcome run dashed to the end of the picture.
 */

const laneHeightPx = 30;
const barHeightPx = 18;
const laneLabelWidthPx = 90;
const headerHeightPx = 64;
const footerHeightPx = 28;
const picturePlotWidthPx = 1400;
const positionWidthMinPx = 6;
const positionWidthMaxPx = 40;
const labelCharactersMax = 24;
/** Advance of one character at font-size 10 in a typical monospace font. */
const labelCharacterWidthPx = 6.2;

type BarRole = 'prefix' | 'unplaceable' | 'blocking' | 'other';

const fills: Readonly<Record<BarRole, string>> = {
  prefix: '#4caf50',
  unplaceable: '#e53935',
  blocking: '#b71c1c',
  other: '#bdbdbd',
};

interface Bar {
  readonly process: ProcessId;
  readonly start: number;
  /** Exclusive end rank; the picture's end for operations without a known outcome. */
  readonly end: number;
  readonly open: boolean;
  readonly label: string;
  readonly title: string;
  readonly role: BarRole;
}

export function renderSvg(result: LinearizabilityResult, history: ParsedHistory | readonly HistoryEvent[]): string {
  const parsed = asParsedHistory(history);
  const key = result.explanation?.key ?? null;
  const inScope = (event: HistoryEvent): boolean => result.explanation === undefined || (event.key ?? null) === key;
  const scopedIndexes = parsed.events.map((_, index) => index).filter((index) => inScope(parsed.events[index]));
  const rankOf = new Map(scopedIndexes.map((eventIndex, rank) => [eventIndex, rank]));
  const bars = buildBars(parsed, result, rankOf);
  const processes = [...new Set(bars.map((bar) => bar.process))].sort(compareProcesses);
  const positionCount = scopedIndexes.length + 1;
  const positionWidthPx = clamp(picturePlotWidthPx / positionCount, positionWidthMinPx, positionWidthMaxPx);
  const widthPx = Math.ceil(laneLabelWidthPx + positionCount * positionWidthPx + 20);
  const heightPx = headerHeightPx + processes.length * laneHeightPx + footerHeightPx;
  const laneOf = new Map(processes.map((process, lane) => [process, lane]));
  const xOf = (rank: number): number => laneLabelWidthPx + rank * positionWidthPx;
  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${widthPx}" height="${heightPx}" ` +
      `viewBox="0 0 ${widthPx} ${heightPx}" font-family="monospace" font-size="11">`,
    `<rect width="100%" height="100%" fill="#ffffff"/>`,
    ...header(result, key),
    ...processes.map((process, lane) => laneBackground(process, lane, widthPx)),
    ...bars.map((bar, index) => {
      const labelRoomPx = xOf(nextStartInLane(bars, index)) - xOf(bar.start) - 2;
      return barElement(bar, laneOf.get(bar.process)!, xOf, positionWidthPx, labelRoomPx);
    }),
    ...axis(scopedIndexes, parsed, xOf, positionWidthPx, heightPx),
    '</svg>',
  ];
  return parts.join('\n') + '\n';
}

function buildBars(parsed: ParsedHistory, result: LinearizabilityResult, rankOf: ReadonlyMap<number, number>): Bar[] {
  const roles = new Map<number, { role: BarRole; order?: number; reason?: string }>();
  const explanation = result.explanation;
  explanation?.prefix.forEach((operation, order) => roles.set(operation.invokeIndex, { role: 'prefix', order }));
  explanation?.unplaceable.forEach((operation) => {
    const blocking = operation.invokeIndex === explanation.blocking.invokeIndex;
    roles.set(operation.invokeIndex, { role: blocking ? 'blocking' : 'unplaceable', reason: operation.reason });
  });
  const completionOf = pairCompletions(parsed.events);
  const endRank = rankOf.size;
  const bars: Bar[] = [];
  for (const [eventIndex, rank] of rankOf) {
    const event = parsed.events[eventIndex];
    if (event.type !== 'invoke') continue;
    const completionIndex = completionOf[eventIndex];
    const completion = completionIndex < 0 ? undefined : parsed.events[completionIndex];
    const open = completion === undefined || completion.type === 'info';
    const known = roles.get(eventIndex);
    const label = shortLabel(event, completion);
    const lines = `line ${parsed.lineNumbers[eventIndex]}–${completion ? parsed.lineNumbers[completionIndex] : 'end'}`;
    const order = known?.order === undefined ? '' : ` — linearized #${known.order + 1}`;
    const reason = known?.reason === undefined ? '' : ` — ${known.reason}`;
    bars.push({
      process: event.process,
      start: rank,
      end: open ? endRank : rankOf.get(completionIndex)! + 1,
      open,
      label,
      title: `process ${event.process}: ${label} (${lines}, ${completion?.type ?? 'pending'})${order}${reason}`,
      role: known?.role ?? 'other',
    });
  }
  return bars;
}

/** Labels from the raw events, so operations the checker left out are drawn too. */
function shortLabel(invoke: HistoryEvent, completion: HistoryEvent | undefined): string {
  const type = completion?.type;
  const resultText = type === 'ok' ? JSON.stringify(completion?.value ?? null) : '?';
  const argument = JSON.stringify(invoke.value ?? null);
  const suffix = type === 'fail' ? '✗' : type === 'ok' ? '' : '?';
  let label: string;
  switch (invoke.f) {
    case 'read':
      label = `r→${resultText}`;
      break;
    case 'get':
      label = `get→${resultText}`;
      break;
    case 'write':
      label = `w(${argument})${suffix}`;
      break;
    case 'cas': {
      const [expected, replacement] = (invoke.value as unknown[]).map((value) => JSON.stringify(value));
      label = `cas(${expected}→${replacement})${suffix}`;
      break;
    }
    default:
      label = `${invoke.f}(${argument})${suffix}`;
  }
  return label.length > labelCharactersMax ? `${label.slice(0, labelCharactersMax - 1)}…` : label;
}

function header(result: LinearizabilityResult, key: PartitionKey | null): string[] {
  const verdict = result.verdict.replace('-', ' ').toUpperCase();
  const scope = result.explanation === undefined ? 'whole history' : key === null ? 'the register' : `key ${JSON.stringify(key)}`;
  const summary = result.explanation?.summary ?? '';
  const legend: [BarRole, string][] = [
    ['prefix', 'linearized prefix'],
    ['unplaceable', 'cannot be placed next'],
    ['blocking', 'must complete first'],
    ['other', 'other'],
  ];
  const legendParts = legend.map(
    ([role, text], index) =>
      `<rect x="${10 + index * 190}" y="40" width="14" height="12" fill="${fills[role]}"/>` +
      `<text x="${30 + index * 190}" y="50">${escapeXml(text)}</text>`,
  );
  return [
    `<text x="10" y="18" font-size="14" font-weight="bold">${escapeXml(`${verdict} (${result.model} model, ${scope})`)}</text>`,
    `<text x="10" y="34">${escapeXml(summary.length > 200 ? `${summary.slice(0, 199)}…` : summary)}</text>`,
    ...legendParts,
  ];
}

function laneBackground(process: ProcessId, lane: number, widthPx: number): string {
  const y = headerHeightPx + lane * laneHeightPx;
  const shade = lane % 2 === 0 ? '#f7f7f7' : '#ffffff';
  return (
    `<rect x="0" y="${y}" width="${widthPx}" height="${laneHeightPx}" fill="${shade}"/>` +
    `<text x="6" y="${y + laneHeightPx / 2 + 4}">${escapeXml(`process ${process}`)}</text>`
  );
}

/** Where the next bar of the same process starts (a label may run on until there). */
function nextStartInLane(bars: readonly Bar[], index: number): number {
  const bar = bars[index];
  const later = bars.slice(index + 1).find((candidate) => candidate.process === bar.process);
  return later === undefined ? bar.end + 8 : later.start;
}

function barElement(
  bar: Bar,
  lane: number,
  xOf: (rank: number) => number,
  positionWidthPx: number,
  labelRoomPx: number,
): string {
  const x = xOf(bar.start) + positionWidthPx / 2;
  const width = Math.max(positionWidthPx / 2, xOf(bar.end) - positionWidthPx / 2 - x);
  const y = headerHeightPx + lane * laneHeightPx + (laneHeightPx - barHeightPx) / 2;
  const stroke = bar.role === 'blocking' ? ' stroke="#000000" stroke-width="2"' : ' stroke="#616161" stroke-width="0.5"';
  const dash = bar.open ? ' stroke-dasharray="4 3" fill-opacity="0.45"' : '';
  return (
    `<g><title>${escapeXml(bar.title)}</title>` +
    `<rect x="${x.toFixed(1)}" y="${y}" width="${width.toFixed(1)}" height="${barHeightPx}" rx="3" ` +
    `fill="${fills[bar.role]}"${stroke}${dash}/>` +
    `<text x="${(x + 3).toFixed(1)}" y="${y + barHeightPx - 5}" font-size="10">${escapeXml(fitLabel(bar.label, labelRoomPx))}</text></g>`
  );
}

/** Cuts a label to the room before the process's next bar (the full text is in the tooltip). */
function fitLabel(label: string, barWidthPx: number): string {
  const fitting = Math.floor((barWidthPx - 4) / labelCharacterWidthPx);
  if (fitting >= label.length) return label;
  return fitting >= 4 ? `${label.slice(0, fitting - 1)}…` : '';
}

function axis(
  scopedIndexes: readonly number[],
  parsed: ParsedHistory,
  xOf: (rank: number) => number,
  positionWidthPx: number,
  heightPx: number,
): string[] {
  const y = heightPx - footerHeightPx + 16;
  const every = Math.max(1, Math.ceil(60 / positionWidthPx));
  const ticks: string[] = [`<text x="6" y="${y}" fill="#616161">line</text>`];
  for (let rank = 0; rank < scopedIndexes.length; rank += every) {
    const x = xOf(rank) + positionWidthPx / 2;
    ticks.push(`<text x="${x.toFixed(1)}" y="${y}" fill="#616161">${parsed.lineNumbers[scopedIndexes[rank]]}</text>`);
  }
  return ticks;
}

function compareProcesses(left: ProcessId, right: ProcessId): number {
  if (typeof left === 'number' && typeof right === 'number') return left - right;
  if (typeof left !== typeof right) return typeof left === 'number' ? -1 : 1;
  return left < right ? -1 : left > right ? 1 : 0;
}

function clamp(value: number, low: number, high: number): number {
  return Math.min(high, Math.max(low, value));
}

function escapeXml(text: string): string {
  return text.replace(/[<>&"']/g, (character) => `&#${character.charCodeAt(0)};`);
}
