/**
 * Hybrid logical clocks (Kulkarni, Demirbas, Madappa, Avva, Leone 2014, "Logical Physical
 * Clocks and Consistent Snapshots in Globally Distributed Databases", §3, Figure 5).
 *
 * A timestamp is (l, c): `wallMs` is the largest physical time this node has heard of and
 * `logical` counts events within that millisecond. It never runs behind the local physical
 * clock, never goes backwards, and e hb f ⇒ hlc(e) < hlc(f). When every clock is within
 * ε of the others, wallMs − pt ≤ ε (the paper's bound on l − pt).
 *
 * The physical clock is the node's own local clock (`env.clock.nowMs()`), which follows
 * the skew and drift the simulator gives it. Like CockroachDB's `--max-offset`, a remote
 * timestamp more than `maxOffsetMs` ahead of the local physical clock is refused instead
 * of being absorbed: absorbing it would drag this node's clock, and every timestamp it
 * issues afterwards, into the future.
 */

export interface HlcTimestamp {
  /** l: the largest physical time (ms) known to the issuer when it issued this timestamp. */
  readonly wallMs: number;
  /** c: orders events that share `wallMs`. */
  readonly logical: number;
}

export const HLC_ZERO: HlcTimestamp = { wallMs: 0, logical: 0 };

export function compareHlc(a: HlcTimestamp, b: HlcTimestamp): number {
  if (a.wallMs !== b.wallMs) return a.wallMs < b.wallMs ? -1 : 1;
  if (a.logical !== b.logical) return a.logical < b.logical ? -1 : 1;
  return 0;
}

export function maxHlc(a: HlcTimestamp, b: HlcTimestamp): HlcTimestamp {
  return compareHlc(a, b) >= 0 ? a : b;
}

export function formatHlc(timestamp: HlcTimestamp): string {
  return `${timestamp.wallMs}.${timestamp.logical}`;
}

export type HlcReceipt =
  | { readonly accepted: true; readonly timestamp: HlcTimestamp }
  /** The remote timestamp is `aheadMs` ahead of the local physical clock, beyond the maximum offset. */
  | { readonly accepted: false; readonly aheadMs: number; readonly maxOffsetMs: number };

export class HybridLogicalClock {
  private last: HlcTimestamp;

  /**
   * @param physicalMs the local physical clock (read, never set)
   * @param maxOffsetMs the largest clock offset tolerated between nodes
   * @param recovered the highest timestamp issued before a restart, so that the clock
   *   stays monotonic even if the physical clock went back meanwhile
   */
  constructor(
    private readonly physicalMs: () => number,
    readonly maxOffsetMs: number,
    recovered: HlcTimestamp = HLC_ZERO,
  ) {
    if (!(maxOffsetMs > 0)) throw new RangeError(`the maximum clock offset must be > 0 ms, got ${maxOffsetMs}`);
    this.last = recovered;
  }

  /** The last timestamp issued or received (no event). */
  get current(): HlcTimestamp {
    return this.last;
  }

  /** A local or send event (Figure 5, "send or local event"). */
  now(): HlcTimestamp {
    const physical = this.readPhysical();
    const previous = this.last;
    const wallMs = Math.max(previous.wallMs, physical);
    const logical = wallMs === previous.wallMs ? previous.logical + 1 : 0;
    this.last = { wallMs, logical };
    return this.last;
  }

  /** A receive event (Figure 5, "receive event of message m"), guarded by the maximum offset. */
  receive(remote: HlcTimestamp): HlcReceipt {
    const physical = this.readPhysical();
    const aheadMs = remote.wallMs - physical;
    if (aheadMs > this.maxOffsetMs) return { accepted: false, aheadMs, maxOffsetMs: this.maxOffsetMs };
    const previous = this.last;
    const wallMs = Math.max(previous.wallMs, remote.wallMs, physical);
    let logical: number;
    if (wallMs === previous.wallMs && wallMs === remote.wallMs) logical = Math.max(previous.logical, remote.logical) + 1;
    else if (wallMs === previous.wallMs) logical = previous.logical + 1;
    else if (wallMs === remote.wallMs) logical = remote.logical + 1;
    else logical = 0;
    this.last = { wallMs, logical };
    return { accepted: true, timestamp: this.last };
  }

  /**
   * Moves the clock up to a timestamp already accepted elsewhere in this region (a change
   * its consensus committed): no offset guard, since the region's receiver applied it.
   * Keeps the invariant that every timestamp a node holds is at most its clock.
   */
  witness(timestamp: HlcTimestamp): void {
    if (compareHlc(timestamp, this.last) > 0) this.last = timestamp;
  }

  /** Whether `remote` would be accepted now, without changing the clock. */
  wouldAccept(remote: HlcTimestamp): boolean {
    return remote.wallMs - this.readPhysical() <= this.maxOffsetMs;
  }

  private readPhysical(): number {
    const physical = Math.floor(this.physicalMs());
    if (!Number.isFinite(physical)) throw new RangeError(`the physical clock returned ${physical}`);
    return physical;
  }
}
