import type { Principal, Refusal } from '../auth/types';
import type { NodeEnv, NodeId, TimerId } from '../runtime/ports';
import { type ShardId, type ShardMap, shardForKey } from '../sharding/shard-map';
import { type ClientCall, type ClientReply, type ClientRequest, type ClientResponse, clientResponseType } from './protocol';
import type { CoordinatorPoint, TxnHooks, TxnTuning } from './settings';
import type { ShardCallOutcome, ShardCaller } from './shard-caller';
import { txnNumber } from './txn-id';
import type { TxnAccess, TxnCommand, TxnId, TxnOutcome, TxnPriority } from './types';

/**
 * The coordinator of distributed transactions on one node: it runs a client's reads and
 * writes at the shards that own the keys, then two-phase commit.
 *
 * Commit, with the shard owning the transaction's first key as the *anchor* (it holds
 * the transaction record, as in CockroachDB):
 * 1. Phase one: every other participant is asked to prepare. A participant that only
 *    read votes `read-only`, releases its locks and is left out of phase two.
 * 2. The decision: if every vote is yes, the coordinator asks the anchor to write the
 *    commit record. The anchor does so only if the record is still absent, and commits
 *    its own part in the same log entry (the last-agent optimisation). A transaction on
 *    one shard therefore commits in one phase: that single entry.
 * 3. Phase two: the client is told, and the prepared participants are told to commit.
 *
 * Presumed abort: nothing is written for an abort. A participant, or anyone asking for
 * the outcome, that finds no record *settles* it at the anchor: the anchor writes
 * "aborted" unless a decision is already there, so a late commit decision can never win
 * against an abort that someone has already acted on.
 *
 * The coordinator keeps its transactions in memory only. When it dies, recovery at the
 * participants (recovery.ts) finishes every transaction from its record, and a client
 * asking another coordinator gets the recorded outcome.
 */

type Phase = 'active' | 'committing' | 'committed' | 'aborted';

interface CoordinatedTxn {
  readonly txnId: TxnId;
  client: NodeId;
  readonly priority: TxnPriority;
  anchorKey: string | null;
  /** Shards the transaction touched: whether it wrote there, and its last operation there. */
  readonly participants: Map<ShardId, { wrote: boolean; lastOpIndex: number }>;
  nextOpIndex: number;
  phase: Phase;
  reason: string;
  /** Sequence of the latest client request, and its reply once known. */
  lastSequence: number;
  lastReply: ClientReply | undefined;
  /** An operation is at a shard; the client sends one request at a time, so a newer one waits for its resend. */
  busy: boolean;
  idleTimer: TimerId | undefined;
  /** Stopped at a failpoint: the coordinator behaves as if it had died. */
  halted: boolean;
  /** Who runs it (from its first request), carried by every lock it asks for. */
  readonly principal: Principal | undefined;
}

interface EndedTxn {
  readonly outcome: TxnOutcome;
  readonly reason: string;
}

export interface CoordinatorDeps {
  readonly shardMap: () => ShardMap;
  readonly caller: ShardCaller;
  readonly hooks: () => TxnHooks;
  /** Told of every transaction refused for lack of permission (the audit log). */
  readonly audit?: (node: NodeId, request: string, refusal: Refusal) => void;
}

/** Operations one transaction may do: a bound on the coordinator's memory per transaction. */
const operationsPerTxnMax = 10_000;
const activeTxnsMax = 10_000;

export class TxnCoordinator {
  private readonly txns = new Map<TxnId, CoordinatedTxn>();
  /** Ended transactions, oldest first, to answer repeated questions. */
  private readonly ended = new Map<TxnId, EndedTxn>();
  /** Unknown transactions being settled at their anchor for a client. */
  private readonly settling = new Set<TxnId>();
  /** Per client: the highest acknowledged mark its requests carried, passed on to the shards (txn-id.ts). */
  private readonly clientMarks = new Map<string, number>();

  constructor(
    private readonly env: Pick<NodeEnv, 'id' | 'clock' | 'timers' | 'network' | 'trace'>,
    private readonly deps: CoordinatorDeps,
    private readonly tuning: TxnTuning,
  ) {}

  get activeCount(): number {
    return this.txns.size;
  }

  onRequest(from: NodeId, request: ClientRequest): void {
    this.noteMark(request);
    const txn = this.txns.get(request.txnId);
    if (txn !== undefined) return this.onKnown(from, txn, request);
    const ended = this.ended.get(request.txnId);
    if (ended !== undefined) return this.send(from, request, outcomeReply(ended.outcome, ended.reason));
    this.onUnknown(from, request);
  }

  // ---- requests ----------------------------------------------------------------------

  private onUnknown(from: NodeId, request: ClientRequest): void {
    const call = request.call;
    if (isOperation(call) && request.sequence === 1) {
      if (this.txns.size >= activeTxnsMax) return this.send(from, request, { status: 'aborted', reason: `coordinator ${this.env.id} has ${activeTxnsMax} transactions open` });
      const txn = this.open(from, request);
      return this.operate(txn, call);
    }
    if (request.anchorKey === null) {
      return this.send(from, request, call.kind === 'commit' ? { status: 'committed' } : { status: 'aborted', reason: 'the transaction did nothing' });
    }
    // This coordinator never ran the transaction, or forgot it in a restart: the record decides.
    if (this.settling.has(request.txnId)) return this.send(from, request, { status: 'in-progress' });
    this.settling.add(request.txnId);
    const reason = `presumed abort: coordinator ${this.env.id} does not know the transaction and no decision was recorded`;
    this.settleAt(request.txnId, request.anchorKey, reason, (outcome, why) => {
      this.settling.delete(request.txnId);
      if (outcome === undefined) return this.send(from, request, { status: 'in-progress' });
      this.remember(request.txnId, outcome, why);
      this.send(from, request, outcomeReply(outcome, why));
    });
  }

  private onKnown(from: NodeId, txn: CoordinatedTxn, request: ClientRequest): void {
    if (txn.halted) return;
    txn.client = from;
    this.touch(txn);
    if (request.sequence < txn.lastSequence) return;
    if (request.sequence === txn.lastSequence) {
      if (txn.lastReply !== undefined) return this.send(from, request, txn.lastReply);
      if (request.call.kind === 'commit' || request.call.kind === 'status') this.send(from, request, { status: 'in-progress' });
      return;
    }
    const call = request.call;
    if (call.kind === 'rollback') {
      txn.lastSequence = request.sequence;
      return this.abort(txn, 'rolled back by the client');
    }
    if (txn.busy) return;
    txn.lastSequence = request.sequence;
    txn.lastReply = undefined;
    if (call.kind === 'commit') return this.commit(txn);
    if (call.kind === 'status') return this.answer(txn, phaseReply(txn));
    this.operate(txn, call);
  }

  private open(from: NodeId, request: ClientRequest): CoordinatedTxn {
    const txn: CoordinatedTxn = {
      txnId: request.txnId,
      client: from,
      priority: request.priority,
      anchorKey: null,
      participants: new Map(),
      nextOpIndex: 0,
      phase: 'active',
      reason: '',
      lastSequence: request.sequence,
      lastReply: undefined,
      busy: false,
      idleTimer: undefined,
      halted: false,
      principal: request.principal,
    };
    this.txns.set(txn.txnId, txn);
    this.touch(txn);
    this.env.trace('txn.begin', { txn: txn.txnId, client: from });
    return txn;
  }

  /** One read or write: take the key's lock at its shard (waiting or dying there) and return the value. */
  private operate(txn: CoordinatedTxn, call: Extract<ClientCall, { key: string }>): void {
    if (txn.phase !== 'active') return this.answer(txn, phaseReply(txn));
    if (txn.nextOpIndex >= operationsPerTxnMax) return this.abort(txn, `more than ${operationsPerTxnMax} operations in one transaction`);
    const shard = shardForKey(this.deps.shardMap(), call.key);
    if (shard === undefined) return this.abort(txn, `no shard owns ${call.key}`);
    txn.anchorKey ??= call.key;
    const access: TxnAccess =
      call.kind === 'read' ? { kind: 'read', forUpdate: call.forUpdate === true } : call.kind === 'write' ? { kind: 'write', value: call.value } : { kind: 'append', element: call.element };
    const participant = txn.participants.get(shard.id) ?? { wrote: false, lastOpIndex: 0 };
    if (access.kind !== 'read') participant.wrote = true;
    txn.participants.set(shard.id, participant);
    txn.busy = true;
    const command: TxnCommand = {
      kind: 'acquire',
      txnId: txn.txnId,
      priority: txn.priority,
      anchorKey: txn.anchorKey,
      coordinator: this.env.id,
      opIndex: ++txn.nextOpIndex,
      key: call.key,
      access,
      ...(txn.principal ? { principal: txn.principal } : {}),
      ...this.markOf(txn.txnId),
    };
    const sequence = txn.lastSequence;
    const options = {
      deadlineMs: this.tuning.operationDeadlineMs,
      attemptTimeoutMs: this.tuning.lockWaitMaxMs + this.tuning.shardAttemptTimeoutMs,
      waitMaxMs: this.tuning.lockWaitMaxMs,
    };
    this.deps.caller.call(shard.id, command, options, (outcome) => {
      txn.busy = false;
      if (txn.phase !== 'active' || txn.lastSequence !== sequence || txn.halted) return;
      const refusal = outcome.ok && outcome.reply.status === 'applied' && outcome.reply.result.status === 'forbidden' ? outcome.reply.result.refusal : undefined;
      if (refusal !== undefined) this.deps.audit?.(this.env.id, `transaction ${txn.txnId} ${call.kind} of ${JSON.stringify(call.key)}`, refusal);
      const problem = operationProblem(outcome, shard.id, call.key);
      if (problem !== undefined) return this.abort(txn, problem);
      const result = (outcome as Extract<ShardCallOutcome, { ok: true }>).reply;
      participant.lastOpIndex = command.opIndex;
      this.answer(txn, { status: 'ok', value: result.status === 'applied' && result.result.status === 'granted' ? result.result.value : null });
    });
  }

  // ---- commit and abort ----------------------------------------------------------------

  private commit(txn: CoordinatedTxn): void {
    if (txn.phase !== 'active') return this.answer(txn, phaseReply(txn));
    txn.phase = 'committing';
    if (txn.anchorKey === null || txn.participants.size === 0) return this.finish(txn, 'committed', 'the transaction did nothing');
    const anchorShard = shardForKey(this.deps.shardMap(), txn.anchorKey)!.id;
    if (this.halt(txn, 'before-prepare', anchorShard)) return;
    const others = [...txn.participants.keys()].filter((shard) => shard !== anchorShard).sort();
    const prepared: ShardId[] = [];
    let votesMissing = others.length;
    if (votesMissing === 0) return this.decide(txn, anchorShard, prepared);
    this.env.trace('txn.prepare', { txn: txn.txnId, shards: others });
    this.deps.hooks().onEvent?.({ kind: 'prepare', node: this.env.id, txnId: txn.txnId, shards: others });
    for (const shard of others) {
      const options = { deadlineMs: this.tuning.prepareDeadlineMs, attemptTimeoutMs: this.tuning.shardAttemptTimeoutMs };
      const lastOpIndex = txn.participants.get(shard)!.lastOpIndex;
      this.deps.caller.call(shard, { kind: 'prepare', txnId: txn.txnId, lastOpIndex, ...this.markOf(txn.txnId) }, options, (outcome) => {
        if (txn.phase !== 'committing' || txn.halted) return;
        const vote = voteOf(outcome, shard, this.tuning.prepareDeadlineMs);
        if (vote.kind === 'no') return this.abort(txn, vote.reason);
        if (vote.kind === 'prepared') prepared.push(shard);
        if (--votesMissing === 0) this.decide(txn, anchorShard, prepared.sort());
      });
    }
  }

  private decide(txn: CoordinatedTxn, anchorShard: ShardId, prepared: readonly ShardId[]): void {
    if (this.halt(txn, 'after-votes', anchorShard)) return;
    this.writeDecision(txn, anchorShard, prepared);
  }

  /**
   * Asks the anchor to record the commit; retried until its group answers. Retrying is
   * safe (the record is written once) and necessary: once asked, only the record knows.
   */
  private writeDecision(txn: CoordinatedTxn, anchorShard: ShardId, prepared: readonly ShardId[]): void {
    const participants = [...txn.participants.keys()].sort();
    const options = { deadlineMs: this.tuning.decideDeadlineMs, attemptTimeoutMs: this.tuning.shardAttemptTimeoutMs };
    const lastOpIndex = txn.participants.get(anchorShard)?.lastOpIndex ?? 0;
    this.deps.caller.call(anchorShard, { kind: 'decide', txnId: txn.txnId, participants, lastOpIndex, ...this.markOf(txn.txnId) }, options, (outcome) => {
      if (txn.phase !== 'committing' || txn.halted) return;
      if (!outcome.ok || outcome.reply.status !== 'applied') return this.writeDecision(txn, anchorShard, prepared);
      const result = outcome.reply.result;
      if (result.status === 'forgotten') return this.forgotten(txn, result.reason);
      const reason = result.status === 'aborted' ? result.reason : result.status === 'committed' ? 'every participant voted yes' : `unexpected answer ${result.status} from ${anchorShard}`;
      const decided = result.status === 'committed' ? 'committed' : 'aborted';
      this.env.trace('txn.decision', { txn: txn.txnId, outcome: decided, anchor: anchorShard });
      this.deps.hooks().onEvent?.({ kind: 'decision', node: this.env.id, txnId: txn.txnId, outcome: decided, anchorShard, participants, reason });
      if (decided === 'aborted') return this.abort(txn, reason);
      if (this.halt(txn, 'after-decision', anchorShard)) return;
      this.finish(txn, 'committed', reason);
      this.phaseTwo(txn, prepared, 'committed', 'committed');
    });
  }

  /**
   * Presumed abort: no record is written; every participant is told to release. The
   * client hears of the abort once the participants have released its locks (or after
   * `abortAckWaitMs`), so that its next transaction does not run into them.
   */
  private abort(txn: CoordinatedTxn, reason: string): void {
    if (txn.phase === 'committed' || txn.phase === 'aborted') return;
    this.env.trace('txn.abort', { txn: txn.txnId, reason });
    this.finish(txn, 'aborted', reason, false);
    let answered = false;
    const answer = (): void => {
      if (answered) return;
      answered = true;
      if (timer !== undefined) this.env.timers.cancelTimer(timer);
      this.answer(txn, outcomeReply('aborted', reason));
    };
    const timer: TimerId | undefined = txn.participants.size === 0 ? undefined : this.env.timers.setTimer(this.tuning.abortAckWaitMs, answer);
    this.phaseTwo(txn, [...txn.participants.keys()].sort(), 'aborted', reason, answer);
  }

  /** Tells the shards the outcome; `allDone` runs once every one answered or gave up. */
  private phaseTwo(txn: CoordinatedTxn, shards: readonly ShardId[], outcome: TxnOutcome, reason: string, allDone: () => void = () => undefined): void {
    if (shards.length === 0) return allDone();
    this.deps.hooks().onEvent?.({ kind: 'phase-two', node: this.env.id, txnId: txn.txnId, shards, outcome });
    let missing = shards.length;
    for (const shard of shards) this.resolveAt(shard, txn.txnId, outcome, reason, () => --missing === 0 && allDone());
  }

  private finish(txn: CoordinatedTxn, outcome: TxnOutcome, reason: string, reply = true): void {
    txn.phase = outcome;
    txn.reason = reason;
    if (txn.idleTimer !== undefined) this.env.timers.cancelTimer(txn.idleTimer);
    this.txns.delete(txn.txnId);
    this.remember(txn.txnId, outcome, reason);
    if (reply) this.answer(txn, outcomeReply(outcome, reason));
  }

  private resolveAt(shard: ShardId, txnId: TxnId, outcome: TxnOutcome, reason: string, done: () => void): void {
    const options = { deadlineMs: this.tuning.resolveDeadlineMs, attemptTimeoutMs: this.tuning.shardAttemptTimeoutMs };
    // Best effort: what this misses, recovery at the participant finishes from the record.
    this.deps.caller.call(shard, { kind: 'resolve', txnId, outcome, reason, ...this.markOf(txnId) }, options, () => done());
  }

  private settleAt(txnId: TxnId, anchorKey: string, reason: string, done: (outcome: TxnOutcome | undefined, reason: string) => void): void {
    const shard = shardForKey(this.deps.shardMap(), anchorKey);
    if (shard === undefined) return done(undefined, `no shard owns ${anchorKey}`);
    const options = { deadlineMs: this.tuning.resolveDeadlineMs, attemptTimeoutMs: this.tuning.shardAttemptTimeoutMs };
    this.deps.caller.call(shard.id, { kind: 'settle', txnId, reason }, options, (outcome) => {
      if (!outcome.ok || outcome.reply.status !== 'applied') return done(undefined, outcome.ok ? outcome.reply.status : outcome.reason);
      const result = outcome.reply.result;
      if (result.status === 'committed') return done('committed', 'the record says committed');
      if (result.status === 'aborted') return done('aborted', result.reason);
      // Forgotten: the client already knew the outcome; it is not guessed again here.
      done(undefined, result.status === 'forgotten' ? result.reason : `unexpected answer ${result.status}`);
    });
  }

  /**
   * The anchor forgot the transaction: its client had acknowledged an outcome learnt
   * elsewhere, so this coordinator's attempt is stale. It stops without telling anyone
   * anything (no phase two: the participants applied the real outcome long ago).
   */
  private forgotten(txn: CoordinatedTxn, reason: string): void {
    this.env.trace('txn.forgotten', { txn: txn.txnId, reason });
    txn.halted = true;
    if (txn.idleTimer !== undefined) this.env.timers.cancelTimer(txn.idleTimer);
    this.txns.delete(txn.txnId);
  }

  private noteMark(request: ClientRequest): void {
    const number = txnNumber(request.txnId);
    if (number === undefined || request.settled === undefined) return;
    if (request.settled > (this.clientMarks.get(number.client) ?? 0)) this.clientMarks.set(number.client, request.settled);
  }

  private markOf(txnId: TxnId): { settled?: number } {
    const number = txnNumber(txnId);
    const mark = number === undefined ? undefined : this.clientMarks.get(number.client);
    return mark === undefined ? {} : { settled: mark };
  }

  // ---- helpers -------------------------------------------------------------------------

  private halt(txn: CoordinatedTxn, point: CoordinatorPoint, anchorShard: ShardId): boolean {
    const hook = this.deps.hooks().coordinatorPoint;
    if (hook === undefined) return false;
    const verdict = hook(point, { node: this.env.id, txnId: txn.txnId, anchorShard, participants: [...txn.participants.keys()].sort() });
    if (verdict !== 'halt') return false;
    txn.halted = true;
    if (txn.idleTimer !== undefined) this.env.timers.cancelTimer(txn.idleTimer);
    this.env.trace('txn.halted', { txn: txn.txnId, point });
    return true;
  }

  /** The client is alive; an active transaction it stops talking about is aborted after a while. */
  private touch(txn: CoordinatedTxn): void {
    if (txn.idleTimer !== undefined) this.env.timers.cancelTimer(txn.idleTimer);
    txn.idleTimer = this.env.timers.setTimer(this.tuning.clientIdleMaxMs, () => {
      txn.idleTimer = undefined;
      if (txn.phase === 'active' && !txn.halted) this.abort(txn, `the client said nothing for ${this.tuning.clientIdleMaxMs} ms`);
    });
  }

  private remember(txnId: TxnId, outcome: TxnOutcome, reason: string): void {
    this.ended.delete(txnId);
    this.ended.set(txnId, { outcome, reason });
    if (this.ended.size > this.tuning.finishedTxnsMax) this.ended.delete(this.ended.keys().next().value as TxnId);
  }

  private answer(txn: CoordinatedTxn, reply: ClientReply): void {
    txn.lastReply = reply;
    const response: ClientResponse = { type: clientResponseType, txnId: txn.txnId, sequence: txn.lastSequence, reply };
    this.env.network.send(txn.client, response);
  }

  private send(to: NodeId, request: ClientRequest, reply: ClientReply): void {
    const response: ClientResponse = { type: clientResponseType, txnId: request.txnId, sequence: request.sequence, reply };
    this.env.network.send(to, response);
  }
}

function isOperation(call: ClientCall): call is Extract<ClientCall, { key: string }> {
  return call.kind === 'read' || call.kind === 'write' || call.kind === 'append';
}

function outcomeReply(outcome: TxnOutcome, reason: string): ClientReply {
  return outcome === 'committed' ? { status: 'committed' } : { status: 'aborted', reason };
}

function phaseReply(txn: CoordinatedTxn): ClientReply {
  if (txn.phase === 'committed' || txn.phase === 'aborted') return outcomeReply(txn.phase, txn.reason);
  return txn.phase === 'committing' ? { status: 'in-progress' } : { status: 'aborted', reason: 'the transaction is still open' };
}

/** Why an operation's answer ends the transaction, or undefined when the lock was granted. */
function operationProblem(outcome: ShardCallOutcome, shard: ShardId, key: string): string | undefined {
  if (!outcome.ok) return `reading or writing ${key}: ${outcome.reason}`;
  const reply = outcome.reply;
  if (reply.status === 'wait-die' || reply.status === 'lock-timeout') return reply.reason;
  if (reply.status !== 'applied') return `${shard} answered ${reply.status}`;
  const result = reply.result;
  if (result.status === 'granted') return undefined;
  if (result.status === 'finished') return `${shard} already ended the transaction: ${result.reason}`;
  if (result.status === 'forbidden') return `refused: ${result.refusal.text}`;
  return `${shard} answered ${result.status} for ${key}`;
}

type Vote = { kind: 'prepared' } | { kind: 'read-only' } | { kind: 'no'; reason: string };

function voteOf(outcome: ShardCallOutcome, shard: ShardId, deadlineMs: number): Vote {
  if (!outcome.ok) return { kind: 'no', reason: `${shard} did not vote within ${deadlineMs} ms (${outcome.reason})` };
  const reply = outcome.reply;
  if (reply.status !== 'applied') return { kind: 'no', reason: `${shard} answered ${reply.status}` };
  const result = reply.result;
  if (result.status === 'prepared') return { kind: 'prepared' };
  if (result.status === 'read-only') return { kind: 'read-only' };
  if (result.status === 'refused') return { kind: 'no', reason: `${shard} voted no: ${result.reason}` };
  return { kind: 'no', reason: `${shard} answered ${result.status}` };
}
