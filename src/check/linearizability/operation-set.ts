/**
 * The set of operations linearized so far, as a word array plus an incrementally
 * maintained Zobrist hash (the XOR of a fixed pseudo-random word per member), so the
 * search can hash "this set plus one more operation" without copying the set.
 */
export class OperationSet {
  readonly words: Uint32Array;
  /** XOR of the Zobrist words of the members. */
  hash = 0;
  private readonly zobrist: Int32Array;

  constructor(readonly capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 0) throw new RangeError(`bad capacity ${capacity}`);
    this.words = new Uint32Array(wordCountFor(capacity));
    this.zobrist = zobristWords(capacity);
  }

  has(id: number): boolean {
    return (this.words[id >>> 5] & (1 << (id & 31))) !== 0;
  }

  add(id: number): void {
    this.words[id >>> 5] |= 1 << (id & 31);
    this.hash ^= this.zobrist[id];
  }

  delete(id: number): void {
    this.words[id >>> 5] &= ~(1 << (id & 31));
    this.hash ^= this.zobrist[id];
  }

  /** The hash this set would have with `id` added (id must not be a member). */
  hashWith(id: number): number {
    return this.hash ^ this.zobrist[id];
  }
}

export function wordCountFor(capacity: number): number {
  return Math.max(1, Math.ceil(capacity / 32));
}

/** Deterministic per-member words from a fixed integer mixer; no random source needed. */
function zobristWords(capacity: number): Int32Array {
  const words = new Int32Array(capacity);
  for (let id = 0; id < capacity; id++) words[id] = mix32(Math.imul(id + 1, 0x9e3779b9));
  return words;
}

/** MurmurHash3's 32-bit finalizer: spreads every input bit over the whole word. */
export function mix32(value: number): number {
  let hash = value | 0;
  hash = Math.imul(hash ^ (hash >>> 16), 0x85ebca6b);
  hash = Math.imul(hash ^ (hash >>> 13), 0xc2b2ae35);
  return (hash ^ (hash >>> 16)) | 0;
}
