import { mix32 } from './operation-set';

/**
 * Remembers (state, operation) → next state, so revisiting a configuration costs one
 * probe of a flat table instead of a model step. Open addressing with linear probing.
 *
 * Bounded: when the table reaches its maximum size it is emptied and refilled, which
 * only costs repeated model steps, never correctness.
 */
export class TransitionMemo {
  private stateIds: Int32Array;
  private operationIds: Int32Array;
  private results: Int32Array;
  private count = 0;

  constructor(
    initialCapacity = 1 << 12,
    private readonly capacityMax = 1 << 22,
  ) {
    const capacity = 1 << Math.ceil(Math.log2(Math.max(16, Math.min(initialCapacity, capacityMax))));
    this.stateIds = new Int32Array(capacity).fill(-1);
    this.operationIds = new Int32Array(capacity);
    this.results = new Int32Array(capacity);
  }

  /** The remembered result, or `TransitionMemo.missing`. */
  get(stateId: number, operationId: number): number {
    const stateIds = this.stateIds;
    const mask = stateIds.length - 1;
    for (let slot = slotHash(stateId, operationId) & mask; ; slot = (slot + 1) & mask) {
      const storedState = stateIds[slot];
      if (storedState === -1) return TransitionMemo.missing;
      if (storedState === stateId && this.operationIds[slot] === operationId) return this.results[slot];
    }
  }

  /** Records a result that `get` just reported missing. */
  set(stateId: number, operationId: number, result: number): void {
    if (stateId < 0) throw new RangeError(`state ids are non-negative, got ${stateId}`);
    if (2 * (this.count + 1) > this.stateIds.length) this.makeRoom();
    const mask = this.stateIds.length - 1;
    let slot = slotHash(stateId, operationId) & mask;
    while (this.stateIds[slot] !== -1) slot = (slot + 1) & mask;
    this.stateIds[slot] = stateId;
    this.operationIds[slot] = operationId;
    this.results[slot] = result;
    this.count++;
  }

  static readonly missing = -2;

  private makeRoom(): void {
    const capacity = this.stateIds.length;
    if (capacity >= this.capacityMax) {
      this.stateIds.fill(-1);
      this.count = 0;
      return;
    }
    const { stateIds, operationIds, results } = this;
    this.stateIds = new Int32Array(capacity * 2).fill(-1);
    this.operationIds = new Int32Array(capacity * 2);
    this.results = new Int32Array(capacity * 2);
    this.count = 0;
    for (let slot = 0; slot < capacity; slot++) {
      if (stateIds[slot] !== -1) this.set(stateIds[slot], operationIds[slot], results[slot]);
    }
  }
}

function slotHash(stateId: number, operationId: number): number {
  return mix32(Math.imul(stateId, 0x9e3779b1) ^ operationId);
}
