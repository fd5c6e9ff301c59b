import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { findKnee, judgeStage } from '../../src/load/ramp';
import { formatLoadTable, latencyHistogram, type LoadSample, percentile, reasonClass, summarize, timeSeries } from '../../src/load/stats';
import { LoadUsers, validateMix } from '../../src/load/users';
import { Simulation } from '../../src/sim';

/**
 * Load statistics as k6 and Gatling report them: nearest-rank percentiles (the
 * definition in Hyndman & Fan 1996, type 1), per operation type, errors grouped by
 * reason, and a stress ramp whose knee is the last stage within the threshold.
 */

const sample = (kind: string, startMs: number, latencyMs: number, ok = true, reason?: string): LoadSample => ({ kind, startMs, endMs: startMs + latencyMs, ok, ...(reason ? { reason } : {}) });

describe('Load statistics', () => {
  it('nearest-rank percentiles: p50 of 1..100 is 50, p99 is 99, p100 is the max', () => {
    const values = Array.from({ length: 100 }, (_, index) => index + 1);
    assert.equal(percentile(values, 50), 50);
    assert.equal(percentile(values, 99), 99);
    assert.equal(percentile(values, 100), 100);
    assert.equal(percentile([7], 99), 7);
    assert.throws(() => percentile([], 50), /no values/);
  });

  it('summarizes per type: throughput of successes per simulated second, latency of successes, errors by reason', () => {
    const samples = [sample('read', 0, 10), sample('read', 100, 30), sample('write', 0, 5), sample('write', 10, 50, false, 'timed out after 5000 ms'), sample('write', 20, 60, false, 'timed out after 4000 ms')];
    const [read, write] = summarize(samples, 2_000, ['read', 'write']);
    assert.deepEqual([read.count, read.ok, read.errors, read.throughputPerS], [2, 2, 0, 1]);
    assert.deepEqual(read.latencyMs, { p50: 10, p95: 30, p99: 30, max: 30 });
    assert.deepEqual([write.count, write.ok, write.errors], [3, 1, 2]);
    assert.deepEqual([...write.errorsByReason], [['timed out after N ms', 2]]);
    assert.match(formatLoadTable([read, write]), /write: 2 × timed out after N ms/);
  });

  it('reason classes fold numbers so that one cause is one line', () => {
    assert.equal(reasonClass('wait-die: account-17 is locked by load-user-3.12'), 'wait-die: account-N is locked by load-user-N');
  });

  it('time series bucket by completion time; histograms count successes by latency', () => {
    const samples = [sample('w', 0, 10), sample('w', 1_000, 20), sample('w', 1_500, 40, false, 'x')];
    const series = timeSeries(samples, 0, 2_000, 1_000).get('w')!;
    assert.deepEqual(series.map((bucket) => [bucket.throughputPerS, bucket.p99Ms, bucket.errors]), [[1, 10, 0], [1, 20, 1]]);
    assert.deepEqual(latencyHistogram(samples, 'w', 10), [{ fromMs: 0, count: 0 }, { fromMs: 10, count: 1 }, { fromMs: 20, count: 1 }]);
  });

  it('a ramp stage passes when latency and errors stay within the threshold; the knee is the last such stage', () => {
    const threshold = { kind: 'write', percentile: 'p99' as const, latencyMs: 50, errorShare: 0.05 };
    const good = judgeStage([sample('write', 0, 20)], 10, 0, 1_000, threshold);
    const slow = judgeStage([sample('write', 1_000, 80)], 20, 1_000, 2_000, threshold);
    const failing = judgeStage([sample('write', 2_000, 10), sample('read', 2_000, 10, false, 'x')], 40, 2_000, 3_000, threshold);
    assert.equal(good.withinThreshold, true);
    assert.match(slow.breach!, /p99 write latency 80.0 ms > 50 ms/);
    assert.match(failing.breach!, /50.0% of operations failed > 5.0%/);
    assert.deepEqual([findKnee([good, slow]).lastGood?.users, findKnee([good, slow]).firstBad?.users], [10, 20]);
    assert.equal(findKnee([good]).firstBad, undefined);
    assert.equal(findKnee([good]).lastGood?.users, 10, 'a ramp that never passed the threshold reports its last stage as within');
  });

  it('mixes must add up to 100%', () => {
    assert.throws(() => validateMix(new Map([['read', 0.8], ['write', 0.1]])), /add up to 90%, not 100%/);
    validateMix(new Map([['read', 0.8], ['write', 0.2]]));
  });

  it('closed-loop users: one operation at a time each, think time between, reproducible from the seed', () => {
    const run = (): LoadSample[] => {
      const sim = new Simulation({ seed: 5 });
      const inFlight = new Map<number, number>();
      const users = new LoadUsers(
        sim,
        {
          start: (_kind, user, random, done) => {
            inFlight.set(user, (inFlight.get(user) ?? 0) + 1);
            assert.equal(inFlight.get(user), 1, `user ${user} runs one operation at a time`);
            sim.scheduler.schedule(5 + random.int(10), () => {
              inFlight.set(user, 0);
              done(true);
            });
          },
        },
        { mix: { shares: new Map([['read', 0.5], ['write', 0.5]]) }, thinkTimeMs: { minMs: 10, maxMs: 20 } },
      );
      users.setUsers(3);
      sim.runFor(1_000);
      users.stop();
      return users.samples;
    };
    const first = run();
    // Each user: about 1000 / (15 think + 10 work) = 40 operations.
    assert.ok(first.length > 90 && first.length < 150, `${first.length} operations`);
    assert.deepEqual(run(), first);
  });
});
