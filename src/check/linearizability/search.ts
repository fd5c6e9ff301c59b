import { EntryList } from './entry-list';
import { InterningStateSpace } from './interning-state-space';
import type { AnyModel } from './model';
import { OperationSet, wordCountFor } from './operation-set';
import type { Partition } from './partition';
import { SearchCache, type MemoryBudget } from './search-cache';
import { rejected, type StateSpace } from './state-space';

/**
 * The Wing–Gong search with Lowe's cache, as in Porcupine: walk the entry list from the
 * front; a call entry whose operation the model accepts (and whose resulting
 * configuration is not cached) is linearized, lifted out of the list and pushed on the
 * stack; reaching a return entry means the operation it closes cannot be linearized
 * after the current prefix, so the search backtracks to the next candidate.
 *
 * The search is resumable (`run` takes a step budget) so that the checker can interleave
 * partitions and stop them all as soon as one is found not linearizable.
 */

export type Verdict = 'linearizable' | 'not-linearizable' | 'unknown';

/** Default bound on model states per key: about 250 MB for the kv model at worst. */
export const defaultMaxStates = 1 << 22;

/** The furthest the search got: a linearizable prefix no operation can extend. */
export interface DeepestPoint {
  /** Operation ids in linearization order. */
  readonly prefix: readonly number[];
  /** The model state after each prefix operation. */
  readonly statesAfter: readonly unknown[];
  readonly state: unknown;
  /** Operations that could have come next; the model rejected every one of them. */
  readonly candidates: readonly number[];
  /** The operation whose completion bounds the candidates: it must come before anything later. */
  readonly blockingOperation: number;
}

export class PartitionSearch {
  private readonly operationCount: number;
  private readonly list: EntryList;
  private readonly space: StateSpace;
  private readonly linearized: OperationSet;
  private readonly cache: SearchCache;
  /** The linearized prefix: call nodes, and the state before each was applied. */
  private readonly stackNodes: Int32Array;
  private readonly stackStates: Int32Array;
  private depth = 0;
  private stateId: number;
  private node: number;
  private stepsTaken = 0;
  private decided: Verdict | undefined;
  private deepestDepth = -1;
  private deepest: RecordedDeadEnd | undefined;
  /** Set when the state space reached `maxStates`: the search stops for good, undecided. */
  private stateLimitReached = false;

  /**
   * `maxStates` bounds the one structure the search grows that no other budget covers: the
   * model states given ids (a kv key's distinct strings: 3 ints and a piece each). Without
   * it a history with many concurrent appends grew it until V8 died ("invalid size error").
   */
  constructor(partition: Partition, model: AnyModel, cacheBudget: MemoryBudget, private readonly maxStates = defaultMaxStates) {
    this.operationCount = partition.operations.length;
    this.list = new EntryList(partition.entries);
    const inputs = partition.operations.map((operation) => operation.input);
    const outputs = partition.operations.map((operation) => operation.output);
    this.space = model.createStateSpace?.(inputs, outputs) ?? new InterningStateSpace(model, inputs, outputs);
    this.linearized = new OperationSet(this.operationCount);
    this.cache = new SearchCache(wordCountFor(this.operationCount), cacheBudget, 1 << 8);
    this.stackNodes = new Int32Array(this.operationCount);
    this.stackStates = new Int32Array(this.operationCount);
    this.stateId = this.space.initialState;
    this.node = this.list.next[EntryList.head];
    if (this.operationCount === 0) {
      this.decided = 'linearizable';
      this.cache.release();
    }
  }

  /** The verdict once decided; undefined while the search still has work to do. */
  get verdict(): Verdict | undefined {
    return this.decided;
  }

  /** True once the search stopped for good because the state space reached `maxStates`. */
  get stoppedAtStateLimit(): boolean {
    return this.stateLimitReached;
  }

  get steps(): number {
    return this.stepsTaken;
  }

  get cachedConfigurations(): number {
    return this.cache.size;
  }

  /** Runs at most `stepBudget` steps; returns the verdict if it is now decided. */
  run(stepBudget: number): Verdict | undefined {
    if (!(stepBudget >= 1)) throw new RangeError(`step budget must be at least 1, got ${stepBudget}`);
    if (this.decided !== undefined || this.stateLimitReached) return this.decided;
    const { list, space, cache, linearized, stackNodes, stackStates, operationCount } = this;
    const { next, returnNodeOf, operationOf } = list;
    let depth = this.depth;
    let stateId = this.stateId;
    let node = this.node;
    let steps = 0;
    while (depth < operationCount && steps < stepBudget) {
      steps++;
      if (returnNodeOf[node] >= 0) {
        const id = operationOf[node];
        const nextState = space.transition(stateId, id);
        if (nextState >= this.maxStates) {
          // Ids are given in order, so this is the first state past the bound.
          this.stateLimitReached = true;
          this.cache.release();
          break;
        }
        const hash = linearized.hashWith(id) ^ Math.imul(nextState + 1, 0x9e3779b1);
        if (nextState !== rejected && cache.addIfAbsent(linearized, id, hash, nextState)) {
          stackNodes[depth] = node;
          stackStates[depth] = stateId;
          depth++;
          stateId = nextState;
          linearized.add(id);
          list.lift(node);
          node = next[EntryList.head];
        } else {
          node = next[node];
        }
        continue;
      }
      // `node` is a return: every candidate before it was tried after this prefix.
      if (depth > this.deepestDepth) this.recordDeepest(depth, stateId, node);
      if (depth === 0) {
        this.decided = 'not-linearizable';
        break;
      }
      depth--;
      const callNode = stackNodes[depth];
      stateId = stackStates[depth];
      linearized.delete(operationOf[callNode]);
      list.unlift(callNode);
      node = next[callNode];
    }
    if (depth < 0 || depth > operationCount) throw new Error(`search depth ${depth} out of range`);
    if (depth === operationCount) this.decided = 'linearizable';
    // A decided search never runs again: give its cache's memory to the other keys.
    if (this.decided !== undefined) this.cache.release();
    this.depth = depth;
    this.stateId = stateId;
    this.node = node;
    this.stepsTaken += steps;
    return this.decided;
  }

  /** The deepest dead end; only meaningful once the verdict is not-linearizable. */
  deepestPoint(): DeepestPoint {
    const recorded = this.deepest;
    if (this.decided !== 'not-linearizable' || recorded === undefined) {
      throw new Error('only a failed search has a deepest dead end');
    }
    const valueOf = (stateId: number): unknown => this.space.valueOf(stateId);
    return {
      prefix: recorded.prefix,
      statesAfter: recorded.stateIdsAfter.map(valueOf),
      state: valueOf(recorded.stateId),
      candidates: recorded.candidates,
      blockingOperation: recorded.blockingOperation,
    };
  }

  /**
   * Remembers the deepest dead end (as state ids; values are looked up only if it is
   * reported). A new maximum depth cannot be a cache hit (the cache only holds shallower
   * configurations), so there the model itself rejected every candidate, which is what
   * makes it a useful explanation.
   */
  private recordDeepest(depth: number, stateId: number, returnNode: number): void {
    const list = this.list;
    this.deepestDepth = depth;
    const prefix: number[] = [];
    const stateIdsAfter: number[] = [];
    for (let index = 0; index < depth; index++) {
      prefix.push(list.operationOf[this.stackNodes[index]]);
      stateIdsAfter.push(index + 1 < depth ? this.stackStates[index + 1] : stateId);
    }
    const candidates: number[] = [];
    for (let node = list.next[EntryList.head]; node !== returnNode; node = list.next[node]) {
      candidates.push(list.operationOf[node]);
    }
    this.deepest = { prefix, stateIdsAfter, stateId, candidates, blockingOperation: list.operationOf[returnNode] };
  }
}

interface RecordedDeadEnd {
  readonly prefix: readonly number[];
  readonly stateIdsAfter: readonly number[];
  readonly stateId: number;
  readonly candidates: readonly number[];
  readonly blockingOperation: number;
}
