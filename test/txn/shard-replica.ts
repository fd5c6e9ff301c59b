import { KvStateMachine, type TxnLogEntry } from '../../src/kv/state-machine';
import type { SlotLogEntry } from '../../src/kv/slot-module';
import type { TxnApplyResult, TxnCommand } from '../../src/txn/types';

/** One replica's state machine, applying the commands it is given at consecutive log indexes. */
export class ShardReplica {
  readonly machine = new KvStateMachine();

  constructor(private index = 0) {}

  apply(command: TxnCommand): TxnApplyResult {
    return this.machine.apply({ txn: command } satisfies TxnLogEntry, ++this.index);
  }

  /** A slot-move command (src/kv/slot-module.ts) at the next index. */
  applySlots(command: SlotLogEntry['slots']): unknown {
    return this.machine.apply({ slots: command }, ++this.index);
  }

  get state() {
    return this.machine.transactions;
  }
}
