/**
 * Measures the clock offset to each peer region and refuses peers beyond the maximum
 * offset (CockroachDB's RemoteClockMonitor and `--max-offset`).
 *
 * A ping carries the sender's local time; the pong carries the peer's local time when it
 * answered. With round trip r, the peer's clock read `peerMs` at some instant within the
 * round trip, so offset = peerMs − (sentMs + r/2), give or take r/2 (Cristian 1989).
 * A peer is refused once the offset is beyond the maximum even allowing for that
 * uncertainty, and accepted again once it is within the maximum for certain: in between,
 * the previous verdict holds, so a peer at the edge does not flap.
 */

export interface OffsetMeasurement {
  readonly peer: string;
  /** Peer clock minus local clock: positive when the peer's clock is ahead. */
  readonly offsetMs: number;
  readonly uncertaintyMs: number;
  readonly roundTripMs: number;
  readonly measuredAtMs: number;
}

export type ClockVerdict = 'accepted' | 'refused';

export interface VerdictChange {
  readonly peer: string;
  readonly verdict: ClockVerdict;
  readonly measurement: OffsetMeasurement;
  readonly maxOffsetMs: number;
}

/** Weight of a new round-trip sample in the smoothed estimate (RFC 6298's alpha). */
const ROUND_TRIP_WEIGHT = 1 / 8;

export class ClockMonitor {
  private readonly latest = new Map<string, OffsetMeasurement>();
  private readonly refused = new Set<string>();
  private readonly smoothedRoundTrip = new Map<string, number>();

  constructor(readonly maxOffsetMs: number) {
    if (!(maxOffsetMs > 0)) throw new RangeError(`the maximum clock offset must be > 0 ms, got ${maxOffsetMs}`);
  }

  /** Records a pong; returns the verdict change it caused, if any. */
  observe(peer: string, sentMs: number, peerMs: number, receivedMs: number): VerdictChange | undefined {
    const roundTripMs = Math.max(0, receivedMs - sentMs);
    const measurement: OffsetMeasurement = {
      peer,
      offsetMs: peerMs - (sentMs + roundTripMs / 2),
      uncertaintyMs: roundTripMs / 2,
      roundTripMs,
      measuredAtMs: receivedMs,
    };
    this.latest.set(peer, measurement);
    const previous = this.smoothedRoundTrip.get(peer);
    this.smoothedRoundTrip.set(peer, previous === undefined ? roundTripMs : previous + ROUND_TRIP_WEIGHT * (roundTripMs - previous));
    const magnitude = Math.abs(measurement.offsetMs);
    const certainlyBeyond = magnitude - measurement.uncertaintyMs > this.maxOffsetMs;
    const certainlyWithin = magnitude + measurement.uncertaintyMs <= this.maxOffsetMs;
    if (certainlyBeyond && !this.refused.has(peer)) {
      this.refused.add(peer);
      return { peer, verdict: 'refused', measurement, maxOffsetMs: this.maxOffsetMs };
    }
    if (certainlyWithin && this.refused.has(peer)) {
      this.refused.delete(peer);
      return { peer, verdict: 'accepted', measurement, maxOffsetMs: this.maxOffsetMs };
    }
    return undefined;
  }

  isRefused(peer: string): boolean {
    return this.refused.has(peer);
  }

  refusedPeers(): string[] {
    return [...this.refused].sort();
  }

  measurement(peer: string): OffsetMeasurement | undefined {
    return this.latest.get(peer);
  }

  /** Smoothed round trip to the peer, or undefined before the first pong. */
  roundTripMs(peer: string): number | undefined {
    return this.smoothedRoundTrip.get(peer);
  }
}
