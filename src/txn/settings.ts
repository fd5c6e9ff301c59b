import type { NodeId } from '../runtime/ports';
import type { ShardId } from '../sharding/shard-map';
import type { TxnId } from './types';

/** Timing of the transaction layer, in virtual milliseconds. */
export interface TxnTuning {
  /** Wait-die: how long an older transaction may wait for a younger one's lock. */
  lockWaitMaxMs: number;
  /** How often a waiting lock request looks again. */
  lockRetryMs: number;
  /** One attempt at a shard leader waits this long for an answer. */
  shardAttemptTimeoutMs: number;
  /** The coordinator gives up on one read or write (and aborts) after this long. */
  operationDeadlineMs: number;
  /** Every vote must arrive within this long, or the transaction aborts. */
  prepareDeadlineMs: number;
  /** The coordinator keeps trying to write its decision this long. */
  decideDeadlineMs: number;
  /** Phase-two messages are retried this long; recovery finishes what they miss. */
  resolveDeadlineMs: number;
  /** An aborted transaction's client is told once its locks are released, or after this long. */
  abortAckWaitMs: number;
  /** An active transaction whose client says nothing for this long is aborted. */
  clientIdleMaxMs: number;
  /** How often a leader looks for transactions to recover. */
  recoveryScanMs: number;
  /** A prepared transaction not resolved after this long is in doubt: recovery asks its record. */
  inDoubtAfterMs: number;
  /** A transaction that has held locks this long without preparing is presumed abandoned. */
  abandonedAfterMs: number;
  backoffInitialMs: number;
  backoffMaxMs: number;
  redirectsMax: number;
  /** Ended transactions a coordinator remembers, to answer late status questions. */
  finishedTxnsMax: number;
  /** How often a shard leader looks for records and tombstones it may forget (src/txn/record-collector.ts). */
  gcScanMs: number;
  /**
   * Whether shard leaders forget ended transactions at all (on by default). Unit tests of
   * other parts may turn it off to keep every record for inspection.
   */
  collectEndedTransactions: boolean;
}

export const defaultTxnTuning: Readonly<TxnTuning> = Object.freeze({
  lockWaitMaxMs: 400,
  lockRetryMs: 2,
  shardAttemptTimeoutMs: 150,
  operationDeadlineMs: 2_000,
  prepareDeadlineMs: 1_000,
  decideDeadlineMs: 10_000,
  resolveDeadlineMs: 3_000,
  abortAckWaitMs: 250,
  clientIdleMaxMs: 5_000,
  recoveryScanMs: 50,
  inDoubtAfterMs: 250,
  abandonedAfterMs: 3_000,
  backoffInitialMs: 5,
  backoffMaxMs: 200,
  redirectsMax: 3,
  finishedTxnsMax: 10_000,
  gcScanMs: 200,
  collectEndedTransactions: true,
});

/** Points in the coordinator's commit where a scenario may stop it (a failpoint, as in etcd's gofail). */
export type CoordinatorPoint =
  /** Commit was asked for; nothing has been sent to the participants yet. */
  | 'before-prepare'
  /** Every participant voted yes; the decision is not written yet. */
  | 'after-votes'
  /** The commit decision is durable in the record; neither the client nor the other participants know yet. */
  | 'after-decision';

export interface CoordinatorPointDetail {
  readonly node: NodeId;
  readonly txnId: TxnId;
  readonly anchorShard: ShardId;
  readonly participants: readonly ShardId[];
}

export interface TxnHooks {
  /**
   * Called at each failpoint. Returning 'halt' stops the coordinator there for that
   * transaction, as if its process had died at that instant; the caller is expected to
   * crash or cut off the node (at the same virtual time, from the scheduler).
   */
  coordinatorPoint?(point: CoordinatorPoint, detail: CoordinatorPointDetail): 'continue' | 'halt';
  /**
   * Asked by a participant's leader before it votes; returning a reason makes it vote no
   * (it aborts the transaction there, as a participant may do at any time before voting yes).
   */
  participantVote?(shardId: ShardId, txnId: TxnId): { refuse: string } | undefined;
  /** A leader finished a transaction from its record (or presumed it aborted). */
  onRecovered?(event: RecoveryEvent): void;
  /** What coordinators and participants do, for observers (scenarios, reports). */
  onEvent?(event: TxnEvent): void;
}

/** Observable steps of the protocol. */
export type TxnEvent =
  | { readonly kind: 'prepare'; readonly node: NodeId; readonly txnId: TxnId; readonly shards: readonly ShardId[] }
  | { readonly kind: 'decision'; readonly node: NodeId; readonly txnId: TxnId; readonly outcome: 'committed' | 'aborted'; readonly anchorShard: ShardId; readonly participants: readonly ShardId[]; readonly reason: string }
  | { readonly kind: 'phase-two'; readonly node: NodeId; readonly txnId: TxnId; readonly shards: readonly ShardId[]; readonly outcome: 'committed' | 'aborted' }
  | { readonly kind: 'lock-wait'; readonly node: NodeId; readonly txnId: TxnId; readonly key: string; readonly holders: readonly TxnId[] }
  | { readonly kind: 'wait-die'; readonly node: NodeId; readonly txnId: TxnId; readonly key: string; readonly holder: TxnId };

export interface RecoveryEvent {
  readonly node: NodeId;
  readonly shardId: ShardId;
  readonly txnId: TxnId;
  /** The participant's state when recovery took it up. */
  readonly state: 'active' | 'prepared';
  readonly outcome: 'committed' | 'aborted';
}

/**
 * Settings every node's transaction service reads: one object shared by the database and
 * its nodes (including nodes started later and restarted ones).
 */
export class TxnSettings {
  readonly tuning: TxnTuning = { ...defaultTxnTuning };
  hooks: TxnHooks = {};
}
