/**
 * Observed-remove set, add wins (Shapiro et al. 2011, §3.3.5 "Observed-Remove Set"), in the
 * optimised form without tombstones (Bieniusa, Zawirski, Preguiça, Shapiro, Baquero,
 * Balegas, Duarte 2012, "An optimized conflict-free replicated set"; Almeida et al. 2018
 * §6 "AWORSet").
 *
 * Each element carries the dots of the adds that put it there; the causal context holds
 * every dot seen. A remove drops the element's dots it observed. An add concurrent with
 * that remove has a dot the remover never saw, so it survives the merge: add wins.
 */
import {
  type CausalContext,
  compareDots,
  contextAdd,
  contextIncludes,
  contextJoin,
  type Dot,
  EMPTY_CONTEXT,
  nextDot,
  type RegionId,
  sameDot,
} from '../causal-context';

export interface OrSetEntry {
  readonly element: string;
  /** Sorted, never empty. */
  readonly dots: readonly Dot[];
}

export interface OrSet {
  readonly kind: 'or-set';
  readonly context: CausalContext;
  /** Sorted by element. */
  readonly entries: readonly OrSetEntry[];
}

export const EMPTY_OR_SET: OrSet = { kind: 'or-set', context: EMPTY_CONTEXT, entries: [] };

/** Adds under a fresh dot; the element's older dots are superseded by it. */
export function orSetAdd(set: OrSet, region: RegionId, element: string): { state: OrSet; dot: Dot } {
  const dot = nextDot(set.context, region);
  const entries = set.entries.filter((entry) => entry.element !== element);
  entries.push({ element, dots: [dot] });
  entries.sort(byElement);
  return { state: { kind: 'or-set', context: contextAdd(set.context, dot), entries }, dot };
}

/** Removes the adds this replica has observed; the dots stay in the context. */
export function orSetRemove(set: OrSet, element: string): OrSet {
  if (!set.entries.some((entry) => entry.element === element)) return set;
  return { kind: 'or-set', context: set.context, entries: set.entries.filter((entry) => entry.element !== element) };
}

export function orSetJoin(a: OrSet, b: OrSet): OrSet {
  if (a === b) return a;
  const entries: OrSetEntry[] = [];
  const elements = [...new Set([...a.entries.map((entry) => entry.element), ...b.entries.map((entry) => entry.element)])].sort();
  for (const element of elements) {
    const dotsA = a.entries.find((entry) => entry.element === element)?.dots ?? [];
    const dotsB = b.entries.find((entry) => entry.element === element)?.dots ?? [];
    const dots: Dot[] = [];
    for (const dot of dotsA) if (dotsB.some((other) => sameDot(other, dot)) || !contextIncludes(b.context, dot)) dots.push(dot);
    for (const dot of dotsB) if (!dotsA.some((other) => sameDot(other, dot)) && !contextIncludes(a.context, dot)) dots.push(dot);
    if (dots.length > 0) entries.push({ element, dots: dots.sort(compareDots) });
  }
  return { kind: 'or-set', context: contextJoin(a.context, b.context), entries };
}

export function orSetElements(set: OrSet): string[] {
  return set.entries.map((entry) => entry.element);
}

function byElement(a: OrSetEntry, b: OrSetEntry): number {
  return a.element < b.element ? -1 : a.element > b.element ? 1 : 0;
}
