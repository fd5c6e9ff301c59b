import { GrowableIntArray } from './growable-int-array';
import type { KeyValueInput, KeyValueOutput } from './kv-values';
import { mix32 } from './operation-set';
import { rejected, type StateSpace } from './state-space';
import { TransitionMemo } from './transition-memo';

/**
 * Integer states for the kv model. A key's value is built by puts and appends, so a
 * state is stored as (parent state, last piece) with its length and a polynomial hash
 * that extends in O(1): hash(s + t) = hash(s) * base^|t| + hash(t) (mod 2^32). The
 * search path never concatenates or scans whole strings; when two different
 * constructions agree on hash and length they are compared character by character once
 * and the answer is remembered, so ids are exact: equal strings, equal ids.
 */
export class KeyValueStateSpace implements StateSpace {
  readonly initialState = 0;
  private readonly parents = new GrowableIntArray();
  private readonly lengths = new GrowableIntArray();
  private readonly hashes = new GrowableIntArray();
  private readonly pieces: string[] = [];
  /** Open addressing by (hash, length) digest; holds id + 1, 0 when empty. */
  private slots = new Int32Array(1 << 8);
  /** Transitions that needed a full comparison, so each is compared only once. */
  private readonly verified = new TransitionMemo(1 << 6);
  /** Each put's resulting state id, or -1 until first used (a put ignores the state). */
  private readonly putTargets: Int32Array;
  private readonly argumentHashes: Int32Array;
  private readonly argumentPowers: Int32Array;
  private readonly resultHashes: Int32Array;

  constructor(
    private readonly inputs: readonly KeyValueInput[],
    private readonly outputs: readonly KeyValueOutput[],
  ) {
    if (inputs.length !== outputs.length) throw new Error('every operation needs an input and an output');
    this.argumentHashes = Int32Array.from(inputs, (input) => polynomialHash(input.argument));
    this.argumentPowers = Int32Array.from(inputs, (input) => basePower(input.argument.length));
    this.resultHashes = Int32Array.from(outputs, (output) => polynomialHash(output.value));
    this.putTargets = new Int32Array(inputs.length).fill(-1);
    this.add(-1, '', 0, 0);
  }

  get stateCount(): number {
    return this.pieces.length;
  }

  transition(stateId: number, operationId: number): number {
    const input = this.inputs[operationId];
    if (input.kind === 'get') return this.getMatches(stateId, operationId) ? stateId : rejected;
    if (input.kind === 'put') return this.putTarget(operationId);
    const length = this.lengths.get(stateId) + input.argument.length;
    const hash = (Math.imul(this.hashes.get(stateId), this.argumentPowers[operationId]) + this.argumentHashes[operationId]) | 0;
    return this.find(stateId, operationId, length, hash);
  }

  valueOf(stateId: number): string {
    if (stateId < 0 || stateId >= this.pieces.length) throw new RangeError(`no state ${stateId}`);
    const pieces: string[] = [];
    for (let id = stateId; id >= 0; id = this.parents.get(id)) pieces.push(this.pieces[id]);
    return pieces.reverse().join('');
  }

  private getMatches(stateId: number, operationId: number): boolean {
    const output = this.outputs[operationId];
    if (!output.known) return true;
    const expected = output.value;
    if (this.lengths.get(stateId) !== expected.length || this.hashes.get(stateId) !== this.resultHashes[operationId]) {
      return false;
    }
    const remembered = this.verified.get(stateId, operationId);
    if (remembered !== TransitionMemo.missing) return remembered === stateId;
    const matches = this.spells(stateId, expected, expected.length);
    this.verified.set(stateId, operationId, matches ? stateId : rejected);
    return matches;
  }

  private putTarget(operationId: number): number {
    if (this.putTargets[operationId] < 0) {
      const argument = this.inputs[operationId].argument;
      this.putTargets[operationId] = this.find(-1, operationId, argument.length, this.argumentHashes[operationId]);
    }
    return this.putTargets[operationId];
  }

  /** The id of parent's string + the operation's argument (a root when parent is -1). */
  private find(parent: number, operationId: number, length: number, hash: number): number {
    const piece = this.inputs[operationId].argument;
    const mask = this.slots.length - 1;
    let lookalikes = false;
    let slot = digest(hash, length) & mask;
    for (let stored = this.slots[slot]; stored !== 0; slot = (slot + 1) & mask, stored = this.slots[slot]) {
      const id = stored - 1;
      if (this.hashes.get(id) !== hash || this.lengths.get(id) !== length) continue;
      if (this.parents.get(id) === parent && this.pieces[id] === piece) return id;
      lookalikes = true;
    }
    if (!lookalikes) return this.add(parent, piece, length, hash);
    return this.findAmongLookalikes(parent, operationId, length, hash);
  }

  /** Rare: another construction has this hash and length; compare the strings once. */
  private findAmongLookalikes(parent: number, operationId: number, length: number, hash: number): number {
    // Puts reach here once each (putTarget remembers them); appends are remembered here.
    const remembered = parent < 0 ? TransitionMemo.missing : this.verified.get(parent, operationId);
    if (remembered !== TransitionMemo.missing) return remembered;
    const piece = this.inputs[operationId].argument;
    const text = parent < 0 ? piece : this.valueOf(parent) + piece;
    const mask = this.slots.length - 1;
    let result = -1;
    let slot = digest(hash, length) & mask;
    for (let stored = this.slots[slot]; stored !== 0 && result < 0; slot = (slot + 1) & mask, stored = this.slots[slot]) {
      const id = stored - 1;
      if (this.hashes.get(id) === hash && this.lengths.get(id) === length && this.spells(id, text, length)) result = id;
    }
    if (result < 0) result = this.add(parent, piece, length, hash);
    if (parent >= 0) this.verified.set(parent, operationId, result);
    return result;
  }

  /** Whether text.slice(0, end) is exactly the state's string, compared piece by piece. */
  private spells(stateId: number, text: string, end: number): boolean {
    let position = end;
    for (let id = stateId; id >= 0; id = this.parents.get(id)) {
      const piece = this.pieces[id];
      position -= piece.length;
      if (position < 0 || !text.startsWith(piece, position)) return false;
    }
    return position === 0;
  }

  private add(parent: number, piece: string, length: number, hash: number): number {
    const id = this.pieces.length;
    this.parents.push(parent);
    this.pieces.push(piece);
    this.lengths.push(length);
    this.hashes.push(hash);
    if (2 * (id + 1) > this.slots.length) this.rehash(this.slots.length * 2);
    else this.place(id);
    return id;
  }

  private place(id: number): void {
    const mask = this.slots.length - 1;
    let slot = digest(this.hashes.get(id), this.lengths.get(id)) & mask;
    while (this.slots[slot] !== 0) slot = (slot + 1) & mask;
    this.slots[slot] = id + 1;
  }

  private rehash(capacity: number): void {
    this.slots = new Int32Array(capacity);
    for (let id = 0; id < this.pieces.length; id++) this.place(id);
  }
}

const base = 0x01000193;

function digest(hash: number, length: number): number {
  return mix32(hash ^ Math.imul(length, 0x9e3779b1));
}

function polynomialHash(text: string): number {
  let hash = 0;
  for (let index = 0; index < text.length; index++) hash = (Math.imul(hash, base) + text.charCodeAt(index)) | 0;
  return hash;
}

function basePower(exponent: number): number {
  let power = 1;
  for (let step = 0; step < exponent; step++) power = Math.imul(power, base);
  return power;
}
