import { hashString32 } from '../util/hash';

/**
 * Hash slots: every key hashes to one of a fixed number of slots, and shards own sets
 * of slots. The slot count never changes, so a key's slot is the same in every epoch and
 * on every node; only the slot-to-shard assignment moves (Redis Cluster does the same
 * with 16384 slots). 1024 slots are plenty for a simulated cluster of tens of shards
 * and keep the per-map lookup table small.
 */
export const hashSlotCount = 1024;

/** A run of consecutive slots, `start` included and `endExclusive` not. */
export interface SlotRange {
  readonly start: number;
  readonly endExclusive: number;
}

/** The slot a key lives in: FNV-1a, then a murmur3 finaliser so that the low bits
 *  (the ones `% 1024` keeps) depend on every character of the key. Only the key's hash
 *  tag is hashed when it has one (see `hashedPartOf`). */
export function slotForKey(key: string): number {
  let hash = hashString32(hashedPartOf(key));
  hash = Math.imul(hash ^ (hash >>> 16), 0x85ebca6b);
  hash = Math.imul(hash ^ (hash >>> 13), 0xc2b2ae35);
  hash = (hash ^ (hash >>> 16)) >>> 0;
  return hash % hashSlotCount;
}

/**
 * Hash tags, as in Redis Cluster: when a key holds `{…}` with something inside, only the
 * part between the first `{` and the next `}` is hashed, so keys that share a tag share a
 * slot. Table rows use it to place every row by its distribution value (src/query/row-keys.ts).
 */
export function hashedPartOf(key: string): string {
  const open = key.indexOf('{');
  if (open < 0) return key;
  const close = key.indexOf('}', open + 1);
  return close > open + 1 ? key.slice(open + 1, close) : key;
}

/** True when `slot` is a whole number in [0, hashSlotCount). */
export function isSlot(slot: number): boolean {
  return Number.isInteger(slot) && slot >= 0 && slot < hashSlotCount;
}

/** The slots of `ranges`, in ascending order of the ranges. */
export function* slotsOf(ranges: readonly SlotRange[]): Generator<number> {
  for (const range of ranges) {
    for (let slot = range.start; slot < range.endExclusive; slot++) yield slot;
  }
}

/** Sorted, merged ranges covering exactly the given slots. */
export function rangesFromSlots(slots: Iterable<number>): SlotRange[] {
  const sorted = [...new Set(slots)].sort((left, right) => left - right);
  const ranges: SlotRange[] = [];
  for (const slot of sorted) {
    if (!isSlot(slot)) throw new RangeError(`not a slot: ${slot}`);
    const last = ranges[ranges.length - 1];
    if (last !== undefined && last.endExclusive === slot) {
      ranges[ranges.length - 1] = { start: last.start, endExclusive: slot + 1 };
    } else {
      ranges.push({ start: slot, endExclusive: slot + 1 });
    }
  }
  return ranges;
}

/**
 * The same as `rangesFromSlots(slotsOf(ranges))` (sorted, merged ranges of exactly those
 * slots), without listing the slots one at a time: every shard map built goes through it.
 * Ranges that are not whole numbers within the slots take that slow way, with its errors.
 */
export function normalizedRanges(ranges: readonly SlotRange[]): SlotRange[] {
  const owned = new Uint8Array(hashSlotCount);
  for (const { start, endExclusive } of ranges) {
    if (!Number.isInteger(start) || !Number.isInteger(endExclusive) || start < 0 || endExclusive < 0 || endExclusive > hashSlotCount) return rangesFromSlots(slotsOf(ranges));
    owned.fill(1, start, endExclusive); // nothing when start >= endExclusive, as slotsOf lists nothing
  }
  const merged: SlotRange[] = [];
  for (let slot = 0; slot < hashSlotCount; slot++) {
    if (owned[slot] === 0) continue;
    const start = slot;
    while (slot < hashSlotCount && owned[slot] === 1) slot++;
    merged.push({ start, endExclusive: slot });
  }
  return merged;
}

/** `count` contiguous ranges splitting all slots as evenly as possible (sizes differ by ≤ 1). */
export function evenSlotRanges(count: number): SlotRange[] {
  if (!Number.isInteger(count) || count < 1 || count > hashSlotCount) {
    throw new RangeError(`the number of shards must be in [1, ${hashSlotCount}], got ${count}`);
  }
  const ranges: SlotRange[] = [];
  for (let index = 0; index < count; index++) {
    ranges.push({
      start: Math.floor((index * hashSlotCount) / count),
      endExclusive: Math.floor(((index + 1) * hashSlotCount) / count),
    });
  }
  return ranges;
}
