import type { ShardStateMachine } from '../replica/shard-state-machine';
import type { NodeEnv, NodeId, TimerId } from '../runtime/ports';
import type { RaftGroupHost } from '../runtime/raft-host';
import { lockModeFor, type ParticipantTxnView } from './participant-state';
import { type ShardReply, type ShardRequest, type ShardResponse, shardResponseType } from './protocol';
import type { TxnHooks, TxnTuning } from './settings';
import { isOlder, type LockHolder, scanWaits, type TxnApplyResult, type TxnCommand } from './types';

/**
 * The leader side of a participant: takes shard requests from coordinators and
 * recovering peers, proposes them to the shard's Raft group and answers once applied.
 *
 * Deadlocks are made impossible by wait-die (Rosenkrantz, Stearns and Lewis, 1978): a
 * lock request that conflicts with younger holders only waits; one that conflicts with
 * any older holder is refused at once ("dies"), and its transaction aborts. Waiting edges
 * then always point from older to younger, so they cannot form a cycle. One refinement:
 * any request may wait for a *prepared* holder, which waits for no lock itself (only for
 * its decision), so no cycle can pass through it; and a read-only query never waits for an
 * active holder, so anyone may wait for a query (see `mustNotWaitFor`). A waiting request
 * is parked here, on the leader, not in the replicated state: it is looked at again every
 * `lockRetryMs` and refused after `lockWaitMaxMs`, so every wait has a bound. A parked
 * request dies with its leader; the coordinator's retry then reaches the new one.
 */

export interface ParticipantDeps {
  group(shardId: string): RaftGroupHost | undefined;
  machine(shardId: string): ShardStateMachine | undefined;
  readonly hooks: () => TxnHooks;
}

type AcquireCommand = Extract<TxnCommand, { kind: 'acquire' }>;

interface ParkedRequest {
  from: NodeId;
  request: ShardRequest;
  readonly command: AcquireCommand;
  readonly deadlineAtMs: number;
  holders: readonly LockHolder[];
}

export class ParticipantServer {
  /** Waiting lock requests by `txnId/opIndex`, so that a retry replaces its earlier copy. */
  private readonly parked = new Map<string, ParkedRequest>();
  private retryTimer: TimerId | undefined;

  constructor(
    private readonly env: Pick<NodeEnv, 'id' | 'clock' | 'timers' | 'network' | 'trace'>,
    private readonly deps: ParticipantDeps,
    private readonly tuning: TxnTuning,
  ) {}

  get parkedCount(): number {
    return this.parked.size;
  }

  onRequest(from: NodeId, request: ShardRequest): void {
    const group = this.deps.group(request.shardId);
    const machine = this.deps.machine(request.shardId);
    if (group === undefined || machine === undefined) return this.reply(from, request, { status: 'wrong-shard' });
    const status = group.status();
    if (status.role !== 'leader') return this.reply(from, request, { status: 'not-leader', leaderHint: status.leader });
    if (request.command.kind === 'acquire') return this.acquire(from, request, request.command, undefined);
    // A probe is answered from the applied state: "ended" only ever becomes true, so even a stale leader's yes is true.
    if (request.command.kind === 'probe') return this.reply(from, request, { status: 'applied', result: { status: 'probe', ended: machine.transactions.hasEnded(request.command.txnId) } });
    // Forgetting is decided by the shard's own collector, never asked for from outside.
    if (request.command.kind === 'forget') return this.reply(from, request, { status: 'wrong-shard' });
    let command = request.command;
    if (command.kind === 'prepare' || command.kind === 'decide') {
      // The anchor votes as it decides: it is the last participant asked.
      const veto = this.deps.hooks().participantVote?.(request.shardId, command.txnId);
      if (veto !== undefined) command = { ...command, refuse: veto.refuse };
    }
    this.propose(group, command, (reply) => this.reply(from, request, reply));
  }

  private acquire(from: NodeId, request: ShardRequest, command: AcquireCommand, parkedDeadlineMs: number | undefined): void {
    const group = this.deps.group(request.shardId);
    const machine = this.deps.machine(request.shardId);
    if (group === undefined || machine === undefined) return this.reply(from, request, { status: 'wrong-shard' });
    // Looking at the applied state first saves a log entry when the conflict is already visible.
    const visible = this.visibleConflicts(machine, command);
    if (visible.length > 0) return this.waitOrDie(from, request, command, visible, parkedDeadlineMs);
    this.propose(group, command, (reply) => {
      if (reply.status === 'applied' && reply.result.status === 'conflict') {
        return this.waitOrDie(from, request, command, reply.result.holders, parkedDeadlineMs);
      }
      this.reply(from, request, reply);
    });
  }

  private visibleConflicts(machine: ShardStateMachine, command: AcquireCommand): readonly LockHolder[] {
    const state = machine.transactions;
    if (state.finishedOutcome(command.txnId) !== undefined) return [];
    const mode = lockModeFor(command.access);
    return state.conflictsFor(command.txnId, command.key, mode);
  }

  private waitOrDie(from: NodeId, request: ShardRequest, command: AcquireCommand, holders: readonly LockHolder[], parkedDeadlineMs: number | undefined): void {
    const state = this.deps.machine(request.shardId)?.transactions;
    const blocking = holders.find((holder) => this.mustNotWaitFor(command, holder, state?.transaction(holder.txnId)));
    if (blocking !== undefined) {
      this.env.trace('txn.wait-die', { txn: command.txnId, key: command.key, holder: blocking.txnId });
      this.deps.hooks().onEvent?.({ kind: 'wait-die', node: this.env.id, txnId: command.txnId, key: command.key, holder: blocking.txnId });
      const reason = command.access.kind === 'scan' ? `no-wait: a query does not wait for the running transaction ${blocking.txnId}, which holds a key it scans` : `wait-die: ${command.key} is locked by the older transaction ${blocking.txnId}`;
      return this.reply(from, request, { status: 'wait-die', reason });
    }
    const nowMs = this.env.clock.nowMs();
    const waitMaxMs = request.waitMaxMs ?? this.tuning.lockWaitMaxMs;
    const slot = `${command.txnId}/${command.opIndex}`;
    const deadlineAtMs = parkedDeadlineMs ?? this.parked.get(slot)?.deadlineAtMs ?? nowMs + waitMaxMs;
    if (nowMs >= deadlineAtMs) {
      const names = holders.map((holder) => holder.txnId).join(', ');
      return this.reply(from, request, { status: 'lock-timeout', reason: `waited ${waitMaxMs} ms for ${command.key}, held by ${names}` });
    }
    if (!this.parked.has(slot)) {
      const names = holders.map((holder) => holder.txnId);
      this.env.trace('txn.lock-wait', { txn: command.txnId, key: command.key, holders: names });
      this.deps.hooks().onEvent?.({ kind: 'lock-wait', node: this.env.id, txnId: command.txnId, key: command.key, holders: names });
    }
    this.parked.set(slot, { from, request, command, deadlineAtMs, holders });
    this.scheduleRetry();
  }

  /**
   * Whether waiting for `holder` could close a cycle of waits, so the requester must die.
   * A prepared holder waits for nothing but its decision. A read-only query whose scan
   * locks do not wait (`scanLockKey`) waits for nothing but prepared holders (it dies on
   * any other conflict), so once it holds its locks it waits for nothing, and anyone may
   * wait for it: a writer does not abort because such a query reads. A query that died
   * too often takes waiting scan locks and is judged like any transaction: wait-die, only
   * the older may wait (so it cannot starve: its age is kept across attempts).
   */
  private mustNotWaitFor(command: AcquireCommand, holder: LockHolder, view: ParticipantTxnView | undefined): boolean {
    if (view?.state === 'prepared') return false;
    if (command.access.kind === 'scan' && !scanWaits(command.key)) return true;
    if (view?.neverWaits === true) return false;
    return !isOlder(command.priority, holder.priority);
  }

  private scheduleRetry(): void {
    if (this.retryTimer !== undefined || this.parked.size === 0) return;
    this.retryTimer = this.env.timers.setTimer(this.tuning.lockRetryMs, () => {
      this.retryTimer = undefined;
      this.retryParked();
      this.scheduleRetry();
    });
  }

  /** Parked requests whose conflict is gone are proposed again; expired ones are refused. */
  private retryParked(): void {
    const nowMs = this.env.clock.nowMs();
    for (const [slot, parked] of [...this.parked]) {
      const machine = this.deps.machine(parked.request.shardId);
      const group = this.deps.group(parked.request.shardId);
      if (group === undefined || machine === undefined || group.status().role !== 'leader') {
        this.parked.delete(slot);
        this.reply(parked.from, parked.request, { status: 'not-leader', leaderHint: group?.status().leader ?? null });
        continue;
      }
      const holders = this.visibleConflicts(machine, parked.command);
      if (holders.length > 0 && nowMs < parked.deadlineAtMs) {
        parked.holders = holders;
        continue;
      }
      this.parked.delete(slot);
      this.acquire(parked.from, parked.request, parked.command, parked.deadlineAtMs);
    }
  }

  private propose(group: RaftGroupHost, command: TxnCommand, done: (reply: ShardReply) => void): void {
    group.propose({ txn: command }, (outcome) => {
      if (!outcome.ok) return done({ status: 'not-leader', leaderHint: outcome.leaderHint });
      done({ status: 'applied', result: outcome.result as TxnApplyResult });
    });
  }

  private reply(to: NodeId, request: ShardRequest, reply: ShardReply): void {
    const response: ShardResponse = { type: shardResponseType, requestId: request.requestId, reply };
    this.env.network.send(to, response);
  }
}
