/* Pictures of transactions (each one's life with its lock waits) and of a saga (steps and compensations in order). */
import type { TxnEvent } from '../../src/txn/settings';
import { type Lane, type LaneMarker, renderLanesSvg } from './lanes-svg';

export interface TimedTxnEvent {
  readonly atMs: number;
  readonly event: TxnEvent;
}

export interface KnownTransaction {
  readonly id: string;
  readonly invokedAtMs: number;
  readonly completedAtMs: number | undefined;
  readonly outcome: string;
}

const TRANSACTIONS_DRAWN = 40;
const OUTCOME_COLOURS: Record<string, string> = { committed: '#2ca02c', aborted: '#d62728', unknown: '#7f7f7f', pending: '#aec7e8' };

function marker(timed: TimedTxnEvent): LaneMarker {
  const { event } = timed;
  switch (event.kind) {
    case 'lock-wait':
      return { atMs: timed.atMs, colour: '#ff7f0e', shape: 'dot', tip: `waits for the lock on ${event.key} held by ${event.holders.join(', ')}` };
    case 'wait-die':
      return { atMs: timed.atMs, colour: '#d62728', shape: 'cross', tip: `dies rather than wait for ${event.key} (held by the older ${event.holder})` };
    case 'prepare':
      return { atMs: timed.atMs, colour: '#1f77b4', shape: 'tick', tip: `prepare at ${event.shards.join(', ')}` };
    case 'decision':
      return { atMs: timed.atMs, colour: '#222222', shape: 'tick', tip: `decision recorded: ${event.outcome}${event.reason ? ` (${event.reason})` : ''}` };
    case 'phase-two':
      return { atMs: timed.atMs, colour: '#9467bd', shape: 'tick', tip: `outcome sent to ${event.shards.join(', ')}` };
  }
}

/** One lane per transaction (the first few), its life coloured by outcome, with lock waits, deaths and protocol steps marked. */
export function transactionTimelineSvg(known: readonly KnownTransaction[], events: readonly TimedTxnEvent[], nowMs: number): string | undefined {
  const ids = [...new Set([...known.map((txn) => txn.id), ...events.map((timed) => timed.event.txnId)])];
  if (ids.length === 0) return undefined;
  const drawn = ids.slice(0, TRANSACTIONS_DRAWN);
  const lanes: Lane[] = drawn.map((id) => {
    const mine = events.filter((timed) => timed.event.txnId === id);
    const txn = known.find((candidate) => candidate.id === id);
    const decision = mine.find((timed) => timed.event.kind === 'decision')?.event;
    const outcome = txn?.outcome ?? (decision?.kind === 'decision' ? decision.outcome : 'unknown');
    const startMs = txn?.invokedAtMs ?? mine[0].atMs;
    const endMs = txn?.completedAtMs ?? mine[mine.length - 1]?.atMs ?? nowMs;
    return {
      name: id,
      bars: [{ startMs, endMs: Math.max(endMs, startMs), colour: OUTCOME_COLOURS[outcome] ?? '#7f7f7f', tip: `${id}: ${outcome}` }],
      markers: mine.map(marker),
    };
  });
  const lastMs = Math.max(nowMs, ...lanes.flatMap((lane) => lane.bars.map((bar) => bar.endMs)));
  const firstMs = Math.min(...lanes.flatMap((lane) => lane.bars.map((bar) => bar.startMs)));
  return renderLanesSvg({
    title: 'Transactions over virtual time, with lock waits',
    note: ids.length > drawn.length ? `The first ${drawn.length} of ${ids.length} transactions.` : `${ids.length} transaction(s).`,
    lanes,
    startMs: Math.max(0, firstMs - 5),
    endMs: lastMs + 5,
    legend: [
      { label: 'committed', colour: OUTCOME_COLOURS.committed },
      { label: 'aborted', colour: OUTCOME_COLOURS.aborted },
      { label: 'unknown outcome', colour: OUTCOME_COLOURS.unknown },
      { label: 'lock wait', colour: '#ff7f0e' },
      { label: 'wait-die', colour: '#d62728' },
      { label: 'prepare', colour: '#1f77b4' },
      { label: 'decision', colour: '#222222' },
    ],
  });
}

export interface SagaCall {
  readonly step: string;
  readonly phase: 'action' | 'compensation';
  readonly atMs: number;
}

/** One lane per step, then one per compensation, in the order they were defined; each call numbered in the order it happened. */
export function sagaSvg(steps: readonly string[], calls: readonly SagaCall[], nowMs: number): string | undefined {
  if (calls.length === 0) return undefined;
  const ordered = [...calls].sort((a, b) => a.atMs - b.atMs);
  const lane = (step: string, phase: SagaCall['phase']): Lane => ({
    name: phase === 'action' ? step : `undo ${step}`,
    bars: [],
    markers: ordered
      .map((call, index) => ({ call, index }))
      .filter(({ call }) => call.step === step && call.phase === phase)
      .map(({ call, index }) => ({ atMs: call.atMs, colour: phase === 'action' ? '#1f77b4' : '#ff7f0e', shape: 'dot' as const, tip: `#${index + 1}: ${phase === 'action' ? `step "${step}"` : `compensation of "${step}"`}` })),
  });
  const compensated = steps.filter((step) => calls.some((call) => call.step === step && call.phase === 'compensation'));
  const order = ordered.map((call) => (call.phase === 'action' ? call.step : `undo ${call.step}`));
  return renderLanesSvg({
    title: 'Saga: steps and compensations in the order they ran',
    note: `Order: ${order.join(' → ')}`.slice(0, 140),
    lanes: [...steps.map((step) => lane(step, 'action')), ...[...compensated].reverse().map((step) => lane(step, 'compensation'))],
    startMs: Math.max(0, ordered[0].atMs - 50),
    endMs: Math.max(nowMs, ordered[ordered.length - 1].atMs + 50),
    legend: [
      { label: 'step attempt', colour: '#1f77b4' },
      { label: 'compensation attempt', colour: '#ff7f0e' },
    ],
  });
}
