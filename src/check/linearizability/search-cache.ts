import type { OperationSet } from './operation-set';

/** Bytes that all caches of one check may still take; shared so many keys cannot add up. */
export interface MemoryBudget {
  bytesLeft: number;
}

/** Per-entry header words; the set's words follow. */
const hashField = 0;
const stateField = 1;
const chainField = 2;
const headerWords = 3;

/**
 * Entries live in chunks of this many (a power of two): growth adds a chunk instead of
 * copying every entry into an array twice the size, so the old and the new copy never
 * sit in memory together, and no dropped array waits for the garbage collector (issue 14
 * §5: resident memory within 2x Porcupine's). The first chunk starts at the initial
 * capacity and doubles until it reaches this size, so a small cache stays small.
 */
const chunkShift = 13;
const chunkEntries = 1 << chunkShift;
const chunkMask = chunkEntries - 1;

/**
 * The WGL cache: every (linearized set, state id) configuration the search has entered.
 * Re-entering one can only repeat work already done, so the search prunes it.
 *
 * A chained hash table over flat Int32Array chunks: each entry's hash, state id, chain link
 * and set words sit side by side, so a probe usually touches one cache line, and there is
 * one allocation per chunk rather than one object per configuration. Bounded by a memory
 * budget; once that is spent it stops remembering, which costs time but not correctness.
 */
export class SearchCache {
  private bucketHeads: Int32Array;
  /** Entry i occupies chunks[i >>> chunkShift][(i & chunkMask) * stride ..][stride words]. */
  private chunks: Int32Array[];
  private readonly stride: number;
  private capacity: number;
  private count = 0;
  /** False once the budget could not pay for growth: no more entries are added. */
  private canGrow = true;

  constructor(
    private readonly wordCount: number,
    private readonly budget: MemoryBudget,
    initialCapacity = 1 << 10,
  ) {
    if (wordCount < 1) throw new RangeError('a set needs at least one word');
    this.stride = headerWords + wordCount;
    this.capacity = Math.min(chunkEntries, 1 << Math.ceil(Math.log2(Math.max(16, initialCapacity))));
    this.bucketHeads = new Int32Array(this.capacity).fill(-1);
    this.chunks = [new Int32Array(this.capacity * this.stride)];
    budget.bytesLeft -= this.bytesFor(this.capacity);
  }

  get size(): number {
    return this.count;
  }

  /** Returns this cache's memory to the budget; the cache must not be used afterwards. */
  release(): void {
    if (this.capacity === 0) return;
    this.budget.bytesLeft += this.bytesFor(this.capacity);
    this.canGrow = false;
    this.capacity = 0;
    this.bucketHeads = new Int32Array(1).fill(-1);
    this.chunks = [new Int32Array(0)];
  }

  /**
   * Records (set ∪ {id}, stateId) under `hash` unless it is already present.
   * Returns true when it was new, i.e. the search should enter it.
   */
  addIfAbsent(set: OperationSet, id: number, hash: number, stateId: number): boolean {
    const words = set.words;
    const { chunks, stride, wordCount } = this;
    const idWord = id >>> 5;
    const idMask = 1 << (id & 31);
    let slot = this.bucketHeads[hash & (this.bucketHeads.length - 1)];
    while (slot >= 0) {
      const entries = chunks[slot >>> chunkShift];
      const base = (slot & chunkMask) * stride;
      if (entries[base + hashField] === hash && entries[base + stateField] === stateId) {
        let word = 0;
        const membersBase = base + headerWords;
        while (word < wordCount && entries[membersBase + word] === (word === idWord ? words[word] | idMask : words[word] | 0)) {
          word++;
        }
        if (word === wordCount) return false;
      }
      slot = entries[base + chainField];
    }
    if (this.count < this.capacity || (this.canGrow && this.grow())) this.insert(words, idWord, idMask, hash, stateId);
    return true;
  }

  private insert(words: Uint32Array, idWord: number, idMask: number, hash: number, stateId: number): void {
    const slot = this.count++;
    // Chunks past the first are added as the entries reach them, not when the capacity doubles.
    if (slot >>> chunkShift === this.chunks.length) this.chunks.push(new Int32Array(chunkEntries * this.stride));
    const entries = this.chunks[slot >>> chunkShift];
    const base = (slot & chunkMask) * this.stride;
    entries[base + hashField] = hash;
    entries[base + stateField] = stateId;
    for (let word = 0; word < this.wordCount; word++) entries[base + headerWords + word] = words[word];
    entries[base + headerWords + idWord] |= idMask;
    const bucket = hash & (this.bucketHeads.length - 1);
    entries[base + chainField] = this.bucketHeads[bucket];
    this.bucketHeads[bucket] = slot;
  }

  /** Bytes used at a capacity: the entries and a bucket head each. */
  private bytesFor(capacity: number): number {
    return capacity * 4 * (this.stride + 1);
  }

  /**
   * Doubles the capacity (copying the first chunk while it is smaller than a chunk; later
   * chunks are added as they fill) and the bucket table with it, keeping about one entry a bucket. Returns false
   * (and stops growing for good) when the budget cannot pay for it.
   */
  private grow(): boolean {
    const capacity = this.capacity * 2;
    const extraBytes = this.bytesFor(capacity) - this.bytesFor(this.capacity);
    if (extraBytes > this.budget.bytesLeft) {
      this.canGrow = false;
      return false;
    }
    this.budget.bytesLeft -= extraBytes;
    if (this.capacity < chunkEntries) {
      const first = new Int32Array(Math.min(capacity, chunkEntries) * this.stride);
      first.set(this.chunks[0]);
      this.chunks[0] = first;
    }
    this.capacity = capacity;
    this.bucketHeads = new Int32Array(capacity).fill(-1);
    const mask = capacity - 1;
    for (let slot = 0; slot < this.count; slot++) {
      const entries = this.chunks[slot >>> chunkShift];
      const base = (slot & chunkMask) * this.stride;
      const bucket = entries[base + hashField] & mask;
      entries[base + chainField] = this.bucketHeads[bucket];
      this.bucketHeads[bucket] = slot;
    }
    return true;
  }
}
