import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { deriveMetrics, ResourceMonitor, type NodeActivity } from '../../src/scaling';

/** Issue 9 §1: metrics derived from what a node did between samples, averaged over a window, gaps left missing. */
const capacity = { operationsPerSecond: 1000, memoryBytes: 1000, diskBytes: 10_000 };
const activity = (operations: number, dataBytes = 100, raftLogBytes = 50): NodeActivity => ({ operationsProcessed: operations, requestsServed: operations / 2, dataBytes, raftLogBytes, capacity });

describe('resource monitor', () => {
  it('derives cpu from operations against capacity, memory and disk from data and Raft log, requests per second', () => {
    assert.deepEqual(deriveMetrics(activity(0), activity(2500), 5), { cpu: 50, memory: 15, disk: 1.5, requestsPerSecond: 250 });
  });

  it('averages the last samples of the window; the first sample only sets the baseline', () => {
    const monitor = new ResourceMonitor({ intervalMs: 5000, windowSamples: 2 });
    const counters = [0, 1000, 6000, 11000];
    counters.forEach((operations, index) => monitor.sample(5000 * (index + 1), ['n1'], { activity: () => activity(operations) }));
    // Samples: 20% (1000 ops in 5 s), 100%, 100%; the window of two averages the last two.
    assert.deepEqual(monitor.readings(20_000, [{ id: 'n1', ready: true }])[0].values.cpu, 100);
    assert.equal(monitor.history.length, 3);
  });

  it('leaves a node that stopped reporting without a reading once its window is stale', () => {
    const monitor = new ResourceMonitor({ intervalMs: 5000, windowSamples: 2 });
    monitor.sample(5000, ['n1', 'n2'], { activity: () => activity(0) });
    monitor.sample(10_000, ['n1', 'n2'], { activity: () => activity(5000) });
    for (const atMs of [15_000, 20_000]) monitor.sample(atMs, ['n1', 'n2'], { activity: (node) => (node === 'n1' ? activity(5000 + atMs) : undefined) });
    const readings = monitor.readings(20_000, [{ id: 'n1', ready: true }, { id: 'n2', ready: true }]);
    assert.ok(readings[0].values.cpu !== undefined);
    assert.deepEqual(readings[1].values, {}, 'n2 gave no sample in the last two intervals: missing');
  });

  it('refuses a bad window', () => {
    assert.throws(() => new ResourceMonitor({ intervalMs: 0, windowSamples: 1 }), /intervalMs/);
    assert.throws(() => new ResourceMonitor({ intervalMs: 1, windowSamples: 0 }), /windowSamples/);
  });
});
