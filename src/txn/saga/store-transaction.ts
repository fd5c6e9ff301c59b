import type { Transaction, TxnClient } from '../client';

/**
 * One read-then-write transaction over the sharded store, the way saga services and the
 * replicated saga log use it: read a fixed set of keys (each under the lock its read
 * asks for), decide from the values what to write, then commit. A single-shard
 * transaction commits in one log entry; one that spans shards commits through two-phase
 * commit (src/txn/coordinator.ts). Either way what it writes commits atomically, which is
 * what puts a state change and its idempotency record in one commit.
 */

export interface StoreRead {
  readonly key: string;
  /** Take the exclusive lock at once (the key will be written): avoids a lock upgrade that wait-die would kill. */
  readonly forUpdate?: boolean;
}

/** What to do once the reads are in: write (and then commit), or roll back with a reason. */
export type StoreDecision<R> =
  | { readonly writes: ReadonlyMap<string, string | null>; readonly appends?: ReadonlyMap<string, string>; readonly result: R }
  | { readonly refuse: string };

export type StoreOutcome<R> =
  | { readonly kind: 'committed'; readonly result: R }
  /** The decision refused: nothing was written. */
  | { readonly kind: 'refused'; readonly reason: string }
  /** The transaction aborted (a lock conflict, a node that did not answer): nothing was written; try again. */
  | { readonly kind: 'aborted'; readonly reason: string }
  /** Asked to commit, and nobody could say whether it did: it may have. Try again idempotently. */
  | { readonly kind: 'unknown'; readonly reason: string };

/**
 * Runs the transaction on `client` and calls `done` exactly once, inside the simulation
 * event that settled it. `decide` sees every read value (null: absent).
 */
export function runStoreTransaction<R>(
  client: TxnClient,
  reads: readonly StoreRead[],
  decide: (values: ReadonlyMap<string, string | null>) => StoreDecision<R>,
  done: (outcome: StoreOutcome<R>) => void,
): Transaction {
  if (reads.length === 0) throw new Error('a store transaction reads at least one key');
  const txn = client.begin();
  let decision: StoreDecision<R> | undefined;
  let finished = false;
  const finish = (outcome: StoreOutcome<R>) => {
    if (finished) return;
    finished = true;
    done(outcome);
  };
  const operations = reads.map((read) => txn.read(read.key, read.forUpdate === true ? { forUpdate: true } : {}));
  operations[operations.length - 1].onComplete(() => {
    if (operations.some((operation) => operation.outcome !== 'ok')) return; // the transaction aborted: onEnded reports it
    const values = new Map(reads.map((read, index) => [read.key, operations[index].value]));
    decision = decide(values);
    if ('refuse' in decision) {
      txn.rollback();
      return;
    }
    for (const [key, value] of decision.writes) if (value === null) txn.delete(key); else txn.write(key, value);
    for (const [key, element] of decision.appends ?? new Map<string, string>()) txn.append(key, element);
    txn.commit();
  });
  txn.onEnded(() => {
    if (decision !== undefined && 'refuse' in decision) return finish({ kind: 'refused', reason: decision.refuse });
    if (txn.outcome === 'committed' && decision !== undefined) return finish({ kind: 'committed', result: decision.result });
    if (txn.outcome === 'unknown') return finish({ kind: 'unknown', reason: txn.reason ?? 'outcome unknown' });
    finish({ kind: 'aborted', reason: txn.reason ?? 'aborted' });
  });
  return txn;
}
