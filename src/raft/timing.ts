import { assertInvariant } from './invariants';

/**
 * A Raft group's timing, derived from how far apart its voters are.
 *
 * §5.6 of the Raft paper states the timing requirement broadcastTime ≪ electionTimeout ≪
 * MTBF, with the election timeout "an order of magnitude" above the broadcast time. A
 * timeout tuned for one data centre (150-300 ms) breaks the first inequality once voters
 * stand in regions 90 ms apart: with pre-vote, two followers whose timers fire less than
 * one one-way latency apart both win their pre-votes and split the real vote, and with
 * timeouts drawn from [T, 2T) that happens in about RTT / T of the rounds (half of them
 * for T = 150 ms and a 90 ms round trip). etcd's tuning guide sets the heartbeat interval
 * near the round trip between members (0.5 to 1.5 of it) and the election timeout at
 * several round trips (ten, for real networks' variance); CockroachDB raises both for
 * multi-region clusters. Here each group scales its own timeouts to the slowest round trip
 * between two of its voters, by factors the deployment chooses (see
 * src/api/regional-raft-timing.ts for the store across regions and why it takes three),
 * and never goes below the tuning meant for one region (the floor), so a group inside one
 * region keeps it.
 */
export interface RaftTiming {
  /** Base election timeout; each timeout is drawn from [electionTicks, 2 * electionTicks). */
  readonly electionTicks: number;
  /** Leader heartbeat interval. */
  readonly heartbeatTicks: number;
}

export interface TimingRule {
  /** Virtual ms per tick. */
  readonly tickMs: number;
  /** The timing for voters a negligible distance apart (the single-region tuning). */
  readonly floor: RaftTiming;
  /** Base election timeout in round trips between the farthest two voters. */
  readonly electionRoundTrips: number;
  /** Heartbeat interval in round trips between the farthest two voters. */
  readonly heartbeatRoundTrips: number;
}

/**
 * The timing of a group whose farthest two voters are `roundTripMs` apart, in whole
 * ticks, rounded up. The election timeout also stays above three heartbeat intervals
 * (etcd requires more than one; three lets one heartbeat be lost without an election).
 */
export function timingForRoundTrip(roundTripMs: number, rule: TimingRule): RaftTiming {
  assertInvariant(Number.isFinite(roundTripMs) && roundTripMs >= 0, () => `a round trip must be a finite number of ms >= 0, got ${roundTripMs}`);
  assertInvariant(rule.tickMs > 0 && rule.electionRoundTrips > 0 && rule.heartbeatRoundTrips > 0, 'timing rule values must be positive');
  assertInvariant(rule.floor.electionTicks > rule.floor.heartbeatTicks && rule.floor.heartbeatTicks > 0, () =>
    `floor timing needs 0 < heartbeatTicks (${rule.floor.heartbeatTicks}) < electionTicks (${rule.floor.electionTicks})`);
  const ticks = (ms: number): number => Math.ceil(ms / rule.tickMs);
  const heartbeatTicks = Math.max(rule.floor.heartbeatTicks, ticks(roundTripMs * rule.heartbeatRoundTrips));
  const electionTicks = Math.max(rule.floor.electionTicks, ticks(roundTripMs * rule.electionRoundTrips), 3 * heartbeatTicks + 1);
  return { electionTicks, heartbeatTicks };
}
