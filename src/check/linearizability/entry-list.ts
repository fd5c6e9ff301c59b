/**
 * The doubly linked list of call and return entries that WGL walks. Linearizing an
 * operation lifts its call and return out of the list; backtracking puts them back in
 * the same places (unlift undoes lift exactly because lifts are undone in LIFO order).
 *
 * Nodes are integers: 0 is the head sentinel, entry i of the partition is node i + 1,
 * and the last node is a tail sentinel, so no link is ever null.
 */
export class EntryList {
  static readonly head = 0;
  readonly tail: number;
  readonly next: Int32Array;
  readonly prev: Int32Array;
  /** For a call node, its operation's return node; -1 for return nodes. */
  readonly returnNodeOf: Int32Array;
  /** The operation id of every entry node. */
  readonly operationOf: Int32Array;
  /** Each operation's call node. */
  readonly callNodeOf: Int32Array;

  /** `entries` uses the Partition encoding: 2*id for a call, 2*id+1 for a return. */
  constructor(entries: Int32Array) {
    const nodeCount = entries.length + 2;
    this.tail = nodeCount - 1;
    this.next = new Int32Array(nodeCount);
    this.prev = new Int32Array(nodeCount);
    this.returnNodeOf = new Int32Array(nodeCount).fill(-1);
    this.operationOf = new Int32Array(nodeCount).fill(-1);
    this.callNodeOf = new Int32Array(entries.length >>> 1).fill(-1);
    const returnNodeOfOperation = new Int32Array(entries.length >>> 1).fill(-1);
    for (let node = 0; node < nodeCount; node++) {
      this.next[node] = node + 1 < nodeCount ? node + 1 : node;
      this.prev[node] = node > 0 ? node - 1 : node;
    }
    entries.forEach((code, position) => {
      const node = position + 1;
      const id = code >>> 1;
      this.operationOf[node] = id;
      if ((code & 1) === 0) this.callNodeOf[id] = node;
      else returnNodeOfOperation[id] = node;
    });
    this.callNodeOf.forEach((callNode, id) => {
      const returnNode = returnNodeOfOperation[id];
      if (callNode < 0 || returnNode < callNode) throw new Error(`operation ${id} must return after its call`);
      this.returnNodeOf[callNode] = returnNode;
    });
  }

  isEmpty(): boolean {
    return this.next[EntryList.head] === this.tail;
  }

  /** Removes a call node and its return node from the list. */
  lift(callNode: number): void {
    const next = this.next;
    const prev = this.prev;
    next[prev[callNode]] = next[callNode];
    prev[next[callNode]] = prev[callNode];
    const returnNode = this.returnNodeOf[callNode];
    next[prev[returnNode]] = next[returnNode];
    prev[next[returnNode]] = prev[returnNode];
  }

  /** Reinserts what the matching `lift` removed; the node keeps its old links. */
  unlift(callNode: number): void {
    const next = this.next;
    const prev = this.prev;
    const returnNode = this.returnNodeOf[callNode];
    next[prev[returnNode]] = returnNode;
    prev[next[returnNode]] = returnNode;
    next[prev[callNode]] = callNode;
    prev[next[callNode]] = callNode;
  }
}
