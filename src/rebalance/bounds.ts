/**
 * The band a balanced node must sit in, per node, in units of the measure.
 *
 * CockroachDB's allocator calls a store overfull above mean·(1 + threshold) and underfull
 * below mean·(1 − threshold), and rebalances until no store is either; we do the same,
 * with the mean weighted by capacity (a node of capacity 2 is meant to hold twice the
 * share). Nodes that may not hold data (draining, or unknown) get the band [0, 0].
 *
 * For whole-number measures (replica and leader counts) the band is rounded inwards to
 * whole numbers and, when the threshold is tighter than whole numbers allow (10 replicas
 * on 3 nodes cannot all be within 5% of 3.33), widened just enough to be reachable: the
 * upper bounds must sum to at least the total and the lower bounds to at most the total.
 * Then the fewest moves that reach the band are exactly max(Σ excess above the upper
 * bounds, Σ shortfall below the lower bounds), because one move takes one unit from one
 * node to one other node; planner tests compare with a brute-force search. Lower bounds
 * never exceed upper ones.
 */
export interface Band {
  readonly low: readonly number[];
  readonly high: readonly number[];
}

const epsilon = 1e-9;

export function continuousBand(total: number, capacities: readonly number[], eligible: readonly boolean[], threshold: number): Band {
  const mean = total / eligibleCapacity(capacities, eligible);
  return {
    low: capacities.map((capacity, index) => (eligible[index] ? (1 - threshold) * mean * capacity : 0)),
    high: capacities.map((capacity, index) => (eligible[index] ? (1 + threshold) * mean * capacity : 0)),
  };
}

export function wholeNumberBand(total: number, capacities: readonly number[], eligible: readonly boolean[], threshold: number): Band {
  const mean = total / eligibleCapacity(capacities, eligible);
  const nodes = capacities.map((_, index) => index).filter((index) => eligible[index]);
  const high = capacities.map(() => 0);
  const low = capacities.map(() => 0);
  let highLevel = (1 + threshold) * mean;
  for (const index of nodes) high[index] = Math.floor(highLevel * capacities[index] + epsilon);
  // Widen the upper bounds step by step to the next level at which some node gains one.
  while (sum(high) < total) {
    highLevel = Math.min(...nodes.map((index) => (high[index] + 1) / capacities[index]));
    for (const index of nodes) high[index] = Math.floor(highLevel * capacities[index] + epsilon);
  }
  let lowLevel = (1 - threshold) * mean;
  for (const index of nodes) low[index] = Math.max(0, Math.ceil(lowLevel * capacities[index] - epsilon));
  while (sum(low) > total) {
    lowLevel = Math.max(...nodes.map((index) => (low[index] - 1) / capacities[index]));
    for (const index of nodes) low[index] = Math.max(0, Math.ceil(lowLevel * capacities[index] - epsilon));
  }
  // Rounding can cross over for a small node next to a large one (capacities 0.5 and 3);
  // lowering a lower bound keeps Σ low ≤ total, so the band stays reachable.
  for (const index of nodes) low[index] = Math.min(low[index], high[index]);
  return { low, high };
}

/** How far `value` lies outside [low, high] (0 inside). */
export function outside(value: number, low: number, high: number): number {
  if (value > high + epsilon) return value - high;
  if (value < low - epsilon) return low - value;
  return 0;
}

function eligibleCapacity(capacities: readonly number[], eligible: readonly boolean[]): number {
  const capacity = capacities.reduce((total, value, index) => total + (eligible[index] ? value : 0), 0);
  if (!(capacity > 0)) throw new Error('no node may hold data');
  return capacity;
}

function sum(values: readonly number[]): number {
  return values.reduce((total, value) => total + value, 0);
}
