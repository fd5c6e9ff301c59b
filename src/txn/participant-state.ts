import {
  type AcquireResult,
  type DecisionResult,
  type ForgetResult,
  type LockHolder,
  type LockMode,
  type PrepareResult,
  type ResolveResult,
  type TxnAccess,
  type TxnApplyResult,
  type TxnCommand,
  type TxnId,
  type TxnOutcome,
  type TxnPriority,
  type TxnRecord,
  scannedPrefix,
  scannedSlots,
  scanWaits,
} from './types';
import { slotForKey, type SlotRange } from '../sharding/slots';
import { queryAttemptNumber, txnNumber } from './txn-id';

/**
 * The transactional part of a shard's replicated state machine: locks, write intents,
 * prepared transactions and transaction records. It lives in the Raft log like every
 * key-value command, so a new leader has exactly the locks, intents and votes of the old.
 *
 * Isolation is strict two-phase locking: a transaction takes a shared lock for each read
 * and an exclusive lock for each write while it runs, keeps its writes as intents that
 * nobody else can see, and holds its locks until its outcome is applied here (a read-only
 * participant releases them when it votes, after the transaction's lock point). Whether a
 * blocked request waits or dies (wait-die) is decided outside, by the participant server:
 * here a conflict changes nothing and names the holders.
 *
 * A read-only query takes scan locks: a shared lock over every key with a prefix (a
 * table's rows here) in some hash slots (those the query reads here; all of them when the
 * lock names none), the coarse granule of multiple-granularity locking (Gray et al.,
 * 1976). It conflicts with exclusive locks on keys under the prefix in those slots, in
 * both directions, so no transaction writes a row that a running query reads here, and the
 * query never reads a row a transaction has locked to write. A scan lock also keeps its
 * slots here: a slot move may not let go of them while it is held (`lockIn`).
 *
 * Garbage collection (issue 12 §6): records and tombstones of ended transactions are
 * dropped by a `forget` entry, per client, up to a *horizon*: the client's own number
 * below which every transaction ended here and its client knows the outcome. Anything
 * about a transaction at or below the horizon is answered without creating state: an
 * operation or a vote is refused, a resolve changes nothing, a decide or status question
 * is told "forgotten" (never a guessed outcome). A recovering holder told "forgotten"
 * aborts the transaction only if it still holds it when that abort is applied (`ifHeld`):
 * a committed record is only forgotten once every participant applied the commit, so a
 * holder still holding it then can only hold an aborted one, while a holder that asked
 * before its commit arrived finds it ended and changes nothing (bank soak seed 2009). This
 * is CockroachDB's rule that a transaction record, once removed, can never be created
 * again (its timestamp-cache low-water mark refuses it), with the client's acknowledged
 * mark (Ongaro's thesis §6.3) as the low-water mark.
 *
 * A read-only query's attempts (`<client>.q<n>.a<k>`) leave a tombstone each when released,
 * so that a late lock request of an abandoned attempt cannot take a scan lock nobody will
 * release. They are collected by their own per-client *query horizon*: every command of an
 * attempt carries, in `settled`, the query client's mark (every one of its queries up to
 * that number has finished: none of their attempts will ask for a lock again; an acquire
 * never carries its own query). Applying it drops the tombstones of the client's attempts
 * of queries up to the mark, below any attempt of the client still holding locks here, and
 * raises the horizon; a later command of such an attempt is answered as forgotten (an
 * acquire is told the attempt ended; a release changes nothing). This does not depend on
 * `collectEndedTransactions`: a query attempt writes nothing and has no record, so no
 * participant can need its outcome. The final attempt's release carries the mark of its own
 * query, so a query that ends leaves no tombstone on the shards its last attempt read.
 *
 * Everything is a function of the applied commands: no clock, no randomness, and no
 * dependence on the iteration order of maps (holders are sorted, snapshots canonical).
 */

/** The committed key-value data the transactions read and finally write. */
export interface CommittedStore {
  read(key: string): string | null;
  /** null deletes the key. */
  write(key: string, value: string | null): void;
}

interface ParticipantTxn {
  readonly txnId: TxnId;
  readonly priority: TxnPriority;
  readonly anchorKey: string;
  readonly coordinator: string;
  state: 'active' | 'prepared';
  readonly locks: Map<string, LockMode>;
  /** Write intents: the value the key gets if the transaction commits (null deletes). */
  readonly writes: Map<string, string | null>;
  lastOpIndex: number;
  lastResult: AcquireResult | undefined;
}

interface KeyLock {
  exclusive: TxnId | null;
  readonly shared: Set<TxnId>;
}

/** How a transaction ended here; `released` is a read-only participant that voted. */
type FinishedOutcome = TxnOutcome | 'released';

interface Finished {
  readonly outcome: FinishedOutcome;
  readonly reason: string;
  /** Log index at which it ended: eviction goes oldest first. */
  readonly atIndex: number;
}

/** A transaction as observers see it (status pages, scenarios, recovery). */
export interface ParticipantTxnView {
  readonly txnId: TxnId;
  readonly state: 'active' | 'prepared';
  readonly priority: TxnPriority;
  readonly anchorKey: string;
  readonly coordinator: string;
  readonly lockedKeys: readonly string[];
  readonly writtenKeys: readonly string[];
  /** A read-only query that never waits for running writers: it holds only such scan locks and writes nothing. */
  readonly neverWaits: boolean;
}

/** Plain JSON-able form, in canonical order. */
export interface ParticipantSnapshot {
  readonly txns: readonly {
    readonly txnId: TxnId;
    readonly priority: TxnPriority;
    readonly anchorKey: string;
    readonly coordinator: string;
    readonly state: 'active' | 'prepared';
    readonly locks: readonly (readonly [string, LockMode])[];
    readonly writes: readonly (readonly [string, string | null])[];
    readonly lastOpIndex: number;
    readonly lastResult: AcquireResult | null;
  }[];
  readonly records: readonly (readonly [TxnId, TxnRecord])[];
  readonly finished: readonly (readonly [TxnId, Finished])[];
  readonly violations: readonly string[];
  /** Per client: its transactions up to this number are forgotten here (absent in older snapshots). */
  readonly horizons?: readonly (readonly [string, number])[];
  /** Per client: the highest acknowledged mark it sent here. */
  readonly settledMarks?: readonly (readonly [string, number])[];
  /** Per client: horizons of shards that moved keys here (see `adoptRecords`). */
  readonly carriedHorizons?: readonly (readonly [string, number])[];
  /** Per query client: the attempts of its queries up to this number are forgotten here (absent: none). */
  readonly queryHorizons?: readonly (readonly [string, number])[];
}

/** What a collector may propose for one client, and the committed records whose participants it must ask first. */
export interface ForgetCandidate {
  readonly client: string;
  readonly through: number;
  readonly committed: readonly { readonly txnId: TxnId; readonly n: number; readonly participants: readonly string[] }[];
}

/**
 * Planted-bug switch (README, "Planted bugs"): off in every real run.
 * `ignoreConfirmation`: a forget drops committed records whose participants were not all
 * confirmed to have applied the outcome.
 */
export const participantGcFaults = { ignoreConfirmation: false };

/**
 * Planted-bug switch for query attempts (README, "Planted bugs"): off in every real run.
 * `forgetHeldAttempts`: the query horizon passes attempts that still hold scan locks here.
 */
export const queryGcFaults = { forgetHeldAttempts: false };

export const defaultFinishedMax = 20_000;
const violationsMax = 100;

export class TxnParticipantState {
  private readonly txns = new Map<TxnId, ParticipantTxn>();
  private readonly locks = new Map<string, KeyLock>();
  /** Scan locks (shared only): what each lock key covers, and its holders. */
  private readonly scans = new Map<string, ScanLock>();
  private readonly records = new Map<TxnId, TxnRecord>();
  /** Ended transactions, oldest first, so that a late or duplicated command cannot revive one. */
  private readonly finished = new Map<TxnId, Finished>();
  /** Broken atomicity seen here (a transaction committed and aborted in different places). */
  private readonly violationList: string[] = [];
  /** Per client: every transaction numbered up to here is forgotten (see the top). */
  private readonly horizons = new Map<string, number>();
  /**
   * Horizons a slot move brought from its source (client → number). The source forgot
   * those transactions, records included, so a record anchored on a moved key may be gone
   * without a trace: a question about one of them that finds nothing here is answered
   * "forgotten", never "aborted" by presumption (which could contradict a commit every
   * participant applied). A transaction this shard knows of is answered as usual.
   */
  private readonly carriedHorizons = new Map<string, number>();
  /** Per client: the highest acknowledged mark seen here. */
  private readonly settledMarks = new Map<string, number>();
  /** Per query client: the attempts of its queries numbered up to here are forgotten (see the top). */
  private readonly queryHorizons = new Map<string, number>();

  constructor(
    private readonly store: CommittedStore,
    private readonly finishedMax = defaultFinishedMax,
  ) {}

  /** Transactions holding locks here (what recovery watches). */
  get activeCount(): number {
    return this.txns.size;
  }

  get isEmpty(): boolean {
    return this.txns.size === 0 && this.records.size === 0 && this.finished.size === 0 && this.violationList.length === 0 && this.horizons.size === 0 && this.settledMarks.size === 0 && this.carriedHorizons.size === 0 && this.queryHorizons.size === 0;
  }

  /** Applies one transactional command committed at `logIndex`. */
  apply(command: TxnCommand, logIndex: number): TxnApplyResult {
    if (command.kind !== 'forget' && command.kind !== 'settle') this.noteSettled(command.txnId, command.settled);
    if (command.kind === 'forget') return this.forget(command);
    if (this.isForgotten(command.txnId) || this.forgottenAtSource(command.txnId)) return forgottenAnswer(command);
    const result = this.dispatch(command, logIndex);
    if (command.kind === 'acquire' || command.kind === 'resolve') this.noteQueriesSettled(command);
    return result;
  }

  private dispatch(command: Exclude<TxnCommand, { kind: 'forget' }>, logIndex: number): TxnApplyResult {
    switch (command.kind) {
      case 'acquire':
        return this.acquire(command);
      case 'prepare':
        return this.prepare(command, logIndex);
      case 'resolve':
        return this.resolve(command.txnId, command.outcome, command.reason ?? command.outcome, logIndex, command.ifHeld === true);
      case 'decide':
        return this.decide(command, logIndex);
      case 'settle':
        return this.settle(command.txnId, command.reason, logIndex);
      default:
        throw new TypeError(`unknown transaction command ${JSON.stringify(command)}`);
    }
  }

  // ---- questions (for the participant server, non-transactional requests and observers) ----

  /** The mode a key is locked in by any transaction, if any. */
  lockOn(key: string): LockMode | undefined {
    const lock = this.locks.get(key);
    if (lock?.exclusive != null) return 'exclusive';
    if (lock !== undefined && lock.shared.size > 0) return 'shared';
    for (const scan of this.scans.values()) if (scanCovers(scan, key)) return 'shared';
    return undefined;
  }

  /** Transactions whose locks stop `txnId` from taking `key` in `mode` (sorted by id); empty when it may. */
  conflictsFor(txnId: TxnId, key: string, mode: LockMode): LockHolder[] {
    const scan = scannedPrefix(key) === undefined ? undefined : scanLockOf(key);
    if (scan !== undefined) return this.scanConflicts(txnId, scan);
    const lock = this.locks.get(key);
    const holders: { txnId: TxnId; lockKey: string }[] = [];
    if (lock !== undefined && lock.exclusive !== null && lock.exclusive !== txnId) holders.push({ txnId: lock.exclusive, lockKey: key });
    if (mode === 'exclusive') {
      for (const holder of lock?.shared ?? []) if (holder !== txnId) holders.push({ txnId: holder, lockKey: key });
      for (const [lockKey, scan] of this.scans) {
        if (!scanCovers(scan, key)) continue;
        for (const holder of scan.holders) if (holder !== txnId && !holders.some((entry) => entry.txnId === holder)) holders.push({ txnId: holder, lockKey });
      }
    }
    return this.holderViews(holders);
  }

  /** Exclusive holders of keys the scan lock covers: they stop it. */
  private scanConflicts(txnId: TxnId, scan: ScanLock): LockHolder[] {
    const holders: { txnId: TxnId; lockKey: string }[] = [];
    for (const [key, lock] of this.locks) {
      if (lock.exclusive !== null && lock.exclusive !== txnId && scanCovers(scan, key) && !holders.some((entry) => entry.txnId === lock.exclusive)) holders.push({ txnId: lock.exclusive, lockKey: key });
    }
    return this.holderViews(holders);
  }

  private holderViews(holders: readonly { txnId: TxnId; lockKey: string }[]): LockHolder[] {
    return [...holders].sort((a, b) => compare(a.txnId, b.txnId)).map(({ txnId, lockKey }) => {
      const txn = this.txns.get(txnId)!;
      return { txnId, priority: txn.priority, mode: txn.locks.get(lockKey)! };
    });
  }

  /** The mode in which the transaction holds a lock on `key` here, if it does. */
  lockOf(txnId: TxnId, key: string): LockMode | undefined {
    return this.txns.get(txnId)?.locks.get(key);
  }

  /** True while the transaction holds the scan lock `lockKey` (from `scanLockKey`) here. */
  holdsScan(txnId: TxnId, lockKey: string): boolean {
    return this.scans.get(lockKey)?.holders.has(txnId) === true;
  }

  /**
   * A lock held on a key of the slot range, or a scan lock over some of its slots, in
   * words; undefined when none. A slot move may not let go of a range while one is held:
   * the holder's reads or intents are about keys this shard must keep serving.
   */
  lockIn(range: SlotRange): string | undefined {
    const inRange = (slot: number): boolean => slot >= range.start && slot < range.endExclusive;
    const key = this.lockedKeys().find((locked) => inRange(slotForKey(locked)));
    if (key !== undefined) return key;
    for (const scan of this.scans.values()) {
      const overlaps = scan.slots === null || [...scan.slots].some(inRange);
      if (overlaps) return `${scan.prefix}* (a scan by ${[...scan.holders].sort().join(', ')})`;
    }
    return undefined;
  }

  transaction(txnId: TxnId): ParticipantTxnView | undefined {
    const txn = this.txns.get(txnId);
    return txn === undefined ? undefined : view(txn);
  }

  /** Transactions holding locks here, sorted by id. */
  transactions(): ParticipantTxnView[] {
    return [...this.txns.values()].sort((a, b) => compare(a.txnId, b.txnId)).map(view);
  }

  record(txnId: TxnId): TxnRecord | undefined {
    return this.records.get(txnId);
  }

  /** Every transaction record (for a slot move, which carries them to the new owner of the keys). */
  recordList(): [TxnId, TxnRecord][] {
    return [...this.records].sort(([a], [b]) => compare(a, b));
  }

  /**
   * Records and horizons brought by a slot move; a record already here is kept (records
   * never change once written), a forgotten one not taken. A horizon is kept only above
   * this shard's own (see `carriedHorizons`).
   */
  adoptRecords(records: readonly (readonly [TxnId, TxnRecord])[], horizons: readonly (readonly [string, number])[] = []): void {
    for (const [txnId, record] of records) if (!this.records.has(txnId) && !this.isForgotten(txnId)) this.records.set(txnId, record);
    for (const [client, through] of horizons) {
      if (through > Math.max(this.horizonOf(client), this.carriedHorizons.get(client) ?? 0)) this.carriedHorizons.set(client, through);
    }
  }

  /** Every client's horizon here (for a slot move, which carries them with the records). */
  horizonList(): [string, number][] {
    return [...this.horizons].sort(byKey);
  }

  /** Forgotten at the source of a slot move, and unknown here. */
  private forgottenAtSource(txnId: TxnId): boolean {
    if (this.carriedHorizons.size === 0) return false;
    const number = txnNumber(txnId);
    if (number === undefined || number.n > (this.carriedHorizons.get(number.client) ?? 0)) return false;
    return !this.txns.has(txnId) && !this.finished.has(txnId) && !this.records.has(txnId);
  }

  /** Keys some transaction holds a lock on. */
  lockedKeys(): string[] {
    return [...this.locks.keys()].filter((key) => this.lockOn(key) !== undefined);
  }

  get recordCount(): number {
    return this.records.size;
  }

  /** Tombstones of ended transactions kept here. */
  get finishedCount(): number {
    return this.finished.size;
  }

  /** The client's horizon here: its transactions up to this number are forgotten (0: none). */
  horizonOf(client: string): number {
    return this.horizons.get(client) ?? 0;
  }

  /** True when the transaction is at or below its client's horizon here (a query attempt: its query at or below the client's query horizon). */
  isForgotten(txnId: TxnId): boolean {
    const number = txnNumber(txnId);
    if (number !== undefined) return number.n <= (this.horizons.get(number.client) ?? 0);
    const attempt = queryAttemptNumber(txnId);
    return attempt !== undefined && attempt.query <= (this.queryHorizons.get(attempt.client) ?? 0);
  }

  /** Ended query attempts whose tombstones are still kept here, oldest first. */
  endedQueryAttempts(): TxnId[] {
    return [...this.finished.keys()].filter((txnId) => queryAttemptNumber(txnId) !== undefined);
  }

  /** The query client's horizon here: the attempts of its queries up to this number are forgotten (0: none). */
  queryHorizonOf(client: string): number {
    return this.queryHorizons.get(client) ?? 0;
  }

  /** The transaction can never hold anything here again: it ended here for good, or was forgotten. */
  hasEnded(txnId: TxnId): boolean {
    if (this.txns.has(txnId)) return false;
    return this.finished.has(txnId) || this.records.has(txnId) || this.isForgotten(txnId);
  }

  /**
   * For each client whose acknowledged mark is above its horizon and that has something to
   * drop: how far a forget could go now (below every transaction still held here), and the
   * committed records in that range, whose participants must confirm they applied them.
   */
  forgetCandidates(): ForgetCandidate[] {
    return [...this.candidates()];
  }

  /** Whether some forget could go now (stops at the first client that has one). */
  get mayForget(): boolean {
    return !this.candidates().next().done;
  }

  private *candidates(): Generator<ForgetCandidate> {
    for (const [client, mark] of [...this.settledMarks].sort(byKey)) {
      const horizon = this.horizons.get(client) ?? 0;
      let through = mark;
      for (const txnId of this.txns.keys()) {
        const number = txnNumber(txnId);
        if (number?.client === client && number.n <= through) through = number.n - 1;
      }
      if (through <= horizon) continue;
      const inRange = (txnId: TxnId): number | undefined => {
        const number = txnNumber(txnId);
        return number?.client === client && number.n > horizon && number.n <= through ? number.n : undefined;
      };
      const committed: { txnId: TxnId; n: number; participants: readonly string[] }[] = [];
      let anything = false;
      for (const [txnId, record] of this.records) {
        const n = inRange(txnId);
        if (n === undefined) continue;
        anything = true;
        if (record.outcome === 'committed') committed.push({ txnId, n, participants: record.participants });
      }
      for (const txnId of this.finished.keys()) if (inRange(txnId) !== undefined) anything = true;
      if (anything) yield { client, through, committed: committed.sort((a, b) => a.n - b.n) };
    }
  }

  /** How the transaction ended here, if it did and is still remembered. */
  finishedOutcome(txnId: TxnId): FinishedOutcome | undefined {
    return this.finished.get(txnId)?.outcome;
  }

  get violations(): readonly string[] {
    return this.violationList;
  }

  // ---- commands ----------------------------------------------------------------------

  private acquire(command: Extract<TxnCommand, { kind: 'acquire' }>): AcquireResult {
    const ended = this.finished.get(command.txnId);
    if (ended !== undefined) return finishedResult(ended);
    let txn = this.txns.get(command.txnId);
    if (txn !== undefined) {
      if (command.opIndex < txn.lastOpIndex) return { status: 'stale' };
      if (command.opIndex === txn.lastOpIndex && txn.lastResult !== undefined) return txn.lastResult;
      // A prepared transaction has voted; an operation arriving now is a stray duplicate.
      if (txn.state === 'prepared') return { status: 'stale' };
    }
    const mode = lockModeFor(command.access);
    const held = txn?.locks.get(command.key);
    if (!(held === 'exclusive' || held === mode)) {
      const holders = this.conflictsFor(command.txnId, command.key, mode);
      if (holders.length > 0) return { status: 'conflict', key: command.key, holders };
    }
    if (txn === undefined) {
      txn = {
        txnId: command.txnId,
        priority: command.priority,
        anchorKey: command.anchorKey,
        coordinator: command.coordinator,
        state: 'active',
        locks: new Map(),
        writes: new Map(),
        lastOpIndex: 0,
        lastResult: undefined,
      };
      this.txns.set(command.txnId, txn);
    }
    if (held !== 'exclusive' && held !== mode) this.grant(txn, command.key, mode);
    const result = this.access(txn, command.key, command.access);
    txn.lastOpIndex = command.opIndex;
    txn.lastResult = result;
    return result;
  }

  private access(txn: ParticipantTxn, key: string, access: TxnAccess): AcquireResult {
    const current = txn.writes.has(key) ? txn.writes.get(key)! : this.store.read(key);
    switch (access.kind) {
      case 'read':
        return { status: 'granted', value: current };
      case 'write':
        txn.writes.set(key, access.value);
        return { status: 'granted', value: access.value };
      case 'scan':
        // The rows are read by the query engine while the lock is held (src/query/).
        return { status: 'granted', value: null };
      case 'append': {
        const value = current === null || current === '' ? access.element : `${current} ${access.element}`;
        txn.writes.set(key, value);
        return { status: 'granted', value };
      }
    }
  }

  private prepare(command: Extract<TxnCommand, { kind: 'prepare' }>, logIndex: number): PrepareResult {
    const txnId = command.txnId;
    const ended = this.finished.get(txnId);
    if (ended !== undefined) {
      if (ended.outcome === 'aborted') return { status: 'refused', reason: ended.reason };
      return ended.outcome === 'released' ? { status: 'read-only' } : { status: 'prepared' };
    }
    const txn = this.txns.get(txnId);
    if (txn === undefined) {
      const reason = 'this shard holds no locks for the transaction';
      this.finish(txnId, 'aborted', reason, logIndex);
      return { status: 'refused', reason };
    }
    if (txn.state === 'prepared') return { status: 'prepared' };
    const refuse = command.refuse ?? missingOperations(txn, command.lastOpIndex);
    if (refuse !== undefined) {
      this.end(txn, 'aborted');
      this.finish(txnId, 'aborted', refuse, logIndex);
      return { status: 'refused', reason: refuse };
    }
    if (txn.writes.size === 0) {
      this.release(txn);
      this.finish(txnId, 'released', 'read-only participant voted', logIndex);
      return { status: 'read-only' };
    }
    txn.state = 'prepared';
    return { status: 'prepared' };
  }

  private resolve(txnId: TxnId, outcome: TxnOutcome, reason: string, logIndex: number, ifHeld: boolean): ResolveResult {
    const ended = this.finished.get(txnId);
    if (ended !== undefined) {
      // A presumed outcome never contradicts an end: the record was forgotten only after
      // every participant applied a commit, so an ended transaction ended as recorded.
      if (ended.outcome !== 'released' && ended.outcome !== outcome && !ifHeld) {
        this.violation(`transaction ${txnId} ended ${ended.outcome} here (${ended.reason}) and was later resolved ${outcome} (${reason})`);
      }
      return { status: 'resolved', outcome: ended.outcome === 'released' ? outcome : ended.outcome };
    }
    const txn = this.txns.get(txnId);
    if (txn !== undefined && outcome === 'committed' && txn.state !== 'prepared' && txn.writes.size > 0) {
      this.violation(`transaction ${txnId} was committed here without having prepared`);
    }
    if (txn !== undefined) this.end(txn, outcome);
    this.finish(txnId, outcome, reason, logIndex);
    return { status: 'resolved', outcome };
  }

  private decide(command: Extract<TxnCommand, { kind: 'decide' }>, logIndex: number): DecisionResult {
    const { txnId, participants } = command;
    const recorded = this.records.get(txnId);
    if (recorded !== undefined) return decisionOf(recorded);
    const ended = this.finished.get(txnId);
    const txn = this.txns.get(txnId);
    const refuse = txn === undefined ? undefined : (command.refuse ?? missingOperations(txn, command.lastOpIndex));
    if (refuse !== undefined && txn !== undefined) {
      this.records.set(txnId, { outcome: 'aborted', reason: refuse, participants: [...participants] });
      this.end(txn, 'aborted');
      this.finish(txnId, 'aborted', refuse, logIndex);
      return { status: 'aborted', reason: refuse };
    }
    if (ended?.outcome === 'aborted' || (ended === undefined && txn === undefined)) {
      const reason = ended?.reason ?? 'the shard holding the transaction record holds no locks for it';
      this.records.set(txnId, { outcome: 'aborted', reason, participants: [...participants] });
      if (ended === undefined) this.finish(txnId, 'aborted', reason, logIndex);
      return { status: 'aborted', reason };
    }
    this.records.set(txnId, { outcome: 'committed', reason: 'every participant voted yes', participants: [...participants] });
    if (txn !== undefined) {
      this.end(txn, 'committed');
      this.finish(txnId, 'committed', 'committed with its record', logIndex);
    }
    return { status: 'committed' };
  }

  private settle(txnId: TxnId, reason: string, logIndex: number): DecisionResult {
    const recorded = this.records.get(txnId);
    if (recorded !== undefined) return decisionOf(recorded);
    // Presumed abort: no decision was recorded, so none will be; make that final here.
    this.records.set(txnId, { outcome: 'aborted', reason, participants: [] });
    const txn = this.txns.get(txnId);
    if (txn !== undefined) this.end(txn, 'aborted');
    const ended = this.finished.get(txnId);
    if (ended?.outcome === 'committed') this.violation(`transaction ${txnId} committed here without a record, and was then presumed aborted`);
    if (ended === undefined) this.finish(txnId, 'aborted', reason, logIndex);
    return { status: 'aborted', reason };
  }

  // ---- garbage collection -------------------------------------------------------------------

  /**
   * A query attempt's command carries its client's mark (see the top): the attempts of every
   * query up to it, below any attempt of the client still holding locks here, are forgotten.
   * An acquire's own query is running, so its mark never covers it.
   */
  private noteQueriesSettled(command: Extract<TxnCommand, { kind: 'acquire' | 'resolve' }>): void {
    const own = queryAttemptNumber(command.txnId);
    if (own === undefined || command.settled === undefined) return;
    let through = command.kind === 'acquire' ? Math.min(command.settled, own.query - 1) : command.settled;
    for (const txnId of this.txns.keys()) {
      const held = queryAttemptNumber(txnId);
      if (held?.client === own.client && held.query <= through && !queryGcFaults.forgetHeldAttempts) through = held.query - 1;
    }
    if (through <= (this.queryHorizons.get(own.client) ?? 0)) return;
    for (const txnId of [...this.finished.keys()]) {
      const ended = queryAttemptNumber(txnId);
      if (ended?.client === own.client && ended.query <= through) this.finished.delete(txnId);
    }
    this.queryHorizons.set(own.client, through);
  }

  private noteSettled(txnId: TxnId, settled: number | undefined): void {
    const number = txnNumber(txnId);
    if (number === undefined || settled === undefined || !Number.isInteger(settled) || settled < 0) return;
    // A client's mark never passes its own running transaction.
    const mark = Math.min(settled, number.n - 1);
    if (mark > (this.settledMarks.get(number.client) ?? 0)) this.settledMarks.set(number.client, mark);
  }

  /**
   * Forgets the client's transactions up to the highest number that is safe now: at most
   * its acknowledged mark, below any transaction of the client still held here, and below
   * any committed record not confirmed by the command. Its records and tombstones go; the
   * horizon keeps answering for them.
   */
  private forget(command: Extract<TxnCommand, { kind: 'forget' }>): ForgetResult {
    const { client } = command;
    const horizon = this.horizons.get(client) ?? 0;
    const confirmed = new Set(command.confirmed);
    let through = Math.min(command.through, this.settledMarks.get(client) ?? 0);
    for (const txnId of this.txns.keys()) {
      const number = txnNumber(txnId);
      if (number?.client === client && number.n <= through) through = number.n - 1;
    }
    for (const [txnId, record] of this.records) {
      const number = txnNumber(txnId);
      if (number?.client !== client || number.n > through || record.outcome !== 'committed') continue;
      if (!confirmed.has(txnId) && !participantGcFaults.ignoreConfirmation) through = number.n - 1;
    }
    if (through <= horizon) return { status: 'collected', through: horizon, records: 0, tombstones: 0 };
    const covered = (txnId: TxnId): boolean => {
      const number = txnNumber(txnId);
      return number?.client === client && number.n <= through;
    };
    let records = 0;
    let tombstones = 0;
    for (const txnId of [...this.records.keys()]) if (covered(txnId) && this.records.delete(txnId)) records++;
    for (const txnId of [...this.finished.keys()]) if (covered(txnId) && this.finished.delete(txnId)) tombstones++;
    this.horizons.set(client, through);
    if ((this.carriedHorizons.get(client) ?? 0) <= through) this.carriedHorizons.delete(client);
    return { status: 'collected', through, records, tombstones };
  }

  // ---- locks and endings ------------------------------------------------------------------

  private grant(txn: ParticipantTxn, key: string, mode: LockMode): void {
    if (scannedPrefix(key) !== undefined) {
      let scan = this.scans.get(key);
      if (scan === undefined) {
        scan = scanLockOf(key);
        this.scans.set(key, scan);
      }
      scan.holders.add(txn.txnId);
      txn.locks.set(key, 'shared');
      return;
    }
    let lock = this.locks.get(key);
    if (lock === undefined) {
      lock = { exclusive: null, shared: new Set() };
      this.locks.set(key, lock);
    }
    if (mode === 'exclusive') {
      lock.shared.delete(txn.txnId);
      lock.exclusive = txn.txnId;
    } else {
      lock.shared.add(txn.txnId);
    }
    txn.locks.set(key, mode);
  }

  /** Applies the intents when committed, then releases every lock. */
  private end(txn: ParticipantTxn, outcome: TxnOutcome): void {
    if (outcome === 'committed') for (const [key, value] of [...txn.writes].sort(byKey)) this.store.write(key, value);
    this.release(txn);
  }

  private release(txn: ParticipantTxn): void {
    for (const key of txn.locks.keys()) {
      if (scannedPrefix(key) !== undefined) {
        this.scans.get(key)?.holders.delete(txn.txnId);
        if (this.scans.get(key)?.holders.size === 0) this.scans.delete(key);
        continue;
      }
      const lock = this.locks.get(key);
      if (lock === undefined) continue;
      if (lock.exclusive === txn.txnId) lock.exclusive = null;
      lock.shared.delete(txn.txnId);
      if (lock.exclusive === null && lock.shared.size === 0) this.locks.delete(key);
    }
    this.txns.delete(txn.txnId);
  }

  private finish(txnId: TxnId, outcome: FinishedOutcome, reason: string, atIndex: number): void {
    if (this.finished.has(txnId)) return;
    this.finished.set(txnId, { outcome, reason, atIndex });
    if (this.finished.size > this.finishedMax) this.finished.delete(this.finished.keys().next().value as TxnId);
  }

  private violation(text: string): void {
    if (this.violationList.length < violationsMax) this.violationList.push(text);
  }

  // ---- snapshots --------------------------------------------------------------------------

  snapshot(): ParticipantSnapshot {
    return {
      txns: [...this.txns.values()].sort((a, b) => compare(a.txnId, b.txnId)).map((txn) => ({
        txnId: txn.txnId,
        priority: txn.priority,
        anchorKey: txn.anchorKey,
        coordinator: txn.coordinator,
        state: txn.state,
        locks: [...txn.locks].sort(byKey),
        writes: [...txn.writes].sort(byKey),
        lastOpIndex: txn.lastOpIndex,
        lastResult: txn.lastResult ?? null,
      })),
      records: [...this.records].sort(byKey),
      finished: [...this.finished].sort(([, a], [, b]) => a.atIndex - b.atIndex),
      violations: [...this.violationList],
      ...(this.horizons.size === 0 ? {} : { horizons: [...this.horizons].sort(byKey) }),
      ...(this.settledMarks.size === 0 ? {} : { settledMarks: [...this.settledMarks].sort(byKey) }),
      ...(this.carriedHorizons.size === 0 ? {} : { carriedHorizons: [...this.carriedHorizons].sort(byKey) }),
      ...(this.queryHorizons.size === 0 ? {} : { queryHorizons: [...this.queryHorizons].sort(byKey) }),
    };
  }

  /** Replaces the whole state; validates everything first. */
  restore(snapshot: ParticipantSnapshot | undefined): void {
    const parsed = parseSnapshot(snapshot);
    this.txns.clear();
    this.locks.clear();
    this.scans.clear();
    this.records.clear();
    this.finished.clear();
    this.violationList.length = 0;
    this.horizons.clear();
    this.settledMarks.clear();
    this.carriedHorizons.clear();
    this.queryHorizons.clear();
    for (const [client, through] of parsed.queryHorizons ?? []) this.queryHorizons.set(client, through);
    for (const [client, through] of parsed.horizons ?? []) this.horizons.set(client, through);
    for (const [client, through] of parsed.carriedHorizons ?? []) this.carriedHorizons.set(client, through);
    for (const [client, mark] of parsed.settledMarks ?? []) this.settledMarks.set(client, mark);
    for (const entry of parsed.txns) {
      const txn: ParticipantTxn = {
        txnId: entry.txnId,
        priority: entry.priority,
        anchorKey: entry.anchorKey,
        coordinator: entry.coordinator,
        state: entry.state,
        locks: new Map(),
        writes: new Map(entry.writes),
        lastOpIndex: entry.lastOpIndex,
        lastResult: entry.lastResult ?? undefined,
      };
      this.txns.set(txn.txnId, txn);
      for (const [key, mode] of entry.locks) this.grant(txn, key, mode);
    }
    for (const [txnId, record] of parsed.records) this.records.set(txnId, record);
    for (const [txnId, ended] of parsed.finished) this.finished.set(txnId, ended);
    this.violationList.push(...parsed.violations);
  }
}

/** Why a vote must be no because an acknowledged operation is not applied here, if so. */
function missingOperations(txn: ParticipantTxn, lastOpIndex: number): string | undefined {
  if (txn.lastOpIndex >= lastOpIndex) return undefined;
  return `this shard applied the transaction's operations up to ${txn.lastOpIndex}, not ${lastOpIndex}`;
}

/** What a scan lock covers: keys under `prefix` whose slot is in `slots` (every slot when null). */
interface ScanLock {
  readonly prefix: string;
  readonly slots: ReadonlySet<number> | null;
  readonly holders: Set<TxnId>;
}

function scanLockOf(lockKey: string): ScanLock {
  const ranges = scannedSlots(lockKey);
  const slots = ranges === undefined ? null : new Set(ranges.flatMap((range) => Array.from({ length: range.endExclusive - range.start }, (_, offset) => range.start + offset)));
  return { prefix: scannedPrefix(lockKey)!, slots, holders: new Set() };
}

function scanCovers(scan: ScanLock, key: string): boolean {
  return key.startsWith(scan.prefix) && (scan.slots === null || scan.slots.has(slotForKey(key)));
}

/** Reads and scans share; writes, appends and reads for update are exclusive. */
export function lockModeFor(access: TxnAccess): LockMode {
  return (access.kind === 'read' && access.forUpdate !== true) || access.kind === 'scan' ? 'shared' : 'exclusive';
}

function finishedResult(ended: Finished): AcquireResult {
  if (ended.outcome === 'released') return { status: 'finished', outcome: 'aborted', reason: 'the transaction has already voted at this shard' };
  return { status: 'finished', outcome: ended.outcome, reason: ended.reason };
}

/** The answer to a command about a forgotten transaction: nothing is created or changed. */
function forgottenAnswer(command: Exclude<TxnCommand, { kind: 'forget' }>): TxnApplyResult {
  const reason = `transaction ${command.txnId} was forgotten here: it ended and its client acknowledged the outcome`;
  switch (command.kind) {
    case 'acquire':
      return { status: 'finished', outcome: 'aborted', reason };
    case 'prepare':
      return { status: 'refused', reason };
    case 'resolve':
      return { status: 'resolved', outcome: command.outcome };
    case 'decide':
      return { status: 'forgotten', reason };
    case 'settle':
      // The holder may have asked before a commit reached it and been answered only now
      // (bank soak seed 2009): it alone can tell, at its log position, whether this means aborted.
      return { status: 'forgotten', reason };
  }
}

function decisionOf(record: TxnRecord): DecisionResult {
  return record.outcome === 'committed' ? { status: 'committed' } : { status: 'aborted', reason: record.reason };
}

function view(txn: ParticipantTxn): ParticipantTxnView {
  return {
    txnId: txn.txnId,
    state: txn.state,
    priority: txn.priority,
    anchorKey: txn.anchorKey,
    coordinator: txn.coordinator,
    lockedKeys: [...txn.locks.keys()].map((key) => (scannedPrefix(key) === undefined ? key : `${scannedPrefix(key)}* (scan)`)).sort(),
    writtenKeys: [...txn.writes.keys()].sort(),
    neverWaits: txn.writes.size === 0 && [...txn.locks.keys()].every((key) => scannedPrefix(key) !== undefined && !scanWaits(key)),
  };
}

function compare(left: string, right: string): number {
  return left < right ? -1 : left > right ? 1 : 0;
}

function byKey<T>(left: readonly [string, T], right: readonly [string, T]): number {
  return compare(left[0], right[0]);
}

/** Checks a snapshot's shape (throws when malformed); used before anything is replaced. */
export function parseSnapshot(snapshot: ParticipantSnapshot | undefined): ParticipantSnapshot {
  if (snapshot === undefined) return { txns: [], records: [], finished: [], violations: [] };
  const { txns, records, finished, violations, horizons, settledMarks, carriedHorizons, queryHorizons } = snapshot as unknown as Record<string, unknown>;
  for (const [name, marks] of [['horizons', horizons], ['settledMarks', settledMarks], ['carriedHorizons', carriedHorizons], ['queryHorizons', queryHorizons]] as const) {
    if (marks === undefined) continue;
    if (!Array.isArray(marks) || marks.some((entry) => !Array.isArray(entry) || typeof entry[0] !== 'string' || !Number.isInteger(entry[1]) || entry[1] < 0)) {
      throw new TypeError(`a transaction snapshot's ${name} are [client, number] pairs`);
    }
  }
  if (!Array.isArray(txns) || !Array.isArray(records) || !Array.isArray(finished) || !Array.isArray(violations)) {
    throw new TypeError('a transaction snapshot needs txns, records, finished and violations lists');
  }
  for (const txn of txns) {
    if (typeof txn?.txnId !== 'string' || !Array.isArray(txn.locks) || !Array.isArray(txn.writes)) {
      throw new TypeError(`bad transaction in snapshot: ${JSON.stringify(txn)}`);
    }
  }
  const lockOwners = new Map<string, string>();
  for (const txn of txns) {
    for (const [key, mode] of txn.locks as [string, LockMode][]) {
      if (mode !== 'exclusive') continue;
      if (lockOwners.has(key)) throw new TypeError(`snapshot gives ${key} two exclusive holders`);
      lockOwners.set(key, txn.txnId);
    }
  }
  return snapshot;
}
