import type { NodeEnv, NodeId, TimerId } from '../runtime/ports';
import { findShard, type ShardId, type ShardMap } from '../sharding/shard-map';
import { type ShardReply, shardRequestType, type ShardRequest, type ShardResponse } from './protocol';
import type { TxnCommand, TxnProbe } from './types';

/**
 * Calls a shard's Raft leader from a server node (coordinator or recovery), the way the
 * key-value client does from a client node: try the last known leader (else the shard's
 * preferred leader), follow `not-leader` hints a bounded number of times, move to the next
 * replica after a time-out, and back off exponentially with jitter, until the deadline.
 *
 * Every shard command is idempotent, so resending after a time-out is always safe; a late
 * answer to an earlier attempt is accepted as the answer.
 */

export type ShardCallOutcome = { readonly ok: true; readonly reply: ShardReply; readonly from: NodeId } | { readonly ok: false; readonly reason: string };

export interface ShardCallOptions {
  /** The whole call gives up after this long. */
  readonly deadlineMs: number;
  /** One attempt waits this long for an answer before trying the next replica. */
  readonly attemptTimeoutMs: number;
  readonly waitMaxMs?: number;
}

export interface ShardCallerSettings {
  readonly backoffInitialMs: number;
  readonly backoffMaxMs: number;
  readonly redirectsMax: number;
}

type CallerEnv = Pick<NodeEnv, 'id' | 'clock' | 'timers' | 'network' | 'random'>;

interface PendingCall {
  readonly shardId: ShardId;
  readonly command: TxnCommand | TxnProbe;
  readonly options: ShardCallOptions;
  readonly callback: (outcome: ShardCallOutcome) => void;
  readonly deadlineAtMs: number;
  readonly deadlineTimer: TimerId;
  /** Request ids of every attempt: an answer to any of them settles the call. */
  readonly requestIds: string[];
  /** Where each attempt went (by position in `requestIds`): only that node answers it, as on a connection. */
  readonly targets: NodeId[];
  timer: TimerId | undefined;
  failures: number;
  redirects: number;
  lastProblem: string;
  done: boolean;
}

export class ShardCaller {
  private readonly calls = new Map<string, PendingCall>();
  /** Per shard, the node to try next. */
  private readonly routes = new Map<ShardId, NodeId>();
  /** Distinguishes this incarnation's request ids from those of a process that ran before a restart. */
  private readonly incarnation: string;
  private nextRequest = 0;

  constructor(
    private readonly env: CallerEnv,
    private readonly shardMap: () => ShardMap,
    private readonly settings: ShardCallerSettings,
  ) {
    this.incarnation = `${env.id}/${env.random.int(0x7fffffff).toString(36)}`;
  }

  /** Answers to a pending call ignored because they came from a node its request did not go to. */
  answersNotAsked = 0;

  /** Calls still waiting for an answer. */
  get pendingCount(): number {
    return new Set(this.calls.values()).size;
  }

  call(shardId: ShardId, command: TxnCommand | TxnProbe, options: ShardCallOptions, callback: (outcome: ShardCallOutcome) => void): void {
    if (!(options.deadlineMs > 0 && options.attemptTimeoutMs > 0)) throw new RangeError('a shard call needs a positive deadline and attempt time-out');
    const call: PendingCall = {
      shardId,
      command,
      options,
      callback,
      deadlineAtMs: this.env.clock.nowMs() + options.deadlineMs,
      deadlineTimer: this.env.timers.setTimer(options.deadlineMs, () => this.finish(call, { ok: false, reason: `no answer from ${shardId} within ${options.deadlineMs} ms (${call.lastProblem})` })),
      requestIds: [],
      targets: [],
      timer: undefined,
      failures: 0,
      redirects: 0,
      lastProblem: 'no attempt made',
      done: false,
    };
    this.attempt(call);
  }

  onResponse(from: NodeId, response: ShardResponse): void {
    const call = this.calls.get(response.requestId);
    // An answer counts only from the node its request went to: any other process could
    // otherwise answer in a shard's place (grant a lock, report a commit).
    if (call === undefined) return;
    if (call.targets[call.requestIds.indexOf(response.requestId)] !== from) return void this.answersNotAsked++;
    const reply = response.reply;
    if (reply.status === 'not-leader') {
      if (response.requestId !== call.requestIds[call.requestIds.length - 1]) return;
      this.cancelTimer(call);
      if (reply.leaderHint !== null && reply.leaderHint !== from && call.redirects < this.settings.redirectsMax) {
        call.redirects++;
        this.routes.set(call.shardId, reply.leaderHint);
        return this.attempt(call);
      }
      this.routes.set(call.shardId, reply.leaderHint ?? this.nextReplica(call.shardId, from));
      return this.backOff(call, `${from} does not lead ${call.shardId}`);
    }
    if (reply.status === 'wrong-shard') {
      if (response.requestId !== call.requestIds[call.requestIds.length - 1]) return;
      this.cancelTimer(call);
      this.routes.set(call.shardId, this.nextReplica(call.shardId, from));
      return this.backOff(call, `${from} does not serve ${call.shardId}`);
    }
    this.routes.set(call.shardId, from);
    this.finish(call, { ok: true, reply, from });
  }

  private attempt(call: PendingCall): void {
    call.timer = undefined;
    if (call.done) return;
    const shard = findShard(this.shardMap(), call.shardId);
    if (shard === undefined) return this.backOff(call, `no shard ${call.shardId} in the shard map`);
    const target = this.routes.get(call.shardId) ?? shard.preferredLeader;
    const requestId = `${this.incarnation}/${++this.nextRequest}`;
    call.requestIds.push(requestId);
    call.targets.push(target);
    this.calls.set(requestId, call);
    const request: ShardRequest = {
      type: shardRequestType,
      requestId,
      shardId: call.shardId,
      command: call.command,
      ...(call.options.waitMaxMs === undefined ? {} : { waitMaxMs: call.options.waitMaxMs }),
    };
    this.env.network.send(target, request);
    const timeoutMs = Math.min(call.options.attemptTimeoutMs, Math.max(0, call.deadlineAtMs - this.env.clock.nowMs()));
    call.timer = this.env.timers.setTimer(timeoutMs, () => {
      call.timer = undefined;
      this.routes.set(call.shardId, this.nextReplica(call.shardId, target));
      this.backOff(call, `no answer from ${target} within ${call.options.attemptTimeoutMs} ms`);
    });
  }

  private backOff(call: PendingCall, problem: string): void {
    call.lastProblem = problem;
    call.failures++;
    call.redirects = 0;
    const ceilingMs = Math.min(this.settings.backoffMaxMs, this.settings.backoffInitialMs * 2 ** (call.failures - 1));
    const delayMs = ceilingMs / 2 + this.env.random.next() * (ceilingMs / 2);
    if (this.env.clock.nowMs() + delayMs >= call.deadlineAtMs) return; // the deadline timer ends the call
    call.timer = this.env.timers.setTimer(delayMs, () => this.attempt(call));
  }

  private nextReplica(shardId: ShardId, failed: NodeId): NodeId {
    const shard = findShard(this.shardMap(), shardId);
    if (shard === undefined) return failed;
    const index = shard.replicas.indexOf(failed);
    return shard.replicas[(index + 1) % shard.replicas.length];
  }

  private finish(call: PendingCall, outcome: ShardCallOutcome): void {
    if (call.done) return;
    call.done = true;
    for (const requestId of call.requestIds) this.calls.delete(requestId);
    this.cancelTimer(call);
    this.env.timers.cancelTimer(call.deadlineTimer);
    call.callback(outcome);
  }

  private cancelTimer(call: PendingCall): void {
    if (call.timer !== undefined) this.env.timers.cancelTimer(call.timer);
    call.timer = undefined;
  }
}
