import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { chooseLeaders } from '../../src/sharding/placement';
import {
  createShardMap,
  emptyShardMap,
  hashSlotCount,
  leaderCounts,
  moveReplica,
  moveSlots,
  planShards,
  replicaCounts,
  setPreferredLeader,
  type ShardMap,
  shardById,
  shardForKey,
  slotForKey,
  validateShardMap,
} from '../../src/sharding/shard-map';
import { SeededRandom } from '../../src/sim/random';

const nodeIds = (count: number): string[] => Array.from({ length: count }, (_, index) => `n${index + 1}`);

/** (nodes, shards, RF) with RF ≤ nodes. */
const layoutArbitrary = fc
  .record({ nodeCount: fc.integer({ min: 1, max: 12 }), shardCount: fc.integer({ min: 1, max: 40 }), seed: fc.nat() })
  .chain((layout) => fc.record({ ...mapValues(layout), replicationFactor: fc.integer({ min: 1, max: Math.min(layout.nodeCount, 5) }) }));

function mapValues<T extends Record<string, number>>(record: T): { [K in keyof T]: fc.Arbitrary<number> } {
  return Object.fromEntries(Object.entries(record).map(([key, value]) => [key, fc.constant(value)])) as { [K in keyof T]: fc.Arbitrary<number> };
}

function spread(counts: Map<string, number>, nodes: readonly string[]): number {
  const values = nodes.map((node) => counts.get(node) ?? 0);
  return Math.max(...values) - Math.min(...values);
}

describe('Placement (planShards)', () => {
  it('replicas are RF distinct nodes, replica counts differ by at most one, leaders ≤ ceil(shards/nodes)', () => {
    fc.assert(
      fc.property(layoutArbitrary, ({ nodeCount, shardCount, replicationFactor, seed }) => {
        const nodes = nodeIds(nodeCount);
        const random = seed % 2 === 0 ? new SeededRandom(seed, 'placement') : undefined;
        const map = planShards({ nodes, shardCount, replicationFactor, random });
        assert.equal(map.shards.length, shardCount);
        for (const shard of map.shards) {
          assert.equal(shard.replicas.length, replicationFactor);
          assert.equal(new Set(shard.replicas).size, replicationFactor);
          assert.ok(shard.replicas.includes(shard.preferredLeader));
          assert.ok(shard.replicas.every((node) => nodes.includes(node)));
        }
        assert.ok(spread(replicaCounts(map), nodes) <= 1, 'replica counts are balanced');
        const leadersMax = Math.ceil(shardCount / nodeCount);
        assert.ok([...leaderCounts(map).values()].every((count) => count <= leadersMax), 'leaders are spread');
      }),
      { numRuns: 300 },
    );
  });

  it('spreads each shard over distinct zones when zones are even and RF ≤ zones', () => {
    const zoneLayout = fc.record({
      zoneCount: fc.integer({ min: 1, max: 4 }),
      nodesPerZone: fc.integer({ min: 1, max: 4 }),
      shardCount: fc.integer({ min: 1, max: 30 }),
      replicationFactor: fc.integer({ min: 1, max: 4 }),
    });
    fc.assert(
      fc.property(zoneLayout, ({ zoneCount, nodesPerZone, shardCount, replicationFactor }) => {
        fc.pre(replicationFactor <= zoneCount);
        // Listed zone by zone, the order that would put a shard in one zone if zones were ignored.
        const nodes = nodeIds(zoneCount * nodesPerZone).map((id, index) => ({ id, zone: `z${Math.floor(index / nodesPerZone)}` }));
        const zoneOf = new Map(nodes.map((node) => [node.id, node.zone]));
        const map = planShards({ nodes, shardCount, replicationFactor });
        for (const shard of map.shards) {
          assert.equal(new Set(shard.replicas.map((node) => zoneOf.get(node))).size, replicationFactor, `${shard.id} spans distinct zones`);
        }
        assert.ok(spread(replicaCounts(map), nodes.map((node) => node.id)) <= 1);
      }),
      { numRuns: 200 },
    );
  });

  it('is deterministic: the same inputs and seed give the same map', () => {
    const plan = () => planShards({ nodes: nodeIds(5), shardCount: 8, replicationFactor: 3, random: new SeededRandom(7, 'placement') });
    assert.deepEqual(plan(), plan());
  });

  it('splits the slots evenly and every key lands in exactly one shard', () => {
    const map = planShards({ nodes: nodeIds(3), shardCount: 3, replicationFactor: 3 });
    const sizes = map.shards.map((shard) => shard.slots.reduce((total, range) => total + range.endExclusive - range.start, 0));
    assert.deepEqual(sizes, [341, 341, 342]);
    assert.equal(sizes.reduce((left, right) => left + right), hashSlotCount);
    for (const key of ['a', 'user-1', 'user-2', '']) {
      const shard = shardForKey(map, key)!;
      const slot = slotForKey(key);
      assert.ok(shard.slots.some((range) => range.start <= slot && slot < range.endExclusive));
    }
  });

  it('hashes sequential keys evenly over the slots', () => {
    const perShard = new Map<string, number>();
    const map = planShards({ nodes: nodeIds(4), shardCount: 4, replicationFactor: 1 });
    for (let index = 0; index < 4000; index++) {
      const id = shardForKey(map, `user-${index}`)!.id;
      perShard.set(id, (perShard.get(id) ?? 0) + 1);
    }
    for (const count of perShard.values()) assert.ok(count > 850 && count < 1150, `uneven: ${count}`);
  });

  it('rejects impossible layouts', () => {
    assert.throws(() => planShards({ nodes: nodeIds(2), shardCount: 1, replicationFactor: 3 }), /at least that many nodes/);
    assert.throws(() => planShards({ nodes: ['a', 'a'], shardCount: 1, replicationFactor: 1 }), /distinct/);
    assert.throws(() => planShards({ nodes: nodeIds(2), shardCount: 0, replicationFactor: 1 }), /shardCount/);
  });

  it('chooseLeaders moves earlier choices along an augmenting path when greedy would overload a node', () => {
    // Greedy in order would give shard 0 to "a"; then shard 1 (only "a") could not lead.
    const leaders = chooseLeaders([['a', 'b'], ['a']], 1);
    assert.deepEqual(leaders, ['b', 'a']);
  });
});

describe('Shard map changes', () => {
  const base = (): ShardMap => planShards({ nodes: nodeIds(4), shardCount: 4, replicationFactor: 3 });

  it('every change returns a new map one epoch higher and leaves the old map untouched', () => {
    const original = base();
    const snapshot = JSON.stringify(original);
    const shard = original.shards[0];
    const spare = nodeIds(4).find((node) => !shard.replicas.includes(node))!;
    const other = shard.replicas.find((node) => node !== shard.preferredLeader)!;
    const moved = moveReplica(original, shard.id, other, spare);
    const led = setPreferredLeader(moved, shard.id, spare);
    const sliced = moveSlots(led, { start: 0, endExclusive: 10 }, original.shards[1].id);
    assert.deepEqual([original.epoch, moved.epoch, led.epoch, sliced.epoch], [1, 2, 3, 4]);
    assert.equal(JSON.stringify(original), snapshot);
    assert.ok(Object.isFrozen(original.shards[0].replicas));
    assert.ok(shardById(moved, shard.id).replicas.includes(spare));
    assert.equal(shardById(led, shard.id).preferredLeader, spare);
  });

  it('moving the preferred leader passes the preference to a remaining replica', () => {
    const original = base();
    const shard = original.shards[0];
    const spare = nodeIds(4).find((node) => !shard.replicas.includes(node))!;
    const moved = shardById(moveReplica(original, shard.id, shard.preferredLeader, spare), shard.id);
    assert.notEqual(moved.preferredLeader, spare);
    assert.ok(moved.replicas.includes(moved.preferredLeader));
  });

  it('refuses changes that would break an invariant', () => {
    const original = base();
    const shard = original.shards[0];
    assert.throws(() => moveReplica(original, shard.id, shard.replicas[0], shard.replicas[1]), /already a replica/);
    assert.throws(() => moveReplica(original, shard.id, 'nobody', 'n1'), /not a replica/);
    assert.throws(() => setPreferredLeader(original, 'shard-99', 'n1'), /no shard/);
    const firstShardRange = shard.slots[0];
    assert.throws(() => moveSlots(original, firstShardRange, original.shards[1].id), /owns no slots/);
  });

  it('moveSlots reroutes exactly the moved keys; slots are the same in every epoch', () => {
    const original = base();
    const target = original.shards[3].id;
    const moved = moveSlots(original, { start: 0, endExclusive: 100 }, target);
    for (let index = 0; index < 500; index++) {
      const key = `k${index}`;
      const expected = slotForKey(key) < 100 ? target : shardForKey(original, key)!.id;
      assert.equal(shardForKey(moved, key)!.id, expected);
    }
  });

  it('validateShardMap catches overlapping and missing slots and foreign leaders', () => {
    const original = base();
    const [first, second, ...rest] = original.shards;
    assert.throws(() => createShardMap(2, [{ ...first, slots: second.slots }, second, ...rest]), /owned by both/);
    assert.throws(() => createShardMap(2, [second, ...rest]), /owned by no shard/);
    assert.throws(() => validateShardMap({ epoch: 1, shards: [{ ...first, preferredLeader: 'x' }] }), /not one of its replicas/);
  });

  it('the empty map places nothing', () => {
    assert.equal(shardForKey(emptyShardMap(), 'x'), undefined);
    assert.equal(emptyShardMap().epoch, 0);
  });
});
