/**
 * Scale-in safety (issue 9 §3), pure: which nodes to drain, and whether a drained node may
 * stop. The rules come from the data, not from the autoscaler's arithmetic:
 *
 * - never fewer running server nodes that stay than the replication factor (a shard needs
 *   that many homes);
 * - never drain at once a set of nodes that, with the nodes already down, holds a majority
 *   of some shard's voters: if every node being drained were lost mid-drain (Aurora's
 *   scale-in protection assumes a leaving instance can go at any time), each shard still
 *   keeps its quorum. CockroachDB refuses a decommission that would leave ranges without
 *   quorum for the same reason;
 * - stop a node only when it holds nothing: no replica in the placement map (voter or
 *   learner), in any group's configuration, or on its disk, and only if no shard would
 *   lose its quorum without it.
 *
 * - never drain a node without which some table's survival goal could not be met (the
 *   goals the placement group committed; src/placement/survival.ts).
 *
 * Which nodes: nodes hosting the placement service are protected (it does not move); among
 * the others, the node holding the fewest replicas drains first (least data to move), and
 * among equals the newest (the highest node number: last in, first out, as HPA's default
 * pod deletion cost prefers the youngest).
 */
import type { NodeId } from '../runtime/ports';

export interface ScaleInNode {
  readonly id: NodeId;
  /** Replicas (voters and learners) the placement map gives it. */
  readonly replicas: number;
  /** Hosts the placement service (or anything else that must not move): never drained. */
  readonly protected: boolean;
  readonly draining: boolean;
  /** Its process runs. A down node still counts toward capacity but gives no quorum. */
  readonly up: boolean;
}

export interface ScaleInShard {
  readonly id: string;
  readonly voters: readonly NodeId[];
}

export interface ScaleInView {
  readonly nodes: readonly ScaleInNode[];
  readonly shards: readonly ScaleInShard[];
  readonly replicationFactor: number;
  /**
   * Why the tables' survival goals could not be met on the nodes left once `leaving` are
   * gone (for instance, the home region keeps too few zones for a zone-goal table), or
   * undefined when they can. Absent: no table has a goal.
   */
  readonly goalsWithout?: (leaving: ReadonlySet<NodeId>) => string | undefined;
}

export interface DrainChoice {
  readonly chosen: readonly NodeId[];
  /** Why fewer than asked were chosen, one sentence per node passed over or limit met. */
  readonly passedOver: readonly string[];
}

/** Picks up to `count` nodes to drain now, keeping the replication factor and every shard's quorum. */
export function chooseNodesToDrain(view: ScaleInView, count: number): DrainChoice {
  if (!(Number.isInteger(count) && count >= 0)) throw new RangeError(`scale-in needs a whole number of nodes ≥ 0, got ${count}`);
  // Only running nodes that stay count: a node that is down holds nothing anyone can read now.
  const staying = view.nodes.filter((node) => !node.draining && node.up).length;
  const allowed = Math.min(count, Math.max(0, staying - view.replicationFactor));
  const passedOver: string[] = [];
  if (allowed < count) passedOver.push(`${count} asked, ${allowed} allowed: ${staying} running nodes stay and the replication factor is ${view.replicationFactor}`);
  const leaving = new Set(view.nodes.filter((node) => node.draining || !node.up).map((node) => node.id));
  const chosen: NodeId[] = [];
  for (const node of drainOrder(view.nodes)) {
    if (chosen.length >= allowed) break;
    const shard = shardLosingQuorum(view.shards, leaving, node.id);
    if (shard !== undefined) {
      passedOver.push(`${node.id}: ${shard.id} would keep too few voters if the nodes leaving were lost (voters ${shard.voters.join(', ')})`);
      continue;
    }
    const goal = view.goalsWithout?.(new Set([...leaving, node.id]));
    if (goal !== undefined) {
      passedOver.push(`${node.id}: ${goal}`);
      continue;
    }
    chosen.push(node.id);
    leaving.add(node.id);
  }
  return { chosen, passedOver };
}

/** Candidates in drain order: unprotected, up, not already draining; fewest replicas, then newest. */
export function drainOrder(nodes: readonly ScaleInNode[]): ScaleInNode[] {
  return nodes
    .filter((node) => !node.protected && node.up && !node.draining)
    .sort((a, b) => a.replicas - b.replicas || b.id.localeCompare(a.id, 'en', { numeric: true }));
}

/** The first shard that would keep no majority of its voters outside `leaving` plus `node`. */
function shardLosingQuorum(shards: readonly ScaleInShard[], leaving: ReadonlySet<NodeId>, node: NodeId): ScaleInShard | undefined {
  return shards.find((shard) => {
    if (!shard.voters.includes(node)) return false;
    const kept = shard.voters.filter((voter) => voter !== node && !leaving.has(voter)).length;
    return kept * 2 <= shard.voters.length;
  });
}

/** What the cluster looks like to the check before a node stops. */
export interface StopView {
  /** Per shard: the placement map's voters and learners. */
  readonly map: readonly { readonly id: string; readonly voters: readonly NodeId[]; readonly learners: readonly NodeId[] }[];
  /** Per shard: the configuration its leader runs (absent when it has no leader now). */
  readonly configs: readonly { readonly id: string; readonly voters: readonly NodeId[]; readonly learners: readonly NodeId[] }[];
  /** Data groups whose replica is listed on the node's disk. */
  readonly groupsOnDisk: readonly string[];
  /** Server nodes whose process runs (the node itself included if it runs). */
  readonly upNodes: readonly NodeId[];
  /** Server nodes that count toward capacity (up or down, not stopped). */
  readonly serverCount: number;
  readonly replicationFactor: number;
}

/** Reasons the node must not stop now; empty when it holds nothing and nobody needs it. */
export function reasonsNotToStop(node: NodeId, view: StopView): string[] {
  const reasons: string[] = [];
  for (const shard of view.map) {
    if (shard.voters.includes(node) || shard.learners.includes(node)) reasons.push(`the placement map still gives ${node} a replica of ${shard.id}`);
  }
  for (const config of view.configs) {
    if (config.voters.includes(node) || config.learners.includes(node)) reasons.push(`${config.id}'s configuration still names ${node}`);
    const kept = config.voters.filter((voter) => voter !== node && view.upNodes.includes(voter)).length;
    if (config.voters.includes(node) && kept * 2 <= config.voters.length) reasons.push(`${config.id} would lose its quorum without ${node} (${kept} of ${config.voters.length} voters left up)`);
  }
  for (const group of view.groupsOnDisk) reasons.push(`${node}'s disk still holds a replica of ${group}`);
  if (view.serverCount - 1 < view.replicationFactor) reasons.push(`stopping ${node} would leave ${view.serverCount - 1} nodes, below the replication factor ${view.replicationFactor}`);
  return reasons;
}
