import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { survivalViolations, type TableLocality } from '../../src/placement/survival';
import { planRebalance } from '../../src/rebalance/planner';
import { type Move, type PlanInput, PlanError, type PlanNode } from '../../src/rebalance/types';
import { createShardMap, evenSlotRanges, type ShardMap } from '../../src/sharding';
import { replayPlan } from './plan-replay';

/**
 * The planner's survival phase (issue 11 §1), after CockroachDB's multi-region docs:
 * "Survival goals" (ZONE: all voters in the home region; REGION: voters over at least three
 * regions, so losing one keeps a quorum), "Home regions" (the leaseholder is placed there).
 */
const REGIONS = ['us-east', 'us-west', 'eu-west'];
const nodes: PlanNode[] = REGIONS.flatMap((region, r) => ['a', 'b', 'c'].map((zone, z) => ({ id: `n${r * 3 + z + 1}`, region, zone: `${region}-${zone}` })));
const sited = nodes.map((node) => ({ id: node.id, region: node.region!, zone: node.zone! }));
const policy = { measure: 'replicas' as const, threshold: 0.1, replicationFactor: 3 };
const locality = (table: string, goal: 'zone' | 'region', homeRegion: string): TableLocality => ({ table, goal, homeRegion, voters: 3 });

const describeMove = (move: Move): string => (move.kind === 'move-replica' || move.kind === 'transfer-leader' ? `${move.kind} ${move.from}->${move.to}` : move.kind);

/** Shards given as [replicas, leader]. */
function mapOf(shards: readonly (readonly [readonly string[], string])[]): ShardMap {
  const ranges = evenSlotRanges(shards.length);
  return createShardMap(1, shards.map(([replicas, leader], index) => ({ id: `shard-${index + 1}`, slots: [ranges[index]], replicas, preferredLeader: leader })));
}

function check(input: PlanInput): ReturnType<typeof planRebalance> {
  const plan = planRebalance(input);
  const final = replayPlan(input, plan);
  const normal = (map: ShardMap) => map.shards.map((shard) => ({ ...shard, replicas: [...shard.replicas].sort() }));
  assert.deepEqual(normal(final), normal(plan.expectedMap));
  for (const { shard, locality: table } of input.survival ?? []) {
    const placed = final.shards.find((candidate) => candidate.id === shard)!;
    assert.deepEqual(survivalViolations(table, placed.replicas, placed.preferredLeader, sited), [], `${shard} after the plan`);
  }
  return plan;
}

describe('planner survival phase (CockroachDB survival goals and home regions)', () => {
  it('moves the second us-east voter of a region-goal table to the missing region, keeping the rest', () => {
    const map = mapOf([[['n1', 'n2', 'n4'], 'n1']]);
    const plan = check({ map, nodes, policy, survival: [{ shard: 'shard-1', locality: locality('orders', 'region', 'us-east') }] });
    assert.deepEqual(plan.moves.map((move) => [move.kind, move.kind === 'move-replica' ? move.from : '', move.kind === 'move-replica' ? move.to : '']), [['move-replica', 'n2', 'n7']]);
  });

  it('transfers leadership into the home region when the leader stands elsewhere', () => {
    const map = mapOf([[['n1', 'n4', 'n7'], 'n7']]);
    const plan = check({ map, nodes, policy, survival: [{ shard: 'shard-1', locality: locality('orders', 'region', 'us-east') }] });
    assert.deepEqual(plan.moves.map(describeMove), ['transfer-leader n7->n1']);
  });

  it('moves a zone-goal table to its new home region, leader included, never below three replicas', () => {
    const map = mapOf([[['n1', 'n2', 'n3'], 'n1']]);
    const plan = check({ map, nodes, policy, survival: [{ shard: 'shard-1', locality: locality('carts', 'zone', 'eu-west') }] });
    assert.equal(plan.moves.filter((move) => move.kind === 'move-replica').length, 3);
    assert.equal(plan.expectedMap.shards[0].preferredLeader.startsWith('n'), true);
    assert.deepEqual([...plan.expectedMap.shards[0].replicas].sort(), ['n7', 'n8', 'n9']);
  });

  it('makes no move when every goal already holds', () => {
    const map = mapOf([[['n1', 'n2', 'n3'], 'n2'], [['n1', 'n5', 'n9'], 'n9']]);
    const plan = check({ map, nodes, policy, survival: [{ shard: 'shard-1', locality: locality('carts', 'zone', 'us-east') }, { shard: 'shard-2', locality: locality('users', 'region', 'eu-west') }] });
    assert.deepEqual(plan.moves, []);
  });

  it('replaces a draining voter inside its goal (same region under the zone goal)', () => {
    const map = mapOf([[['n1', 'n2', 'n3'], 'n1']]);
    const extra: PlanNode = { id: 'n10', region: 'us-east', zone: 'us-east-b' };
    const input: PlanInput = { map, nodes: [...nodes.map((node) => (node.id === 'n2' ? { ...node, draining: true } : node)), extra], policy, survival: [{ shard: 'shard-1', locality: locality('carts', 'zone', 'us-east') }] };
    const plan = planRebalance(input);
    replayPlan(input, plan);
    assert.deepEqual(plan.moves.map(describeMove), ['move-replica n2->n10']);
    // Without n10 the only way out of n2 would break the goal, so the plan is refused:
    const noRoom = () => planRebalance({ ...input, nodes: input.nodes.filter((node) => node.id !== 'n10') });
    assert.throws(noRoom, (error: unknown) => error instanceof PlanError && /table carts cannot have survival goal zone \(home region us-east\): 3 voters in us-east need 3 zones there/.test(error.message));
  });

  it('refuses a goal the regions cannot meet, naming the table and the goal', () => {
    const twoRegions = nodes.filter((node) => node.region !== 'eu-west');
    const map = mapOf([[['n1', 'n4', 'n5'], 'n1']]);
    assert.throws(() => planRebalance({ map, nodes: twoRegions, policy, survival: [{ shard: 'shard-1', locality: locality('orders', 'region', 'us-east') }] }), /table orders cannot have survival goal region \(home region us-east\): 3 voters need at least 3 regions/);
  });

  it('property: from any placement, the plan ends with every goal met and a home-region leader', () => {
    const nodeIds = nodes.map((node) => node.id);
    const shardArbitrary = fc.tuple(fc.shuffledSubarray(nodeIds, { minLength: 3, maxLength: 3 }), fc.nat(2), fc.constantFrom<'zone' | 'region'>('zone', 'region'), fc.constantFrom(...REGIONS));
    fc.assert(
      fc.property(fc.array(shardArbitrary, { minLength: 1, maxLength: 6 }), (shards) => {
        const map = mapOf(shards.map(([replicas, leader]) => [replicas, replicas[leader]] as const));
        const survival = shards.map(([, , goal, home], index) => ({ shard: `shard-${index + 1}`, locality: locality(`t${index + 1}`, goal, home) }));
        check({ map, nodes, policy, survival });
      }),
      { numRuns: 300 },
    );
  });
});
