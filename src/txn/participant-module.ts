import type { StateMachineModule } from '../replica/module';
import { type CommittedStore, type ParticipantSnapshot, parseSnapshot, TxnParticipantState } from './participant-state';
import type { AcquireResult, TxnApplyResult, TxnCommand } from './types';

/**
 * The transaction-participant module of a shard's replicated state machine
 * (src/replica/host.ts): locks, intents, votes and transaction records
 * (src/txn/participant-state.ts), applied from `{ txn }` entries.
 *
 * The committed data it reads and writes, and the admission of a lock request (is the key
 * served here, may the principal access it), are handed to it by the composition: this
 * module imports neither the KV module nor the role table.
 */

/** A transactional command as it travels in the log. */
export interface TxnLogEntry {
  readonly txn: TxnCommand;
}

export type AcquireCommand = Extract<TxnCommand, { kind: 'acquire' }>;

/** Decides, at the lock request's log position, whether it may go on. */
export interface AcquireAdmission {
  /** A final answer that refuses the request (nothing changes), or undefined to let it go on. */
  admit(command: AcquireCommand): AcquireResult | undefined;
}

/** The module's field of the snapshot: present once any transaction touched the shard. */
export interface TxnSnapshotPart {
  readonly transactions?: ParticipantSnapshot;
}

const admitAll: AcquireAdmission = { admit: () => undefined };

export class TxnParticipantModule implements StateMachineModule<TxnLogEntry, TxnSnapshotPart> {
  readonly name = 'transactions';
  readonly kind = 'txn';
  readonly state: TxnParticipantState;

  constructor(store: CommittedStore, private readonly admission: AcquireAdmission = admitAll) {
    this.state = new TxnParticipantState(store);
  }

  validate(entry: TxnLogEntry): void {
    if (typeof entry.txn !== 'object' || entry.txn === null || typeof entry.txn.kind !== 'string') {
      throw new TypeError(`not a transaction command: ${JSON.stringify(entry.txn)}`);
    }
  }

  apply(entry: TxnLogEntry, logIndex: number): TxnApplyResult {
    if (entry.txn.kind === 'acquire') {
      const refused = this.admission.admit(entry.txn);
      if (refused !== undefined) return refused;
    }
    return this.state.apply(entry.txn, logIndex);
  }

  snapshotPart(): TxnSnapshotPart {
    return this.state.isEmpty ? {} : { transactions: this.state.snapshot() };
  }

  parsePart(snapshot: Readonly<Record<string, unknown>>): TxnSnapshotPart {
    return snapshot.transactions === undefined ? {} : { transactions: parseSnapshot(snapshot.transactions as ParticipantSnapshot) };
  }

  loadPart(part: TxnSnapshotPart): void {
    this.state.restore(part.transactions);
  }
}
