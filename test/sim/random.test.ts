import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { RandomStreams, SeededRandom, seedFromText } from '../../src/sim';

describe('Seeded random streams', () => {
  it('gives the same sequence for the same seed and label', () => {
    const a = new SeededRandom(42, 'network');
    const b = new SeededRandom(42, 'network');
    for (let i = 0; i < 100; i++) assert.equal(a.next(), b.next());
  });

  it('gives different sequences for different labels of one seed', () => {
    const streams = new RandomStreams(42);
    const first = Array.from({ length: 8 }, () => streams.stream('node:a').nextUint32());
    const second = Array.from({ length: 8 }, () => streams.stream('node:b').nextUint32());
    assert.notDeepEqual(first, second);
  });

  it('keeps streams independent: drawing from one does not shift another', () => {
    const quiet = new RandomStreams(7);
    const busy = new RandomStreams(7);
    for (let i = 0; i < 1000; i++) busy.stream('workload').next();
    assert.equal(quiet.stream('node:n1').next(), busy.stream('node:n1').next());
  });

  it('is roughly uniform and stays in range', () => {
    const random = new SeededRandom(1);
    const buckets = new Array(10).fill(0);
    for (let i = 0; i < 100_000; i++) {
      const value = random.next();
      assert.ok(value >= 0 && value < 1);
      buckets[Math.floor(value * 10)]++;
    }
    for (const count of buckets) assert.ok(Math.abs(count - 10_000) < 500, `bucket count ${count}`);
  });

  it('derives stable seeds from scenario names', () => {
    assert.equal(seedFromText('A leader is elected'), seedFromText('A leader is elected'));
    assert.notEqual(seedFromText('A leader is elected'), seedFromText('A leader is elected '));
  });
});
