import { repairVoters, type SitedNode, SurvivalGoalError } from '../placement/survival';
import type { PlanBuilder } from './plan-builder';
import { PlanError, type PlanInput } from './types';

/**
 * The survival phase of a plan (issue 11 §1): every shard that carries a table's survival
 * goal gets the voters and the leader its goal asks for (src/placement/survival.ts), with
 * as few replica moves as the goal allows (voters that fit stay), then a leadership
 * transfer into the home region when the leader stands elsewhere (CockroachDB: "Home
 * regions", leaseholders prefer the home region). Draining nodes are not eligible, so a
 * drain under survival goals replaces each voter inside the constraints.
 *
 * Moves go through the plan builder, so the usual ordering holds: add before remove, and
 * leadership leaves a replica before it is removed. Each shard is then bound to its home
 * region in the model, so the later phases (balance, leaders, splits and merges) keep the
 * goal: its voters move only within their region, its leadership stays home.
 */
export function repairSurvivalGoals(builder: PlanBuilder, input: PlanInput): void {
  const model = builder.model;
  const sited: SitedNode[] = input.nodes.flatMap((node) => (node.region === undefined || node.draining ? [] : [{ id: node.id, region: node.region, zone: node.zone ?? `${node.region}/${node.id}` }]));
  for (const { shard: shardId, locality } of input.survival ?? []) {
    const shard = model.shards.findIndex((candidate) => candidate.live && candidate.id === shardId);
    if (shard < 0) throw new PlanError(`a survival goal names shard ${shardId}, which is not in the map`);
    const current = model.shards[shard].replicas.map((node) => model.nodes[node].id);
    if (current.length !== locality.voters) {
      throw new PlanError(`table ${locality.table} (${shardId}) has ${current.length} voters and its survival goal asks for ${locality.voters}; changing a table's voter count is not planned`);
    }
    const target = placement(locality, current, model.nodes[model.shards[shard].leader].id, sited, builder);
    const leaving = current.filter((node) => !target.voters.includes(node));
    const joining = target.voters.filter((node) => !current.includes(node));
    leaving.forEach((from, index) => {
      const to = joining[index];
      builder.moveReplica(shard, model.indexOf(from)!, model.indexOf(to)!, `table ${locality.table}'s survival goal ${locality.goal} (home region ${locality.homeRegion}) needs its voter on ${from} moved to ${to}`);
    });
    const leader = model.indexOf(target.preferredLeader)!;
    if (model.shards[shard].leader !== leader) {
      builder.transferLeader(shard, leader, `table ${locality.table}'s leader goes to its home region ${locality.homeRegion}`);
    }
    model.bindToHomeRegion(shard, locality.homeRegion);
  }
}

function placement(locality: Parameters<typeof repairVoters>[0], voters: readonly string[], preferredLeader: string, sited: readonly SitedNode[], builder: PlanBuilder): ReturnType<typeof repairVoters> {
  const model = builder.model;
  const count = (node: string, field: 'shards' | 'led'): number => {
    const index = model.indexOf(node);
    return index === undefined ? 0 : model.nodes[index][field].size;
  };
  try {
    return repairVoters(locality, { voters, preferredLeader }, sited, { replicas: (node) => count(node, 'shards'), leaders: (node) => count(node, 'led') });
  } catch (error) {
    if (error instanceof SurvivalGoalError) throw new PlanError(error.message);
    throw error;
  }
}
