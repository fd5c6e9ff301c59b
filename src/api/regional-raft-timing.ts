import { type RaftTiming, timingForRoundTrip } from '../raft';
import type { NodeId } from '../runtime/ports';
import type { RaftTuning } from '../runtime/raft-host';
import type { RegionLatencyMatrix } from '../sim';

/**
 * Raft timing for a store across regions (Raft §5.6; src/raft/timing.ts): each group's
 * election timeout and heartbeat interval follow the slowest round trip between two of
 * its voters in the latency matrix, and never drop below the single-region tuning.
 */

/**
 * Base election timeout, in round trips between the farthest two voters. Not etcd's ten:
 * what bounds a failover is the tail of split votes, not the first timeout alone. With
 * pre-vote, two followers split the vote when their timers fire less than one one-way
 * latency apart, about RTT / T of the rounds for timeouts drawn from [T, 2T), and each
 * split round costs another 1.5 T on average. The chance of k splits falls like
 * (RTT / T)^k while their cost grows like k T, so the tail past a fixed bound is smallest
 * near T = e × RTT; three round trips. Measured on the 100-seed region-failure soak
 * (writes to a region-goal table may pause at most 3 s when us-east is lost; the two
 * voters left are 90 ms apart): the single-region 150 ms (1.7 round trips) failed 1 seed,
 * 3 round trips none (longest pause 2.7 s, median 1.1 s), 4 round trips 3 seeds, 10 round
 * trips 13 seeds (longest 4.9 s).
 */
export const ELECTION_ROUND_TRIPS = 3;
/** Heartbeat interval, in round trips between the farthest two voters (etcd: 0.5 to 1.5). */
export const HEARTBEAT_ROUND_TRIPS = 0.5;

/** The slowest round trip, in ms, between two of the regions (0 for one region). */
export function farthestRoundTripMs(matrix: RegionLatencyMatrix, regions: readonly string[]): number {
  let farthest = 0;
  for (const from of regions) for (const to of regions) if (from < to) farthest = Math.max(farthest, matrix.roundTripMs(from, to));
  return farthest;
}

/**
 * The timing policy a sharded store asks for each group's voters. A voter standing in no
 * region of the matrix (a node started without one) counts as next to the others.
 */
export function regionalRaftTiming(
  matrix: RegionLatencyMatrix,
  regionOf: (node: NodeId) => string | undefined,
): (voters: readonly NodeId[], tuning: Readonly<RaftTuning>) => RaftTiming {
  return (voters, tuning) => {
    const regions = [...new Set(voters.map(regionOf).filter((region): region is string => region !== undefined && matrix.regions.includes(region)))];
    return timingForRoundTrip(farthestRoundTripMs(matrix, regions), {
      tickMs: tuning.tickMs,
      floor: { electionTicks: tuning.electionTicks, heartbeatTicks: tuning.heartbeatTicks },
      electionRoundTrips: ELECTION_ROUND_TRIPS,
      heartbeatRoundTrips: HEARTBEAT_ROUND_TRIPS,
    });
  };
}
