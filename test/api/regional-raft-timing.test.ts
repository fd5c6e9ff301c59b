import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ELECTION_ROUND_TRIPS, farthestRoundTripMs, HEARTBEAT_ROUND_TRIPS, regionalRaftTiming } from '../../src/api/regional-raft-timing';
import { DEFAULT_RAFT_TUNING } from '../../src/runtime/raft-host';
import { RegionLatencyMatrix } from '../../src/sim';

/** The matrix of features/regions/ (one way): us-east–us-west 20 ms, us-east–eu-west 35 ms, us-west–eu-west 45 ms; 1 ms inside a region. */
const matrix = new RegionLatencyMatrix(
  ['us-east', 'us-west', 'eu-west'],
  [
    { from: 'us-east', to: 'us-west', latencyMs: 20 },
    { from: 'us-east', to: 'eu-west', latencyMs: 35 },
    { from: 'us-west', to: 'eu-west', latencyMs: 45 },
  ],
  { kind: 'constant', ms: 1 },
);
const regionOf = (node: string): string | undefined => ({ e1: 'us-east', e2: 'us-east', e3: 'us-east', w1: 'us-west', u1: 'eu-west' } as Record<string, string>)[node];
const timingFor = regionalRaftTiming(matrix, regionOf);

describe('Raft timing from the latency matrix (Raft §5.6; issue 11 §1)', () => {
  test('§5.6 the slowest round trip between the voters\' regions is the broadcast time the timing follows', () => {
    assert.equal(farthestRoundTripMs(matrix, ['us-east', 'us-west', 'eu-west']), 90);
    assert.equal(farthestRoundTripMs(matrix, ['us-east', 'eu-west']), 70);
    assert.equal(farthestRoundTripMs(matrix, ['us-east']), 0);
  });

  test('§5.6 voters in one region (zone goal) keep the single-region tuning', () => {
    assert.deepEqual(timingFor(['e1', 'e2', 'e3'], DEFAULT_RAFT_TUNING), { electionTicks: DEFAULT_RAFT_TUNING.electionTicks, heartbeatTicks: DEFAULT_RAFT_TUNING.heartbeatTicks });
  });

  test(`§5.6 voters in three regions (region goal): election timeout ${ELECTION_ROUND_TRIPS} round trips of 90 ms, heartbeat ${HEARTBEAT_ROUND_TRIPS} of one, in 10 ms ticks`, () => {
    assert.deepEqual(timingFor(['e1', 'w1', 'u1'], DEFAULT_RAFT_TUNING), { electionTicks: 27, heartbeatTicks: 5 });
  });

  test('§5.6 a group whose voters move apart gets longer timeouts (a home-region move adding an eu-west voter to us-east)', () => {
    assert.deepEqual(timingFor(['e1', 'e2', 'u1'], DEFAULT_RAFT_TUNING), { electionTicks: 21, heartbeatTicks: 4 });
  });

  test('a voter standing in no region of the matrix counts as next to the others', () => {
    assert.deepEqual(timingFor(['e1', 'client-without-region'], DEFAULT_RAFT_TUNING), { electionTicks: 15, heartbeatTicks: 3 });
  });
});
