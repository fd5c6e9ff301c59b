/**
 * Small non-cryptographic digests for key states and Merkle nodes: two independent 32-bit
 * FNV-1a lanes give 64 bits, enough that an accidental collision between two differing
 * key states is negligible at the key counts a simulation holds (about 2^-64 per pair).
 *
 * Separate from src/util/hash.ts: Merkle trees need the avalanche finaliser and word mixing below.
 */

const LANE_A_OFFSET = 0x811c9dc5;
const LANE_B_OFFSET = 0x050c5d1f;
const FNV_PRIME = 0x01000193;

/** The two 32-bit lanes of a 64-bit digest. */
export interface DigestLanes {
  readonly laneA: number;
  readonly laneB: number;
}

export function digestLanes(text: string): DigestLanes {
  let laneA = LANE_A_OFFSET;
  let laneB = LANE_B_OFFSET;
  for (let index = 0; index < text.length; index++) {
    const code = text.charCodeAt(index);
    laneA = Math.imul(laneA ^ code, FNV_PRIME);
    laneB = Math.imul(laneB ^ ((code * 31 + index) & 0xffff), FNV_PRIME);
  }
  // A final avalanche so that short inputs spread over all bits (the leaf index uses the top bits).
  return { laneA: avalanche(laneA), laneB: avalanche(laneB ^ 0x9e3779b9) };
}

/** 16 hex characters. */
export function digestHex(text: string): string {
  const { laneA, laneB } = digestLanes(text);
  return hex32(laneA) + hex32(laneB);
}

export function hex32(value: number): string {
  return (value >>> 0).toString(16).padStart(8, '0');
}

/** murmur3's 32-bit finaliser. */
export function avalanche(value: number): number {
  let mixed = value >>> 0;
  mixed = Math.imul(mixed ^ (mixed >>> 16), 0x85ebca6b);
  mixed = Math.imul(mixed ^ (mixed >>> 13), 0xc2b2ae35);
  return (mixed ^ (mixed >>> 16)) >>> 0;
}

/** Mixes a sequence of 32-bit words into one (for Merkle inner nodes). */
export function mixWords(words: ArrayLike<number>, offset: number = LANE_A_OFFSET): number {
  let hash = offset >>> 0;
  for (let index = 0; index < words.length; index++) {
    const word = words[index] >>> 0;
    hash = Math.imul(hash ^ (word & 0xffff), FNV_PRIME);
    hash = Math.imul(hash ^ (word >>> 16), FNV_PRIME);
  }
  return avalanche(hash);
}
