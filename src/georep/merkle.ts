/**
 * A Merkle tree over ranges of the key-hash space (Merkle 1987; Dynamo §4.7 "Replica
 * synchronization", Cassandra's repair): the hash space is cut into `fanout^depth` leaf
 * ranges, a leaf's hash summarises the (key, state digest) pairs in its range, and each
 * inner node hashes its children. Two replicas compare roots, descend only into children
 * whose hashes differ, and end with the few leaf ranges that really differ.
 *
 * Updates are O(depth): a leaf's hash is the sum (mod 2^32, two lanes) of its keys'
 * hashes, so a key can be added, changed or removed without rereading the leaf; inner
 * hashes are recomputed lazily, only when asked for.
 */
import { digestLanes, hex32, mixWords } from './digest';

/** One node as sent in a comparison: its index within its level and its two hash lanes. */
export type TreeNodeHash = readonly [index: number, laneA: number, laneB: number];

interface KeyEntry {
  digest: string;
  laneA: number;
  laneB: number;
}

export class MerkleTree {
  readonly leafCount: number;
  /** Per level (0 = root … depth = leaves): the two hash lanes of each node. */
  private readonly lanesA: Uint32Array[] = [];
  private readonly lanesB: Uint32Array[] = [];
  /** Per inner level: 1 when the node must be recomputed from its children. */
  private readonly dirty: Uint8Array[] = [];
  private readonly keys = new Map<string, KeyEntry>();
  private readonly leafKeys = new Map<number, Set<string>>();

  constructor(
    readonly fanout = 16,
    readonly depth = 3,
  ) {
    if (!Number.isInteger(fanout) || fanout < 2 || (fanout & (fanout - 1)) !== 0) throw new RangeError(`the fanout is a power of two >= 2, got ${fanout}`);
    if (!Number.isInteger(depth) || depth < 1) throw new RangeError(`the depth is a whole number >= 1, got ${depth}`);
    this.leafCount = fanout ** depth;
    if (this.leafCount > 1 << 24) throw new RangeError(`a tree of ${this.leafCount} leaves is too large`);
    for (let level = 0; level <= depth; level++) {
      const size = fanout ** level;
      this.lanesA.push(new Uint32Array(size));
      this.lanesB.push(new Uint32Array(size));
      // Every inner node starts dirty: its hash is computed from its (empty) children on first use.
      this.dirty.push(new Uint8Array(level < depth ? size : 0).fill(1));
    }
  }

  get size(): number {
    return this.keys.size;
  }

  /** The leaf range a key falls in: the top bits of its hash. */
  leafOf(key: string): number {
    const bits = Math.log2(this.leafCount);
    return bits === 0 ? 0 : digestLanes(key).laneA >>> (32 - bits);
  }

  /** Records (or replaces) the digest of a key's state. */
  set(key: string, digest: string): void {
    const previous = this.keys.get(key);
    if (previous?.digest === digest) return;
    const leaf = this.leafOf(key);
    const { laneA, laneB } = digestLanes(`${key}\u0000${digest}`);
    this.adjustLeaf(leaf, laneA - (previous?.laneA ?? 0), laneB - (previous?.laneB ?? 0));
    this.keys.set(key, { digest, laneA, laneB });
    if (!previous) {
      let members = this.leafKeys.get(leaf);
      if (!members) this.leafKeys.set(leaf, (members = new Set()));
      members.add(key);
    }
  }

  delete(key: string): void {
    const previous = this.keys.get(key);
    if (!previous) return;
    const leaf = this.leafOf(key);
    this.adjustLeaf(leaf, -previous.laneA, -previous.laneB);
    this.keys.delete(key);
    this.leafKeys.get(leaf)?.delete(key);
  }

  digestOf(key: string): string | undefined {
    return this.keys.get(key)?.digest;
  }

  /** The hash of node `index` at `level` (0 = root). */
  node(level: number, index: number): TreeNodeHash {
    this.assertNode(level, index);
    if (level < this.depth && this.dirty[level][index] === 1) this.recompute(level, index);
    return [index, this.lanesA[level][index], this.lanesB[level][index]];
  }

  root(): TreeNodeHash {
    return this.node(0, 0);
  }

  rootHex(): string {
    const [, laneA, laneB] = this.root();
    return hex32(laneA) + hex32(laneB);
  }

  /** Indexes of the children of node `index` at `level`. */
  childIndexes(level: number, index: number): number[] {
    this.assertNode(level, index);
    if (level >= this.depth) throw new RangeError('a leaf has no children');
    return Array.from({ length: this.fanout }, (_, offset) => index * this.fanout + offset);
  }

  /** The nodes of the remote list whose hashes differ from ours at the same level and index. */
  differing(level: number, remote: readonly TreeNodeHash[]): number[] {
    const result: number[] = [];
    for (const [index, laneA, laneB] of remote) {
      const [, ownA, ownB] = this.node(level, index);
      if (ownA !== laneA >>> 0 || ownB !== laneB >>> 0) result.push(index);
    }
    return result;
  }

  /** The keys of a leaf range and their digests, sorted by key. */
  leafEntries(leaf: number): [key: string, digest: string][] {
    this.assertNode(this.depth, leaf);
    const members = this.leafKeys.get(leaf);
    if (!members) return [];
    return [...members].sort().map((key) => [key, this.keys.get(key)!.digest]);
  }

  private adjustLeaf(leaf: number, deltaA: number, deltaB: number): void {
    const leaves = this.depth;
    this.lanesA[leaves][leaf] = (this.lanesA[leaves][leaf] + deltaA) >>> 0;
    this.lanesB[leaves][leaf] = (this.lanesB[leaves][leaf] + deltaB) >>> 0;
    let index = leaf;
    for (let level = this.depth - 1; level >= 0; level--) {
      index = Math.floor(index / this.fanout);
      if (this.dirty[level][index] === 1) break; // its ancestors are dirty already
      this.dirty[level][index] = 1;
    }
  }

  private recompute(level: number, index: number): void {
    const wordsA = new Uint32Array(this.fanout);
    const wordsB = new Uint32Array(this.fanout);
    for (let offset = 0; offset < this.fanout; offset++) {
      const [, laneA, laneB] = this.node(level + 1, index * this.fanout + offset);
      wordsA[offset] = laneA;
      wordsB[offset] = laneB;
    }
    this.lanesA[level][index] = mixWords(wordsA);
    this.lanesB[level][index] = mixWords(wordsB, 0x050c5d1f);
    this.dirty[level][index] = 0;
  }

  private assertNode(level: number, index: number): void {
    if (!Number.isInteger(level) || level < 0 || level > this.depth) throw new RangeError(`no level ${level} in a tree of depth ${this.depth}`);
    if (!Number.isInteger(index) || index < 0 || index >= this.fanout ** level) throw new RangeError(`no node ${index} at level ${level}`);
  }
}
