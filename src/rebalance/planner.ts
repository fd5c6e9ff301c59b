import { analyzeDistribution } from './analysis';
import { balanceLeaders, leaderDistance } from './balance-leaders';
import { balanceReplicas } from './balance-replicas';
import { ClusterModel } from './cluster-model';
import { validatePlanInput } from './plan-input';
import { PlanBuilder } from './plan-builder';
import { mergeSmallShards, splitHotShards } from './reshape';
import { repairSurvivalGoals } from './survival-phase';
import type { Plan, PlanInput } from './types';

/**
 * Rebalancing plans (issue 8 §3). Pure and deterministic: the same input gives the same
 * plan, ties are broken by node and shard order in the input, and nothing is random.
 *
 * Phases, in plan order:
 * 0. survival goals (survival-phase.ts): each table's voters and leader where its goal
 *    asks; from then on those shards move only within their regions and lead only from
 *    their home region, so no later phase breaks a goal;
 * 1. splits of hot shards, then merges of small ones (reshape.ts);
 * 2. required replica moves: off draining nodes, out of doubly used zones;
 * 3. balance moves of the policy's measure until every node is inside the threshold band
 *    (balance-replicas.ts), or no move helps any more (then `notes` says so);
 * 4. leadership transfers until leader counts are inside the same band (balance-leaders.ts).
 *
 * Ordering guarantees the executor can rely on:
 * - every move-replica is add-then-remove (learner, catch-up, promote, remove), so a shard
 *   never has fewer than its replication factor of replicas;
 * - a move-replica never removes the shard's leader while another replica exists: the
 *   plan puts a transfer-leader step for that shard right before it (plan-builder.ts);
 * - after every step, no two replicas of a shard share a node or a zone (zones checked
 *   when any node names one), and draining nodes only lose replicas.
 */
export function planRebalance(input: PlanInput): Plan {
  validatePlanInput(input);
  const { policy } = input;
  const model = new ClusterModel(input.map, input.nodes, input.loads);
  const builder = new PlanBuilder(model);
  const notes: string[] = [];
  // Goals first: every later phase then plans within them (cluster-model.ts keepsGoal, mayLead).
  if (input.survival !== undefined) repairSurvivalGoals(builder, input);
  const split = splitHotShards(builder, policy, notes);
  mergeSmallShards(builder, policy, split);
  const { distanceLeft } = balanceReplicas(builder, policy.measure, policy.threshold);
  if (distanceLeft > 1e-9) notes.push(`the ${policy.measure} threshold ${policy.threshold} cannot be reached: no further move brings a node closer to its share (zones, shard sizes or capacities stand in the way)`);
  if (policy.balanceLeaders ?? true) {
    balanceLeaders(builder, policy.threshold);
    if (leaderDistance(model, policy.threshold) > 0) notes.push(`leaders cannot be balanced within the threshold ${policy.threshold}: the replica sets do not allow it`);
  }
  const expectedMap = model.toShardMap(input.map.epoch + 1);
  const before = analyzeDistribution({ map: input.map, nodes: input.nodes, loads: input.loads }).imbalance;
  const after = analyzeDistribution({ map: expectedMap, nodes: input.nodes, loads: model.toLoads() }).imbalance;
  return { moves: builder.moves, before, after, expectedMap, notes };
}
