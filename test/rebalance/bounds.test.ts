import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { continuousBand, wholeNumberBand } from '../../src/rebalance/bounds';

/**
 * The balance band (CockroachDB allocator: a store is overfull above mean·(1+threshold)
 * and underfull below mean·(1−threshold)), rounded to whole numbers for counts and widened
 * only as far as needed to be reachable.
 */
describe('balance band', () => {
  it('for equal capacities is [min(⌈(1−t)m⌉, ⌊m⌋), max(⌊(1+t)m⌋, ⌈m⌉)] on nodes that may hold data, [0, 0] elsewhere', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 5000 }), fc.integer({ min: 1, max: 30 }), fc.double({ min: 0.001, max: 2, noNaN: true }), fc.nat({ max: 3 }), (total, nodeCount, threshold, draining) => {
        const eligible = Array.from({ length: nodeCount + draining }, (_, index) => index < nodeCount);
        const band = wholeNumberBand(total, eligible.map(() => 1), eligible, threshold);
        const mean = total / nodeCount;
        const high = Math.max(Math.floor((1 + threshold) * mean + 1e-9), Math.ceil(mean));
        const low = Math.max(0, Math.min(Math.ceil((1 - threshold) * mean - 1e-9), Math.floor(mean)));
        eligible.forEach((holds, index) => {
          assert.equal(band.high[index], holds ? high : 0, `high of node ${index}`);
          assert.equal(band.low[index], holds ? low : 0, `low of node ${index}`);
        });
      }),
      { numRuns: 500, seed: 5 },
    );
  });

  it('for any capacities is reachable (Σ low ≤ total ≤ Σ high) and no wider than needed', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 3000 }), fc.array(fc.constantFrom(0.5, 1, 2, 3), { minLength: 1, maxLength: 12 }), fc.double({ min: 0.001, max: 1, noNaN: true }), (total, capacities, threshold) => {
        const eligible = capacities.map(() => true);
        const band = wholeNumberBand(total, capacities, eligible, threshold);
        const sum = (values: readonly number[]): number => values.reduce((a, b) => a + b, 0);
        assert.ok(sum(band.high) >= total && sum(band.low) <= total, `Σlow ${sum(band.low)} ≤ ${total} ≤ Σhigh ${sum(band.high)}`);
        const mean = total / sum(capacities);
        capacities.forEach((_, index) => assert.ok(band.low[index] <= band.high[index], `node ${index}: low ${band.low[index]} ≤ high ${band.high[index]}`));
        // Widened only as far as needed: each widening step raises at least one node by one,
        // so the last step overshoots by fewer than one unit per node.
        const strictHigh = sum(capacities.map((capacity) => Math.floor((1 + threshold) * mean * capacity + 1e-9)));
        if (strictHigh < total) assert.ok(sum(band.high) < total + capacities.length, `Σhigh ${sum(band.high)} overshoots ${total}`);
        else assert.deepEqual(band.high, capacities.map((capacity) => Math.floor((1 + threshold) * mean * capacity + 1e-9)));
      }),
      { numRuns: 500, seed: 6 },
    );
  });

  it('for weighted measures is the exact threshold band around the capacity-weighted mean', () => {
    const band = continuousBand(300, [1, 2], [true, true], 0.1);
    assert.deepEqual(band.low.map((value) => Math.round(value * 1000) / 1000), [90, 180]);
    assert.deepEqual(band.high.map((value) => Math.round(value * 1000) / 1000), [110, 220]);
  });
});
