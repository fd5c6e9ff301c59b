/**
 * Hybrid logical clocks: Kulkarni, Demirbas, Madappa, Avva, Leone 2014, "Logical Physical
 * Clocks and Consistent Snapshots in Globally Distributed Databases", §3 (the algorithm,
 * Figure 5, and its properties: e hb f ⇒ hlc.e < hlc.f; l ≥ pt; l − pt ≤ ε; c bounded),
 * plus the maximum-offset guard CockroachDB adds (a timestamp beyond the offset is refused).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { compareHlc, HLC_ZERO, type HlcTimestamp, HybridLogicalClock } from '../../src/georep';

function clockAt(readings: { nowMs: number }, maxOffsetMs = 500, recovered?: HlcTimestamp): HybridLogicalClock {
  return new HybridLogicalClock(() => readings.nowMs, maxOffsetMs, recovered);
}

describe('HLC local and send events (Figure 5)', () => {
  it('follows the physical clock and resets the logical part when it moves on', () => {
    const physical = { nowMs: 1000.7 };
    const clock = clockAt(physical);
    assert.deepEqual(clock.now(), { wallMs: 1000, logical: 0 });
    assert.deepEqual(clock.now(), { wallMs: 1000, logical: 1 });
    physical.nowMs = 1005;
    assert.deepEqual(clock.now(), { wallMs: 1005, logical: 0 });
  });

  it('never goes backwards when the physical clock does', () => {
    const physical = { nowMs: 2000 };
    const clock = clockAt(physical);
    const before = clock.now();
    physical.nowMs = 1500;
    const after = clock.now();
    assert.ok(compareHlc(after, before) > 0);
    assert.deepEqual(after, { wallMs: 2000, logical: 1 });
  });

  it('a restarted clock continues above the highest timestamp it recovered', () => {
    const clock = clockAt({ nowMs: 10 }, 500, { wallMs: 400, logical: 7 });
    assert.deepEqual(clock.now(), { wallMs: 400, logical: 8 });
  });
});

describe('HLC receive events (Figure 5)', () => {
  it('takes the maximum of its own, the remote and the physical time, and orders after the message', () => {
    const clock = clockAt({ nowMs: 100 });
    clock.now();
    const receipt = clock.receive({ wallMs: 300, logical: 4 });
    assert.deepEqual(receipt, { accepted: true, timestamp: { wallMs: 300, logical: 5 } });
    assert.deepEqual(clock.now(), { wallMs: 300, logical: 6 });
  });

  it('refuses a timestamp beyond the maximum offset and leaves the clock alone (CockroachDB max offset)', () => {
    const clock = clockAt({ nowMs: 1000 }, 500);
    const before = clock.now();
    const receipt = clock.receive({ wallMs: 1600, logical: 0 });
    assert.equal(receipt.accepted, false);
    assert.ok(!receipt.accepted && receipt.aheadMs === 600 && receipt.maxOffsetMs === 500);
    assert.deepEqual(clock.current, before);
    assert.equal(clock.receive({ wallMs: 1500, logical: 0 }).accepted, true, 'exactly the maximum offset is tolerated');
  });
});

/** Random message exchanges between three nodes whose clocks stay within ε of true time. */
const EPSILON_MS = 50;
const scheduleArbitrary = fc.array(
  fc.record({
    node: fc.integer({ min: 0, max: 2 }),
    advanceMs: fc.integer({ min: 0, max: 20 }),
    skewMs: fc.integer({ min: -EPSILON_MS / 2, max: EPSILON_MS / 2 }),
    receiveFrom: fc.option(fc.integer({ min: 0, max: 2 }), { nil: undefined }),
  }),
  { minLength: 1, maxLength: 60 },
);

describe('HLC properties under bounded clock skew (§3, theorems on l and c)', () => {
  it('e hb f ⇒ hlc(e) < hlc(f); l ≥ pt; l − pt ≤ ε', () => {
    fc.assert(
      fc.property(scheduleArbitrary, (schedule) => {
        let trueMs = 1000;
        const skews = [0, 0, 0];
        const clocks = [0, 1, 2].map((node) => new HybridLogicalClock(() => trueMs + skews[node], EPSILON_MS * 2));
        // The last timestamp each node issued: a message carries its sender's latest event.
        const latest: (HlcTimestamp | undefined)[] = [undefined, undefined, undefined];
        for (const step of schedule) {
          trueMs += step.advanceMs;
          skews[step.node] = step.skewMs;
          const physical = Math.floor(trueMs + skews[step.node]);
          let stamp: HlcTimestamp;
          const message = step.receiveFrom === undefined ? undefined : latest[step.receiveFrom];
          if (message !== undefined) {
            const receipt = clocks[step.node].receive(message);
            assert.ok(receipt.accepted, 'within ε nothing is refused');
            stamp = receipt.timestamp;
            assert.ok(compareHlc(stamp, message) > 0, 'a receive is ordered after the send');
          } else {
            stamp = clocks[step.node].now();
          }
          const previous = latest[step.node];
          if (previous) assert.ok(compareHlc(stamp, previous) > 0, 'events of one node are strictly ordered');
          assert.ok(stamp.wallMs >= physical, 'l >= pt');
          assert.ok(stamp.wallMs - physical <= EPSILON_MS, `l - pt <= ε (l ${stamp.wallMs}, pt ${physical})`);
          latest[step.node] = stamp;
        }
      }),
      { numRuns: 500 },
    );
  });

  it('compareHlc is a total order consistent with (wallMs, logical)', () => {
    const stamp = fc.record({ wallMs: fc.integer({ min: 0, max: 3 }), logical: fc.integer({ min: 0, max: 3 }) });
    fc.assert(
      fc.property(stamp, stamp, (a, b) => {
        assert.equal(Math.sign(compareHlc(a, b)) + Math.sign(compareHlc(b, a)), 0);
        assert.equal(compareHlc(a, b) === 0, a.wallMs === b.wallMs && a.logical === b.logical);
      }),
    );
    assert.equal(compareHlc(HLC_ZERO, { wallMs: 0, logical: 1 }), -1);
  });
});
