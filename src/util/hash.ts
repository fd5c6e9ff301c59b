/**
 * Small, fast, non-cryptographic hashes: seeds, the trace digest, hash slots, state digests.
 * Two independent 32-bit FNV-1a lanes give a 64-bit digest without BigInt.
 */

const FNV_OFFSET_A = 0x811c9dc5;
const FNV_OFFSET_B = 0x050c5d1f;
const FNV_PRIME = 0x01000193;

/** 32-bit FNV-1a of a string (UTF-16 code units). */
export function hashString32(text: string, offset: number = FNV_OFFSET_A): number {
  let hash = offset >>> 0;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, FNV_PRIME);
  }
  return hash >>> 0;
}

/** A seed for a scenario name: stable across runs and machines. */
export function seedFromText(text: string): number {
  return hashString32(text);
}

/** Incremental 64-bit digest (two FNV-1a lanes), rendered as 16 hex characters. */
export class Digest {
  private laneA = FNV_OFFSET_A;
  private laneB = FNV_OFFSET_B;
  private count = 0;

  update(text: string): void {
    let a = this.laneA;
    let b = this.laneB;
    for (let i = 0; i < text.length; i++) {
      const code = text.charCodeAt(i);
      a = Math.imul(a ^ code, FNV_PRIME);
      b = Math.imul(b ^ ((code * 31 + i) & 0xffff), FNV_PRIME);
    }
    // A separator so that update("ab") + update("c") differs from update("a") + update("bc").
    this.laneA = Math.imul(a ^ 0x1f, FNV_PRIME) >>> 0;
    this.laneB = Math.imul(b ^ 0x1e, FNV_PRIME) >>> 0;
    this.count++;
  }

  get updates(): number {
    return this.count;
  }

  hex(): string {
    return (this.laneA >>> 0).toString(16).padStart(8, '0') + (this.laneB >>> 0).toString(16).padStart(8, '0');
  }
}
