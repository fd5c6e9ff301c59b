import type { AnyModel } from './model';
import { rejected, type StateSpace } from './state-space';
import { TransitionMemo } from './transition-memo';

/**
 * A state space for any model: runs `model.step` and gives each distinct resulting state
 * an id, found through `model.hash` and `model.equal`. Transitions are memoized: models
 * with few distinct states (a register) revisit the same (state, operation) pairs
 * constantly, and a probe of a small flat table is cheaper than a step plus interning.
 */
export class InterningStateSpace implements StateSpace {
  readonly initialState: number;
  private readonly values: unknown[] = [];
  private readonly idsByHash = new Map<number, number | number[]>();
  private readonly memo = new TransitionMemo(1 << 8);

  constructor(
    private readonly model: AnyModel,
    private readonly inputs: readonly unknown[],
    private readonly outputs: readonly unknown[],
  ) {
    if (inputs.length !== outputs.length) throw new Error('every operation needs an input and an output');
    this.initialState = this.intern(model.init());
  }

  get stateCount(): number {
    return this.values.length;
  }

  transition(stateId: number, operationId: number): number {
    const remembered = this.memo.get(stateId, operationId);
    if (remembered !== TransitionMemo.missing) return remembered;
    const result = this.model.step(this.values[stateId], this.inputs[operationId], this.outputs[operationId]);
    const next = result.ok ? this.intern(result.next) : rejected;
    this.memo.set(stateId, operationId, next);
    return next;
  }

  valueOf(stateId: number): unknown {
    if (stateId < 0 || stateId >= this.values.length) throw new RangeError(`no state ${stateId}`);
    return this.values[stateId];
  }

  private intern(value: unknown): number {
    // Small-integer keys keep the Map on its fast path.
    const hash = this.model.hash(value) & 0x3fffffff;
    const found = this.idsByHash.get(hash);
    if (found !== undefined) {
      const candidates = typeof found === 'number' ? [found] : found;
      for (const id of candidates) if (this.model.equal(this.values[id], value)) return id;
    }
    const id = this.values.length;
    this.values.push(value);
    if (found === undefined) this.idsByHash.set(hash, id);
    else if (typeof found === 'number') this.idsByHash.set(hash, [found, id]);
    else found.push(id);
    return id;
  }
}
