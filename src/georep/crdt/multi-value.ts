/**
 * Multi-value register with causal contexts: Riak's siblings done with dotted version
 * vectors (Preguiça, Baquero, Almeida, Fonte, Gonçalves 2012; Almeida et al. 2018 §6,
 * "MVRegister" over a dot store).
 *
 * Each stored version (a sibling) carries the dot of the write that made it; the state's
 * context holds every dot this replica has seen, stored or overwritten. A write carries
 * the context its client read: it replaces exactly the siblings that context covers, so
 * a write made after reading another never produces a sibling with it, while writes that
 * did not see each other (concurrent ones) are both kept and returned together on read.
 *
 * Join keeps a sibling if both sides have it, or if the other side has not seen its dot;
 * a sibling one side has seen but no longer holds was overwritten and is dropped.
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

export interface Sibling {
  readonly dot: Dot;
  readonly value: string;
}

export interface MultiValueRegister {
  readonly kind: 'multi-value';
  /** Every dot seen here. Invariant: each sibling's dot is in the context. */
  readonly context: CausalContext;
  /** Sorted by dot; no two share a dot. */
  readonly siblings: readonly Sibling[];
}

export const EMPTY_MULTI_VALUE: MultiValueRegister = { kind: 'multi-value', context: EMPTY_CONTEXT, siblings: [] };

/**
 * A write at `region` that saw `readContext`: removes the siblings the client saw and adds
 * the new value under a fresh dot. Returns the new state and the dot.
 */
export function mvWrite(state: MultiValueRegister, region: RegionId, value: string, readContext: CausalContext): { state: MultiValueRegister; dot: Dot } {
  const dot = nextDot(state.context, region);
  const kept = state.siblings.filter((sibling) => !contextIncludes(readContext, sibling.dot));
  const siblings = [...kept, { dot, value }].sort((a, b) => compareDots(a.dot, b.dot));
  return { state: { kind: 'multi-value', context: contextAdd(contextJoin(state.context, readContext), dot), siblings }, dot };
}

/** A delete removes the siblings its client saw; a concurrent write survives it. */
export function mvDelete(state: MultiValueRegister, readContext: CausalContext): MultiValueRegister {
  const siblings = state.siblings.filter((sibling) => !contextIncludes(readContext, sibling.dot));
  return { kind: 'multi-value', context: contextJoin(state.context, readContext), siblings };
}

export function mvJoin(a: MultiValueRegister, b: MultiValueRegister): MultiValueRegister {
  if (a === b) return a;
  const siblings: Sibling[] = [];
  for (const sibling of a.siblings) {
    const inB = b.siblings.some((other) => sameDot(other.dot, sibling.dot));
    if (inB || !contextIncludes(b.context, sibling.dot)) siblings.push(sibling);
  }
  for (const sibling of b.siblings) {
    const inA = a.siblings.some((other) => sameDot(other.dot, sibling.dot));
    if (!inA && !contextIncludes(a.context, sibling.dot)) siblings.push(sibling);
  }
  siblings.sort((x, y) => compareDots(x.dot, y.dot) || (x.value < y.value ? -1 : x.value > y.value ? 1 : 0));
  return { kind: 'multi-value', context: contextJoin(a.context, b.context), siblings };
}

/** The values a read returns (sorted, for stable output) and the context to write back with. */
export function mvRead(state: MultiValueRegister): { values: string[]; context: CausalContext } {
  return { values: state.siblings.map((sibling) => sibling.value).sort(), context: state.context };
}
