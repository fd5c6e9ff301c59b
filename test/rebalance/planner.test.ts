import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { analyzeDistribution } from '../../src/rebalance/analysis';
import { planRebalance } from '../../src/rebalance/planner';
import { halfwayCut } from '../../src/rebalance/reshape';
import { type PlanInput, PlanError, type PlanNode, type RebalancePolicy, type ShardLoad } from '../../src/rebalance/types';
import { createShardMap, evenSlotRanges, planShards, replicaCounts, type ShardMap } from '../../src/sharding';
import { mapShape, replayPlan } from './plan-replay';

const ids = (count: number, prefix = 'n'): string[] => Array.from({ length: count }, (_, index) => `${prefix}${index + 1}`);
const policy = (overrides: Partial<RebalancePolicy> = {}): RebalancePolicy => ({ measure: 'replicas', threshold: 0.05, replicationFactor: 3, ...overrides });

/** Shards given as replica lists (first replica leads), slots split evenly. */
function mapOf(replicaSets: readonly (readonly string[])[]): ShardMap {
  const ranges = evenSlotRanges(replicaSets.length);
  return createShardMap(1, replicaSets.map((replicas, index) => ({ id: `shard-${index + 1}`, slots: [ranges[index]], replicas, preferredLeader: replicas[0] })));
}

function deepCopy<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}

describe('planner: bad input is refused with a PlanError naming the problem (issue 8 §3)', () => {
  const map = planShards({ nodes: ids(4), shardCount: 8, replicationFactor: 3 });
  const nodes: PlanNode[] = ids(4).map((id) => ({ id }));
  const cases: [string, PlanInput, RegExp][] = [
    ['threshold 0', { map, nodes, policy: policy({ threshold: 0 }) }, /threshold must be a number > 0, got 0/],
    ['negative threshold', { map, nodes, policy: policy({ threshold: -0.1 }) }, /threshold must be a number > 0, got -0.1/],
    ['NaN threshold', { map, nodes, policy: policy({ threshold: Number.NaN }) }, /threshold must be a number > 0, got NaN/],
    ['replication factor 0', { map, nodes, policy: policy({ replicationFactor: 0 }) }, /replication factor must be a whole number ≥ 1, got 0/],
    ['unknown measure', { map, nodes, policy: policy({ measure: 'vibes' as never }) }, /measure must be replicas, bytes or load, got vibes/],
    ['a replica on an unknown node', { map, nodes: nodes.slice(0, 3).concat({ id: 'n9' }), policy: policy() }, /replica on unknown node n4/],
    ['a node listed twice', { map, nodes: [...nodes, { id: 'n2' }], policy: policy() }, /node n2 is listed twice/],
    ['capacity 0', { map, nodes: [...nodes.slice(1), { id: 'n1', capacity: 0 }], policy: policy() }, /node n1 has capacity 0/],
    ['a drain leaving too few nodes', { map, nodes: nodes.map((node) => (node.id === 'n4' || node.id === 'n3' ? { ...node, draining: true } : node)), policy: policy() }, /draining n3, n4 leaves 2 nodes to hold data, fewer than the 3 replicas/],
    ['zones that cannot be met', { map, nodes: nodes.map((node, index) => ({ ...node, zone: index < 2 ? 'a' : 'b' })), policy: policy() }, /zone constraints cannot be met: .* span 2 zones \(a, b\), fewer than the 3 replicas/],
    ['an under-replicated shard', { map: mapOf([['n1', 'n2'], ['n1', 'n2', 'n3']]), nodes, policy: policy() }, /shard-1 has 2 replicas, below the replication factor 3/],
    ['loads for an unknown shard', { map, nodes, loads: [{ shard: 'shard-99', bytes: 1, readsPerSecond: 0, writesPerSecond: 0 }], policy: policy() }, /loads name unknown shard shard-99/],
    ['negative bytes', { map, nodes, loads: [{ shard: 'shard-1', bytes: -5, readsPerSecond: 0, writesPerSecond: 0 }], policy: policy() }, /load of shard-1: bytes must be a number ≥ 0, got -5/],
    ['split threshold 0', { map, nodes, policy: policy({ hotShardOpsPerSecond: 0 }) }, /split threshold must be > 0 ops per second, got 0/],
    ['merge threshold -1', { map, nodes, policy: policy({ mergeBelowBytes: -1 }) }, /merge threshold must be > 0 bytes, got -1/],
    ['balancing bytes without loads', { map, nodes, policy: policy({ measure: 'bytes' }) }, /balancing by bytes needs the shards' measured loads, and none were given/],
    ['a split threshold without loads', { map, nodes, policy: policy({ hotShardOpsPerSecond: 100 }) }, /hot-shard split threshold needs the shards' measured loads/],
  ];
  for (const [name, input, message] of cases) {
    it(`refuses ${name}, and changes nothing`, () => {
      const snapshot = deepCopy(input);
      assert.throws(() => planRebalance(input), (error: unknown) => error instanceof PlanError && message.test(error.message));
      assert.deepEqual(deepCopy(input), snapshot);
    });
  }
});

describe('planner: draining nodes end empty (PD store offline / CockroachDB decommission)', () => {
  it('moves every replica off draining nodes, spreads them, and hands leadership over first', () => {
    const map = planShards({ nodes: ids(6), shardCount: 30, replicationFactor: 3 });
    const nodes = ids(6).map((id) => ({ id, draining: id === 'n2' || id === 'n5' }));
    const input: PlanInput = { map, nodes, policy: policy({ threshold: 0.1 }) };
    const plan = planRebalance(input);
    const final = replayPlan(input, plan);
    const counts = replicaCounts(final);
    assert.equal(counts.get('n2') ?? 0, 0, 'n2 holds no replica');
    assert.equal(counts.get('n5') ?? 0, 0, 'n5 holds no replica');
    for (const id of ['n1', 'n3', 'n4', 'n6']) assert.ok(Math.abs(counts.get(id)! - 90 / 4) <= 0.1 * 22.5 + 1, `${id} holds ${counts.get(id)}`);
    const drained = map.shards.reduce((sum, shard) => sum + shard.replicas.filter((node) => node === 'n2' || node === 'n5').length, 0);
    assert.equal(plan.moves.filter((move) => move.kind === 'move-replica' && move.reason.startsWith('drain')).length, drained, 'one move per drained replica');
    assert.ok(plan.moves.some((move) => move.kind === 'transfer-leader' && move.reason.includes('hands leadership over')), 'leaders on draining nodes hand over first');
    assert.deepEqual(plan.notes, []);
  });

  it('with a single replica per shard, the move itself carries leadership (nothing to hand over to first)', () => {
    const input: PlanInput = { map: mapOf([['n1'], ['n1'], ['n2']]), nodes: [{ id: 'n1', draining: true }, { id: 'n2' }, { id: 'n3' }], policy: policy({ replicationFactor: 1 }) };
    const plan = planRebalance(input);
    assert.ok(plan.moves.every((move) => move.kind !== 'transfer-leader' || move.from !== 'n1'));
    const final = replayPlan(input, plan);
    assert.equal(replicaCounts(final).get('n1') ?? 0, 0);
    assert.ok(final.shards.every((shard) => shard.preferredLeader !== 'n1'));
  });
});

describe('planner: zones (CockroachDB locality diversity, PD isolation level)', () => {
  const zoned = (count: number, zones: number): PlanNode[] => ids(count).map((id, index) => ({ id, zone: `z${(index % zones) + 1}` }));

  it('moves a replica out of a zone that holds two copies of a shard, and keeps zones apart through the balance', () => {
    const nodes = zoned(6, 3); // n1,n4 in z1; n2,n5 in z2; n3,n6 in z3
    const map = mapOf([['n1', 'n4', 'n2'], ['n1', 'n2', 'n3'], ['n1', 'n2', 'n3'], ['n1', 'n2', 'n3']]);
    const input: PlanInput = { map, nodes, policy: policy() };
    const plan = planRebalance(input);
    assert.ok(plan.moves[0].kind === 'move-replica' && plan.moves[0].reason === 'shard-1 has two replicas in zone z1', JSON.stringify(plan.moves[0]));
    const final = replayPlan(input, plan);
    assert.deepEqual(analyzeDistribution({ map: final, nodes, replicationFactor: 3 }).violations, []);
  });

  it('never puts two replicas of a shard in one zone, for any layout (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 3, max: 9 }), fc.integer({ min: 3, max: 4 }), fc.integer({ min: 1, max: 40 }), fc.integer({ min: 0, max: 3 }), (nodeCount, zones, shardCount, joiners) => {
        const nodes = zoned(nodeCount + joiners, zones);
        const rf = Math.min(3, zones);
        const map = planShards({ nodes: nodes.slice(0, nodeCount), shardCount, replicationFactor: Math.min(rf, nodeCount) });
        fc.pre(map.shards.every((shard) => new Set(shard.replicas.map((node) => nodes.find((n) => n.id === node)!.zone)).size === shard.replicas.length));
        const input: PlanInput = { map, nodes, policy: policy({ replicationFactor: Math.min(rf, nodeCount) }) };
        const plan = planRebalance(input);
        replayPlan(input, plan);
      }),
      { numRuns: 100, seed: 3 },
    );
  });
});

describe('planner: balancing by bytes and by load (PD balance-region by region size, hot-region by flow)', () => {
  it('balances bytes into the band and moves big shards first', () => {
    const map = mapOf([['n1', 'n2'], ['n1', 'n2'], ['n1', 'n3'], ['n1', 'n3'], ['n2', 'n3'], ['n2', 'n4']]);
    const loads: ShardLoad[] = [100, 400, 50, 300, 10, 20].map((bytes, index) => ({ shard: `shard-${index + 1}`, bytes, readsPerSecond: 0, writesPerSecond: 0 }));
    const nodes = ids(4).map((id) => ({ id }));
    const input: PlanInput = { map, nodes, loads, policy: policy({ measure: 'bytes', threshold: 0.25, replicationFactor: 2 }) };
    const plan = planRebalance(input);
    replayPlan(input, plan);
    const bytes = plan.after.find((entry) => entry.measure === 'bytes')!;
    assert.ok(bytes.maxOverMean <= 1.25 + 1e-9, `bytes max/mean after: ${bytes.maxOverMean}`);
    assert.ok(bytes.maxOverMean < plan.before.find((entry) => entry.measure === 'bytes')!.maxOverMean);
    assert.deepEqual(plan.notes, []);
  });

  it('balances load, weighting nodes by capacity', () => {
    const map = mapOf([['n1'], ['n1'], ['n1'], ['n1'], ['n1'], ['n1']]);
    const loads: ShardLoad[] = [1, 2, 3, 4, 5, 6].map((ops, index) => ({ shard: `shard-${index + 1}`, bytes: 0, readsPerSecond: ops * 10, writesPerSecond: ops * 5 }));
    const nodes: PlanNode[] = [{ id: 'n1' }, { id: 'n2', capacity: 2 }];
    const input: PlanInput = { map, nodes, loads, policy: policy({ measure: 'load', threshold: 0.1, replicationFactor: 1 }) };
    const plan = planRebalance(input);
    const final = replayPlan(input, plan);
    const rows = analyzeDistribution({ map: final, nodes, loads }).nodes;
    const load = (node: string): number => rows.find((row) => row.node === node)!.readsPerSecond + rows.find((row) => row.node === node)!.writesPerSecond;
    // 315 ops/s in all, capacity 3: a share of 105 per unit, so n1 ≈ 105 and n2 ≈ 210 (±10%).
    assert.ok(Math.abs(load('n1') - 105) <= 10.5, `n1 serves ${load('n1')}`);
    assert.ok(Math.abs(load('n2') - 210) <= 21, `n2 serves ${load('n2')}`);
  });

  it('says so when shard sizes make the band unreachable', () => {
    const map = mapOf([['n1'], ['n2']]);
    const loads: ShardLoad[] = [{ shard: 'shard-1', bytes: 1000, readsPerSecond: 0, writesPerSecond: 0 }, { shard: 'shard-2', bytes: 1, readsPerSecond: 0, writesPerSecond: 0 }];
    const plan = planRebalance({ map, nodes: ids(2).map((id) => ({ id })), loads, policy: policy({ measure: 'bytes', threshold: 0.1, replicationFactor: 1 }) });
    assert.deepEqual(plan.moves, []);
    assert.match((plan.notes ?? []).join(' '), /bytes threshold 0.1 cannot be reached/);
  });
});

describe('planner: leader balancing (PD balance-leader scheduler)', () => {
  it('transfers leadership until leader counts are within the band, using only existing replicas', () => {
    const map = mapOf(Array.from({ length: 12 }, () => ['n1', 'n2', 'n3']));
    const input: PlanInput = { map, nodes: ids(3).map((id) => ({ id })), policy: policy({ threshold: 0.05 }) };
    const plan = planRebalance(input);
    assert.ok(plan.moves.every((move) => move.kind === 'transfer-leader'));
    assert.equal(plan.moves.length, 8, 'n1 leads 12 and gives 4 to each of n2, n3');
    const final = replayPlan(input, plan);
    assert.deepEqual(
      ['n1', 'n2', 'n3'].map((node) => final.shards.filter((shard) => shard.preferredLeader === node).length),
      [4, 4, 4],
    );
  });

  it('finds a chain of transfers when the overloaded node shares no shard with the underloaded one', () => {
    // n1 leads 4 shards held with n2; n2 leads 0; n3 shares shards only with n2.
    const map = mapOf([['n1', 'n2'], ['n1', 'n2'], ['n1', 'n2'], ['n1', 'n2'], ['n2', 'n3'], ['n2', 'n3']]);
    const input: PlanInput = {
      map: createShardMap(1, map.shards.map((shard, index) => (index >= 4 ? { ...shard, preferredLeader: 'n2' } : shard))),
      nodes: ids(3).map((id) => ({ id })),
      policy: policy({ replicationFactor: 2, threshold: 0.01 }),
    };
    const plan = planRebalance({ ...input, loads: [], policy: { ...input.policy, measure: 'bytes' } });
    const final = replayPlan(input, plan);
    assert.deepEqual(['n1', 'n2', 'n3'].map((node) => final.shards.filter((shard) => shard.preferredLeader === node).length), [2, 2, 2]);
  });

  it('can be turned off', () => {
    const map = mapOf(Array.from({ length: 6 }, () => ['n1', 'n2', 'n3']));
    const plan = planRebalance({ map, nodes: ids(3).map((id) => ({ id })), policy: policy({ balanceLeaders: false }) });
    assert.deepEqual(plan.moves, []);
  });
});

describe('planner: hot-shard split and small-shard merge (PD split/merge checkers, CockroachDB load-based splitting)', () => {
  it('splits a hot shard at half its load, places the new shard, and spreads it', () => {
    const map = planShards({ nodes: ids(4), shardCount: 2, replicationFactor: 3 });
    const slots = Array.from({ length: 512 }, (_, slot) => ({ slot, bytes: 1, opsPerSecond: slot < 64 ? 10 : 0 }));
    const loads: ShardLoad[] = [
      { shard: 'shard-1', bytes: 512, readsPerSecond: 500, writesPerSecond: 140, slots },
      { shard: 'shard-2', bytes: 512, readsPerSecond: 10, writesPerSecond: 10 },
    ];
    const input: PlanInput = { map, nodes: ids(4).map((id) => ({ id })), loads, policy: policy({ hotShardOpsPerSecond: 300, splitBy: 'load' }) };
    const plan = planRebalance(input);
    const split = plan.moves[0];
    assert.ok(split.kind === 'split', JSON.stringify(split));
    assert.equal(split.newShard, 'shard-3');
    assert.deepEqual(split.ranges, [{ start: 32, endExclusive: 512 }], 'half of the load lies in slots 0..31');
    assert.equal(new Set(split.replicas).size, 3);
    assert.match(split.reason, /shard-1 serves 640 ops\/s, above the split threshold 300: 480 of its 512 slots \(half its load\) move to new shard shard-3/);
    const final = replayPlan(input, plan);
    assert.deepEqual(mapShape(final), mapShape(plan.expectedMap));
  });

  it('splits by size when asked, and evenly by slots without per-slot figures', () => {
    assert.equal(halfwayCut([1, 1, 1, 1]), 2);
    assert.equal(halfwayCut([10, 0, 0, 0, 0, 10]), 1);
    assert.equal(halfwayCut([1, 1, 1, 9]), 3);
    const map = planShards({ nodes: ids(3), shardCount: 1, replicationFactor: 3 });
    const plan = planRebalance({ map, nodes: ids(3).map((id) => ({ id })), loads: [{ shard: 'shard-1', bytes: 0, readsPerSecond: 100, writesPerSecond: 0 }], policy: policy({ hotShardOpsPerSecond: 50, splitBy: 'size' }) });
    const split = plan.moves[0];
    assert.ok(split.kind === 'split');
    assert.deepEqual(split.ranges, [{ start: 512, endExclusive: 1024 }]);
  });

  it('merges the two smallest shards below the threshold, smaller into larger, and not a pair that would be hot', () => {
    const map = planShards({ nodes: ids(3), shardCount: 5, replicationFactor: 3 });
    const loads: ShardLoad[] = [
      { shard: 'shard-1', bytes: 50, readsPerSecond: 0, writesPerSecond: 0 },
      { shard: 'shard-2', bytes: 5000, readsPerSecond: 0, writesPerSecond: 0 },
      { shard: 'shard-3', bytes: 20, readsPerSecond: 100, writesPerSecond: 0 },
      { shard: 'shard-4', bytes: 10, readsPerSecond: 450, writesPerSecond: 0 },
      { shard: 'shard-5', bytes: 70, readsPerSecond: 0, writesPerSecond: 0 },
    ];
    const input: PlanInput = { map, nodes: ids(3).map((id) => ({ id })), loads, policy: policy({ mergeBelowBytes: 100, hotShardOpsPerSecond: 500 }) };
    const plan = planRebalance(input);
    const merges = plan.moves.filter((move) => move.kind === 'merge');
    // By size: shard-4 (10 bytes, 450 ops/s), shard-3 (20, 100 ops/s), shard-1 (50), shard-5 (70).
    // shard-4 + shard-3 would serve 550 ops/s > 500 (hot), so shard-4 goes into shard-1; then shard-3 into shard-5.
    assert.deepEqual(merges.map((move) => move.kind === 'merge' && `${move.from}->${move.into}`), ['shard-4->shard-1', 'shard-3->shard-5']);
    const final = replayPlan(input, plan);
    assert.equal(final.shards.length, 3);
  });
});

describe('planner: deterministic and pure', () => {
  it('gives the same plan for the same input, and never changes its input', () => {
    const map = planShards({ nodes: ids(5), shardCount: 40, replicationFactor: 3 });
    const input: PlanInput = { map, nodes: [...ids(5), 'n6', 'n7'].map((id) => ({ id, draining: id === 'n3' })), policy: policy() };
    const snapshot = deepCopy(input);
    const first = planRebalance(input);
    const second = planRebalance(input);
    assert.deepEqual(first, second);
    assert.deepEqual(deepCopy(input), snapshot);
    assert.ok(Object.isFrozen(first.expectedMap) && Object.isFrozen(first.expectedMap.shards[0].replicas));
  });

  it('plans nothing for a cluster already inside the band', () => {
    const map = planShards({ nodes: ids(5), shardCount: 40, replicationFactor: 3 });
    const plan = planRebalance({ map, nodes: ids(5).map((id) => ({ id })), policy: policy() });
    assert.deepEqual(plan.moves, []);
    assert.deepEqual(mapShape(plan.expectedMap), mapShape(map));
  });
});
