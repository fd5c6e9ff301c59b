import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { wholeNumberBand } from '../../src/rebalance/bounds';
import { planRebalance } from '../../src/rebalance/planner';
import type { PlanInput, PlanNode } from '../../src/rebalance/types';
import { createShardMap, evenSlotRanges, planShards, type ShardMap } from '../../src/sharding';
import { mapShape, replayPlan } from './plan-replay';

/**
 * Issue 8 §3 "plan quality": the number of replica moves is the least that reaches the
 * threshold band (CockroachDB allocator: no store over- or under-full around the mean;
 * PD balance-region: move from the fullest store to the emptiest), checked against a
 * breadth-first search over every sequence of single replica moves on small clusters.
 * The search obeys the same rules as the planner: no replica onto a draining node, no two
 * replicas of a shard on one node or (when zones are configured) in one zone after any
 * move; the goal is every draining node empty and every other node inside the band.
 */

interface Small {
  readonly input: PlanInput;
}

const smallCluster: fc.Arbitrary<Small> = fc
  .record({
    nodeCount: fc.integer({ min: 2, max: 5 }),
    shardCount: fc.integer({ min: 1, max: 5 }),
    rfWish: fc.integer({ min: 1, max: 3 }),
    threshold: fc.constantFrom(0.01, 0.1, 0.25, 0.5, 1),
    zoneCount: fc.constantFrom(0, 0, 2, 3),
    seed: fc.nat(),
    drainMask: fc.nat({ max: 31 }),
    capacityMask: fc.nat({ max: 31 }),
    placement: fc.array(fc.nat(), { minLength: 15, maxLength: 15 }),
  })
  .map((raw) => {
    const nodes: PlanNode[] = Array.from({ length: raw.nodeCount }, (_, index) => ({
      id: `n${index + 1}`,
      ...(raw.zoneCount > 0 ? { zone: `z${(index % raw.zoneCount) + 1}` } : {}),
      ...((raw.capacityMask >> index) & 1 && raw.seed % 3 === 0 ? { capacity: 2 } : {}),
      ...((raw.drainMask >> index) & 1 && index > 0 ? { draining: true } : {}),
    }));
    return { raw, nodes };
  })
  .filter(({ raw, nodes }) => {
    const active = nodes.filter((node) => !node.draining);
    const zones = raw.zoneCount > 0 ? new Set(active.map((node) => node.zone)).size : active.length;
    return Math.min(raw.rfWish, zones) >= 1;
  })
  .map(({ raw, nodes }) => {
    const active = nodes.filter((node) => !node.draining);
    const zones = raw.zoneCount > 0 ? new Set(active.map((node) => node.zone)).size : active.length;
    const rf = Math.min(raw.rfWish, zones, nodes.length);
    // Arbitrary initial placement (possibly very uneven), respecting zones.
    const ranges = evenSlotRanges(raw.shardCount);
    const shards = ranges.map((range, shardIndex) => {
      const replicas: string[] = [];
      for (let pick = 0; replicas.length < rf; pick++) {
        const node = nodes[(raw.placement[(shardIndex * 3 + pick) % 15] + pick) % nodes.length];
        const usedZone = raw.zoneCount > 0 && replicas.some((other) => nodes.find((n) => n.id === other)!.zone === node.zone);
        if (!replicas.includes(node.id) && !usedZone) replicas.push(node.id);
        if (pick > 50) replicas.push(...nodes.map((n) => n.id).filter((id) => !replicas.includes(id) && !(raw.zoneCount > 0 && replicas.some((other) => nodes.find((n) => n.id === other)!.zone === nodes.find((n) => n.id === id)!.zone))).slice(0, rf - replicas.length));
      }
      return { id: `shard-${shardIndex + 1}`, slots: [range], replicas, preferredLeader: replicas[raw.placement[shardIndex] % replicas.length] };
    });
    const input: PlanInput = { map: createShardMap(1, shards), nodes, policy: { measure: 'replicas', threshold: raw.threshold, replicationFactor: rf } };
    return { input };
  })
  .filter(({ input }) => input.map.shards.every((shard) => shard.replicas.length === input.policy.replicationFactor));

/** Least number of single replica moves reaching the goal, or undefined if none within `depthMax`. */
function fewestMoves(input: PlanInput, depthMax: number): number | undefined {
  const nodes = input.nodes;
  const zoneOf = (index: number): string => nodes[index].zone ?? `node:${nodes[index].id}`;
  const zoned = nodes.some((node) => node.zone !== undefined);
  const nodeIndex = new Map(nodes.map((node, index) => [node.id, index]));
  const start = input.map.shards.map((shard) => shard.replicas.map((node) => nodeIndex.get(node)!).sort((a, b) => a - b));
  const eligible = nodes.map((node) => !node.draining);
  const total = start.reduce((sum, replicas) => sum + replicas.length, 0);
  const band = wholeNumberBand(total, nodes.map((node) => node.capacity ?? 1), eligible, input.policy.threshold);
  const isGoal = (state: number[][]): boolean => {
    const counts = nodes.map(() => 0);
    for (const replicas of state) for (const node of replicas) counts[node]++;
    return counts.every((count, index) => count >= band.low[index] && count <= band.high[index]);
  };
  const key = (state: number[][]): string => state.map((replicas) => replicas.join('.')).join('|');
  let frontier = [start];
  const seen = new Set([key(start)]);
  for (let depth = 0; depth <= depthMax; depth++) {
    const next: number[][][] = [];
    for (const state of frontier) {
      if (isGoal(state)) return depth;
      state.forEach((replicas, shard) => {
        for (const from of replicas) {
          for (let to = 0; to < nodes.length; to++) {
            if (!eligible[to] || replicas.includes(to)) continue;
            const moved = [...replicas.filter((node) => node !== from), to].sort((a, b) => a - b);
            if (zoned && new Set(moved.map(zoneOf)).size !== moved.length) continue;
            const successor = state.map((other, index) => (index === shard ? moved : other));
            const successorKey = key(successor);
            if (seen.has(successorKey)) continue;
            seen.add(successorKey);
            next.push(successor);
          }
        }
      });
    }
    frontier = next;
  }
  return undefined;
}

const replicaMoves = (plan: ReturnType<typeof planRebalance>): number => plan.moves.filter((move) => move.kind === 'move-replica').length;

describe('planner: fewest replica moves (brute-force optimum on small clusters)', () => {
  it('needs exactly as many replica moves as the breadth-first optimum, and its plan replays cleanly', () => {
    fc.assert(
      fc.property(smallCluster, ({ input }) => {
        const plan = planRebalance(input);
        const optimum = fewestMoves(input, 8);
        const final = replayPlan(input, plan);
        assert.deepEqual(mapShape(final), mapShape(plan.expectedMap), 'the replayed plan ends at the expected map');
        if (optimum === undefined) {
          assert.ok((plan.notes ?? []).length > 0, 'when the band is unreachable the plan says so');
          return;
        }
        assert.equal(replicaMoves(plan), optimum, `replica moves vs optimum for ${JSON.stringify(input.nodes)} ${JSON.stringify(input.map.shards.map((s) => s.replicas))} t=${input.policy.threshold}`);
      }),
      { numRuns: 300, seed: 8 },
    );
  });
});

describe('planner: a node joins a balanced cluster (consistent-hashing bound, about 1/(N+1))', () => {
  it('moves no more than the new node’s fair share of replicas, and gives it at least its share less the threshold', () => {
    fc.assert(
      fc.property(fc.integer({ min: 2, max: 12 }), fc.integer({ min: 4, max: 200 }), fc.integer({ min: 1, max: 3 }), fc.constantFrom(0.02, 0.05, 0.1), (nodeCount, shardCount, rfWish, threshold) => {
        const rf = Math.min(rfWish, nodeCount);
        const ids = Array.from({ length: nodeCount }, (_, index) => `n${index + 1}`);
        const map: ShardMap = planShards({ nodes: ids, shardCount, replicationFactor: rf });
        const input: PlanInput = { map, nodes: [...ids, 'joiner'].map((id) => ({ id })), policy: { measure: 'replicas', threshold, replicationFactor: rf } };
        const plan = planRebalance(input);
        const total = shardCount * rf;
        const fairShare = total / (nodeCount + 1);
        const moved = replicaMoves(plan);
        assert.ok(moved <= Math.ceil(fairShare), `moved ${moved} replicas, more than the fair share ${fairShare.toFixed(1)} of ${total}`);
        const joined = plan.expectedMap.shards.filter((shard) => shard.replicas.includes('joiner')).length;
        assert.equal(joined, moved, 'every moved replica went to the new node');
        assert.ok(joined >= Math.min(Math.floor(fairShare), Math.ceil((1 - threshold) * fairShare)), `the new node holds ${joined}, below its share ${fairShare.toFixed(1)} less ${threshold}`);
        replayPlan(input, plan);
      }),
      { numRuns: 150, seed: 11 },
    );
  });
});

/**
 * Bytes and load: with shards of different sizes, the fewest moves is a bin-packing
 * problem, so the planner (largest gain first, then exchanges when stuck) is not exact.
 * Measured against exhaustive search on 2,000 small clusters (seed 1): of 601 with a
 * reachable band, 595 plans use the fewest moves, 5 one more, 1 two or more, and none stops
 * short. The assertions keep those figures from regressing.
 */
describe('planner: balancing bytes against the exhaustive optimum (PD balance-region by size)', () => {
  it('reaches the band whenever some placement does, nearly always with the fewest moves', () => {
    const outcome = { reachable: 0, exact: 0, oneMore: 0, more: 0, stoppedShort: 0 };
    const stoppedShort: string[] = [];
    fc.assert(
      fc.property(
        fc.integer({ min: 2, max: 4 }),
        fc.array(fc.integer({ min: 1, max: 100 }), { minLength: 1, maxLength: 5 }),
        fc.array(fc.nat(), { minLength: 5, maxLength: 5 }),
        fc.constantFrom(0.1, 0.25, 0.5),
        (nodeCount, sizes, picks, threshold) => {
          const nodes = Array.from({ length: nodeCount }, (_, index) => ({ id: `n${index + 1}` }));
          const home = sizes.map((_, index) => picks[index] % nodeCount);
          const ranges = evenSlotRanges(sizes.length);
          const map = createShardMap(1, sizes.map((_, index) => ({ id: `shard-${index + 1}`, slots: [ranges[index]], replicas: [nodes[home[index]].id], preferredLeader: nodes[home[index]].id })));
          const loads = sizes.map((bytes, index) => ({ shard: `shard-${index + 1}`, bytes, readsPerSecond: 0, writesPerSecond: 0 }));
          const input: PlanInput = { map, nodes, loads, policy: { measure: 'bytes', threshold, replicationFactor: 1 } };
          const plan = planRebalance(input);
          replayPlan(input, plan);
          const optimum = fewestReassignments(sizes, home, nodeCount, threshold);
          const notReached = (plan.notes ?? []).some((note) => note.includes('cannot be reached'));
          if (optimum === undefined) {
            assert.ok(notReached, 'an unreachable band is reported as such');
            return;
          }
          outcome.reachable++;
          const moved = replicaMoves(plan);
          if (notReached) stoppedShort.push(`sizes ${JSON.stringify(sizes)} on nodes ${JSON.stringify(home)} of ${nodeCount}, threshold ${threshold}`);
          else if (moved === optimum) outcome.exact++;
          else if (moved === optimum + 1) outcome.oneMore++;
          else outcome.more++;
          if (notReached) outcome.stoppedShort++;
        },
      ),
      { numRuns: 2000, seed: 1 },
    );
    console.log(`bytes vs optimum: ${JSON.stringify(outcome)}`);
    const summary = JSON.stringify(outcome) + (stoppedShort.length > 0 ? `; stopped short on ${stoppedShort.slice(0, 3).join('; ')}` : '');
    assert.ok(outcome.reachable >= 300, `enough reachable cases to mean something: ${summary}`);
    assert.equal(outcome.stoppedShort, 0, `no plan stops short of a reachable band: ${summary}`);
    assert.ok(outcome.exact >= 0.98 * outcome.reachable, `at least 98% of plans use the fewest moves: ${summary}`);
    assert.ok(outcome.more <= 1, `at most one plan uses two or more moves over the optimum: ${summary}`);
  });
});

/** Least number of shards (one replica each) that must change node for every node to sit in the band. */
function fewestReassignments(sizes: readonly number[], home: readonly number[], nodeCount: number, threshold: number): number | undefined {
  const total = sizes.reduce((sum, size) => sum + size, 0);
  const mean = total / nodeCount;
  const [low, high] = [(1 - threshold) * mean - 1e-9, (1 + threshold) * mean + 1e-9];
  let best = Infinity;
  const loads = Array.from({ length: nodeCount }, () => 0);
  const assign = (index: number, changed: number): void => {
    if (changed >= best) return;
    if (index === sizes.length) {
      if (loads.every((load) => load >= low && load <= high)) best = changed;
      return;
    }
    for (let node = 0; node < nodeCount; node++) {
      loads[node] += sizes[index];
      assign(index + 1, changed + (node === home[index] ? 0 : 1));
      loads[node] -= sizes[index];
    }
  };
  assign(0, 0);
  return best === Infinity ? undefined : best;
}

/**
 * PD's balance-leader scheduler: leadership moves only between replicas a shard already
 * has. One transfer changes two nodes' leader counts by one, so the fewest transfers that
 * reach the band is at least max(Σ excess, Σ shortfall); when no overfull node shares a
 * shard with an underfull one, a chain is needed. Checked against breadth-first search over
 * leader assignments, replicas fixed.
 */
describe('planner: fewest leadership transfers (brute-force optimum on small clusters)', () => {
  it('needs exactly as many transfers as the breadth-first optimum', () => {
    let nonTrivial = 0;
    fc.assert(
      fc.property(
        fc.integer({ min: 2, max: 5 }),
        fc.integer({ min: 1, max: 6 }),
        fc.integer({ min: 1, max: 3 }),
        fc.array(fc.nat(), { minLength: 24, maxLength: 24 }),
        fc.constantFrom(0.01, 0.1, 0.5),
        (nodeCount, shardCount, rfWish, picks, threshold) => {
          const rf = Math.min(rfWish, nodeCount);
          const nodes = Array.from({ length: nodeCount }, (_, index) => ({ id: `n${index + 1}` }));
          const ranges = evenSlotRanges(shardCount);
          const shards = ranges.map((range, shard) => {
            const first = picks[shard] % nodeCount;
            const replicas = Array.from({ length: rf }, (_, copy) => nodes[(first + copy * (1 + (picks[shard + 6] % Math.max(1, nodeCount - 1)))) % nodeCount].id);
            const distinct = [...new Set(replicas)];
            while (distinct.length < rf) distinct.push(nodes.find((node) => !distinct.includes(node.id))!.id);
            return { id: `shard-${shard + 1}`, slots: [range], replicas: distinct, preferredLeader: distinct[picks[shard + 12] % rf] };
          });
          // Balancing bytes with no loads moves no replica, so only leadership changes.
          const input: PlanInput = { map: createShardMap(1, shards), nodes, loads: [], policy: { measure: 'bytes', threshold, replicationFactor: rf } };
          const plan = planRebalance(input);
          assert.ok(plan.moves.every((move) => move.kind === 'transfer-leader'));
          replayPlan(input, plan);
          const optimum = fewestTransfers(input, 8);
          if (optimum === undefined) return;
          if (optimum > 0) nonTrivial++;
          assert.equal(plan.moves.length, optimum, `transfers vs optimum for ${JSON.stringify(shards.map((shard) => [shard.replicas, shard.preferredLeader]))}, threshold ${threshold}`);
        },
      ),
      { numRuns: 400, seed: 9 },
    );
    assert.ok(nonTrivial >= 100, `enough cases need transfers (${nonTrivial})`);
  });
});

function fewestTransfers(input: PlanInput, depthMax: number): number | undefined {
  const nodeIndex = new Map(input.nodes.map((node, index) => [node.id, index]));
  const replicas = input.map.shards.map((shard) => shard.replicas.map((node) => nodeIndex.get(node)!));
  const start = input.map.shards.map((shard) => nodeIndex.get(shard.preferredLeader)!);
  const band = wholeNumberBand(start.length, input.nodes.map(() => 1), input.nodes.map(() => true), input.policy.threshold);
  const isGoal = (leaders: number[]): boolean => {
    const counts = input.nodes.map(() => 0);
    for (const leader of leaders) counts[leader]++;
    return counts.every((count, index) => count >= band.low[index] && count <= band.high[index]);
  };
  let frontier = [start];
  const seen = new Set([start.join(',')]);
  for (let depth = 0; depth <= depthMax; depth++) {
    const next: number[][] = [];
    for (const leaders of frontier) {
      if (isGoal(leaders)) return depth;
      leaders.forEach((leader, shard) => {
        for (const node of replicas[shard]) {
          if (node === leader) continue;
          const successor = leaders.map((other, index) => (index === shard ? node : other));
          if (seen.has(successor.join(','))) continue;
          seen.add(successor.join(','));
          next.push(successor);
        }
      });
    }
    frontier = next;
  }
  return undefined;
}
