/**
 * A set with O(1) add, delete and uniform random choice (array plus index map, delete by
 * swapping with the last element). Used to pick gossip and probe helpers without scanning
 * the member table on every message.
 */
import type { RandomSource } from '../runtime/ports';

export class IndexedSet<T> {
  private readonly items: T[] = [];
  private readonly indexOf = new Map<T, number>();

  get size(): number {
    return this.items.length;
  }

  has(item: T): boolean {
    return this.indexOf.has(item);
  }

  add(item: T): void {
    if (this.indexOf.has(item)) return;
    this.indexOf.set(item, this.items.length);
    this.items.push(item);
  }

  delete(item: T): void {
    const index = this.indexOf.get(item);
    if (index === undefined) return;
    const last = this.items.pop()!;
    if (index < this.items.length) {
      this.items[index] = last;
      this.indexOf.set(last, index);
    }
    this.indexOf.delete(item);
  }

  /** The items in insertion-and-swap order; callers must not mutate it. */
  values(): readonly T[] {
    return this.items;
  }

  /**
   * Up to `count` distinct random items, none of them in `excluded`. Rejection sampling with a
   * bounded number of draws keeps this O(count) when the set is large; small sets fall back to
   * a shuffled copy so the result is still complete.
   */
  sample(count: number, random: RandomSource, excluded: readonly T[] = []): T[] {
    const available = this.items.length - excluded.filter((item) => this.indexOf.has(item)).length;
    const wanted = Math.min(count, available);
    if (wanted <= 0) return [];
    if (this.items.length <= 4 * (wanted + excluded.length)) {
      const candidates = this.items.filter((item) => !excluded.includes(item));
      return random.shuffle(candidates).slice(0, wanted);
    }
    const chosen: T[] = [];
    for (let draws = 0; chosen.length < wanted && draws < 16 * wanted; draws++) {
      const item = this.items[random.int(this.items.length)];
      if (!excluded.includes(item) && !chosen.includes(item)) chosen.push(item);
    }
    return chosen;
  }
}
