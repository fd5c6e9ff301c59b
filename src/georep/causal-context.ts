/**
 * Version vectors, dots and causal contexts.
 *
 * A dot (region, n) names the n-th update a region made to one key. A version vector maps
 * each region to a count and stands for the dots (r, 1..vector[r]) (Parker et al. 1983;
 * Dynamo §4.4). A causal context is a version vector plus a "cloud" of dots that are not
 * contiguous with it (Almeida, Shoker, Baquero 2018, "Delta state replicated data types",
 * §6 causal CRDTs): the cloud is what lets a client's context say "I saw this one update of
 * eu-west" without claiming the earlier ones it never saw (dotted version vectors,
 * Preguiça et al. 2012).
 *
 * Every value here is immutable and canonical: records have their keys in sorted order and
 * clouds are sorted and compacted, so equal contexts serialise to equal JSON.
 */

export type RegionId = string;

export interface Dot {
  readonly region: RegionId;
  readonly counter: number;
}

export type VersionVector = Readonly<Record<RegionId, number>>;

export interface CausalContext {
  readonly vector: VersionVector;
  /** Dots above the vector, sorted by (region, counter); never contiguous with the vector. */
  readonly cloud: readonly Dot[];
}

export const EMPTY_VECTOR: VersionVector = Object.freeze({});
export const EMPTY_CONTEXT: CausalContext = Object.freeze({ vector: EMPTY_VECTOR, cloud: Object.freeze([]) as readonly Dot[] });

export type VectorOrder = 'equal' | 'before' | 'after' | 'concurrent';

// ---- version vectors ---------------------------------------------------------------

/** Builds a vector with sorted keys, dropping zero entries. */
export function vectorOf(entries: Iterable<readonly [RegionId, number]>): VersionVector {
  const merged = new Map<RegionId, number>();
  for (const [region, counter] of entries) {
    if (!Number.isInteger(counter) || counter < 0) throw new RangeError(`a version vector count is an integer >= 0, got ${counter}`);
    if (counter > (merged.get(region) ?? 0)) merged.set(region, counter);
  }
  const vector: Record<RegionId, number> = {};
  for (const region of [...merged.keys()].sort()) vector[region] = merged.get(region)!;
  return vector;
}

export function vectorMerge(a: VersionVector, b: VersionVector): VersionVector {
  return vectorOf([...Object.entries(a), ...Object.entries(b)]);
}

/** Pointwise comparison: `before` means a ≤ b everywhere and a ≠ b. */
export function compareVectors(a: VersionVector, b: VersionVector): VectorOrder {
  let aAhead = false;
  let bAhead = false;
  for (const region of new Set([...Object.keys(a), ...Object.keys(b)])) {
    const countA = a[region] ?? 0;
    const countB = b[region] ?? 0;
    if (countA > countB) aAhead = true;
    if (countB > countA) bAhead = true;
  }
  if (aAhead && bAhead) return 'concurrent';
  if (aAhead) return 'after';
  if (bAhead) return 'before';
  return 'equal';
}

export function vectorIncrement(vector: VersionVector, region: RegionId): VersionVector {
  return vectorOf([...Object.entries(vector), [region, (vector[region] ?? 0) + 1]]);
}

// ---- dots ----------------------------------------------------------------------------

export function compareDots(a: Dot, b: Dot): number {
  if (a.region !== b.region) return a.region < b.region ? -1 : 1;
  return a.counter - b.counter;
}

export function sameDot(a: Dot, b: Dot): boolean {
  return a.region === b.region && a.counter === b.counter;
}

export function formatDot(dot: Dot): string {
  return `${dot.region}:${dot.counter}`;
}

// ---- causal contexts -------------------------------------------------------------------

export function contextIncludes(context: CausalContext, dot: Dot): boolean {
  if (dot.counter <= (context.vector[dot.region] ?? 0)) return true;
  return context.cloud.some((candidate) => sameDot(candidate, dot));
}

/** The highest counter of `region` the context knows, for issuing the next dot. */
export function contextMax(context: CausalContext, region: RegionId): number {
  let highest = context.vector[region] ?? 0;
  for (const dot of context.cloud) if (dot.region === region && dot.counter > highest) highest = dot.counter;
  return highest;
}

export function nextDot(context: CausalContext, region: RegionId): Dot {
  return { region, counter: contextMax(context, region) + 1 };
}

/** The union of the dot sets, compacted (cloud dots contiguous with the vector are folded in). */
export function contextJoin(a: CausalContext, b: CausalContext): CausalContext {
  if (a === b) return a;
  return compact(vectorMerge(a.vector, b.vector), [...a.cloud, ...b.cloud]);
}

export function contextAdd(context: CausalContext, dot: Dot): CausalContext {
  return compact(context.vector, [...context.cloud, dot]);
}

export function contextFromVector(vector: VersionVector): CausalContext {
  return { vector: vectorOf(Object.entries(vector)), cloud: [] };
}

export function contextFromDots(dots: readonly Dot[]): CausalContext {
  return compact(EMPTY_VECTOR, dots);
}

/** Every dot of the context, in order (for tests and explanations; contexts are small). */
export function contextDots(context: CausalContext): Dot[] {
  const dots: Dot[] = [];
  for (const [region, counter] of Object.entries(context.vector)) for (let n = 1; n <= counter; n++) dots.push({ region, counter: n });
  dots.push(...context.cloud);
  return dots.sort(compareDots);
}

export function formatContext(context: CausalContext): string {
  const vector = Object.entries(context.vector).map(([region, counter]) => `${region}:${counter}`);
  const cloud = context.cloud.map(formatDot);
  return `[${vector.join(', ')}]${cloud.length > 0 ? ` + {${cloud.join(', ')}}` : ''}`;
}

function compact(vector: VersionVector, cloud: readonly Dot[]): CausalContext {
  if (cloud.length === 0) return { vector, cloud: EMPTY_CONTEXT.cloud };
  const counts = new Map<RegionId, number>(Object.entries(vector));
  const remaining: Dot[] = [];
  // Sorted by (region, counter), one pass folds every run that continues a vector entry.
  for (const dot of [...cloud].sort(compareDots)) {
    const known = counts.get(dot.region) ?? 0;
    if (dot.counter <= known) continue;
    if (dot.counter === known + 1) counts.set(dot.region, dot.counter);
    else if (remaining.length === 0 || !sameDot(remaining[remaining.length - 1], dot)) remaining.push(dot);
  }
  return { vector: vectorOf(counts), cloud: remaining.length === 0 ? EMPTY_CONTEXT.cloud : remaining };
}
