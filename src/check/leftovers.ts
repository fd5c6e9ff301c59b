/**
 * Cross-component oracles for work left behind (issue 11 §4), pure functions over plain
 * views; each returns one line per problem, naming the shard, node, transaction or saga.
 *
 * "Left behind" for transactions, precisely: after quiescence (every client operation
 * resolved, recovery given its bound), no replica of any shard still holds a transaction
 * that has not ended there: no lock (key or scan), no write intent, and no transaction in
 * the active or prepared state. Decided transaction records (committed or aborted, kept
 * by the anchor shard so that recovery and late participants learn the outcome) and the
 * tombstones of finished transactions legitimately remain until garbage collection
 * forgets them (src/txn/record-collector.ts): what is left after it is judged against a
 * bound by `transactionMemoryLeftovers`.
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

/** What one shard keeps of ended transactions. */
export interface ShardMemoryView {
  readonly shard: string;
  readonly records: number;
  readonly tombstones: number;
}

/**
 * Records and tombstones of ended transactions beyond what garbage collection leaves:
 * once clients have gone quiet, a shard keeps, per client, only transactions whose
 * outcome that client has not yet acknowledged there (the last it ran on the shard), so
 * `bound` is a small multiple of the number of clients. One line per shard over it.
 */
export function transactionMemoryLeftovers(shards: readonly ShardMemoryView[], bound: number): string[] {
  const problems: string[] = [];
  for (const shard of shards) {
    if (shard.records > bound) problems.push(`${shard.shard} keeps ${shard.records} transaction records (bound ${bound})`);
    if (shard.tombstones > bound) problems.push(`${shard.shard} keeps ${shard.tombstones} tombstones of ended transactions (bound ${bound})`);
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
