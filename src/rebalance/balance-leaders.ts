import { type Band, outside, wholeNumberBand } from './bounds';
import type { ClusterModel } from './cluster-model';
import type { PlanBuilder } from './plan-builder';

/**
 * Leader balancing by count, PD's balance-leader scheduler: leadership moves only between
 * existing replicas (a transfer, no data copied), from nodes above the leader band to
 * nodes below it. A shard with a survival goal passes leadership only within its home
 * region (CockroachDB: leaseholders stay in the home region).
 *
 * Direct transfers come in three classes, tried in order: overfull → underfull (shrinks
 * both the excess and the shortfall), overfull → room left, spare → underfull. A transfer
 * of a class never creates a transfer of an earlier class, so each class is swept in one
 * pass over the targets' replicas, transferring every shard whose leader qualifies while
 * the target still does. Every transfer shrinks max(Σ excess, Σ shortfall) by one, the
 * least possible (planner tests compare with breadth-first search).
 *
 * When no direct transfer exists (no overfull node shares a shard with an underfull one),
 * a breadth-first search finds a chain a → b → … → z, each step along a shard the next
 * node holds, which moves one leadership from a to z and leaves the nodes in between
 * unchanged (an augmenting path, as in src/sharding/placement.ts).
 */
export function balanceLeaders(builder: PlanBuilder, threshold: number): void {
  const balancer = new LeaderBalancer(builder, threshold);
  const roundsMax = 2 * builder.model.shards.length * builder.model.nodes.length + 16;
  for (let round = 0; round < roundsMax; round++) {
    if (!balancer.sweep() && !balancer.chain()) return;
  }
  throw new Error(`leader balancing did not settle within ${roundsMax} rounds`);
}

/** Distance of the leader counts from their band (0 once balanced). */
export function leaderDistance(model: ClusterModel, threshold: number): number {
  const eligible = model.nodes.map((node) => node.known && !node.draining);
  const band = wholeNumberBand(model.liveShards().length, model.nodes.map((node) => node.capacity), eligible, threshold);
  return model.nodes.reduce((sum, node, index) => sum + outside(node.led.size, band.low[index], band.high[index]), 0);
}

interface Transfer {
  readonly shard: number;
  readonly from: number;
  readonly to: number;
}

type Role = (node: number) => boolean;

class LeaderBalancer {
  private readonly model: ClusterModel;
  private readonly band: Band;
  private readonly eligible: boolean[];
  private readonly nodes: number[];
  private readonly classes: [Role, Role][];

  constructor(
    private readonly builder: PlanBuilder,
    threshold: number,
  ) {
    this.model = builder.model;
    this.eligible = this.model.nodes.map((node) => node.known && !node.draining);
    this.nodes = this.model.nodes.map((_, index) => index);
    this.band = wholeNumberBand(this.model.liveShards().length, this.model.nodes.map((node) => node.capacity), this.eligible, threshold);
    const led = (node: number): number => this.model.nodes[node].led.size;
    const over: Role = (node) => led(node) > this.band.high[node];
    const under: Role = (node) => this.eligible[node] && led(node) < this.band.low[node];
    const spare: Role = (node) => !over(node) && led(node) > this.band.low[node];
    const room: Role = (node) => this.eligible[node] && !under(node) && led(node) < this.band.high[node];
    this.classes = [
      [over, under],
      [over, room],
      [spare, under],
    ];
  }

  /** One pass of the first class that has a direct transfer; false when none has. */
  sweep(): boolean {
    for (const [isSource, isTarget] of this.classes) {
      let transferred = false;
      for (const to of this.byShortfall(this.nodes.filter(isTarget))) {
        for (const shard of [...this.model.nodes[to].shards]) {
          if (!isTarget(to)) break;
          const from = this.model.shards[shard].leader;
          if (from === to || !isSource(from) || !this.model.mayLead(shard, to)) continue;
          this.transfer([{ shard, from, to }]);
          transferred = true;
        }
      }
      if (transferred) return true;
    }
    return false;
  }

  /** The shortest chain of transfers from a source to a target of the first class that has one. */
  chain(): boolean {
    for (const [isSource, isTarget] of this.classes) {
      const path = this.shortestChain(this.nodes.filter(isSource), isTarget);
      if (path !== undefined) {
        this.transfer(path);
        return true;
      }
    }
    return false;
  }

  private shortestChain(sources: readonly number[], isTarget: Role): Transfer[] | undefined {
    const previous = new Map<number, Transfer | null>();
    const queue: number[] = [];
    for (const source of sources) {
      previous.set(source, null);
      queue.push(source);
    }
    for (let head = 0; head < queue.length; head++) {
      const node = queue[head];
      for (const shard of this.model.nodes[node].led) {
        for (const next of this.model.shards[shard].replicas) {
          if (!this.eligible[next] || previous.has(next) || !this.model.mayLead(shard, next)) continue;
          previous.set(next, { shard, from: node, to: next });
          if (isTarget(next)) return unwind(previous, next);
          queue.push(next);
        }
      }
    }
    return undefined;
  }

  private transfer(path: readonly Transfer[]): void {
    const reason = this.reason(path[0].from, path[path.length - 1].to);
    for (const step of path) this.builder.transferLeader(step.shard, step.to, reason);
  }

  private byShortfall(targets: number[]): number[] {
    const shortfall = new Map(targets.map((node) => [node, (this.band.low[node] - this.model.nodes[node].led.size) / this.model.nodes[node].capacity]));
    return targets.sort((a, b) => shortfall.get(b)! - shortfall.get(a)! || a - b);
  }

  private reason(from: number, to: number): string {
    const describe = (node: number): string => {
      const led = this.model.nodes[node].led.size;
      const where = led > this.band.high[node] ? ` (above ${this.band.high[node]})` : led < this.band.low[node] ? ` (below ${this.band.low[node]})` : '';
      return `${this.model.nodes[node].id} leads ${led}${where}`;
    };
    return `balance leaders: ${describe(from)}, ${describe(to)}`;
  }
}

/** The chain ending at `end`, in order from its source; steps use distinct shards. */
function unwind(previous: ReadonlyMap<number, Transfer | null>, end: number): Transfer[] {
  const path: Transfer[] = [];
  for (let step = previous.get(end); step; step = previous.get(step.from)) path.unshift(step);
  return path;
}
