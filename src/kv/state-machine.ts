import { Digest } from '../util/hash';
import { type AuthLogEntry, type AuthResult, type AuthSnapshot, isAuthEntry, RoleTable } from '../auth/role-table';
import type { Principal, Refusal } from '../auth/types';
import { type ParticipantSnapshot, parseSnapshot as parseTransactionSnapshot, TxnParticipantState } from '../txn/participant-state';
import { isTxnCommandEntry, type LockMode, scannedPrefix, type TxnApplyResult, type TxnCommand } from '../txn/types';

function isTxnEntry(command: KvCommand | TxnLogEntry): command is TxnLogEntry {
  return isTxnCommandEntry(command);
}
import { assertValidOperation, canonicalResult, type KvOperation, type KvResult } from './operation';
import { type ClientSession, SessionTable } from './session-table';
import { inRange, SlotFence } from './slot-fence';
import { type SlotRange, slotForKey } from '../sharding/slots';
import type { TxnRecord } from '../txn/types';

/**
 * The replicated key-value state machine, applied from a Raft group's committed log.
 *
 * Exactly-once client sessions (Raft thesis §6.3): every command carries a client id and
 * a sequence number. The machine remembers, per client, the highest applied sequence and
 * its response. A retry of that sequence gets the saved response without being applied
 * again; an older sequence is answered `stale-request`.
 *
 * Sessions begin at sequence 1. A command from an unknown client with a higher sequence
 * means its session was evicted, and is answered `session-expired` (the client then
 * opens a new session) rather than applied, because the machine can no longer tell
 * whether it is a retry. Known gap: a retry of sequence 1 arriving after its session was
 * evicted is applied again; it needs `sessionsMax` other clients to be served in between.
 * An explicit RegisterClient entry (thesis §6.3) would close it.
 *
 * Transactions (src/txn/) share the log: an entry `{ txn: TxnCommand }` goes to the
 * transactional state (locks, intents, votes, transaction records). A plain command on a
 * key that a transaction has locked is answered `locked` and not applied (nor recorded in
 * the session, so its retry applies later): a write would break the transaction's
 * isolation, and a read of an exclusively locked key might miss a write that is already
 * committed by its transaction record but not yet applied here.
 *
 * Everything here is a function of the applied entries: no clock, no randomness.
 */

export interface KvCommand {
  readonly clientId: string;
  /** Positive; 1 for a session's first command, increasing from there. */
  readonly sequence: number;
  readonly operation: KvOperation;
  /** Who asks, when authentication is on (src/auth/). */
  readonly principal?: Principal;
}

export type KvApplyResult =
  /** `duplicate`: a retry of the latest sequence, answered from the session. */
  | { readonly status: 'ok'; readonly result: KvResult; readonly duplicate: boolean }
  | { readonly status: 'stale-request'; readonly latestSequence: number }
  | { readonly status: 'session-expired' }
  /** A transaction holds a lock on the key; nothing was applied. Retry later. */
  | { readonly status: 'locked'; readonly key: string; readonly mode: LockMode }
  /** The role table refused the command at its log position; nothing was applied or recorded. */
  | { readonly status: 'forbidden'; readonly refusal: Refusal }
  /** The key's slot is not served here (moved away, or still moving in); nothing was applied. */
  | { readonly status: 'moved'; readonly key: string };

/**
 * The steps of a slot move as this group's log records them (src/rebalance/executor.ts
 * drives them): the target `ingest`s a copy, the source `release`s the range (from then
 * on it refuses it), the target `acquire`s it with the writes made during the copy, the
 * source `drop`s the moved keys. `abandon` and `reclaim` roll a move back.
 */
export type SlotCommand =
  | { readonly kind: 'ingest'; readonly range: SlotRange; readonly entries: readonly (readonly [string, string])[] }
  | {
      readonly kind: 'acquire';
      readonly range: SlotRange;
      /** Keys written or deleted since the copy (catch-up), applied over the copied keys. */
      readonly upserts: readonly (readonly [string, string])[];
      readonly deletes: readonly string[];
      /** The source's client sessions: a retry of a write the source applied is answered, not applied again. */
      readonly sessions: readonly ClientSession[];
      /** The source's transaction records: recovery of a transaction anchored on a moved key finds its outcome. */
      readonly records: readonly (readonly [string, TxnRecord])[];
    }
  | { readonly kind: 'release'; readonly range: SlotRange }
  | { readonly kind: 'drop'; readonly range: SlotRange }
  | { readonly kind: 'abandon'; readonly range: SlotRange }
  | { readonly kind: 'reclaim'; readonly range: SlotRange };

export interface SlotLogEntry {
  readonly slots: SlotCommand;
}

export type SlotApplyResult = { readonly status: 'ok' } | { readonly status: 'busy'; readonly reason: string };

function isSlotEntry(command: unknown): command is SlotLogEntry {
  return typeof command === 'object' && command !== null && 'slots' in command;
}

/** What a source replica holds of a slot range, for a move's copy and catch-up. */
export interface SlotExport {
  readonly entries: readonly (readonly [string, string])[];
  readonly sessions: readonly ClientSession[];
  readonly records: readonly (readonly [string, TxnRecord])[];
}

/** A transactional command as it travels in the log. */
export interface TxnLogEntry {
  readonly txn: TxnCommand;
}

/** Plain JSON-able state; `entries` sorted by key, `sessions` least recently used first. */
export interface KvSnapshot {
  readonly format: typeof snapshotFormat;
  readonly lastAppliedIndex: number;
  readonly entries: readonly (readonly [string, string])[];
  readonly sessions: readonly ClientSession[];
  /** Present once any transaction touched the shard. */
  readonly transactions?: ParticipantSnapshot;
  /** Present once any auth command was applied (src/auth/role-table.ts). */
  readonly auth?: AuthSnapshot;
  /** Present once a slot move touched the shard: the fence and the keys being copied in. */
  readonly slots?: { readonly released: readonly number[]; readonly incoming: readonly number[]; readonly incomingEntries: readonly (readonly [string, string])[] };
}

export interface KvStateMachineOptions {
  /** Client sessions kept before the least recently used is evicted. */
  readonly sessionsMax?: number;
}

const snapshotFormat = 'phantomdb.kv.v1';
export const defaultSessionsMax = 1024;

export class KvStateMachine {
  private readonly data = new Map<string, string>();
  private readonly sessions: SessionTable;
  /** Invariant: strictly increases with every applied command. 0 before the first. */
  private appliedIndex = 0;
  /** Locks, intents, votes and records of transactions (src/txn/participant-state.ts). */
  readonly transactions: TxnParticipantState;
  /** Users, roles and whether authentication is on; changed only by `{ auth }` entries. */
  readonly auth = new RoleTable();
  /** Slots this replica may serve (src/kv/slot-fence.ts). */
  readonly fence = new SlotFence();
  /** Keys copied in for slots not yet acquired; not served. */
  private readonly incomingData = new Map<string, string>();

  constructor(options: KvStateMachineOptions = {}) {
    this.sessions = new SessionTable(options.sessionsMax ?? defaultSessionsMax);
    this.transactions = new TxnParticipantState({
      read: (key) => this.data.get(key) ?? null,
      write: (key, value) => (value === null ? this.data.delete(key) : this.data.set(key, value)),
    });
  }

  get lastAppliedIndex(): number {
    return this.appliedIndex;
  }

  get keyCount(): number {
    return this.data.size;
  }

  /** Bytes of keys and values held (UTF-16 code units, as a size estimate for load reports). */
  get byteCount(): number {
    let bytes = 0;
    for (const [key, value] of this.data) bytes += key.length + value.length;
    return bytes;
  }

  get sessionCount(): number {
    return this.sessions.size;
  }

  /** Applies the command committed at `logIndex`. Indexes must strictly increase
   *  (entries that are not KV commands, such as Raft no-ops, may leave gaps). */
  apply(command: KvCommand, logIndex: number): KvApplyResult;
  apply(command: TxnLogEntry, logIndex: number): TxnApplyResult;
  apply(command: { auth: AuthLogEntry }, logIndex: number): AuthResult;
  apply(command: SlotLogEntry, logIndex: number): SlotApplyResult;
  apply(command: KvCommand | TxnLogEntry | { auth: AuthLogEntry } | SlotLogEntry, logIndex: number): KvApplyResult | TxnApplyResult | AuthResult | SlotApplyResult;
  apply(command: KvCommand | TxnLogEntry | { auth: AuthLogEntry } | SlotLogEntry, logIndex: number): KvApplyResult | TxnApplyResult | AuthResult | SlotApplyResult {
    if (!Number.isInteger(logIndex) || logIndex <= this.appliedIndex) {
      throw new Error(`apply at log index ${logIndex} after ${this.appliedIndex}: indexes must strictly increase`);
    }
    if (isAuthEntry(command)) {
      this.appliedIndex = logIndex;
      return this.auth.apply(command.auth);
    }
    if (isSlotEntry(command)) {
      this.appliedIndex = logIndex;
      return this.applySlots(command.slots, logIndex);
    }
    if (isTxnEntry(command)) {
      this.appliedIndex = logIndex;
      // A transaction may not take a lock here on a key this group does not serve: it aborts cleanly.
      // A scan lock (a query's shared lock over a table's rows here) names a prefix, not a key
      // in one slot: the query service's slot filter decides which rows it counts.
      if (command.txn.kind === 'acquire' && scannedPrefix(command.txn.key) === undefined && !this.fence.serves(command.txn.key)) {
        return { status: 'finished', outcome: 'aborted', reason: `${command.txn.key} is moving to another shard` };
      }
      const refusal = this.refusedAcquire(command.txn);
      if (refusal !== undefined) return { status: 'forbidden', refusal };
      return this.transactions.apply(command.txn, logIndex);
    }
    assertValidCommand(command);
    this.appliedIndex = logIndex;
    const session = this.sessions.get(command.clientId);
    if (session !== undefined && command.sequence === session.sequence) {
      return { status: 'ok', result: session.result, duplicate: true };
    }
    if (session !== undefined && command.sequence < session.sequence) {
      return { status: 'stale-request', latestSequence: session.sequence };
    }
    if (session === undefined && command.sequence !== 1) return { status: 'session-expired' };
    if (!this.fence.serves(command.operation.key)) return { status: 'moved', key: command.operation.key };
    // Judged at this log position: a revocation committed earlier in the log applies (src/auth/).
    const decision = this.auth.authorize(command.principal, command.operation.kind === 'get' ? 'read' : 'write', { kind: 'key', key: command.operation.key });
    if (!decision.allowed) return { status: 'forbidden', refusal: decision.refusal };
    const lock = this.transactions.lockOn(command.operation.key);
    if (lock !== undefined && (command.operation.kind !== 'get' || lock === 'exclusive')) {
      return { status: 'locked', key: command.operation.key, mode: lock };
    }
    const result = this.execute(command.operation);
    this.sessions.record({ clientId: command.clientId, sequence: command.sequence, result, lastLogIndex: logIndex });
    return { status: 'ok', result, duplicate: false };
  }

  /** A transaction may lock a key only with the access its principal holds there. */
  private refusedAcquire(command: TxnCommand): Refusal | undefined {
    if (command.kind !== 'acquire' || !this.auth.enabled) return undefined;
    const access = (command.access.kind === 'read' && command.access.forUpdate !== true) || command.access.kind === 'scan' ? 'read' : 'write';
    const decision = this.auth.authorize(command.principal, access, { kind: 'key', key: scannedPrefix(command.key) ?? command.key });
    return decision.allowed ? undefined : decision.refusal;
  }

  /** True when this replica serves the key's slot (see SlotFence). */
  serves(key: string): boolean {
    return this.fence.serves(key);
  }

  /** The keys of a slot range held here (served or released, not those copied in), with sessions and records. */
  exportSlots(range: SlotRange): SlotExport {
    const entries = [...this.data.entries()].filter(([key]) => inRange(key, range)).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return { entries, sessions: this.sessions.list(), records: this.transactions.recordList() };
  }

  private applySlots(command: SlotCommand, logIndex: number): SlotApplyResult {
    switch (command.kind) {
      case 'ingest':
        this.fence.expect(command.range);
        for (const [key, value] of command.entries) if (inRange(key, command.range)) this.incomingData.set(key, value);
        return { status: 'ok' };
      case 'acquire':
        return this.acquireSlots(command, logIndex);
      case 'release': {
        const locked = this.transactions.lockIn(command.range);
        if (locked !== undefined) return { status: 'busy', reason: `a transaction holds ${locked}` };
        this.fence.release(command.range);
        return { status: 'ok' };
      }
      case 'drop':
        for (const key of [...this.data.keys()]) if (inRange(key, command.range) && this.fence.isReleased(slotOf(key))) this.data.delete(key);
        return { status: 'ok' };
      case 'abandon':
        this.fence.abandon(command.range);
        for (const key of [...this.incomingData.keys()]) if (inRange(key, command.range)) this.incomingData.delete(key);
        return { status: 'ok' };
      case 'reclaim':
        this.fence.reclaim(command.range);
        return { status: 'ok' };
    }
  }

  private acquireSlots(command: Extract<SlotCommand, { kind: 'acquire' }>, logIndex: number): SlotApplyResult {
    for (const [key, value] of [...this.incomingData]) {
      if (!inRange(key, command.range)) continue;
      this.data.set(key, value);
      this.incomingData.delete(key);
    }
    for (const [key, value] of command.upserts) if (inRange(key, command.range)) this.data.set(key, value);
    for (const key of command.deletes) if (inRange(key, command.range)) this.data.delete(key);
    for (const session of command.sessions) {
      const local = this.sessions.get(session.clientId);
      if (local === undefined || local.sequence < session.sequence) this.sessions.record({ ...session, lastLogIndex: logIndex });
    }
    this.transactions.adoptRecords(command.records);
    this.fence.acquire(command.range);
    return { status: 'ok' };
  }

  /** The current value, for reads served without a log entry (after a ReadIndex round). */
  read(key: string): string | null {
    return this.data.get(key) ?? null;
  }

  /**
   * Every key starting with `prefix` and its value, as of now (after a ReadIndex round or
   * under a lock that stops writers). Walks the whole map: a shard holds thousands of
   * keys, not millions, in this simulation.
   */
  *scan(prefix: string): Generator<readonly [string, string]> {
    for (const entry of this.data) if (entry[0].startsWith(prefix)) yield entry;
  }

  snapshot(): KvSnapshot {
    const entries = [...this.data.entries()].sort(([left], [right]) => (left < right ? -1 : left > right ? 1 : 0));
    const base: KvSnapshot = { format: snapshotFormat, lastAppliedIndex: this.appliedIndex, entries, sessions: this.sessions.list() };
    const snapshot = this.transactions.isEmpty ? base : { ...base, transactions: this.transactions.snapshot() };
    const withAuth = this.auth.isEmpty ? snapshot : { ...snapshot, auth: this.auth.snapshot() };
    if (this.fence.isEmpty && this.incomingData.size === 0) return withAuth;
    const incomingEntries = [...this.incomingData.entries()].sort(([left], [right]) => (left < right ? -1 : left > right ? 1 : 0));
    return { ...withAuth, slots: { ...this.fence.snapshot(), incomingEntries } };
  }

  /** Replaces the whole state with a snapshot (from `snapshot()`, possibly via JSON). */
  restore(snapshot: unknown): void {
    const parsed = parseSnapshot(snapshot);
    this.sessions.load(parsed.sessions);
    this.transactions.restore(parsed.transactions);
    this.auth.restore(parsed.auth);
    this.data.clear();
    for (const [key, value] of parsed.entries) this.data.set(key, value);
    this.fence.restore(parsed.slots);
    this.incomingData.clear();
    for (const [key, value] of parsed.slots?.incomingEntries ?? []) this.incomingData.set(key, value);
    this.appliedIndex = parsed.lastAppliedIndex;
  }

  /** A 64-bit hex digest of keys, values, sessions and the applied index: equal for
   *  replicas that applied the same log, whether by replay or from a snapshot. */
  digest(): string {
    const digest = new Digest();
    digest.update(JSON.stringify(this.snapshot()));
    return digest.hex();
  }

  private execute(operation: KvOperation): KvResult {
    const current = this.data.get(operation.key) ?? null;
    switch (operation.kind) {
      case 'get':
        return { kind: 'get', value: current };
      case 'put':
        this.data.set(operation.key, operation.value);
        return { kind: 'put' };
      case 'delete':
        this.data.delete(operation.key);
        return { kind: 'delete' };
      case 'cas':
        if (current !== operation.expected) return { kind: 'cas', ok: false, actual: current };
        this.data.set(operation.key, operation.value);
        return { kind: 'cas', ok: true };
      case 'append': {
        const value = (current ?? '') + operation.value;
        this.data.set(operation.key, value);
        return { kind: 'append', value };
      }
    }
  }
}

function slotOf(key: string): number {
  return slotForKey(key);
}

function assertValidCommand(command: KvCommand): void {
  if (typeof command.clientId !== 'string' || command.clientId === '') throw new TypeError('a command needs a client id');
  if (!Number.isInteger(command.sequence) || command.sequence < 1) {
    throw new TypeError(`a command's sequence must be an integer ≥ 1, got ${command.sequence}`);
  }
  assertValidOperation(command.operation);
}

/** Validates a snapshot and rebuilds it in canonical shape (so digests agree). */
function parseSnapshot(snapshot: unknown): KvSnapshot {
  const record = (snapshot ?? {}) as Record<string, unknown>;
  if (record.format !== snapshotFormat) throw new TypeError(`not a ${snapshotFormat} snapshot`);
  const { lastAppliedIndex, entries, sessions } = record;
  if (!Number.isInteger(lastAppliedIndex) || (lastAppliedIndex as number) < 0) throw new TypeError('bad lastAppliedIndex');
  if (!Array.isArray(entries) || !Array.isArray(sessions)) throw new TypeError('snapshot entries and sessions must be lists');
  const pairs = entries.map((entry: unknown): [string, string] => {
    if (!Array.isArray(entry) || typeof entry[0] !== 'string' || typeof entry[1] !== 'string') {
      throw new TypeError(`bad snapshot entry ${JSON.stringify(entry)}`);
    }
    return [entry[0], entry[1]];
  });
  if (new Set(pairs.map(([key]) => key)).size !== pairs.length) throw new TypeError('snapshot has a key twice');
  const parsedSessions = sessions.map(parseSession);
  if (parsedSessions.some((session) => session.lastLogIndex > (lastAppliedIndex as number))) {
    throw new TypeError('snapshot session used after the snapshot index');
  }
  const base: KvSnapshot = { format: snapshotFormat, lastAppliedIndex: lastAppliedIndex as number, entries: pairs, sessions: parsedSessions };
  const withTransactions = record.transactions === undefined ? base : { ...base, transactions: parseTransactionSnapshot(record.transactions as ParticipantSnapshot) };
  const withAuth = record.auth === undefined ? withTransactions : { ...withTransactions, auth: record.auth as AuthSnapshot };
  return record.slots === undefined ? withAuth : { ...withAuth, slots: record.slots as KvSnapshot['slots'] };
}

function parseSession(session: unknown): ClientSession {
  const { clientId, sequence, result, lastLogIndex } = (session ?? {}) as Record<string, unknown>;
  if (typeof clientId !== 'string' || !Number.isInteger(sequence) || !Number.isInteger(lastLogIndex)) {
    throw new TypeError(`bad snapshot session ${JSON.stringify(session)}`);
  }
  return { clientId, sequence: sequence as number, result: canonicalResult(result), lastLogIndex: lastLogIndex as number };
}
