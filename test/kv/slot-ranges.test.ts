import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { hashSlotCount, normalizedRanges, rangesFromSlots, type SlotRange, slotsOf } from '../../src/sharding/slots';

/**
 * `normalizedRanges` is the fast way every shard map takes (createShardMap) to what
 * `rangesFromSlots(slotsOf(ranges))` gives: sorted, merged ranges of exactly the slots the
 * ranges cover (Redis Cluster's slot ranges). Same answer, same errors, for any ranges.
 */

const slow = (ranges: readonly SlotRange[]): SlotRange[] => rangesFromSlots(slotsOf(ranges));
const outcome = (run: () => SlotRange[]): SlotRange[] | string => {
  try {
    return run();
  } catch (error) {
    return `${(error as Error).name}: ${(error as Error).message}`;
  }
};

const bound = fc.integer({ min: -3, max: hashSlotCount + 3 });
const range = fc.record({ start: bound, endExclusive: bound });

describe('Slot ranges of a shard, normalized', () => {
  it('equal rangesFromSlots(slotsOf(ranges)) for any ranges: overlapping, adjacent, empty, unsorted or out of bounds', () => {
    fc.assert(
      fc.property(fc.array(range, { maxLength: 12 }), (ranges) => {
        assert.deepEqual(outcome(() => normalizedRanges(ranges)), outcome(() => slow(ranges)));
      }),
      { numRuns: 500 },
    );
  });

  it('merge touching and overlapping ranges and keep gaps', () => {
    assert.deepEqual(normalizedRanges([{ start: 10, endExclusive: 20 }, { start: 0, endExclusive: 5 }, { start: 15, endExclusive: 30 }, { start: 5, endExclusive: 6 }]), [
      { start: 0, endExclusive: 6 },
      { start: 10, endExclusive: 30 },
    ]);
    assert.deepEqual(normalizedRanges([{ start: 0, endExclusive: hashSlotCount }]), [{ start: 0, endExclusive: hashSlotCount }]);
  });

  it('reject what is not a slot as rangesFromSlots does, naming it', () => {
    assert.throws(() => normalizedRanges([{ start: hashSlotCount - 1, endExclusive: hashSlotCount + 1 }]), new RangeError(`not a slot: ${hashSlotCount}`));
    assert.throws(() => normalizedRanges([{ start: 0.5, endExclusive: 2 }]), new RangeError('not a slot: 0.5'));
  });
});
