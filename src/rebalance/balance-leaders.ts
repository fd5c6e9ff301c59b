import { type Band, outside, wholeNumberBand } from './bounds';
import type { ClusterModel } from './cluster-model';
import type { PlanBuilder } from './plan-builder';

/**
 * Leader balancing by count, PD's balance-leader scheduler: leadership moves only between
 * existing replicas (a transfer, no data copied), from nodes above the leader band to
 * nodes below it. When no direct transfer exists (the overfull node shares no shard with
 * any underfull one), a breadth-first search finds a chain of transfers
 * a → b → … → z, each along a shard the next node holds, which moves one leadership from
 * a to z and leaves the nodes in between unchanged (an augmenting path, as in
 * src/sharding/placement.ts).
 */
export function balanceLeaders(builder: PlanBuilder, threshold: number): void {
  const model = builder.model;
  const eligible = model.nodes.map((node) => node.known && !node.draining);
  const band = wholeNumberBand(model.liveShards().length, model.nodes.map((node) => node.capacity), eligible, threshold);
  const transfersMax = 2 * model.shards.length * model.nodes.length + 16;
  for (let transfers = 0; transfers < transfersMax; ) {
    const path = nextPath(model, band, eligible);
    if (path === undefined) return;
    for (const step of path) {
      builder.transferLeader(step.shard, step.to, reasonFor(model, band, path[0].from, path[path.length - 1].to));
      transfers++;
    }
  }
  throw new Error(`leader balancing did not settle within ${transfersMax} transfers`);
}

interface Transfer {
  readonly shard: number;
  readonly from: number;
  readonly to: number;
}

function nextPath(model: ClusterModel, band: Band, eligible: readonly boolean[]): Transfer[] | undefined {
  const led = (node: number): number => model.nodes[node].led.size;
  const nodes = model.nodes.map((_, index) => index);
  const isOver = (node: number): boolean => led(node) > band.high[node];
  const isUnder = (node: number): boolean => eligible[node] && led(node) < band.low[node];
  const over = nodes.filter(isOver);
  const spare = nodes.filter((node) => !isOver(node) && led(node) > band.low[node]);
  const under = nodes.filter(isUnder);
  const room = nodes.filter((node) => eligible[node] && !isUnder(node) && led(node) < band.high[node]);
  const bySurplus = (list: number[]): number[] => [...list].sort((a, b) => (led(b) - band.high[b]) / model.nodes[b].capacity - (led(a) - band.high[a]) / model.nodes[a].capacity || a - b);
  const byShortfall = (list: number[]): number[] => [...list].sort((a, b) => (band.low[b] - led(b)) / model.nodes[b].capacity - (band.low[a] - led(a)) / model.nodes[a].capacity || a - b);
  const classes: [number[], number[]][] = [
    [bySurplus(over), byShortfall(under)],
    [bySurplus(over), byShortfall(room)],
    [bySurplus(spare), byShortfall(under)],
  ];
  for (const [sources, targets] of classes) {
    const direct = directTransfer(model, sources, targets);
    if (direct !== undefined) return [direct];
  }
  for (const [sources, targets] of classes) {
    const chain = transferChain(model, sources, new Set(targets), eligible);
    if (chain !== undefined) return chain;
  }
  return undefined;
}

function directTransfer(model: ClusterModel, sources: readonly number[], targets: readonly number[]): Transfer | undefined {
  for (const from of sources) {
    for (const to of targets) {
      if (from === to) continue;
      for (const shard of model.nodes[from].led) {
        if (model.shards[shard].replicas.includes(to)) return { shard, from, to };
      }
    }
  }
  return undefined;
}

/** Shortest chain of transfers from any source to any target, through eligible nodes. */
function transferChain(model: ClusterModel, sources: readonly number[], targets: ReadonlySet<number>, eligible: readonly boolean[]): Transfer[] | undefined {
  const previous = new Map<number, Transfer | null>();
  const queue: number[] = [];
  for (const source of sources) {
    previous.set(source, null);
    queue.push(source);
  }
  for (let head = 0; head < queue.length; head++) {
    const node = queue[head];
    for (const shard of model.nodes[node].led) {
      for (const next of model.shards[shard].replicas) {
        if (!eligible[next] || previous.has(next)) continue;
        previous.set(next, { shard, from: node, to: next });
        if (targets.has(next)) return unwind(previous, next);
        queue.push(next);
      }
    }
  }
  return undefined;
}

function unwind(previous: ReadonlyMap<number, Transfer | null>, end: number): Transfer[] {
  const path: Transfer[] = [];
  for (let step = previous.get(end); step; step = previous.get(step.from)) path.unshift(step);
  // Hand over from the far end first, so no node in the middle ever leads one more than it ends with.
  return path.reverse();
}

function reasonFor(model: ClusterModel, band: Band, from: number, to: number): string {
  const describe = (node: number): string => {
    const led = model.nodes[node].led.size;
    const where = led > band.high[node] ? ` (above ${band.high[node]})` : led < band.low[node] ? ` (below ${band.low[node]})` : '';
    return `${model.nodes[node].id} leads ${led}${where}`;
  };
  return `balance leaders: ${describe(from)}, ${describe(to)}`;
}

/** Distance of the leader counts from their band (0 once balanced). */
export function leaderDistance(model: ClusterModel, threshold: number): number {
  const eligible = model.nodes.map((node) => node.known && !node.draining);
  const band = wholeNumberBand(model.liveShards().length, model.nodes.map((node) => node.capacity), eligible, threshold);
  return model.nodes.reduce((sum, node, index) => sum + outside(node.led.size, band.low[index], band.high[index]), 0);
}
