import { slotsOf } from '../sharding/slots';
import type { SlotRange } from '../sharding/slots';
import type { Move, Plan } from './types';

/**
 * A plan as report tables (rows of strings, header first): its moves in order, and the
 * imbalance before and after. The columns are the same for every kind of move, so one
 * table can list a whole plan; a cell that does not apply is '-'.
 */
export function formatPlanMoves(plan: Plan): string[][] {
  return [['step', 'move', 'shard', 'from', 'to', 'reason'], ...plan.moves.map((move, index) => [String(index + 1), ...moveCells(move), move.reason])];
}

export function formatPlanImbalance(plan: Plan): string[][] {
  return [
    ['measure', 'max/mean before', 'max/mean after', 'CV before', 'CV after'],
    ...plan.before.map((before) => {
      const after = plan.after.find((entry) => entry.measure === before.measure);
      return [before.measure, before.maxOverMean.toFixed(3), after?.maxOverMean.toFixed(3) ?? '-', before.coefficientOfVariation.toFixed(3), after?.coefficientOfVariation.toFixed(3) ?? '-'];
    }),
  ];
}

function moveCells(move: Move): [string, string, string, string] {
  switch (move.kind) {
    case 'move-replica':
      return ['move replica', move.shard, move.from, move.to];
    case 'transfer-leader':
      return ['transfer leadership', move.shard, move.from, move.to];
    case 'move-slots':
      return ['move slots', formatRanges([move.range]), move.from, move.to];
    case 'split':
      return ['split', move.shard, `${countSlots(move.ranges)} slots`, `${move.newShard} on ${move.replicas.join(', ')}`];
    case 'merge':
      return ['merge', move.from, move.from, move.into];
  }
}

function formatRanges(ranges: readonly SlotRange[]): string {
  return ranges.map((range) => (range.endExclusive - range.start === 1 ? String(range.start) : `${range.start}-${range.endExclusive - 1}`)).join(', ');
}

function countSlots(ranges: readonly SlotRange[]): number {
  return [...slotsOf(ranges)].length;
}
