import { type SlotRange, slotForKey } from '../sharding/slots';

/**
 * Which hash slots a shard's replica may serve, as its own log decided (the fence of a
 * slot move). The shard map says where clients should go; the fence makes sure that a
 * replica never serves a slot it has given away, nor one it is still receiving, whatever
 * map the request was routed by. It changes only by committed slot commands, so every
 * replica of a group agrees on it at each log index (Vitess's "deny list" at cut-over).
 *
 * A group with an empty fence serves every slot the map routes to it: fences exist only
 * where a slot move has happened.
 */
export class SlotFence {
  /** Slots this group gave away: requests for them are refused. */
  private readonly released = new Set<number>();
  /** Slots being copied in: their keys are held apart and not served until acquired. */
  private readonly incoming = new Set<number>();
  /**
   * Slots whose release was refused because a lock was held: no new lock may be taken on
   * them until they are released or reclaimed, so the holders drain and the release
   * cannot be starved by a stream of overlapping queries (Vitess stops new transactions
   * on a shard before its cut-over in the same way). Requests without locks are served.
   */
  private readonly draining = new Set<number>();

  serves(key: string): boolean {
    const slot = slotForKey(key);
    return !this.released.has(slot) && !this.incoming.has(slot);
  }

  isReleased(slot: number): boolean {
    return this.released.has(slot);
  }

  isIncoming(slot: number): boolean {
    return this.incoming.has(slot);
  }

  isDraining(slot: number): boolean {
    return this.draining.has(slot);
  }

  /** True when any slot of the ranges (every slot when undefined) is draining. */
  drainsAny(ranges: readonly SlotRange[] | undefined): boolean {
    if (this.draining.size === 0) return false;
    if (ranges === undefined) return true;
    for (const slot of this.draining) if (ranges.some((range) => slot >= range.start && slot < range.endExclusive)) return true;
    return false;
  }

  /** A release was refused while locks are held: take no new ones in the range. */
  drain(range: SlotRange): void {
    for (let slot = range.start; slot < range.endExclusive; slot++) this.draining.add(slot);
  }

  release(range: SlotRange): void {
    for (let slot = range.start; slot < range.endExclusive; slot++) {
      this.released.add(slot);
      this.draining.delete(slot);
    }
  }

  expect(range: SlotRange): void {
    for (let slot = range.start; slot < range.endExclusive; slot++) if (!this.released.has(slot)) this.incoming.add(slot);
  }

  /** The range is now this group's: no longer incoming, and no longer released if it once left. */
  acquire(range: SlotRange): void {
    for (let slot = range.start; slot < range.endExclusive; slot++) {
      this.incoming.delete(slot);
      this.released.delete(slot);
    }
  }

  /** A copy rolled back: the range is neither incoming nor served here. */
  abandon(range: SlotRange): void {
    for (let slot = range.start; slot < range.endExclusive; slot++) this.incoming.delete(slot);
  }

  /** A rolled-back move: the source serves the range again, and takes locks in it again. */
  reclaim(range: SlotRange): void {
    for (let slot = range.start; slot < range.endExclusive; slot++) {
      this.released.delete(slot);
      this.draining.delete(slot);
    }
  }

  get isEmpty(): boolean {
    return this.released.size === 0 && this.incoming.size === 0 && this.draining.size === 0;
  }

  snapshot(): { released: number[]; incoming: number[]; draining?: number[] } {
    const sorted = (slots: Set<number>): number[] => [...slots].sort((a, b) => a - b);
    return { released: sorted(this.released), incoming: sorted(this.incoming), ...(this.draining.size === 0 ? {} : { draining: sorted(this.draining) }) };
  }

  restore(snapshot: { released: readonly number[]; incoming: readonly number[]; draining?: readonly number[] } | undefined): void {
    this.released.clear();
    this.incoming.clear();
    this.draining.clear();
    for (const slot of snapshot?.released ?? []) this.released.add(slot);
    for (const slot of snapshot?.incoming ?? []) this.incoming.add(slot);
    for (const slot of snapshot?.draining ?? []) this.draining.add(slot);
  }
}

export function inRange(key: string, range: SlotRange): boolean {
  const slot = slotForKey(key);
  return slot >= range.start && slot < range.endExclusive;
}
