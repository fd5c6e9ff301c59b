/**
 * PN-counter (Shapiro et al. 2011, §3.1.3 "PN-Counter", state based): two grow-only
 * vectors, one for increments and one for decrements, each entry owned by one region.
 * Merge takes the maximum per entry, so it is commutative, associative and idempotent and
 * a change that arrives twice counts once; the value is Σ increments − Σ decrements.
 */
import { type RegionId, vectorOf, type VersionVector } from '../causal-context';

export interface PnCounter {
  readonly kind: 'pn-counter';
  readonly increments: VersionVector;
  readonly decrements: VersionVector;
}

export const EMPTY_PN_COUNTER: PnCounter = { kind: 'pn-counter', increments: {}, decrements: {} };

export function pnAdd(counter: PnCounter, region: RegionId, amount: number): PnCounter {
  if (!Number.isSafeInteger(amount) || amount === 0) throw new RangeError(`a counter changes by a non-zero whole number, got ${amount}`);
  const field = amount > 0 ? 'increments' : 'decrements';
  const owned = counter[field][region] ?? 0;
  const updated = vectorOf([...Object.entries(counter[field]), [region, owned + Math.abs(amount)]]);
  return { ...counter, [field]: updated };
}

export function pnJoin(a: PnCounter, b: PnCounter): PnCounter {
  return {
    kind: 'pn-counter',
    increments: vectorOf([...Object.entries(a.increments), ...Object.entries(b.increments)]),
    decrements: vectorOf([...Object.entries(a.decrements), ...Object.entries(b.decrements)]),
  };
}

export function pnValue(counter: PnCounter): number {
  let total = 0;
  for (const count of Object.values(counter.increments)) total += count;
  for (const count of Object.values(counter.decrements)) total -= count;
  return total;
}
