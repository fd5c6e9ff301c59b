import type { Transaction, TxnHistory } from './client';

/**
 * Transactions as clients saw them, in the shape the cycle checker reads (Jepsen/Elle
 * style): one entry per transaction with its micro-operations and what they returned,
 * and its type: `ok` (committed), `fail` (aborted: it had no effect) or `info` (the
 * outcome is unknown: it may or may not have taken effect).
 */

export type HistoryMicroOp =
  | { readonly f: 'r'; readonly key: string; readonly value: string | null }
  /** A null value is a delete. */
  | { readonly f: 'w'; readonly key: string; readonly value: string | null }
  | { readonly f: 'append'; readonly key: string; readonly value: string };

export interface TxnHistoryEntry {
  readonly id: string;
  readonly process: string;
  readonly type: 'ok' | 'fail' | 'info';
  readonly ops: readonly HistoryMicroOp[];
  readonly invokeMs: number;
  readonly completeMs: number | undefined;
  readonly reason?: string;
}

export class TxnHistoryRecorder implements TxnHistory {
  private readonly begun: { process: string; txn: Transaction }[] = [];

  begin(process: string, txn: Transaction): void {
    this.begun.push({ process, txn });
  }

  get size(): number {
    return this.begun.length;
  }

  /**
   * Transactions whose commit was requested and whose client has no outcome yet, not even
   * "unknown" (which is an outcome: the client told its caller it does not know).
   */
  unresolved(): string[] {
    return this.begun.filter(({ txn }) => txn.commitRequested && txn.outcome === 'pending').map(({ process, txn }) => `${process}: ${txn.id} commit requested, no outcome`);
  }

  /** Every transaction begun so far, in the order they began. */
  entries(): TxnHistoryEntry[] {
    return this.begun.map(({ process, txn }) => toEntry(process, txn));
  }
}

function toEntry(process: string, txn: Transaction): TxnHistoryEntry {
  const type = txn.outcome === 'committed' ? 'ok' : txn.outcome === 'aborted' ? 'fail' : 'info';
  const ops: HistoryMicroOp[] = [];
  for (const operation of txn.operations) {
    const call = operation.call;
    // A read that returned nothing tells nothing; a write that was sent may have happened.
    if (call.kind === 'read') {
      if (operation.outcome === 'ok') ops.push({ f: 'r', key: call.key, value: operation.value });
    } else if (operation.outcome === 'ok' || type === 'info') {
      ops.push(call.kind === 'write' ? { f: 'w', key: call.key, value: call.value } : { f: 'append', key: call.key, value: call.element });
    }
  }
  return {
    id: txn.id,
    process,
    type,
    ops,
    invokeMs: txn.invokedAtMs,
    completeMs: txn.completedAtMs,
    ...(txn.reason === undefined ? {} : { reason: txn.reason }),
  };
}
