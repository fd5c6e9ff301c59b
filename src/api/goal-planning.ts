import { planRebalance } from '../rebalance/planner';
import type { Plan, PlanInput } from '../rebalance/types';
import type { Simulation } from '../sim';
import type { ShardedDatabase } from './database';

/**
 * Every rebalancing plan made against the running database goes through here, so that it
 * plans within the tables' survival goals the placement group committed (issue 11 §1):
 * a plain rebalance, a join or a drain never moves a voter or a leader against a goal.
 * With no goal committed the input passes unchanged. With goals, each node is given the
 * region (and, when the caller gave none, the zone) it was started in.
 */
export function planWithCommittedGoals(sim: Simulation, database: ShardedDatabase, input: Omit<PlanInput, 'survival'>): Plan {
  const goals = database.placement.goals();
  if (goals.length === 0) return planRebalance(input);
  const nodes = input.nodes.map((node) => {
    const { region, zone } = sim.hasNode(node.id) ? sim.node(node.id).metadata : { region: undefined, zone: undefined };
    return { ...node, ...(region === undefined ? {} : { region }), ...(node.zone === undefined && zone !== undefined ? { zone } : {}) };
  });
  return planRebalance({ ...input, nodes, survival: goals });
}
