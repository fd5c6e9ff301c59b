import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { analyzeDistribution, constraintViolations, formatDistributionTable, formatImbalanceTable, formatViolationTable, measureImbalance } from '../../src/rebalance/analysis';
import type { ShardLoad } from '../../src/rebalance/types';
import type { ShardMap } from '../../src/sharding';

/**
 * Issue 8 §2, distribution analysis. The measures are PD's store statistics (region and
 * leader counts, region size, read/write flow); imbalance is max/mean and the coefficient
 * of variation, capacity-weighted as in CockroachDB's allocator (a store's fullness
 * relative to the mean).
 */

/** A plain map literal: analysis must also describe maps that break the map's own invariants. */
const map: ShardMap = {
  epoch: 3,
  shards: [
    { id: 'shard-1', slots: [{ start: 0, endExclusive: 512 }], replicas: ['n1', 'n2', 'n3'], preferredLeader: 'n1' },
    { id: 'shard-2', slots: [{ start: 512, endExclusive: 1024 }], replicas: ['n1', 'n2'], preferredLeader: 'n1' },
  ],
};
const loads: ShardLoad[] = [
  { shard: 'shard-1', bytes: 1000, readsPerSecond: 30, writesPerSecond: 10 },
  { shard: 'shard-2', bytes: 200, readsPerSecond: 5, writesPerSecond: 1 },
];

describe('distribution analysis: per node', () => {
  it('counts replicas, leaders, bytes and reads/writes per second on every node, including an empty one', () => {
    const analysis = analyzeDistribution({ map, nodes: ['n1', 'n2', 'n3', 'n4'].map((id) => ({ id })), loads });
    assert.deepEqual(
      analysis.nodes.map((row) => [row.node, row.replicas, row.leaders, row.bytes, row.readsPerSecond, row.writesPerSecond]),
      [
        ['n1', 2, 2, 1200, 35, 11],
        ['n2', 2, 0, 1200, 35, 11],
        ['n3', 1, 0, 1000, 30, 10],
        ['n4', 0, 0, 0, 0, 0],
      ],
    );
  });

  it('computes max/mean and the coefficient of variation per measure, over nodes that are not draining', () => {
    const analysis = analyzeDistribution({ map, nodes: ['n1', 'n2', 'n3', { id: 'n4', draining: true }].map((node) => (typeof node === 'string' ? { id: node } : node)), loads });
    const replicas = analysis.imbalance.find((entry) => entry.measure === 'replicas')!;
    // 5 replicas on n1..n3: mean 5/3, max 2, deviations (1/3, 1/3, -2/3): sd = sqrt(2/9).
    assert.ok(Math.abs(replicas.maxOverMean - 1.2) < 1e-12);
    assert.ok(Math.abs(replicas.coefficientOfVariation - Math.sqrt(2 / 9) / (5 / 3)) < 1e-12);
    const leaders = analysis.imbalance.find((entry) => entry.measure === 'leaders')!;
    assert.equal(leaders.maxOverMean, 3);
    assert.deepEqual(analysis.imbalance.map((entry) => entry.measure), ['replicas', 'leaders', 'bytes', 'load']);
  });

  it('weights by capacity: a node of capacity 2 holding twice the share is balanced', () => {
    assert.deepEqual(measureImbalance([20, 10, 10], [2, 1, 1]), { maxOverMean: 1, coefficientOfVariation: 0 });
    assert.deepEqual(measureImbalance([], []), { maxOverMean: 1, coefficientOfVariation: 0 });
    assert.deepEqual(measureImbalance([0, 0]), { maxOverMean: 1, coefficientOfVariation: 0 });
    assert.equal(measureImbalance([3, 1]).maxOverMean, 1.5);
  });
});

describe('distribution analysis: constraint violations', () => {
  it('finds two replicas on one node, two in one zone, a shard below its replication factor and an unknown node', () => {
    const broken: ShardMap = {
      epoch: 1,
      shards: [
        { id: 'shard-1', slots: [{ start: 0, endExclusive: 10 }], replicas: ['n1', 'n1', 'n2'], preferredLeader: 'n1' },
        { id: 'shard-2', slots: [{ start: 10, endExclusive: 20 }], replicas: ['n1', 'n3', 'n4'], preferredLeader: 'n3' },
        { id: 'shard-3', slots: [{ start: 20, endExclusive: 30 }], replicas: ['n2', 'n9', 'n4'], preferredLeader: 'n2' },
      ],
    };
    const nodes = [
      { id: 'n1', zone: 'a' },
      { id: 'n2', zone: 'b' },
      { id: 'n3', zone: 'a' },
      { id: 'n4', zone: 'c' },
    ];
    const violations = constraintViolations({ map: broken, nodes, replicationFactor: 3 });
    assert.deepEqual(
      violations.map((violation) => [violation.shard, violation.kind, violation.detail]),
      [
        ['shard-1', 'same-node', 'shard-1 has two replicas on n1'],
        ['shard-1', 'under-replicated', 'shard-1 has 2 replicas, below the replication factor 3'],
        ['shard-2', 'same-zone', 'shard-2 has replicas on n1, n3, all in zone a'],
        ['shard-3', 'unknown-node', 'shard-3 has a replica on n9, which is not a known node'],
      ],
    );
  });

  it('ignores zones when no node names one, and reports nothing for a sound map', () => {
    assert.deepEqual(constraintViolations({ map, nodes: ['n1', 'n2', 'n3'].map((id) => ({ id })) }), []);
    assert.equal(constraintViolations({ map, nodes: ['n1', 'n2', 'n3'].map((id) => ({ id })), replicationFactor: 3 }).length, 1);
  });
});

describe('distribution analysis: report tables', () => {
  it('formats one row per node, one per measure and one per violation', () => {
    const analysis = analyzeDistribution({ map, nodes: [{ id: 'n1', zone: 'a' }, { id: 'n2', draining: true }], loads, replicationFactor: 3 });
    assert.deepEqual(formatDistributionTable(analysis), [
      ['node', 'zone', 'capacity', 'state', 'replicas', 'leaders', 'bytes', 'reads/s', 'writes/s'],
      ['n1', 'a', '1', 'active', '2', '2', '1200', '35', '11'],
      ['n2', '-', '1', 'draining', '2', '0', '1200', '35', '11'],
      ['n3', '-', '1', 'unknown', '1', '0', '1000', '30', '10'],
    ]);
    assert.deepEqual(formatImbalanceTable(analysis.imbalance)[0], ['measure', 'max/mean', 'coefficient of variation']);
    assert.deepEqual(formatImbalanceTable(analysis.imbalance)[1], ['replicas', '1.000', '0.000']);
    assert.deepEqual(formatViolationTable(analysis.violations).map((row) => row[1]), ['violation', 'unknown-node', 'under-replicated']);
  });
});
