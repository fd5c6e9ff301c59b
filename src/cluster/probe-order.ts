/**
 * SWIM §4.3 round-robin probe target selection: members are probed in the order of a
 * shuffled list; when the list is exhausted it is reshuffled, and a new member is inserted
 * at a random position. This bounds the time until any member is probed by every other
 * member to 2·n − 1 periods, instead of the unbounded worst case of uniform random choice.
 */
import type { NodeId, RandomSource } from '../runtime/ports';

export class ProbeOrder {
  private order: NodeId[] = [];
  private nextIndex = 0;

  /**
   * The next member to probe, or undefined when there is nobody. `isProbeable` lets dead,
   * left and forgotten members be dropped lazily instead of being searched for on removal.
   */
  next(random: RandomSource, candidates: () => readonly NodeId[], isProbeable: (id: NodeId) => boolean): NodeId | undefined {
    for (let rounds = 0; rounds < 2; rounds++) {
      while (this.nextIndex < this.order.length) {
        const id = this.order[this.nextIndex++];
        if (isProbeable(id)) return id;
      }
      this.order = random.shuffle([...candidates()]);
      this.nextIndex = 0;
      if (this.order.length === 0) return undefined;
    }
    return undefined;
  }

  /** Inserts a newly live member at a uniformly random position among those not yet probed. */
  insert(id: NodeId, random: RandomSource): void {
    const remaining = this.order.length - this.nextIndex;
    const position = this.nextIndex + random.int(remaining + 1);
    this.order.splice(position, 0, id);
  }
}
