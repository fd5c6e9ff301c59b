/** An Int32Array that doubles when full: dense per-state fields without per-item objects. */
export class GrowableIntArray {
  private items: Int32Array;
  private count = 0;

  constructor(initialCapacity = 64) {
    this.items = new Int32Array(Math.max(4, initialCapacity));
  }

  get length(): number {
    return this.count;
  }

  get(index: number): number {
    return this.items[index];
  }

  push(value: number): void {
    if (this.count === this.items.length) {
      const grown = new Int32Array(this.items.length * 2);
      grown.set(this.items);
      this.items = grown;
    }
    this.items[this.count++] = value;
  }
}
