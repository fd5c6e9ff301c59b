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

/** Odd multipliers of the record fields' steps (MurmurHash3's), one per lane. */
const FIELD_PRIME_A = 0xcc9e2d51 | 0;
const FIELD_PRIME_B = 0x1b873593;

function rotateLeft(word: number, bits: number): number {
  return (word << bits) | (word >>> (32 - bits));
}

/**
 * Two independent 32-bit FNV-1a hashes per string, cached for the first STRING_SLOTS_MAX
 * distinct short strings (a pure function of the string: cached or not, the digest is the same).
 * `slot` indexes STRING_HASHES; the scratch slot 0 serves strings past the cap.
 */
const STRING_SLOTS_MAX = 4096;
/** Longer strings (JSON of a detail, say) are rarely repeated: hashed each time, not kept. */
const CACHED_LENGTH_MAX = 64;
const STRING_SLOTS = new Map<string, number>();
const STRING_HASHES = new Int32Array(2 * (STRING_SLOTS_MAX + 1));

function stringSlot(value: string): number {
  let a = FNV_OFFSET_A;
  let b = FNV_OFFSET_B;
  for (let i = 0; i < value.length; i++) {
    const code = value.charCodeAt(i);
    a = Math.imul(a ^ code, FNV_PRIME);
    b = Math.imul(b ^ ((code * 31 + i) & 0xffff), FNV_PRIME);
  }
  const slot = STRING_SLOTS.size < STRING_SLOTS_MAX && value.length <= CACHED_LENGTH_MAX ? 2 * (STRING_SLOTS.size + 1) : 0;
  if (slot !== 0) STRING_SLOTS.set(value, slot);
  STRING_HASHES[slot] = a;
  STRING_HASHES[slot + 1] = b;
  return slot;
}

/**
 * A string with its two hashes, for a caller that feeds the same string to `Digest.textKey`
 * again and again (the network: node ids and message types, kept on its links and types).
 */
export interface TextKey {
  readonly text: string;
  readonly hashA: number;
  readonly hashB: number;
}

export function textKey(text: string): TextKey {
  let slot = STRING_SLOTS.get(text);
  if (slot === undefined) slot = stringSlot(text);
  return { text, hashA: STRING_HASHES[slot], hashB: STRING_HASHES[slot + 1] };
}

const FLOAT_SCRATCH = new Float64Array(1);
const WORD_SCRATCH = new Uint32Array(FLOAT_SCRATCH.buffer);

/**
 * Incremental 64-bit digest in two 32-bit lanes, rendered as 16 hex characters. `update`
 * (credential proofs) feeds FNV-1a one code unit at a time; the record fields of the trace
 * (`text`, `number`) go a word per step, with strings hashed once and cached, since every
 * simulated event passes through them.
 */
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

  /**
   * Adds a string as one field of a record (no separator: `endRecord` closes the record):
   * its two 32-bit hashes and its length, a word per step. The trace repeats a few strings
   * (node ids, event kinds, message types) millions of times, so their hashes are cached.
   */
  text(value: string): void {
    let slot = STRING_SLOTS.get(value);
    if (slot === undefined) slot = stringSlot(value);
    this.mixText(STRING_HASHES[slot], STRING_HASHES[slot + 1], value.length);
  }

  /** `text(key.text)`, with the string's hashes taken from the key (no cache lookup). */
  textKey(key: TextKey): void {
    this.mixText(key.hashA, key.hashB, key.text.length);
  }

  private mixText(hashA: number, hashB: number, length: number): void {
    // Each step is a bijection of the lane (xor, rotate, odd multiply), so one changed field
    // always changes the digest; the length ends the field, so ("ab", "c") and ("a", "bc") differ.
    let a = Math.imul(rotateLeft(this.laneA ^ hashA, 15), FIELD_PRIME_A);
    let b = Math.imul(rotateLeft(this.laneB ^ hashB, 13), FIELD_PRIME_B);
    a = Math.imul(rotateLeft(a ^ (length | 0x10000), 15), FIELD_PRIME_A);
    b = Math.imul(rotateLeft(b ^ (length | 0x20000), 13), FIELD_PRIME_B);
    this.laneA = a;
    this.laneB = b;
  }

  /** Adds an optional string field; absent differs from every string, the empty one included. */
  optionalText(value: string | undefined): void {
    if (value === undefined) this.mixWord(0x7fff0001);
    else this.text(value);
  }

  /** Adds a number field by its value: integers directly, other numbers by their 64 bits. */
  number(value: number): void {
    if ((value | 0) === value) {
      this.mixWord(value);
      this.mixWord(0x7fff0002);
      return;
    }
    FLOAT_SCRATCH[0] = value;
    this.mixWord(WORD_SCRATCH[0]);
    this.mixWord(WORD_SCRATCH[1]);
  }

  /** Closes one record of fields (one `update` worth). */
  endRecord(): void {
    this.laneA = Math.imul(this.laneA ^ 0x1f, FNV_PRIME) >>> 0;
    this.laneB = Math.imul(this.laneB ^ 0x1e, FNV_PRIME) >>> 0;
    this.count++;
  }

  /** One 32-bit word in one step per lane (see `text`). */
  private mixWord(word: number): void {
    this.laneA = Math.imul(rotateLeft(this.laneA ^ word, 15), FIELD_PRIME_A);
    this.laneB = Math.imul(rotateLeft(this.laneB ^ (word + 0x5bd1e995), 13), FIELD_PRIME_B);
  }

  get updates(): number {
    return this.count;
  }

  hex(): string {
    return (this.laneA >>> 0).toString(16).padStart(8, '0') + (this.laneB >>> 0).toString(16).padStart(8, '0');
  }
}
