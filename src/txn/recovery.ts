import type { ShardStateMachine } from '../replica/shard-state-machine';
import type { NodeEnv, TimerId } from '../runtime/ports';
import type { ProposalOutcome, RaftGroupHost } from '../runtime/raft-host';
import { type ShardId, type ShardMap, shardForKey } from '../sharding/shard-map';
import type { ParticipantTxnView } from './participant-state';
import type { TxnHooks, TxnTuning } from './settings';
import type { ShardCaller } from './shard-caller';
import type { DecisionResult, TxnCommand, TxnOutcome } from './types';

/**
 * Recovery of transactions whose coordinator went quiet, run by the leader of every
 * shard group: nobody stays blocked while the record's group has a quorum.
 *
 * Every `recoveryScanMs` the leader looks at the transactions holding locks in its
 * groups. One that has been prepared and unresolved for `inDoubtAfterMs`, or that has
 * held locks without preparing for `abandonedAfterMs`, is settled at its anchor shard:
 * the anchor answers with the recorded decision, or records "aborted" if there is none
 * (presumed abort). The leader then applies that outcome in its own group. Ages are
 * measured on this node's clock from when its replica first applied the transaction in
 * its current state, as a follower or as the leader: a new leader inherits the age it
 * observed as a follower, so leaders that change more often than `abandonedAfterMs`
 * cannot keep an abandoned lock alive forever (found by bank soak seed 2145, where
 * shard-1 changed leaders every 1.5-2 s and an orphaned lock lived 10.8 s, starving
 * every audit). No clocks are compared across nodes; a restarted node waits afresh.
 * The timing only affects how soon, never what is decided.
 */

export interface RecoveryDeps {
  groupIds(): readonly string[];
  group(shardId: string): RaftGroupHost | undefined;
  machine(shardId: string): ShardStateMachine | undefined;
  readonly shardMap: () => ShardMap;
  readonly caller: ShardCaller;
  readonly hooks: () => TxnHooks;
}

export class TxnRecovery {
  /** Local time a transaction was first seen in its current state, by `shard/txn/state`. */
  private readonly firstSeenMs = new Map<string, number>();
  private readonly inFlight = new Set<string>();
  private timer: TimerId | undefined;
  recoveredCount = 0;

  constructor(
    private readonly env: Pick<NodeEnv, 'id' | 'clock' | 'timers' | 'trace'>,
    private readonly deps: RecoveryDeps,
    private readonly tuning: TxnTuning,
  ) {}

  /** Scans every `recoveryScanMs` while any replica here holds transactions; an idle
   *  node schedules nothing (the KV server calls this again when one appears). */
  start(): void {
    if (this.timer !== undefined) return;
    this.timer = this.env.timers.setTimer(this.tuning.recoveryScanMs, () => {
      this.timer = undefined;
      this.scan();
      if (this.holdsTransactions()) this.start();
    });
  }

  private holdsTransactions(): boolean {
    for (const shardId of this.deps.groupIds()) if ((this.deps.machine(shardId)?.transactions.activeCount ?? 0) > 0) return true;
    return false;
  }

  /** One look at every replica here: ages are kept on every replica, recovery runs where this node leads. */
  scan(): void {
    const nowMs = this.env.clock.nowMs();
    const seen = new Set<string>();
    for (const shardId of this.deps.groupIds()) {
      const group = this.deps.group(shardId);
      const machine = this.deps.machine(shardId);
      if (group === undefined || machine === undefined || machine.transactions.activeCount === 0) continue;
      const leads = group.raft.currentRole === 'leader';
      for (const txn of machine.transactions.transactions()) {
        // Per state: a transaction's time in doubt starts when it prepares, not when it first locked.
        const slot = `${shardId}/${txn.txnId}/${txn.state}`;
        seen.add(slot);
        const firstMs = this.firstSeenMs.get(slot) ?? nowMs;
        this.firstSeenMs.set(slot, firstMs);
        const limitMs = txn.state === 'prepared' ? this.tuning.inDoubtAfterMs : this.tuning.abandonedAfterMs;
        if (leads && nowMs - firstMs >= limitMs && !this.inFlight.has(slot)) this.recover(shardId, txn);
      }
    }
    for (const slot of [...this.firstSeenMs.keys()]) if (!seen.has(slot)) this.firstSeenMs.delete(slot);
  }

  private recover(shardId: ShardId, txn: ParticipantTxnView): void {
    const slot = `${shardId}/${txn.txnId}/${txn.state}`;
    const anchor = shardForKey(this.deps.shardMap(), txn.anchorKey);
    if (anchor === undefined) return;
    this.inFlight.add(slot);
    const reason = `presumed abort: no decision was recorded when ${this.env.id} recovered it for ${shardId} (${txn.state}, coordinator ${txn.coordinator})`;
    const done = (outcome: TxnOutcome | undefined): void => {
      this.inFlight.delete(slot);
      if (outcome === undefined) return;
      this.recoveredCount++;
      this.env.trace('txn.recovered', { txn: txn.txnId, shard: shardId, state: txn.state, outcome });
      this.deps.hooks().onRecovered?.({ node: this.env.id, shardId, txnId: txn.txnId, state: txn.state, outcome });
    };
    const settle: TxnCommand = { kind: 'settle', txnId: txn.txnId, reason };
    // The anchor settles its own part in the same entry that records the outcome.
    if (anchor.id === shardId) return this.proposeLocally(shardId, settle, (result) => done(decisionOutcome(result)));
    const options = { deadlineMs: this.tuning.resolveDeadlineMs, attemptTimeoutMs: this.tuning.shardAttemptTimeoutMs };
    this.deps.caller.call(anchor.id, settle, options, (outcome) => {
      const result = outcome.ok && outcome.reply.status === 'applied' ? (outcome.reply.result as DecisionResult) : undefined;
      const decided = decisionOutcome(result);
      if (result?.status === 'forgotten') return this.abortIfHeld(shardId, txn, anchor.id, done);
      if (decided === undefined) return done(undefined);
      const resolve: TxnCommand = { kind: 'resolve', txnId: txn.txnId, outcome: decided, reason: `recovered from the record at ${anchor.id}` };
      this.proposeLocally(shardId, resolve, (applied) => done(applied === undefined ? undefined : decided));
    });
  }

  /**
   * The anchor forgot the transaction: it ended and every participant applied a commit, or
   * it aborted. Whether it is still held here is only known at this group's log position:
   * held then means aborted; ended then means this question was overtaken by its outcome.
   */
  private abortIfHeld(shardId: ShardId, txn: ParticipantTxnView, anchor: ShardId, done: (outcome: TxnOutcome | undefined) => void): void {
    const resolve: TxnCommand = { kind: 'resolve', txnId: txn.txnId, outcome: 'aborted', reason: `presumed abort: the record at ${anchor} was forgotten`, ifHeld: true };
    this.proposeLocally(shardId, resolve, (applied) => done((applied as { outcome?: TxnOutcome } | undefined)?.outcome));
  }

  private proposeLocally(shardId: ShardId, command: TxnCommand, done: (result: unknown) => void): void {
    const group = this.deps.group(shardId);
    if (group === undefined) return done(undefined);
    group.propose({ txn: command }, (outcome: ProposalOutcome) => done(outcome.ok ? outcome.result : undefined));
  }
}

function decisionOutcome(result: unknown): TxnOutcome | undefined {
  const status = (result as { status?: string } | undefined)?.status;
  return status === 'committed' || status === 'aborted' ? status : undefined;
}

