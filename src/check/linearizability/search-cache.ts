import type { OperationSet } from './operation-set';

/** Bytes that all caches of one check may still take; shared so many keys cannot add up. */
export interface MemoryBudget {
  bytesLeft: number;
}

/**
 * The WGL cache: every (linearized set, state id) configuration the search has entered.
 * Re-entering one can only repeat work already done, so the search prunes it.
 *
 * A chained hash table over flat typed arrays: one allocation per growth rather than
 * one object per configuration, which matters at millions of entries. Bounded by a
 * memory budget; once that is spent it stops remembering, which costs time but not
 * correctness.
 */
export class SearchCache {
  private bucketHeads: Int32Array;
  private chain: Int32Array;
  private hashes: Int32Array;
  private stateIds: Int32Array;
  private members: Uint32Array;
  private count = 0;
  /** False once the budget could not pay for growth: no more entries are added. */
  private canGrow = true;

  constructor(
    private readonly wordCount: number,
    private readonly budget: MemoryBudget,
    initialCapacity = 1 << 10,
  ) {
    if (wordCount < 1) throw new RangeError('a set needs at least one word');
    const capacity = 1 << Math.ceil(Math.log2(Math.max(16, initialCapacity)));
    this.bucketHeads = new Int32Array(capacity).fill(-1);
    this.chain = new Int32Array(capacity);
    this.hashes = new Int32Array(capacity);
    this.stateIds = new Int32Array(capacity);
    this.members = new Uint32Array(capacity * wordCount);
    budget.bytesLeft -= this.bytesFor(capacity);
  }

  /** Returns this cache's memory to the budget; the cache must not be used afterwards. */
  release(): void {
    if (!this.canGrow && this.hashes.length === 0) return;
    this.budget.bytesLeft += this.bytesFor(this.hashes.length);
    this.canGrow = false;
    this.bucketHeads = new Int32Array(1).fill(-1);
    this.chain = new Int32Array(0);
    this.hashes = new Int32Array(0);
    this.stateIds = new Int32Array(0);
    this.members = new Uint32Array(0);
  }

  get size(): number {
    return this.count;
  }

  /**
   * Records (set ∪ {id}, stateId) under `hash` unless it is already present.
   * Returns true when it was new, i.e. the search should enter it.
   */
  addIfAbsent(set: OperationSet, id: number, hash: number, stateId: number): boolean {
    const words = set.words;
    const wordCount = this.wordCount;
    const members = this.members;
    const idWord = id >>> 5;
    const idMask = (1 << (id & 31)) >>> 0;
    for (let slot = this.bucketHeads[hash & (this.bucketHeads.length - 1)]; slot >= 0; slot = this.chain[slot]) {
      if (this.hashes[slot] !== hash || this.stateIds[slot] !== stateId) continue;
      const base = slot * wordCount;
      let word = 0;
      while (word < wordCount && members[base + word] === (word === idWord ? (words[word] | idMask) >>> 0 : words[word])) {
        word++;
      }
      if (word === wordCount) return false;
    }
    if (this.count < this.hashes.length || (this.canGrow && this.grow())) {
      this.insert(words, idWord, idMask, hash, stateId);
    }
    return true;
  }

  private insert(words: Uint32Array, idWord: number, idMask: number, hash: number, stateId: number): void {
    const slot = this.count++;
    const base = slot * this.wordCount;
    this.members.set(words, base);
    this.members[base + idWord] |= idMask;
    this.hashes[slot] = hash;
    this.stateIds[slot] = stateId;
    const bucket = hash & (this.bucketHeads.length - 1);
    this.chain[slot] = this.bucketHeads[bucket];
    this.bucketHeads[bucket] = slot;
  }

  /** Bytes used at a capacity: members, hash, state id, chain and bucket head per entry. */
  private bytesFor(capacity: number): number {
    return capacity * (4 * this.wordCount + 16);
  }

  /**
   * Doubles storage and the bucket table together, keeping about one entry a bucket.
   * Returns false (and stops growing for good) when the budget cannot pay for it.
   */
  private grow(): boolean {
    const capacity = this.hashes.length * 2;
    const extraBytes = this.bytesFor(capacity) - this.bytesFor(this.hashes.length);
    if (extraBytes > this.budget.bytesLeft) {
      this.canGrow = false;
      return false;
    }
    this.budget.bytesLeft -= extraBytes;
    this.hashes = copyInto(new Int32Array(capacity), this.hashes);
    this.stateIds = copyInto(new Int32Array(capacity), this.stateIds);
    this.members = copyInto(new Uint32Array(capacity * this.wordCount), this.members);
    this.chain = new Int32Array(capacity);
    this.bucketHeads = new Int32Array(capacity).fill(-1);
    const mask = capacity - 1;
    for (let slot = 0; slot < this.count; slot++) {
      const bucket = this.hashes[slot] & mask;
      this.chain[slot] = this.bucketHeads[bucket];
      this.bucketHeads[bucket] = slot;
    }
    return true;
  }
}

function copyInto<T extends Int32Array | Uint32Array>(target: T, source: T): T {
  target.set(source);
  return target;
}
