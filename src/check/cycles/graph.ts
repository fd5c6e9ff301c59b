/**
 * The dependency graph of a history (Adya's DSG): nodes are transactions, edges say one
 * must precede another in any serial order.
 * - `ww`: the target overwrote a version the source wrote;
 * - `wr`: the target read a version the source wrote;
 * - `rw`: the source read a version that the target overwrote (an anti-dependency).
 *
 * Cycles are found per strongly connected component (Tarjan, iteratively, so deep graphs
 * do not overflow the stack), then a shortest cycle through an edge of the wanted kind is
 * found by breadth-first search inside the component.
 */

export type EdgeKind = 'ww' | 'wr' | 'rw';

export interface Edge {
  readonly from: number;
  readonly to: number;
  readonly kind: EdgeKind;
  /** Words for this dependency, e.g. `T1 wrote x = 1, which T2 read`. */
  readonly why: string;
}

export class DependencyGraph {
  /** Outgoing edges per node; at most one edge per (from, to, kind). */
  private readonly outgoing: Edge[][];
  private readonly seen = new Set<string>();
  readonly counts: Record<EdgeKind, number> = { ww: 0, wr: 0, rw: 0 };

  constructor(readonly size: number) {
    this.outgoing = Array.from({ length: size }, () => []);
  }

  add(from: number, to: number, kind: EdgeKind, why: () => string): void {
    if (from === to) return;
    const id = `${from}:${to}:${kind}`;
    if (this.seen.has(id)) return;
    this.seen.add(id);
    this.outgoing[from].push({ from, to, kind, why: why() });
    this.counts[kind]++;
  }

  edgesFrom(node: number): readonly Edge[] {
    return this.outgoing[node];
  }

  /** Strongly connected components with more than one node, over edges of the given kinds. */
  components(kinds: ReadonlySet<EdgeKind>): number[][] {
    const index = new Int32Array(this.size).fill(-1);
    const low = new Int32Array(this.size);
    const onStack = new Uint8Array(this.size);
    const stack: number[] = [];
    const result: number[][] = [];
    let counter = 0;
    for (let root = 0; root < this.size; root++) {
      if (index[root] !== -1) continue;
      // Each frame: a node and the position of the next edge to look at.
      const frames: [number, number][] = [[root, 0]];
      index[root] = low[root] = counter++;
      stack.push(root);
      onStack[root] = 1;
      while (frames.length > 0) {
        const frame = frames[frames.length - 1];
        const [node, position] = frame;
        const edges = this.outgoing[node];
        if (position < edges.length) {
          frame[1]++;
          const edge = edges[position];
          if (!kinds.has(edge.kind)) continue;
          const next = edge.to;
          if (index[next] === -1) {
            index[next] = low[next] = counter++;
            stack.push(next);
            onStack[next] = 1;
            frames.push([next, 0]);
          } else if (onStack[next]) {
            low[node] = Math.min(low[node], index[next]);
          }
          continue;
        }
        frames.pop();
        if (frames.length > 0) {
          const parent = frames[frames.length - 1][0];
          low[parent] = Math.min(low[parent], low[node]);
        }
        if (low[node] !== index[node]) continue;
        const component: number[] = [];
        let member: number;
        do {
          member = stack.pop()!;
          onStack[member] = 0;
          component.push(member);
        } while (member !== node);
        if (component.length > 1) result.push(component.sort((a, b) => a - b));
      }
    }
    return result;
  }

  /**
   * A shortest cycle inside `component` that uses only edges of `kinds` and at least one
   * edge of `required` kinds; undefined if there is none. Tries at most `candidatesMax`
   * required edges as the cycle's first edge.
   */
  cycleIn(component: readonly number[], kinds: ReadonlySet<EdgeKind>, required: ReadonlySet<EdgeKind>, candidatesMax = 16): Edge[] | undefined {
    const members = new Set(component);
    let best: Edge[] | undefined;
    let tried = 0;
    for (const node of component) {
      for (const edge of this.outgoing[node]) {
        if (!required.has(edge.kind) || !members.has(edge.to)) continue;
        const back = this.shortestPath(edge.to, edge.from, members, kinds);
        if (back !== undefined && (best === undefined || back.length + 1 < best.length)) best = [edge, ...back];
        if (++tried >= candidatesMax) return best;
      }
    }
    return best;
  }

  private shortestPath(from: number, to: number, members: ReadonlySet<number>, kinds: ReadonlySet<EdgeKind>): Edge[] | undefined {
    if (from === to) return [];
    const via = new Map<number, Edge>();
    const queue = [from];
    via.set(from, undefined as unknown as Edge);
    for (let head = 0; head < queue.length; head++) {
      const node = queue[head];
      for (const edge of this.outgoing[node]) {
        if (!kinds.has(edge.kind) || !members.has(edge.to) || via.has(edge.to)) continue;
        via.set(edge.to, edge);
        if (edge.to === to) {
          const path: Edge[] = [];
          for (let step = edge; step !== undefined; step = via.get(step.from)!) {
            path.unshift(step);
            if (step.from === from) break;
          }
          return path;
        }
        queue.push(edge.to);
      }
    }
    return undefined;
  }
}
