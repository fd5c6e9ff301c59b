import type { Entry, HardState, NodeId } from './types';

/**
 * An oracle for the five properties of Figure 3 of the Raft paper, observing every node of
 * one Raft group through events the host reports:
 *
 *   onLogChanged(node, entries)   what the node made durable (Ready.entries semantics: if
 *                                 entries[0].index <= its last index, the suffix was cut)
 *   onSnapshot(node, {index, term}) its log was compacted to, or replaced by, a snapshot
 *   onHardState(node, hardState)  its durable term and commit index (calls onCommit)
 *   onCommit(node, index, term)   it learned that its entry (index, term) is committed
 *   onApply(node, entry)          it applied an entry to its state machine
 *   onLeader(node, term)          it became leader of `term` (repeats are ignored)
 *   onStepDown(node)              it stopped being leader (including by crashing)
 *   onPersist(node, ready)        convenience: snapshot, entries and hard state of one
 *                                 Ready, in the right order (call it instead of the three)
 *
 * A node counts as leader from onLeader until onStepDown or until a hard state shows a
 * higher term, so a deposed leader that repairs its log in the same Ready that carries
 * its new term is not mistaken for a leader breaking Append-Only.
 *
 * Every check is incremental: an event costs time proportional to the entries it carries
 * (plus, on a new leader, a short backward walk over commit records). The checker keeps a
 * mirror of each node's log as terms only; an entry's content is represented by a
 * fingerprint, and (index, term) pairs are registered globally with their fingerprint and
 * the term before them, which makes Log Matching an inductive O(1)-per-entry check.
 * Memory grows with the number of distinct entries; one checker serves one test or run.
 */

export type SafetyProperty =
  | 'Election Safety'
  | 'Leader Append-Only'
  | 'Log Matching'
  | 'Leader Completeness'
  | 'State Machine Safety';

export interface ViolationDetail {
  readonly property: SafetyProperty;
  readonly term: number | null;
  readonly index: number | null;
  readonly nodes: readonly NodeId[];
  readonly description: string;
}

export class RaftSafetyViolation extends Error {
  constructor(readonly detail: ViolationDetail) {
    const where = [
      detail.term === null ? null : `term ${detail.term}`,
      detail.index === null ? null : `index ${detail.index}`,
      `nodes ${detail.nodes.join(', ')}`,
    ].filter((part) => part !== null).join(', ');
    super(`Raft safety violation: ${detail.property}: ${detail.description} (${where})`);
    this.name = 'RaftSafetyViolation';
  }

  get property(): SafetyProperty { return this.detail.property; }
}

export interface SafetyCheckerOptions {
  /** Identity of an entry's content; by default its kind plus JSON of its data. */
  readonly fingerprint?: (entry: Entry) => string;
}

function defaultFingerprint(entry: Entry): string {
  try {
    return `${entry.kind}:${JSON.stringify(entry.data) ?? ''}`;
  } catch {
    return `${entry.kind}:${String(entry.data)}`;
  }
}

/** One node's log as the checker sees it: terms only, after a snapshot anchor. */
class LogMirror {
  snapshotIndex = 0;
  snapshotTerm = 0;
  /** terms[i] is the term of index snapshotIndex + 1 + i. */
  terms: number[] = [];
  /** Set while the node is leader: the term it leads. */
  leaderTerm: number | null = null;
  /** Latest term from its hard state (0 if never reported). */
  currentTerm = 0;
  /** The node deleted its replica (a finished move): it holds no log until it reports again. */
  removed = false;

  constructor(readonly node: NodeId) {}

  get lastIndex(): number { return this.snapshotIndex + this.terms.length; }

  termAt(index: number): number | undefined {
    if (index === this.snapshotIndex) return this.snapshotTerm;
    if (index < this.snapshotIndex || index > this.lastIndex) return undefined;
    return this.terms[index - this.snapshotIndex - 1];
  }

  /** Leading, as far as the checker knows: reported leader, and no higher term seen since. */
  get isLeading(): boolean {
    return this.leaderTerm !== null && this.currentTerm <= this.leaderTerm;
  }

  /** Whether the log holds (index, term); entries under the snapshot count as held. */
  holds(index: number, term: number): boolean {
    if (index < this.snapshotIndex) return true;
    return this.termAt(index) === term;
  }
}

/**
 * A registration of (index, term) beyond the first one at that index (two terms at one
 * index: a leader's uncommitted entries later overwritten). Rare, so an object is fine.
 */
interface OtherRegistration {
  readonly term: number;
  readonly entry: Entry;
  fingerprint: string | undefined;
  readonly node: NodeId;
  previousTerm: number;
}

/** `previousTerm` not known yet (the node reported the entry over a gap it had compacted). */
const UNKNOWN_TERM = -1;
/** Prune the window only when this many indexes can go, so that pruning costs O(1) per entry. */
const PRUNE_BATCH = 256;

/**
 * The entries of indexes that some node may still report: from `base` on, as parallel
 * arrays (one slot per index, no object per entry). An index at or below every known node's
 * snapshot can never be logged or applied again (a node reports only entries above its
 * snapshot, and applies only above it), so its slot, and the entry it holds, is dropped.
 * The first registration of an index holds the entry object itself: replicas in one process
 * usually hold the very object the leader made, so content is compared by identity and its
 * fingerprint computed only when another object turns up at the same (index, term).
 */
class EntryWindow {
  base = 1;
  /** First registration at base + slot: term (0 = none), entry, node, term before it. */
  readonly terms: number[] = [];
  readonly entries: (Entry | undefined)[] = [];
  readonly nodes: (NodeId | undefined)[] = [];
  readonly previousTerms: number[] = [];
  /** First entry applied at base + slot (by anyone). */
  readonly applied: (Entry | undefined)[] = [];
  /** Fingerprints computed so far, by index (first registration and first applied). */
  readonly fingerprints = new Map<number, string>();
  readonly appliedFingerprints = new Map<number, string>();
  /** Registrations of a second or later term at an index. */
  readonly others = new Map<number, OtherRegistration[]>();

  /** The slot of `index`, growing the window to reach it; -1 below the window. */
  slot(index: number): number {
    const slot = index - this.base;
    if (slot < 0) return -1;
    while (this.terms.length <= slot) {
      this.terms.push(0);
      this.entries.push(undefined);
      this.nodes.push(undefined);
      this.previousTerms.push(UNKNOWN_TERM);
      this.applied.push(undefined);
    }
    return slot;
  }

  /** Drops every index up to `through`, when enough can go. */
  prune(through: number): void {
    const drop = Math.min(through + 1 - this.base, this.terms.length);
    if (drop < PRUNE_BATCH) return;
    for (const array of [this.terms, this.entries, this.nodes, this.previousTerms, this.applied] as unknown[][]) array.splice(0, drop);
    this.base += drop;
    for (const map of [this.fingerprints, this.appliedFingerprints, this.others] as Map<number, unknown>[]) {
      if (map.size === 0) continue;
      for (const index of [...map.keys()]) if (index < this.base) map.delete(index);
    }
  }
}

export class RaftSafetyChecker {
  private readonly fingerprint: (entry: Entry) => string;
  private readonly mirrors = new Map<NodeId, LogMirror>();
  /** The same mirrors as a list, for the per-commit walk over leaders without an iterator. */
  private readonly mirrorList: LogMirror[] = [];
  private readonly leadersByTerm = new Map<number, NodeId>();
  /** Log Matching registry and first applies, for the indexes nodes can still report. */
  private readonly window = new EntryWindow();
  /** committedTerms[index]: term of the committed entry (0 if known only via a snapshot). Kept for every index: one number each. */
  private readonly committedTerms: number[] = [0];
  private committedIndex = 0;
  /**
   * Commit records (the committed prefix grew to index, of term, when reported by a node
   * in commitTerm), as three parallel stacks. Leader Completeness asks for the latest
   * record whose commitTerm is below a new leader's term; a record followed by one with a
   * commitTerm no higher can never be that answer, so it is popped, which leaves the
   * commitTerms strictly increasing: one record per term at most.
   */
  private readonly recordIndexes: number[] = [];
  private readonly recordTerms: number[] = [];
  private readonly recordCommitTerms: number[] = [];
  /** appliedTerms[index]: term of the first entry applied there (0 = none); appliedNodes: by whom. Kept for every index. */
  private readonly appliedTerms: number[] = [0];
  private readonly appliedNodes: (NodeId | undefined)[] = [undefined];
  /** Number of individual checks made (for tests and reports). */
  checks = 0;
  /** The first violation found (also thrown), for hosts that report after catching. */
  firstViolation: RaftSafetyViolation | null = null;

  constructor(options: SafetyCheckerOptions = {}) {
    this.fingerprint = options.fingerprint ?? defaultFingerprint;
  }

  /** Lowest index still held with its content (for tests: pruning must happen). */
  get retainedFrom(): number { return this.window.base; }

  private mirror(node: NodeId): LogMirror {
    let mirror = this.mirrors.get(node);
    // A replica created again where one was removed starts with an empty log (its mirror was emptied).
    if (mirror !== undefined && mirror.removed) mirror.removed = false;
    if (mirror === undefined) {
      mirror = new LogMirror(node);
      this.mirrors.set(node, mirror);
      this.mirrorList.push(mirror);
    }
    return mirror;
  }

  // -------------------------------------------------------------------------------------
  // Election Safety and Leader Completeness.

  onLeader(node: NodeId, term: number): void {
    const mirror = this.mirror(node);
    if (mirror.leaderTerm === term) return;
    this.checks++;
    const existing = this.leadersByTerm.get(term);
    if (existing !== undefined && existing !== node) {
      this.fail('Election Safety', term, null, [existing, node], `two leaders were elected in term ${term}`);
    }
    this.leadersByTerm.set(term, node);
    mirror.leaderTerm = term;
    mirror.currentTerm = Math.max(mirror.currentTerm, term);
    this.checkLeaderHoldsCommitted(node, mirror, term);
  }

  onStepDown(node: NodeId): void {
    this.mirror(node).leaderTerm = null;
  }

  /** Every entry committed in a term before `term` must be in the new leader's log. By Log
   *  Matching it is enough to check the last such entry. */
  private checkLeaderHoldsCommitted(node: NodeId, mirror: LogMirror, term: number): void {
    for (let position = this.recordIndexes.length - 1; position >= 0; position--) {
      const commitTerm = this.recordCommitTerms[position];
      if (commitTerm >= term) continue;
      const index = this.recordIndexes[position];
      const entryTerm = this.recordTerms[position];
      if (!mirror.holds(index, entryTerm)) {
        this.fail('Leader Completeness', term, index, [node],
          `leader of term ${term} lacks entry (index ${index}, term ${entryTerm}) committed by term ${commitTerm}`);
      }
      return;
    }
  }

  // -------------------------------------------------------------------------------------
  // Leader Append-Only and Log Matching.

  onLogChanged(node: NodeId, entries: readonly Entry[]): void {
    const mirror = this.mirror(node);
    if (entries.length === 0) return;
    const kept = entries[0].index > mirror.snapshotIndex ? entries : entries.filter((entry) => entry.index > mirror.snapshotIndex);
    if (kept.length === 0) return;
    const firstIndex = kept[0].index;
    if (firstIndex <= mirror.lastIndex) this.cutSuffix(node, mirror, kept);
    if (firstIndex !== mirror.lastIndex + 1) {
      throw new Error(`safety checker: ${node} appended index ${firstIndex} after last index ${mirror.lastIndex} (a gap)`);
    }
    for (let position = 0; position < kept.length; position++) {
      const entry = kept[position];
      this.registerEntry(node, entry, mirror.termAt(entry.index - 1));
      mirror.terms.push(entry.term);
    }
  }

  /** The node rewrote indexes it held (Ready semantics: its suffix from entries[0].index
   *  is replaced). A leader must never lose or change an entry. */
  private cutSuffix(node: NodeId, mirror: LogMirror, entries: readonly Entry[]): void {
    let keptThrough = entries[0].index - 1;
    for (const entry of entries) {
      if (entry.index > mirror.lastIndex || mirror.termAt(entry.index) !== entry.term) break;
      keptThrough = entry.index;
    }
    this.checks++;
    if (keptThrough < mirror.lastIndex && mirror.isLeading) {
      this.fail('Leader Append-Only', mirror.leaderTerm, keptThrough + 1, [node],
        `leader of term ${mirror.leaderTerm} overwrote or deleted its entries from index ${keptThrough + 1}`);
    }
    mirror.terms.length = entries[0].index - 1 - mirror.snapshotIndex;
  }

  /**
   * Log Matching, inductively: the first registration of (index, term) fixes its content
   * and the term before it; every later one must agree on both. An index below the window
   * (under every node's snapshot) cannot be reported by a correct host, and is not compared.
   */
  private registerEntry(node: NodeId, entry: Entry, previousTerm: number | undefined): void {
    this.checks++;
    const window = this.window;
    const index = entry.index;
    const slot = window.slot(index);
    if (slot < 0) return;
    const previous = previousTerm ?? UNKNOWN_TERM;
    const firstTerm = window.terms[slot];
    if (firstTerm === 0) {
      window.terms[slot] = entry.term;
      window.entries[slot] = entry;
      window.nodes[slot] = node;
      window.previousTerms[slot] = previous;
      return;
    }
    if (firstTerm === entry.term) {
      if (!this.sameAsRegistered(slot, index, entry)) this.failContent(window.nodes[slot]!, node, entry);
      if (window.previousTerms[slot] === UNKNOWN_TERM) window.previousTerms[slot] = previous;
      else if (previous !== UNKNOWN_TERM && previous !== window.previousTerms[slot]) this.failPrevious(window.nodes[slot]!, node, entry, window.previousTerms[slot], previous);
      return;
    }
    this.registerOther(node, entry, previous);
  }

  /** A registration at an index that already holds another term. */
  private registerOther(node: NodeId, entry: Entry, previous: number): void {
    const others = this.window.others;
    let atIndex = others.get(entry.index);
    if (atIndex === undefined) others.set(entry.index, (atIndex = []));
    const existing = atIndex.find((registered) => registered.term === entry.term);
    if (existing === undefined) {
      atIndex.push({ term: entry.term, entry, fingerprint: undefined, node, previousTerm: previous });
      return;
    }
    if (existing.entry !== entry) {
      existing.fingerprint ??= this.fingerprint(existing.entry);
      if (existing.fingerprint !== this.fingerprint(entry)) this.failContent(existing.node, node, entry);
    }
    if (existing.previousTerm === UNKNOWN_TERM) existing.previousTerm = previous;
    else if (previous !== UNKNOWN_TERM && previous !== existing.previousTerm) this.failPrevious(existing.node, node, entry, existing.previousTerm, previous);
  }

  private failContent(first: NodeId, node: NodeId, entry: Entry): never {
    this.fail('Log Matching', entry.term, entry.index, [first, node],
      `two different entries share index ${entry.index} and term ${entry.term}`);
  }

  private failPrevious(first: NodeId, node: NodeId, entry: Entry, firstPrevious: number, previous: number): never {
    this.fail('Log Matching', entry.term, entry.index, [first, node],
      `logs agree on (index ${entry.index}, term ${entry.term}) but differ at index ${entry.index - 1} (terms ${firstPrevious} and ${previous})`);
  }

  /** Whether `entry` holds the command first registered in `slot`: the same object, or equal fingerprints. */
  private sameAsRegistered(slot: number, index: number, entry: Entry): boolean {
    const seen = this.window.entries[slot]!;
    if (seen === entry) return true;
    return this.fingerprintOf(this.window.fingerprints, index, seen) === this.fingerprint(entry);
  }

  private fingerprintOf(cache: Map<number, string>, index: number, seen: Entry): string {
    let fingerprint = cache.get(index);
    if (fingerprint === undefined) cache.set(index, (fingerprint = this.fingerprint(seen)));
    return fingerprint;
  }

  /** The node's log was compacted to a snapshot it made, or replaced by one it received. */
  onSnapshot(node: NodeId, snapshot: { readonly index: number; readonly term: number }): void {
    const mirror = this.mirror(node);
    if (snapshot.index <= mirror.snapshotIndex) return;
    this.checks++;
    const matches = mirror.termAt(snapshot.index) === snapshot.term;
    if (!matches && mirror.isLeading) {
      this.fail('Leader Append-Only', mirror.leaderTerm, snapshot.index, [node],
        `leader of term ${mirror.leaderTerm} replaced its log by a snapshot at index ${snapshot.index}`);
    }
    mirror.terms = matches ? mirror.terms.slice(snapshot.index - mirror.snapshotIndex) : [];
    mirror.snapshotIndex = snapshot.index;
    mirror.snapshotTerm = snapshot.term;
    this.window.prune(this.lowestSnapshot());
  }

  /**
   * The node stopped hosting its replica and deleted the replica's log, snapshot and
   * state machine (a finished replica move; RaftService.removeGroup). That log can never be
   * reported again, so it no longer holds the window's pruning floor down: before this, one
   * removed replica kept every later entry's content in memory for as long as the group
   * lived. A replica of the group created there later reports a log of its own, from empty.
   */
  onReplicaRemoved(node: NodeId): void {
    const mirror = this.mirrors.get(node);
    if (mirror === undefined) return;
    mirror.snapshotIndex = 0;
    mirror.snapshotTerm = 0;
    mirror.terms = [];
    mirror.leaderTerm = null;
    mirror.removed = true;
    this.window.prune(this.lowestSnapshot());
  }

  /**
   * The lowest snapshot index of any node that holds a log: nothing at or below it can be
   * reported again. With no such node, nothing is pruned.
   */
  private lowestSnapshot(): number {
    let lowest = Infinity;
    for (let position = 0; position < this.mirrorList.length; position++) {
      const mirror = this.mirrorList[position];
      if (!mirror.removed) lowest = Math.min(lowest, mirror.snapshotIndex);
    }
    return lowest === Infinity ? -1 : lowest;
  }

  // -------------------------------------------------------------------------------------
  // Commits and State Machine Safety.

  /** Everything one Ready made durable, in an order that needs no other bookkeeping: the
   *  new term first (it may end a leadership), then snapshot, entries and commit. */
  onPersist(node: NodeId, ready: {
    readonly hardState?: HardState;
    readonly entries: readonly Entry[];
    readonly snapshot?: { readonly index: number; readonly term: number };
  }): void {
    const mirror = this.mirror(node);
    if (ready.hardState !== undefined) mirror.currentTerm = Math.max(mirror.currentTerm, ready.hardState.term);
    if (ready.snapshot !== undefined) this.onSnapshot(node, ready.snapshot);
    this.onLogChanged(node, ready.entries);
    if (ready.hardState !== undefined) this.onHardState(node, ready.hardState);
  }

  onHardState(node: NodeId, hardState: HardState): void {
    const mirror = this.mirror(node);
    mirror.currentTerm = Math.max(mirror.currentTerm, hardState.term);
    const term = mirror.termAt(hardState.commitIndex);
    if (hardState.commitIndex > 0 && term !== undefined) this.onCommit(node, hardState.commitIndex, term);
  }

  /** `node` learned that its entry (index, term) is committed, and so is its log before it. */
  onCommit(node: NodeId, index: number, term: number): void {
    const mirror = this.mirror(node);
    this.checks++;
    const held = mirror.termAt(index);
    if (held !== undefined && held !== term) {
      throw new Error(`safety checker: ${node} reported commit of (index ${index}, term ${term}) but holds term ${held} there`);
    }
    if (index <= this.committedIndex) {
      const committedTerm = this.committedTerms[index];
      if (committedTerm !== 0 && committedTerm !== term) {
        this.fail('State Machine Safety', term, index, [node],
          `index ${index} was committed with term ${committedTerm} and now with term ${term}`);
      }
      return;
    }
    // Extending the committed prefix: the node's log must hold the previously committed
    // tip (then, by Log Matching, the whole committed prefix).
    const tipTerm = this.committedTerms[this.committedIndex];
    if (this.committedIndex > 0 && tipTerm !== 0 && !mirror.holds(this.committedIndex, tipTerm)) {
      this.fail('State Machine Safety', term, this.committedIndex, [node],
        `commit of index ${index} on a log that lacks committed entry (index ${this.committedIndex}, term ${tipTerm})`);
    }
    for (let filled = this.committedIndex + 1; filled < index; filled++) this.committedTerms.push(mirror.termAt(filled) ?? 0);
    this.committedTerms.push(term);
    this.committedIndex = index;
    const commitTerm = Math.max(term, mirror.currentTerm);
    this.pushCommitRecord(index, term, commitTerm);
    this.checkCurrentLeadersHold(index, term, commitTerm);
  }

  private pushCommitRecord(index: number, term: number, commitTerm: number): void {
    let top = this.recordCommitTerms.length;
    while (top > 0 && this.recordCommitTerms[top - 1] >= commitTerm) top--;
    this.recordIndexes.length = top;
    this.recordTerms.length = top;
    this.recordCommitTerms.length = top;
    this.recordIndexes.push(index);
    this.recordTerms.push(term);
    this.recordCommitTerms.push(commitTerm);
  }

  /** Leaders elected in later terms that are still leading must already hold the entry:
   *  a leader only appends entries of its own term. */
  private checkCurrentLeadersHold(index: number, term: number, commitTerm: number): void {
    for (let position = 0; position < this.mirrorList.length; position++) {
      const mirror = this.mirrorList[position];
      if (!mirror.isLeading || mirror.leaderTerm === null || mirror.leaderTerm <= commitTerm) continue;
      this.checks++;
      if (!mirror.holds(index, term)) {
        this.fail('Leader Completeness', mirror.leaderTerm, index, [mirror.node],
          `leader of term ${mirror.leaderTerm} lacks entry (index ${index}, term ${term}) committed by term ${commitTerm}`);
      }
    }
  }

  /**
   * State Machine Safety: every node applies, at an index, the entry first applied there
   * (same term for every index ever; same content while the index is in the window), and
   * that is the committed entry.
   */
  onApply(node: NodeId, entry: Entry): void {
    this.checks++;
    const index = entry.index;
    const firstTerm = this.appliedTerms[index] ?? 0;
    const slot = this.window.slot(index);
    if (firstTerm === 0) {
      this.recordApplied(node, entry, slot);
    } else if (firstTerm !== entry.term || (slot >= 0 && !this.sameAsApplied(slot, index, entry))) {
      const first = this.appliedNodes[index]!;
      this.fail('State Machine Safety', entry.term, index, [first, node],
        `${first} applied (term ${firstTerm}) and ${node} applied (term ${entry.term}) different entries at index ${index}`);
    }
    const committedTerm = this.committedTerms[index] ?? 0;
    if (index <= this.committedIndex && committedTerm !== 0 && committedTerm !== entry.term) {
      this.fail('State Machine Safety', entry.term, index, [node],
        `${node} applied term ${entry.term} at index ${index} where term ${committedTerm} was committed`);
    }
  }

  private recordApplied(node: NodeId, entry: Entry, slot: number): void {
    const index = entry.index;
    while (this.appliedTerms.length < index) {
      this.appliedTerms.push(0);
      this.appliedNodes.push(undefined);
    }
    this.appliedTerms[index] = entry.term;
    this.appliedNodes[index] = node;
    if (slot >= 0) this.window.applied[slot] = entry;
  }

  private sameAsApplied(slot: number, index: number, entry: Entry): boolean {
    const seen = this.window.applied[slot];
    if (seen === undefined || seen === entry) return true;
    return this.fingerprintOf(this.window.appliedFingerprints, index, seen) === this.fingerprint(entry);
  }

  private fail(property: SafetyProperty, term: number | null, index: number | null, nodes: NodeId[], description: string): never {
    const violation = new RaftSafetyViolation({ property, term, index, nodes: [...new Set(nodes)], description });
    this.firstViolation ??= violation;
    throw violation;
  }
}
