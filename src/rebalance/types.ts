import type { TableGoal } from '../placement/survival';
import type { NodeId } from '../runtime/ports';
import type { ShardId, ShardMap, SlotRange } from '../sharding/shard-map';

/**
 * The contract between the rebalancing planner (pure: analysis.ts, planner.ts) and the
 * executor that carries a plan out through the placement group and Raft membership
 * changes. Both sides import only this file from each other.
 */

/** A node as the planner sees it. */
export interface PlanNode {
  readonly id: NodeId;
  /** Zone, when zones are configured; two replicas of a shard never share one. */
  readonly zone?: string;
  /** Relative capacity (1 by default): a node of capacity 2 should hold twice the share. */
  readonly capacity?: number;
  /** A draining node must end with no replica. */
  readonly draining?: boolean;
  /** Region, for survival goals (src/placement/survival.ts). */
  readonly region?: string;
}

/** A shard that holds a table with a survival goal: its voters and leader must meet it. */
export type ShardSurvival = TableGoal;

/** Load measured per shard from simulated traffic and stored data (zero when unknown). */
export interface ShardLoad {
  readonly shard: ShardId;
  readonly bytes: number;
  readonly readsPerSecond: number;
  readonly writesPerSecond: number;
  /** Per-slot load of the shard, for splits chosen by load or size (optional). */
  readonly slots?: readonly { readonly slot: number; readonly bytes: number; readonly opsPerSecond: number }[];
}

export type BalanceMeasure = 'replicas' | 'bytes' | 'load';

export interface RebalancePolicy {
  /** What to balance. */
  readonly measure: BalanceMeasure;
  /**
   * Imbalance threshold: the plan stops once max/mean of the measure over eligible nodes
   * is at most 1 + threshold and min/mean at least 1 − threshold (CockroachDB's overfull
   * and underfull stores; a new, empty node is underfull). Means are capacity-weighted.
   * For counts, the band is rounded to whole numbers and widened when it is tighter than
   * whole numbers allow. Must be > 0.
   */
  readonly threshold: number;
  /** Leaders are balanced too (by count) when true; default true. */
  readonly balanceLeaders?: boolean;
  /** A shard whose ops per second exceed this is split (undefined: never split). */
  readonly hotShardOpsPerSecond?: number;
  /** How a split chooses the slots that move: by load or by size. */
  readonly splitBy?: 'load' | 'size';
  /** Two shards each below this many bytes are merged (undefined: never merge). */
  readonly mergeBelowBytes?: number;
  readonly replicationFactor: number;
}

export interface PlanInput {
  readonly map: ShardMap;
  readonly nodes: readonly PlanNode[];
  readonly loads?: readonly ShardLoad[];
  readonly policy: RebalancePolicy;
  /**
   * Survival goals per shard (issue 11 §1), as the placement group committed them. The
   * plan meets them first; later phases move those shards' voters only within their
   * regions and their leadership only within the home region.
   */
  readonly survival?: readonly ShardSurvival[];
}

/** One step of a plan. Every move carries a reason a person can read. */
export type Move =
  /**
   * Add a replica on `to`, then remove the one on `from`. The planner puts a
   * transfer-leader step for the shard right before any move whose `from` leads it, so
   * `from` leads here only when it is the shard's single replica; leadership then passes
   * to `to` after it is promoted, before `from` is removed.
   */
  | { readonly kind: 'move-replica'; readonly shard: ShardId; readonly from: NodeId; readonly to: NodeId; readonly reason: string }
  | { readonly kind: 'transfer-leader'; readonly shard: ShardId; readonly from: NodeId; readonly to: NodeId; readonly reason: string }
  | { readonly kind: 'move-slots'; readonly from: ShardId; readonly to: ShardId; readonly range: SlotRange; readonly reason: string }
  /** `replicas[0]` is the new shard's preferred leader. */
  | { readonly kind: 'split'; readonly shard: ShardId; readonly newShard: ShardId; readonly ranges: readonly SlotRange[]; readonly replicas: readonly NodeId[]; readonly reason: string }
  /** `from`'s slots (and keys) move into `into`; then `from`'s group is retired. */
  | { readonly kind: 'merge'; readonly from: ShardId; readonly into: ShardId; readonly reason: string };

/** Imbalance of one measure across eligible nodes. */
export interface Imbalance {
  readonly measure: BalanceMeasure | 'leaders';
  readonly maxOverMean: number;
  readonly coefficientOfVariation: number;
}

export interface Plan {
  readonly moves: readonly Move[];
  readonly before: readonly Imbalance[];
  /** Expected imbalance once every move is done. */
  readonly after: readonly Imbalance[];
  /** The map the plan leads to (epoch not meaningful). */
  readonly expectedMap: ShardMap;
  /** Why the plan stops short of the threshold, or skipped a split, in sentences (optional). */
  readonly notes?: readonly string[];
}

/** Bad input: names the problem; nothing was changed. */
export class PlanError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PlanError';
  }
}
