import type { AuthLogEntry, AuthResult, AuthSnapshot, RoleTable } from '../auth/role-table';
import { RoleModule } from '../auth/role-module';
import type { Refusal } from '../auth/types';
import { defaultSessionsMax, type KvApplyResult, type KvCommand, KvModule, type KvRefusal } from '../kv/kv-module';
import type { ClientSession } from '../kv/session-table';
import type { SlotFence } from '../kv/slot-fence';
import { inRange } from '../kv/slot-fence';
import { type CarriedRecord, type SlotApplyResult, type SlotExport, type SlotLogEntry, SlotModule } from '../kv/slot-module';
import { type SlotRange, slotForKey } from '../sharding/slots';
import { type AcquireCommand, type TxnLogEntry, TxnParticipantModule } from '../txn/participant-module';
import type { ParticipantSnapshot, TxnParticipantState } from '../txn/participant-state';
import { type AcquireResult, scannedPrefix, scannedSlots, type TxnApplyResult, type TxnId, type TxnRecord } from '../txn/types';
import { StateMachineHost } from './host';
import type { StateMachineModule } from './module';

/**
 * A shard's replicated state machine, applied from its Raft group's committed log: the
 * composition of four modules that import none of one another:
 * - key-value data and client sessions (src/kv/kv-module.ts), entries `{ operation }`;
 * - the transaction participant (src/txn/participant-module.ts), entries `{ txn }`;
 * - the role table (src/auth/role-module.ts), entries `{ auth }`;
 * - the slot fence of moves (src/kv/slot-module.ts), entries `{ slots }`.
 * This file is the only place that knows them all and wires what each needs of another:
 * the transactions commit into the KV data; a KV command is admitted only on a served
 * slot, with the principal's access, and on a key no transaction locks against it; a lock
 * request only on a served key (else the transaction aborts cleanly), with the access; a
 * slot move writes the KV data, merges sessions, adopts transaction records and may not
 * release a range with a lock in it.
 *
 * Snapshot (format `phantomdb.kv.v1`, unchanged from the single-class machine):
 * `{ format, lastAppliedIndex, entries, sessions, transactions?, auth?, slots? }`, each
 * optional part present once its module holds something, then the fields of any module a
 * deployment added (`options.modules`).
 */

export interface ShardSnapshot {
  readonly format: typeof snapshotFormat;
  readonly lastAppliedIndex: number;
  readonly entries: readonly (readonly [string, string])[];
  readonly sessions: readonly ClientSession[];
  readonly transactions?: ParticipantSnapshot;
  readonly auth?: AuthSnapshot;
  readonly slots?: { readonly released: readonly number[]; readonly incoming: readonly number[]; readonly incomingEntries: readonly (readonly [string, string])[] };
}

export interface ShardStateMachineOptions {
  /** Client sessions kept before the least recently used is evicted. */
  readonly sessionsMax?: number;
  /**
   * Modules a deployment adds after the four above (the georeplication module of a region
   * of many nodes: src/georep/geo-module.ts). Each owns its entry kind and its snapshot
   * fields; the host refuses two modules with one kind.
   */
  readonly modules?: readonly StateMachineModule[];
}

const snapshotFormat = 'phantomdb.kv.v1';

export class ShardStateMachine {
  private readonly kv: KvModule;
  private readonly participant: TxnParticipantModule;
  private readonly roles = new RoleModule();
  private readonly slots: SlotModule;
  private readonly host: StateMachineHost;

  constructor(options: ShardStateMachineOptions = {}) {
    this.kv = new KvModule(options.sessionsMax ?? defaultSessionsMax, { admit: (command) => this.admitKv(command) });
    this.participant = new TxnParticipantModule(this.kv, { admit: (command) => this.admitAcquire(command) });
    this.slots = new SlotModule({
      lockIn: (range) => this.participant.state.lockIn(range),
      keys: () => this.kv.keys(),
      write: (key, value) => this.kv.write(key, value),
      adoptSession: (session, logIndex) => this.kv.adoptSession(session, logIndex),
      // The records were exported by the same module of the source replica (exportSlots).
      adoptRecords: (records, horizons) => this.participant.state.adoptRecords(records as readonly (readonly [TxnId, TxnRecord])[], horizons),
    });
    this.host = new StateMachineHost(snapshotFormat, [this.kv, this.participant, this.roles, this.slots, ...(options.modules ?? [])]);
  }

  /** Locks, intents, votes and records of transactions (src/txn/participant-state.ts). */
  get transactions(): TxnParticipantState {
    return this.participant.state;
  }

  /** Users, roles and whether authentication is on; changed only by `{ auth }` entries. */
  get auth(): RoleTable {
    return this.roles.table;
  }

  /** Slots this replica may serve (src/kv/slot-fence.ts). */
  get fence(): SlotFence {
    return this.slots.fence;
  }

  get lastAppliedIndex(): number {
    return this.host.lastAppliedIndex;
  }

  get keyCount(): number {
    return this.kv.keyCount;
  }

  /** Bytes of keys and values held (UTF-16 code units, as a size estimate for load reports). */
  get byteCount(): number {
    return this.kv.byteCount;
  }

  get sessionCount(): number {
    return this.kv.sessionCount;
  }

  /** Applies the entry committed at `logIndex`. Indexes must strictly increase
   *  (entries that reach no module, such as Raft no-ops, may leave gaps). */
  apply(command: KvCommand, logIndex: number): KvApplyResult;
  apply(command: TxnLogEntry, logIndex: number): TxnApplyResult;
  apply(command: { auth: AuthLogEntry }, logIndex: number): AuthResult;
  apply(command: SlotLogEntry, logIndex: number): SlotApplyResult;
  apply(command: KvCommand | TxnLogEntry | { auth: AuthLogEntry } | SlotLogEntry, logIndex: number): KvApplyResult | TxnApplyResult | AuthResult | SlotApplyResult;
  apply(command: KvCommand | TxnLogEntry | { auth: AuthLogEntry } | SlotLogEntry, logIndex: number): KvApplyResult | TxnApplyResult | AuthResult | SlotApplyResult {
    return this.host.apply(command, logIndex) as KvApplyResult | TxnApplyResult | AuthResult | SlotApplyResult;
  }

  /** The order of refusals: a moved slot, then the principal's access (judged at this log
   *  position: a revocation committed earlier applies), then a transaction's lock. */
  private admitKv(command: KvCommand): KvRefusal | undefined {
    const key = command.operation.key;
    if (!this.slots.fence.serves(key)) return { status: 'moved', key };
    const decision = this.roles.table.authorize(command.principal, command.operation.kind === 'get' ? 'read' : 'write', { kind: 'key', key });
    if (!decision.allowed) return { status: 'forbidden', refusal: decision.refusal };
    const lock = this.participant.state.lockOn(key);
    if (lock !== undefined && (command.operation.kind !== 'get' || lock === 'exclusive')) return { status: 'locked', key, mode: lock };
    return undefined;
  }

  /** A transaction may not take a lock on a key this group does not serve: it aborts
   *  cleanly. A scan lock (a query's shared lock over a table's rows here) names a prefix,
   *  not a key in one slot: the query service's slot filter decides which rows it counts.
   *  And it may lock a key only with the access its principal holds there. */
  private admitAcquire(command: AcquireCommand): AcquireResult | undefined {
    if (scannedPrefix(command.key) === undefined && !this.slots.fence.serves(command.key)) {
      return { status: 'finished', outcome: 'aborted', reason: `${command.key} is moving to another shard` };
    }
    const draining = this.drainingRefusal(command);
    if (draining !== undefined) return draining;
    const refusal = this.refusedAcquire(command);
    return refusal === undefined ? undefined : { status: 'forbidden', refusal };
  }

  /**
   * While a release waits for the locks in its range to go (see SlotFence.drain), no new
   * lock is granted there: a transaction's key lock or a query's scan lock over any of its
   * slots aborts, and is tried again on the map after the move. A lock the transaction
   * already holds here (a retried request) is still answered.
   */
  private drainingRefusal(command: AcquireCommand): AcquireResult | undefined {
    const fence = this.slots.fence;
    const prefix = scannedPrefix(command.key);
    const drains = prefix === undefined ? fence.isDraining(slotForKey(command.key)) : fence.drainsAny(scannedSlots(command.key));
    if (!drains) return undefined;
    const state = this.participant.state;
    const holds = prefix === undefined ? state.lockOf(command.txnId, command.key) !== undefined : state.holdsScan(command.txnId, command.key);
    if (holds) return undefined;
    return { status: 'finished', outcome: 'aborted', reason: `${prefix === undefined ? command.key : `${prefix}* (a scan)`} is in slots moving to another shard` };
  }

  private refusedAcquire(command: AcquireCommand): Refusal | undefined {
    if (!this.roles.table.enabled) return undefined;
    // A query's scan lock reads the table's rows under its prefix.
    const access = (command.access.kind === 'read' && command.access.forUpdate !== true) || command.access.kind === 'scan' ? 'read' : 'write';
    const decision = this.roles.table.authorize(command.principal, access, { kind: 'key', key: scannedPrefix(command.key) ?? command.key });
    return decision.allowed ? undefined : decision.refusal;
  }

  /** True when this replica serves the key's slot (see SlotFence). */
  serves(key: string): boolean {
    return this.slots.fence.serves(key);
  }

  /** The keys of a slot range held here (served or released, not those copied in), with sessions and records. */
  exportSlots(range: SlotRange): SlotExport {
    const records: readonly CarriedRecord[] = this.participant.state.recordList();
    return { entries: this.kv.entriesWhere((key) => inRange(key, range)), sessions: this.kv.sessionList(), records, horizons: this.participant.state.horizonList() };
  }

  /** The current value, for reads served without a log entry (after a ReadIndex round). */
  read(key: string): string | null {
    return this.kv.read(key);
  }

  /** Every key starting with `prefix` and its value, as of now (see KvModule.scan). */
  scan(prefix: string): Generator<readonly [string, string]> {
    return this.kv.scan(prefix);
  }

  snapshot(): ShardSnapshot {
    return this.host.snapshot() as unknown as ShardSnapshot;
  }

  /** Replaces the whole state with a snapshot (from `snapshot()`, possibly via JSON); all or nothing. */
  restore(snapshot: unknown): void {
    this.host.restore(snapshot);
  }

  /** A 64-bit hex digest of the snapshot: equal for replicas that applied the same log,
   *  whether by replay or from a snapshot. */
  digest(): string {
    return this.host.digest();
  }
}
