/* A picture of sagas over the store: one lane per saga, each attempt of a step or a compensation as a bar over virtual time, with faults marked. */
import { type Lane, type LaneBar, type LaneMarker, renderLanesSvg } from './lanes-svg';

export interface SagaAttemptSpan {
  readonly sagaId: string;
  readonly step: string;
  readonly phase: 'action' | 'compensation';
  readonly startMs: number;
  /** Undefined while running (drawn to the end). */
  endMs: number | undefined;
  outcome: 'done' | 'retried' | 'failed' | 'abandoned' | 'running';
  readonly node: string;
}

export interface TimelineFault {
  readonly atMs: number;
  readonly what: string;
  readonly kind: 'crash' | 'takeover' | 'fault';
}

const SAGAS_DRAWN = 30;
const COLOURS = { action: '#2ca02c', compensation: '#ff7f0e', retried: '#aec7e8', failed: '#d62728', abandoned: '#7f7f7f', running: '#c7c7c7' } as const;

function colour(span: SagaAttemptSpan): string {
  if (span.outcome === 'done') return COLOURS[span.phase];
  return COLOURS[span.outcome];
}

function bar(span: SagaAttemptSpan, nowMs: number): LaneBar {
  const what = span.phase === 'action' ? `step "${span.step}"` : `compensation of "${span.step}"`;
  return { startMs: span.startMs, endMs: span.endMs ?? nowMs, colour: colour(span), label: span.step.split(' ').pop(), tip: `${span.sagaId}: ${what} on ${span.node}, ${span.outcome}` };
}

export function sagaTimelineSvg(spans: readonly SagaAttemptSpan[], faults: readonly TimelineFault[], finished: ReadonlyMap<string, string>, nowMs: number): string | undefined {
  if (spans.length === 0) return undefined;
  const ids = [...new Set(spans.map((span) => span.sagaId))];
  const drawn = ids.slice(0, SAGAS_DRAWN);
  const markers: LaneMarker[] = faults.map((fault) => ({ atMs: fault.atMs, colour: fault.kind === 'takeover' ? '#2ca02c' : '#d62728', shape: fault.kind === 'takeover' ? 'tick' : 'cross', tip: fault.what }));
  const lanes: Lane[] = [
    { name: 'faults', bars: [], markers },
    ...drawn.map((sagaId) => ({ name: `${sagaId} ${finished.get(sagaId) ?? 'running'}`, bars: spans.filter((span) => span.sagaId === sagaId).map((span) => bar(span, nowMs)) })),
  ];
  const startMs = Math.max(0, Math.min(...spans.map((span) => span.startMs)) - 50);
  return renderLanesSvg({
    title: 'Sagas over the store: each attempt of a step or compensation over virtual time',
    note: ids.length > drawn.length ? `the first ${drawn.length} of ${ids.length} sagas` : `${ids.length} sagas; faults: ${faults.length}`,
    lanes,
    startMs,
    endMs: nowMs,
    legend: [
      { label: 'step applied', colour: COLOURS.action },
      { label: 'compensation applied', colour: COLOURS.compensation },
      { label: 'attempt retried', colour: COLOURS.retried },
      { label: 'step failed for good', colour: COLOURS.failed },
      { label: 'abandoned (orchestrator gone)', colour: COLOURS.abandoned },
      { label: 'fault (cross), takeover (tick)', colour: '#d62728' },
    ],
  });
}
