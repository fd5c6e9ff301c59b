/**
 * Last-writer-wins register (Shapiro, Preguiça, Baquero, Zawirski 2011, "A comprehensive
 * study of Convergent and Commutative Replicated Data Types", §3.2.1 LWW-Register), state
 * based: the state with the larger (HLC timestamp, region) wins. A delete writes a
 * tombstone (`value: null`) that wins or loses by the same rule, so a delete is never
 * undone by an older write that arrives late.
 *
 * Ties: an HLC never issues the same timestamp twice on one node, so (timestamp, region)
 * is unique per write; the value comparison at the end only keeps the merge a
 * semilattice join even on inputs that break that rule.
 */
import { compareHlc, type HlcTimestamp } from '../hlc';
import type { RegionId } from '../causal-context';

export interface LwwRegister {
  readonly kind: 'lww';
  readonly timestamp: HlcTimestamp;
  /** The region that wrote it: the deterministic tie-break when timestamps are equal. */
  readonly region: RegionId;
  /** null is a tombstone: the key was deleted at this timestamp. */
  readonly value: string | null;
}

export function lwwWrite(timestamp: HlcTimestamp, region: RegionId, value: string | null): LwwRegister {
  return { kind: 'lww', timestamp: { wallMs: timestamp.wallMs, logical: timestamp.logical }, region, value };
}

/** Total order of writes: timestamp, then region name, then value (tombstone lowest). */
export function compareLww(a: LwwRegister, b: LwwRegister): number {
  const byTime = compareHlc(a.timestamp, b.timestamp);
  if (byTime !== 0) return byTime;
  if (a.region !== b.region) return a.region < b.region ? -1 : 1;
  if (a.value === b.value) return 0;
  if (a.value === null) return -1;
  if (b.value === null) return 1;
  return a.value < b.value ? -1 : 1;
}

export function lwwJoin(a: LwwRegister, b: LwwRegister): LwwRegister {
  return compareLww(a, b) >= 0 ? a : b;
}

/** A local write: it must win over what the replica holds, which the HLC guarantees. */
export function lwwAssign(current: LwwRegister | undefined, timestamp: HlcTimestamp, region: RegionId, value: string | null): LwwRegister {
  const next = lwwWrite(timestamp, region, value);
  if (current && compareLww(next, current) <= 0) {
    throw new Error(`a local write at ${timestamp.wallMs}.${timestamp.logical} does not follow the held one at ${current.timestamp.wallMs}.${current.timestamp.logical}: the clock went backwards`);
  }
  return next;
}
