import { shardWeight } from './analysis';
import { type Band, continuousBand, outside, wholeNumberBand } from './bounds';
import type { ClusterModel } from './cluster-model';
import { type PlanBuilder } from './plan-builder';
import type { BalanceMeasure } from './types';

/**
 * Replica placement: first the moves that are required (off draining nodes, out of a zone
 * that holds two replicas of a shard), then balance moves until every node is inside the
 * band of `bounds.ts`, in the spirit of PD's balance-region scheduler (source: the store
 * with the highest score, target: the lowest) and CockroachDB's allocator (over/under-full
 * stores around the mean).
 *
 * Each balance move must strictly shrink the total distance of the nodes from their band
 * (Σ how far each node lies outside it), so the loop ends.
 * - Replica counts: the pair classes are tried in the order (overfull → underfull),
 *   (overfull → room left), (spare → underfull), which makes every move shrink
 *   max(excess, shortfall) by one: the least number of moves possible (checked against
 *   breadth-first search). A replica its node does not lead is preferred, saving a
 *   leadership transfer.
 * - Bytes and load (shards differ in size, a bin-packing problem): the move with the
 *   largest gain among the most overfull sources and most underfull targets; when no single
 *   move helps, an exchange of two shards (checked against exhaustive search).
 * Zone rule: after every move, no two replicas of a shard share a zone (while a move is in
 * flight, its incoming and outgoing replica may).
 */

const epsilon = 1e-9;
type Role = (node: number) => boolean;
/** Sources and targets weighed per weighted move: a bound on the work, not on quality in practice. */
const candidatesMax = 4;

export interface ReplicaBalanceResult {
  /** Distance from the band left when no further move helps (0: the threshold is reached). */
  readonly distanceLeft: number;
}

export function balanceReplicas(builder: PlanBuilder, measure: BalanceMeasure, threshold: number): ReplicaBalanceResult {
  const balancer = new ReplicaBalancer(builder, measure, threshold);
  balancer.repairZones();
  return { distanceLeft: balancer.balance() };
}

class ReplicaBalancer {
  private readonly model: ClusterModel;
  private readonly band: Band;
  private readonly eligible: boolean[];
  private readonly eligibleList: number[];

  constructor(
    private readonly builder: PlanBuilder,
    private readonly measure: BalanceMeasure,
    threshold: number,
  ) {
    this.model = builder.model;
    const nodes = this.model.nodes;
    this.eligible = nodes.map((node) => node.known && !node.draining);
    this.eligibleList = this.eligible.flatMap((eligible, index) => (eligible ? [index] : []));
    const total = this.model.liveShards().reduce((sum, shard) => sum + this.weight(shard) * this.model.shards[shard].replicas.length, 0);
    const capacities = nodes.map((node) => node.capacity);
    this.band = measure === 'replicas' ? wholeNumberBand(total, capacities, this.eligible, threshold) : continuousBand(total, capacities, this.eligible, threshold);
  }

  /** Moves one replica out of every zone holding two of a shard's replicas. */
  repairZones(): void {
    if (!this.model.zonesConfigured) return;
    for (const shard of this.model.liveShards()) {
      for (let duplicate = this.zoneDuplicate(shard); duplicate !== undefined; duplicate = this.zoneDuplicate(shard)) {
        const target = this.orderedTargets(this.allTargets()).find((node) => this.accepts(shard, duplicate.node, node));
        if (target === undefined) throw new Error(`no node can take ${this.model.shards[shard].id}'s replica out of zone ${duplicate.zone}`);
        this.move(shard, duplicate.node, target, `${this.model.shards[shard].id} has two replicas in zone ${duplicate.zone}`);
      }
    }
  }

  /** Balance moves until inside the band or stuck; returns the distance left. */
  balance(): number {
    const movesMax = 4 * this.model.shards.reduce((sum, shard) => sum + shard.replicas.length, 0) + 16;
    for (let moves = 0; moves < movesMax; moves++) {
      if (!this.nextMove()) return this.distance();
    }
    throw new Error(`replica balancing did not settle within ${movesMax} moves`);
  }

  private nextMove(): boolean {
    const nodes = this.model.nodes;
    const holders = nodes.map((_, index) => index).filter((index) => nodes[index].shards.size > 0);
    const draining = holders.filter((index) => !this.eligible[index]);
    if (draining.length > 0) return this.drainOne(draining);
    const isOver = (index: number): boolean => this.load(index) > this.band.high[index] + epsilon;
    const isUnder = (index: number): boolean => this.eligible[index] && this.load(index) < this.band.low[index] - epsilon;
    const isSpare = (index: number): boolean => !isOver(index) && this.load(index) > this.band.low[index] + epsilon;
    const hasRoom = (index: number): boolean => this.eligible[index] && !isUnder(index) && this.load(index) < this.band.high[index] - epsilon;
    const targets = this.allTargets();
    if (this.measure !== 'replicas') return this.weightedMove(holders.filter((index) => isOver(index) || isSpare(index)), targets.filter((index) => isUnder(index) || hasRoom(index))) || this.swap(holders, targets);
    const classes: [Role, Role][] = [
      [isOver, isUnder],
      [isOver, hasRoom],
      [isSpare, isUnder],
    ];
    for (const [isSource, isTarget] of classes) {
      const sources = holders.filter(isSource);
      const targetsOfClass = targets.filter(isTarget);
      if (sources.length === 0 || targetsOfClass.length === 0) continue;
      // The first pair of the sorted orders almost always works; sort only when it does not.
      const pair = this.firstWorkingPair([firstByKey(sources, this.sourceKey)], [firstByKey(targetsOfClass, this.targetKey)]) ?? this.firstWorkingPair(this.orderedSources(sources), this.orderedTargets(targetsOfClass));
      if (pair === undefined) continue;
      this.moveWhile(pair.source, pair.target, () => isSource(pair.source) && isTarget(pair.target));
      return true;
    }
    return false;
  }

  /**
   * Moves replicas from `source` to `target` while the pair stays in its class. A move of
   * a class never opens a move of an earlier class (it only empties sources and fills
   * targets), so staying with the pair keeps every move as useful as re-choosing would,
   * and saves choosing the pair again for each replica.
   */
  private moveWhile(source: number, target: number, inClass: () => boolean): void {
    do {
      const shard = this.bestShard(source, target);
      if (shard === undefined) return;
      this.move(shard, source, target, this.reason(source, target));
    } while (inClass());
  }

  private firstWorkingPair(sources: readonly number[], targets: readonly number[]): { source: number; target: number } | undefined {
    for (const source of sources) {
      for (const target of targets) {
        if (source !== target && this.bestShard(source, target) !== undefined) return { source, target };
      }
    }
    return undefined;
  }

  /**
   * Bytes and load: shard weights differ, so the first workable pair is not always the best.
   * Every pair among the few most overfull sources and most underfull targets is weighed,
   * and the single move that shrinks the distance from the band most is taken.
   */
  private weightedMove(sources: readonly number[], targets: readonly number[]): boolean {
    let best: { shard: number; source: number; target: number; gain: number } | undefined;
    for (const source of this.orderedSources(sources).slice(0, candidatesMax)) {
      for (const target of this.orderedTargets(targets).slice(0, candidatesMax)) {
        if (source === target) continue;
        const shard = this.bestShard(source, target);
        if (shard === undefined) continue;
        const gain = this.gain(source, target, this.weight(shard));
        if (best === undefined || gain > best.gain + epsilon) best = { shard, source, target, gain };
      }
    }
    if (best === undefined) return false;
    this.move(best.shard, best.source, best.target, this.reason(best.source, best.target));
    return true;
  }

  /**
   * When no single move helps (two nodes just outside the band, every shard too big to
   * move alone), exchange a shard of one for a lighter shard of the other: two moves whose
   * net effect moves the difference. For each shard of the source, the partner is found by
   * binary search among the target's shards sorted by weight.
   */
  private swap(holders: readonly number[], targets: readonly number[]): boolean {
    let best: { give: number; take: number; source: number; target: number; gain: number } | undefined;
    for (const source of this.orderedSources(holders).slice(0, candidatesMax)) {
      for (const target of this.orderedTargets(targets).slice(0, candidatesMax)) {
        if (source === target) continue;
        const candidate = this.bestExchange(source, target);
        if (candidate !== undefined && (best === undefined || candidate.gain > best.gain + epsilon)) best = { ...candidate, source, target };
      }
    }
    if (best === undefined) return false;
    const reason = `${this.reason(best.source, best.target)}; exchanged for ${this.model.shards[best.take].id}`;
    this.move(best.give, best.source, best.target, reason);
    this.move(best.take, best.target, best.source, `${this.reason(best.target, best.source)}; exchanged for ${this.model.shards[best.give].id}`);
    return true;
  }

  private bestExchange(source: number, target: number): { give: number; take: number; gain: number } | undefined {
    if (!this.mayGive(source, target) || !this.mayGive(target, source)) return undefined;
    const takeable = [...this.model.nodes[target].shards].filter((shard) => this.accepts(shard, target, source)).sort((a, b) => this.weight(a) - this.weight(b) || a - b);
    if (takeable.length === 0) return undefined;
    const capacitySource = this.model.nodes[source].capacity;
    const capacityTarget = this.model.nodes[target].capacity;
    // The net transfer that would leave both nodes equally full relative to capacity.
    const ideal = (this.load(source) / capacitySource - this.load(target) / capacityTarget) / (1 / capacitySource + 1 / capacityTarget);
    let best: { give: number; take: number; gain: number } | undefined;
    for (const give of this.model.nodes[source].shards) {
      if (!this.accepts(give, source, target)) continue;
      const wanted = this.weight(give) - ideal;
      const at = lowerBound(takeable, (shard) => this.weight(shard) >= wanted);
      for (const index of [at - 1, at]) {
        const take = takeable[index];
        if (take === undefined || take === give) continue;
        const net = this.weight(give) - this.weight(take);
        if (net <= epsilon) continue;
        const gain = this.gain(source, target, net);
        if (gain > epsilon && (best === undefined || gain > best.gain + epsilon)) best = { give, take, gain };
      }
    }
    return best;
  }

  /**
   * Moves one replica off a draining node. Replicas the node does not lead go first, so
   * that by the time a leader's replica moves, its shard has a replica on a node that stays
   * and leadership goes there (never to another draining node, which would cost a second
   * transfer).
   */
  private drainOne(draining: readonly number[]): boolean {
    const targets = this.orderedTargets(this.allTargets());
    for (const leading of [false, true]) {
      for (const source of draining) {
        for (const shard of this.model.nodes[source].shards) {
          if ((this.model.shards[shard].leader === source) !== leading) continue;
          const target = this.bestTargetFor(shard, source, targets);
          if (target === undefined) throw new Error(`no node can take ${this.model.shards[shard].id}'s replica off draining ${this.model.nodes[source].id}`);
          this.move(shard, source, target, `drain ${this.model.nodes[source].id}`);
          return true;
        }
      }
    }
    return false;
  }

  /** The target that brings the pair closest to its band, among those in preference order. */
  private bestTargetFor(shard: number, source: number, targets: readonly number[]): number | undefined {
    let best: number | undefined;
    let bestGain = -Infinity;
    for (const target of targets) {
      if (!this.accepts(shard, source, target)) continue;
      const gain = this.gain(source, target, this.weight(shard));
      if (gain > bestGain + epsilon) {
        best = target;
        bestGain = gain;
      }
    }
    return best;
  }

  /**
   * The shard whose move from `source` to `target` shrinks the distance from the band
   * most; among equals, one `source` does not lead (saves a leadership transfer), then
   * the one leaving the two nodes closest, then map order.
   */
  private bestShard(source: number, target: number): number | undefined {
    if (!this.mayGive(source, target)) return undefined;
    const sourceLoad = this.load(source);
    const targetLoad = this.load(target);
    const distanceBefore = this.distanceOf(source, sourceLoad) + this.distanceOf(target, targetLoad);
    const sourceCapacity = this.model.nodes[source].capacity;
    const targetCapacity = this.model.nodes[target].capacity;
    let best: number | undefined;
    let bestGain = 0;
    let bestLeads = 0;
    let bestSpread = 0;
    for (const shard of this.model.nodes[source].shards) {
      if (!this.accepts(shard, source, target)) continue;
      const weight = this.weight(shard);
      const gain = distanceBefore - this.distanceOf(source, sourceLoad - weight) - this.distanceOf(target, targetLoad + weight);
      if (gain <= epsilon) continue;
      const leads = this.model.shards[shard].leader === source ? 1 : 0;
      const spread = Math.abs((sourceLoad - weight) / sourceCapacity - (targetLoad + weight) / targetCapacity);
      const better = best === undefined || gain > bestGain || (gain === bestGain && (leads < bestLeads || (leads === bestLeads && spread < bestSpread)));
      if (!better) continue;
      best = shard;
      bestGain = gain;
      bestLeads = leads;
      bestSpread = spread;
      if (this.measure === 'replicas' && leads === 0) break;
    }
    return best;
  }

  /** How much moving `weight` from source to target shrinks the two nodes' distance from the band. */
  private gain(source: number, target: number, weight: number): number {
    const before = this.distanceOf(source, this.load(source)) + this.distanceOf(target, this.load(target));
    const after = this.distanceOf(source, this.load(source) - weight) + this.distanceOf(target, this.load(target) + weight);
    return before - after;
  }

  /** True when `target` may take `shard`'s replica from `source` (no copy there yet, the table's goal kept, zone free). */
  private accepts(shard: number, source: number, target: number): boolean {
    const modelShard = this.model.shards[shard];
    if (!this.eligible[target] || modelShard.replicas.includes(target)) return false;
    if (!this.model.keepsGoal(shard, source, target)) return false;
    if (!this.model.zonesConfigured) return true;
    return !this.model.hasReplicaInZone(shard, this.model.nodes[target].zoneKey, source);
  }

  /**
   * False when no shard of `source` can go to `target` because of zones: every shard there
   * already has a replica in the target's zone (kept as counts by the model, so this is
   * O(1)). Within one zone, the zone rule never blocks a move.
   */
  private mayGive(source: number, target: number): boolean {
    if (!this.model.zonesConfigured) return true;
    const zone = this.model.nodes[target].zoneKey;
    if (zone === this.model.nodes[source].zoneKey) return true;
    return this.model.coverage(source, zone) < this.model.nodes[source].shards.size;
  }

  private zoneDuplicate(shard: number): { node: number; zone: string } | undefined {
    const replicas = this.model.shards[shard].replicas;
    const byZone = new Map<string, number[]>();
    for (const node of replicas) byZone.set(this.model.nodes[node].zoneKey, [...(byZone.get(this.model.nodes[node].zoneKey) ?? []), node]);
    for (const [zone, holders] of byZone) {
      if (holders.length < 2) continue;
      const leader = this.model.shards[shard].leader;
      const [node] = this.orderedSources(holders).sort((left, right) => Number(left === leader) - Number(right === leader));
      return { node, zone: this.model.nodes[node].zone ?? zone };
    }
    return undefined;
  }

  private move(shard: number, source: number, target: number, reason: string): void {
    this.builder.moveReplica(shard, source, target, reason);
  }

  private reason(source: number, target: number): string {
    const nodes = this.model.nodes;
    const describe = (node: number): string => {
      const load = this.load(node);
      const band = load > this.band.high[node] + epsilon ? ` (above ${format(this.band.high[node])})` : load < this.band.low[node] - epsilon ? ` (below ${format(this.band.low[node])})` : '';
      return `${nodes[node].id} holds ${format(load)}${band}`;
    };
    return `balance ${this.measure}: ${describe(source)}, ${describe(target)}`;
  }

  /** Sources by how far above their upper bound per capacity, most first; ties by node order. */
  private orderedSources(sources: readonly number[]): number[] {
    return sortedByKey(sources, this.sourceKey);
  }

  private readonly sourceKey = (node: number): number => (this.load(node) - this.band.high[node]) / this.model.nodes[node].capacity;
  private readonly targetKey = (node: number): number => (this.band.low[node] - this.load(node)) / this.model.nodes[node].capacity;

  /** Targets by how far below their lower bound per capacity, most first; ties by node order. */
  private orderedTargets(targets: readonly number[]): number[] {
    return sortedByKey(targets, this.targetKey);
  }

  private allTargets(): readonly number[] {
    return this.eligibleList;
  }

  private distance(): number {
    return this.model.nodes.reduce((sum, _, index) => sum + this.distanceOf(index, this.load(index)), 0);
  }

  private distanceOf(node: number, load: number): number {
    return outside(load, this.band.low[node], this.band.high[node]);
  }

  private load(node: number): number {
    const modelNode = this.model.nodes[node];
    if (this.measure === 'replicas') return modelNode.shards.size;
    if (this.measure === 'bytes') return modelNode.bytes;
    return modelNode.readsPerSecond + modelNode.writesPerSecond;
  }

  private weight(shard: number): number {
    return shardWeight(this.measure, this.model.shards[shard]);
  }
}

/** Nodes by descending key, ties by node index; each key computed once. */
function sortedByKey(nodes: readonly number[], key: (node: number) => number): number[] {
  const keys = new Map(nodes.map((node) => [node, key(node)]));
  return [...nodes].sort((left, right) => keys.get(right)! - keys.get(left)! || left - right);
}

/** The first index whose element satisfies `atOrAfter` (which is false, then true, along the array). */
function lowerBound<T>(items: readonly T[], atOrAfter: (item: T) => boolean): number {
  let low = 0;
  let high = items.length;
  while (low < high) {
    const middle = (low + high) >> 1;
    if (atOrAfter(items[middle])) high = middle;
    else low = middle + 1;
  }
  return low;
}

/** The node sortedByKey would put first, in one pass. */
function firstByKey(nodes: readonly number[], key: (node: number) => number): number {
  let best = nodes[0];
  let bestKey = key(best);
  for (const node of nodes) {
    const nodeKey = key(node);
    if (nodeKey > bestKey || (nodeKey === bestKey && node < best)) {
      best = node;
      bestKey = nodeKey;
    }
  }
  return best;
}

function format(value: number): string {
  return Number.isInteger(value) ? String(value) : value.toFixed(1);
}
