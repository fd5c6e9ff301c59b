/**
 * Cross-component oracles for work left behind (issue 11 §4), pure functions over plain
 * views; each returns one line per problem, naming the shard, node, transaction or saga.
 *
 * "Left behind" for transactions, precisely: after quiescence (every client operation
 * resolved, recovery given its bound), no replica of any shard still holds a transaction
 * that has not ended there: no lock (key or scan), no write intent, and no transaction in
 * the active or prepared state. Decided transaction records (committed or aborted, kept
 * by the anchor shard so that recovery and late participants learn the outcome) and the
 * bounded list of finished transactions legitimately remain until garbage collection;
 * they are not leftovers.
 */

/** A transaction as one replica's participant state holds it. */
export interface HeldTransactionView {
  readonly txnId: string;
  readonly state: string;
  /** Locked keys (or scan-lock markers) with their modes. */
  readonly locks: readonly (readonly [string, string])[];
  /** Keys with a write intent. */
  readonly writes: readonly (readonly [string, unknown])[];
}

export interface ParticipantContents {
  readonly node: string;
  readonly shard: string;
  readonly transactions: readonly HeldTransactionView[];
}

/** Every transaction still held by a replica, with its locks and intents. */
export function transactionLeftovers(replicas: readonly ParticipantContents[]): string[] {
  const problems: string[] = [];
  for (const replica of replicas) {
    for (const txn of replica.transactions) {
      const locks = txn.locks.map(([key, mode]) => `${printable(key)} (${mode})`).join(', ') || 'none';
      const intents = txn.writes.map(([key]) => printable(key)).join(', ') || 'none';
      problems.push(`${replica.shard} on ${replica.node} still holds transaction ${txn.txnId} (${txn.state}): locks ${locks}; write intents ${intents}`);
    }
  }
  return problems;
}

/** A saga's state as its orchestrator's log tells it. */
export interface SagaView {
  readonly sagaId: string;
  readonly state: string;
  /** A one-line account (steps done, compensations, problems). */
  readonly summary: string;
}

/** Sagas that have neither completed nor compensated (nor been handed to an operator). */
export function sagaLeftovers(sagas: readonly SagaView[]): string[] {
  return sagas.filter((saga) => saga.state === 'running').map((saga) => `saga ${saga.sagaId} is still running: ${saga.summary}`);
}

/** Scan-lock markers start with a NUL character: shown readably. */
function printable(key: string): string {
  return key.replace(/\u0000/g, '\\0');
}
