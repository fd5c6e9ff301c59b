import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { analyzeDistribution } from '../../src/rebalance/analysis';
import { planRebalance } from '../../src/rebalance/planner';
import type { BalanceMeasure, PlanInput, PlanNode, ShardLoad } from '../../src/rebalance/types';
import { planShards, replicaCounts } from '../../src/sharding';
import { mapShape, replayPlan } from './plan-replay';

/**
 * Every feature at once (zones, capacities, draining and joining nodes, splits, merges,
 * each measure) on random clusters: the plan must replay step by step without breaking a
 * rule (plan-replay.ts: replication factor, zones, leadership before removal, slot
 * ownership), end at its expected map, leave draining nodes empty and break no placement
 * constraint at the end (CockroachDB's allocator invariants; PD's checkers).
 */
const clusterArbitrary = fc
  .record({
    nodeCount: fc.integer({ min: 3, max: 9 }),
    joiners: fc.integer({ min: 0, max: 3 }),
    zoneCount: fc.constantFrom(0, 3, 4),
    shardCount: fc.integer({ min: 1, max: 30 }),
    rf: fc.integer({ min: 1, max: 3 }),
    drainMask: fc.nat({ max: 511 }),
    capacityMask: fc.nat({ max: 511 }),
    measure: fc.constantFrom<BalanceMeasure>('replicas', 'bytes', 'load'),
    threshold: fc.constantFrom(0.02, 0.1, 0.3),
    split: fc.boolean(),
    merge: fc.boolean(),
    balanceLeaders: fc.boolean(),
    sizes: fc.array(fc.integer({ min: 0, max: 1000 }), { minLength: 30, maxLength: 30 }),
    ops: fc.array(fc.integer({ min: 0, max: 500 }), { minLength: 30, maxLength: 30 }),
  })
  .map((raw): PlanInput | undefined => {
    const zoneOf = (index: number): string | undefined => (raw.zoneCount > 0 ? `z${index % raw.zoneCount}` : undefined);
    const all: PlanNode[] = Array.from({ length: raw.nodeCount + raw.joiners }, (_, index) => ({
      id: `n${index + 1}`,
      ...(zoneOf(index) ? { zone: zoneOf(index) } : {}),
      ...((raw.capacityMask >> index) & 1 ? { capacity: 2 } : {}),
      ...((raw.drainMask >> index) & 1 && index % 3 === 1 ? { draining: true } : {}),
    }));
    const rf = Math.min(raw.rf, raw.nodeCount);
    const map = planShards({ nodes: all.slice(0, raw.nodeCount).map((node) => ({ id: node.id, zone: node.zone })), shardCount: raw.shardCount, replicationFactor: rf });
    const loads: ShardLoad[] = map.shards.map((shard, index) => ({ shard: shard.id, bytes: raw.sizes[index], readsPerSecond: raw.ops[index], writesPerSecond: raw.ops[(index + 7) % 30] / 2 }));
    const active = all.filter((node) => !node.draining);
    const zones = new Set(active.map((node) => node.zone ?? node.id));
    if (active.length < rf || zones.size < rf) return undefined;
    if (raw.zoneCount > 0 && map.shards.some((shard) => new Set(shard.replicas.map((node) => all.find((n) => n.id === node)!.zone)).size < shard.replicas.length)) return undefined;
    return {
      map,
      nodes: all,
      loads,
      policy: {
        measure: raw.measure,
        threshold: raw.threshold,
        replicationFactor: rf,
        balanceLeaders: raw.balanceLeaders,
        ...(raw.split ? { hotShardOpsPerSecond: 400, splitBy: 'load' as const } : {}),
        ...(raw.merge ? { mergeBelowBytes: 100 } : {}),
      },
    };
  })
  .filter((input): input is PlanInput => input !== undefined);

describe('planner: random clusters with every feature (fuzz)', () => {
  it('plans that replay cleanly, end at the expected map, empty draining nodes and break no constraint', () => {
    fc.assert(
      fc.property(clusterArbitrary, (input) => {
        const plan = planRebalance(input);
        const final = replayPlan(input, plan);
        assert.deepEqual(mapShape(final), mapShape(plan.expectedMap));
        const counts = replicaCounts(final);
        for (const node of input.nodes.filter((candidate) => candidate.draining)) assert.equal(counts.get(node.id) ?? 0, 0, `${node.id} is drained`);
        const analysis = analyzeDistribution({ map: final, nodes: input.nodes, loads: input.loads, replicationFactor: input.policy.replicationFactor });
        assert.deepEqual(analysis.violations, []);
        assert.deepEqual(planRebalance(input), plan, 'the same input gives the same plan');
      }),
      { numRuns: 300, seed: 21 },
    );
  });
});
