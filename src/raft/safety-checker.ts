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
 * An entry as the checker first saw it. Its fingerprint is computed only when another
 * node reports a different object at the same (index, term): in one process, replicas
 * usually hold the very object the leader created, and an object is equal to itself.
 */
interface RegisteredEntry {
  readonly term: number;
  readonly entry: Entry;
  fingerprint: string | undefined;
  readonly node: NodeId;
  previousTerm: number | undefined;
}

interface AppliedEntry {
  readonly term: number;
  readonly entry: Entry;
  fingerprint: string | undefined;
  readonly node: NodeId;
}

/** The first registration of (entry.index, entry.term) (a function, not a closure made per entry). */
function freshRegistration(node: NodeId, entry: Entry, previousTerm: number | undefined): RegisteredEntry {
  return { term: entry.term, entry, fingerprint: undefined, node, previousTerm };
}

/** The committed prefix grew to `index` when reported by a node in term `commitTerm`. */
interface CommitRecord {
  readonly index: number;
  readonly term: number;
  readonly commitTerm: number;
}

export class RaftSafetyChecker {
  private readonly fingerprint: (entry: Entry) => string;
  private readonly mirrors = new Map<NodeId, LogMirror>();
  private readonly leadersByTerm = new Map<number, NodeId>();
  /** Log Matching registry: index -> the distinct terms seen there (usually one). */
  private readonly registry: (RegisteredEntry | RegisteredEntry[] | undefined)[] = [];
  /** committedTerms[index]: term of the committed entry (undefined if known only via a snapshot). */
  private readonly committedTerms: (number | undefined)[] = [];
  private committedIndex = 0;
  private readonly commitRecords: CommitRecord[] = [];
  /** applied[index]: the first entry any node applied there. */
  private readonly applied: (AppliedEntry | undefined)[] = [];
  /** Number of individual checks made (for tests and reports). */
  checks = 0;
  /** The first violation found (also thrown), for hosts that report after catching. */
  firstViolation: RaftSafetyViolation | null = null;

  constructor(options: SafetyCheckerOptions = {}) {
    this.fingerprint = options.fingerprint ?? defaultFingerprint;
  }

  private mirror(node: NodeId): LogMirror {
    let mirror = this.mirrors.get(node);
    if (mirror === undefined) {
      mirror = new LogMirror();
      this.mirrors.set(node, mirror);
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
    for (let position = this.commitRecords.length - 1; position >= 0; position--) {
      const record = this.commitRecords[position];
      if (record.commitTerm >= term) continue;
      if (!mirror.holds(record.index, record.term)) {
        this.fail('Leader Completeness', term, record.index, [node],
          `leader of term ${term} lacks entry (index ${record.index}, term ${record.term}) committed by term ${record.commitTerm}`);
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
    for (const entry of kept) {
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

  private registerEntry(node: NodeId, entry: Entry, previousTerm: number | undefined): void {
    this.checks++;
    const existing = this.registered(node, entry, previousTerm);
    if (existing === undefined) return;
    if (!this.sameContent(existing, entry)) {
      this.fail('Log Matching', entry.term, entry.index, [existing.node, node],
        `two different entries share index ${entry.index} and term ${entry.term}`);
    }
    if (existing.previousTerm === undefined) {
      existing.previousTerm = previousTerm;
    } else if (previousTerm !== undefined && previousTerm !== existing.previousTerm) {
      this.fail('Log Matching', entry.term, entry.index, [existing.node, node],
        `logs agree on (index ${entry.index}, term ${entry.term}) but differ at index ${entry.index - 1} (terms ${existing.previousTerm} and ${previousTerm})`);
    }
  }

  /** The registration of (entry.index, entry.term); registers the entry and returns
   *  undefined when it is the first seen there. */
  private registered(node: NodeId, entry: Entry, previousTerm: number | undefined): RegisteredEntry | undefined {
    const atIndex = this.registry[entry.index];
    if (atIndex === undefined) {
      this.registry[entry.index] = freshRegistration(node, entry, previousTerm);
      return undefined;
    }
    if (!Array.isArray(atIndex)) {
      if (atIndex.term === entry.term) return atIndex;
      this.registry[entry.index] = [atIndex, freshRegistration(node, entry, previousTerm)];
      return undefined;
    }
    const existing = atIndex.find((registered) => registered.term === entry.term);
    if (existing === undefined) atIndex.push(freshRegistration(node, entry, previousTerm));
    return existing;
  }

  /** Whether two entries hold the same command: the same object, or equal fingerprints. */
  private sameContent(seen: { entry: Entry; fingerprint: string | undefined }, entry: Entry): boolean {
    if (seen.entry === entry) return true;
    seen.fingerprint ??= this.fingerprint(seen.entry);
    return seen.fingerprint === this.fingerprint(entry);
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
    if (mirror.termAt(index) !== undefined && mirror.termAt(index) !== term) {
      throw new Error(`safety checker: ${node} reported commit of (index ${index}, term ${term}) but holds term ${mirror.termAt(index)} there`);
    }
    if (index <= this.committedIndex) {
      const committedTerm = this.committedTerms[index];
      if (committedTerm !== undefined && committedTerm !== term) {
        this.fail('State Machine Safety', term, index, [node],
          `index ${index} was committed with term ${committedTerm} and now with term ${term}`);
      }
      return;
    }
    // Extending the committed prefix: the node's log must hold the previously committed
    // tip (then, by Log Matching, the whole committed prefix).
    const tipTerm = this.committedTerms[this.committedIndex];
    if (this.committedIndex > 0 && tipTerm !== undefined && !mirror.holds(this.committedIndex, tipTerm)) {
      this.fail('State Machine Safety', term, this.committedIndex, [node],
        `commit of index ${index} on a log that lacks committed entry (index ${this.committedIndex}, term ${tipTerm})`);
    }
    for (let filled = this.committedIndex + 1; filled <= index; filled++) this.committedTerms[filled] = mirror.termAt(filled);
    this.committedTerms[index] = term;
    this.committedIndex = index;
    const commitTerm = Math.max(term, mirror.currentTerm);
    this.commitRecords.push({ index, term, commitTerm });
    this.checkCurrentLeadersHold(index, term, commitTerm);
  }

  /** Leaders elected in later terms that are still leading must already hold the entry:
   *  a leader only appends entries of its own term. */
  private checkCurrentLeadersHold(index: number, term: number, commitTerm: number): void {
    for (const [node, mirror] of this.mirrors) {
      if (!mirror.isLeading || mirror.leaderTerm === null || mirror.leaderTerm <= commitTerm) continue;
      this.checks++;
      if (!mirror.holds(index, term)) {
        this.fail('Leader Completeness', mirror.leaderTerm, index, [node],
          `leader of term ${mirror.leaderTerm} lacks entry (index ${index}, term ${term}) committed by term ${commitTerm}`);
      }
    }
  }

  onApply(node: NodeId, entry: Entry): void {
    this.checks++;
    const previous = this.applied[entry.index];
    if (previous === undefined) {
      this.applied[entry.index] = { term: entry.term, entry, fingerprint: undefined, node };
    } else if (previous.term !== entry.term || !this.sameContent(previous, entry)) {
      this.fail('State Machine Safety', entry.term, entry.index, [previous.node, node],
        `${previous.node} applied (term ${previous.term}) and ${node} applied (term ${entry.term}) different entries at index ${entry.index}`);
    }
    const committedTerm = this.committedTerms[entry.index];
    if (entry.index <= this.committedIndex && committedTerm !== undefined && committedTerm !== entry.term) {
      this.fail('State Machine Safety', entry.term, entry.index, [node],
        `${node} applied term ${entry.term} at index ${entry.index} where term ${committedTerm} was committed`);
    }
  }

  private fail(property: SafetyProperty, term: number | null, index: number | null, nodes: NodeId[], description: string): never {
    const violation = new RaftSafetyViolation({ property, term, index, nodes: [...new Set(nodes)], description });
    this.firstViolation ??= violation;
    throw violation;
  }
}
