import type { ClusterModel } from './cluster-model';
import type { Move } from './types';

/**
 * Applies moves to the working model and records them in plan order. It is the one place
 * that turns "move this replica" into plan steps, so the leadership rule holds for every
 * phase: a transfer-leader step always comes right before the move that removes the
 * leader's replica (CockroachDB's allocator does the same: a leaseholder is never the
 * replica being removed; it transfers the lease first).
 */
export class PlanBuilder {
  readonly moves: Move[] = [];

  constructor(readonly model: ClusterModel) {}

  /**
   * Moves a replica of `shard` from node `from` to node `to`. When `from` leads the shard
   * and another replica exists, leadership first goes to the remaining replica with the
   * fewest leaderships per capacity (not draining when possible). A shard with a single
   * replica cannot hand leadership over in advance; its move-replica step then carries
   * leadership to the new replica, which the executor does after promoting it and before
   * removing the old one (issue step 4).
   */
  moveReplica(shard: number, from: number, to: number, reason: string): void {
    const model = this.model;
    const modelShard = model.shards[shard];
    if (modelShard.leader === from && modelShard.replicas.length > 1) {
      const heir = this.heirOf(shard, from);
      this.transferLeader(shard, heir, `${model.nodes[from].id} hands leadership over before its replica of ${modelShard.id} moves to ${model.nodes[to].id}`);
    }
    model.moveReplica(shard, from, to);
    this.moves.push({ kind: 'move-replica', shard: modelShard.id, from: model.nodes[from].id, to: model.nodes[to].id, reason });
  }

  transferLeader(shard: number, to: number, reason: string): void {
    const model = this.model;
    const modelShard = model.shards[shard];
    const from = modelShard.leader;
    if (from === to) throw new Error(`${modelShard.id}: ${model.nodes[to].id} already leads`);
    model.setLeader(shard, to);
    this.moves.push({ kind: 'transfer-leader', shard: modelShard.id, from: model.nodes[from].id, to: model.nodes[to].id, reason });
  }

  record(move: Move): void {
    this.moves.push(move);
  }

  private heirOf(shard: number, leaving: number): number {
    const nodes = this.model.nodes;
    const candidates = this.model.shards[shard].replicas.filter((node) => node !== leaving);
    // A shard with a survival goal hands leadership to a home-region voter (the model's mayLead).
    const rank = (node: number): [number, number, number, number] => [this.model.mayLead(shard, node) ? 0 : 1, nodes[node].draining ? 1 : 0, nodes[node].led.size / nodes[node].capacity, node];
    return candidates.reduce((best, node) => (compareTuples(rank(node), rank(best)) < 0 ? node : best));
  }
}

export function compareTuples(left: readonly number[], right: readonly number[]): number {
  for (let index = 0; index < left.length; index++) {
    if (left[index] !== right[index]) return left[index] - right[index];
  }
  return 0;
}
