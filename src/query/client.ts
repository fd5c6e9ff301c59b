import type { Principal } from '../auth/types';
import type { Message, NodeEnv, NodeId, TimerId } from '../runtime/ports';
import { findShard, type ShardId, type ShardMap } from '../sharding/shard-map';
import { rangesFromSlots, type SlotRange } from '../sharding/slots';
import { isShardResponse } from '../txn/protocol';
import type { TxnTuning } from '../txn/settings';
import { ShardCaller, type ShardCallOutcome } from '../txn/shard-caller';
import { scanLockKey, type TxnCommand, type TxnPriority } from '../txn/types';
import { plainInput } from '../util/wire-copy';
import { QueryError } from './errors';
import type { QueryAnalysis, ShardAnalysis } from './explain';
import { asQueryError } from './index';
import { mergeShardResults } from './merge';
import type { DistributedPlan } from './planner';
import { type FragmentReply, type FragmentRequest, fragmentRequestType, isFragmentResponse } from './protocol';
import type { Value } from './values';

/**
 * The coordinator of distributed queries, on a client node of its own. For each attempt:
 *
 * 1. at every shard the plan targets, in parallel, take a scan lock on each table read,
 *    through the shard's Raft log (a read-only transaction under strict two-phase locking,
 *    with wait-die against writers: src/txn/);
 * 2. once a shard's locks are granted, send it the fragment; its leader answers after a
 *    ReadIndex round, for the planned shard map epoch only, while the locks are held;
 * 3. when every shard has answered, release the locks and merge.
 *
 * All reads happen while all locks are held, so the query sees each cross-shard
 * transaction entirely or not at all, and never an uncommitted value. A lock conflict
 * with an older transaction (wait-die), a stale epoch or lost locks start a new attempt
 * (same age, so it cannot starve; the plan is redone on the new map). A shard that has
 * not answered by the deadline fails the query with an error naming it: never a partial
 * result.
 */

/**
 * A query's first attempts take scan locks that never wait for a running writer: the
 * attempt dies on any conflict, and writers wait for it instead of aborting
 * (src/txn/participant-server.ts). Later attempts wait for writers under wait-die with the
 * query's first age, so a query cannot starve behind a stream of writers.
 */
export const NO_WAIT_ATTEMPTS = 6;

const RETRY_REASONS_MAX = 20;

export interface QueryClientSettings {
  readonly clientId: string;
  readonly shardMap: () => ShardMap;
  readonly tuning: Readonly<TxnTuning>;
  /** A query fails when it is not done within this long. */
  readonly timeoutMs: number;
  /** One fragment request waits this long before the next replica is tried. */
  readonly fragmentAttemptTimeoutMs: number;
}

export interface QueryCall {
  readonly plan: DistributedPlan;
  /** Plans the query again on a newer shard map. */
  readonly replan: (map: ShardMap) => DistributedPlan;
  readonly timeoutMs?: number;
  /** The user the query runs as: each shard checks its scan locks against its role table. */
  readonly principal?: Principal;
}

export class QueryExecution {
  outcome: 'pending' | 'ok' | 'failed' = 'pending';
  rows: Value[][] = [];
  error: QueryError | undefined;
  analysis: QueryAnalysis | undefined;
  attempts = 0;
  /** Why earlier attempts were abandoned, oldest first (at most RETRY_REASONS_MAX kept). */
  readonly retryReasons: string[] = [];

  constructor(public plan: DistributedPlan) {}

  get done(): boolean {
    return this.outcome !== 'pending';
  }
}

interface ShardTask {
  readonly shardId: ShardId;
  /** Per table of the fragment, the slots read (and scan-locked) at this shard. */
  readonly tableSlots: readonly (readonly SlotRange[])[];
  readonly startedAtMs: number;
  phase: 'locking' | 'reading' | 'done';
  tablesLocked: number;
  touched: boolean;
  node: NodeId | undefined;
  requestId: string | undefined;
  timer: TimerId | undefined;
  problem: string;
  result: ShardAnalysis | undefined;
  rows: Value[][];
}

interface Attempt {
  readonly txnId: string;
  /** Its scan locks wait for running writers (wait-die) instead of dying at once (see NO_WAIT_ATTEMPTS). */
  readonly locksWait: boolean;
  readonly plan: DistributedPlan;
  readonly tasks: Map<ShardId, ShardTask>;
  live: boolean;
}

interface Running {
  /** The client's counter for this query (its attempts are `<client>.q<number>.a<k>`). */
  readonly number: number;
  readonly execution: QueryExecution;
  readonly call: QueryCall;
  readonly priority: TxnPriority;
  readonly startedAtMs: number;
  readonly deadlineAtMs: number;
  readonly timeoutMs: number;
  readonly deadlineTimer: TimerId;
  attempt: Attempt | undefined;
  lastProblem: string;
}

export class QueryClient {
  private readonly caller: ShardCaller;
  private readonly fragmentCalls = new Map<string, { running: Running; attempt: Attempt; task: ShardTask; node: NodeId }>();
  private counter = 0;
  private requestCounter = 0;
  /** Numbers of the queries not yet finished: the mark below the lowest lets shards forget attempts (settledQueries). */
  private readonly unfinished = new Set<number>();

  constructor(
    private readonly env: Pick<NodeEnv, 'id' | 'clock' | 'timers' | 'network' | 'random' | 'trace'>,
    private readonly settings: QueryClientSettings,
  ) {
    // Every node the client sends to, its lock calls included, is remembered (see onMessage).
    const network = { send: (to: NodeId, message: Message): void => { this.askedNodes.add(to); env.network.send(to, message); } };
    this.caller = new ShardCaller({ ...env, network }, settings.shardMap, settings.tuning);
  }

  /** Every node this client ever sent a request to: the only ones whose messages it reads. */
  private readonly askedNodes = new Set<NodeId>();

  onMessage(from: NodeId, message: Message): void {
    // Nothing of a message from a node this client never asked is read, as on a connection.
    if (!this.askedNodes.has(from)) {
      // Counted only while a query waits for answers: the count tells that forgeries reached a busy client.
      if (this.unfinished.size > 0) this.ignoreAnswerNotAsked();
      return;
    }
    if (isShardResponse(message)) this.caller.onResponse(from, message);
    else if (isFragmentResponse(message)) this.onFragmentReply(from, message.requestId, message.reply);
  }

  /** Fragment answers ignored, while a query ran, because their sender was never asked, or not asked that fragment. */
  private fragmentAnswersNotAsked = 0;

  private ignoreAnswerNotAsked(): void {
    this.fragmentAnswersNotAsked++;
  }

  /**
   * Messages ignored because this client never asked their sender, or not with the request
   * they answer (a fragment's or a lock call's): forgeries, counted for the report.
   */
  get answersNotAsked(): number {
    return this.fragmentAnswersNotAsked + this.caller.answersNotAsked;
  }

  run(call: QueryCall): QueryExecution {
    // The principal goes into every shard's lock requests as it is: plain data, copied.
    if (call.principal !== undefined) call = { ...call, principal: plainInput(call.principal, 'the query\'s principal') };
    const execution = new QueryExecution(plainPlan(call.plan));
    const nowMs = this.env.clock.nowMs();
    const timeoutMs = call.timeoutMs ?? this.settings.timeoutMs;
    const number = ++this.counter;
    const id = `${this.settings.clientId}.q${number}`;
    this.unfinished.add(number);
    const running: Running = {
      number,
      execution,
      call,
      priority: { startedAtMs: nowMs, txnId: id },
      startedAtMs: nowMs,
      deadlineAtMs: nowMs + timeoutMs,
      timeoutMs,
      deadlineTimer: this.env.timers.setTimer(timeoutMs, () => this.onDeadline(running)),
      attempt: undefined,
      lastProblem: 'nothing tried yet',
    };
    this.startAttempt(running);
    return execution;
  }

  // ---- attempts -----------------------------------------------------------------------------

  private startAttempt(running: Running): void {
    if (running.execution.done) return;
    const execution = running.execution;
    const map = this.settings.shardMap();
    if (map.epoch !== execution.plan.epoch) {
      try {
        execution.plan = plainPlan(running.call.replan(map));
      } catch (error) {
        return this.fail(running, asQueryError(error));
      }
    }
    execution.attempts++;
    const attempt: Attempt = { txnId: `${running.priority.txnId}.a${execution.attempts}`, locksWait: execution.attempts > NO_WAIT_ATTEMPTS, plan: execution.plan, tasks: new Map(), live: true };
    running.attempt = attempt;
    const nowMs = this.env.clock.nowMs();
    for (const shardId of attempt.plan.targets.shards) {
      const tableSlots = slotsRead(attempt.plan, map, shardId);
      if (tableSlots === undefined) return this.retry(running, attempt, `${shardId} is not in shard map epoch ${map.epoch}`);
      const task: ShardTask = { shardId, tableSlots, startedAtMs: nowMs, phase: 'locking', tablesLocked: 0, touched: false, node: undefined, requestId: undefined, timer: undefined, problem: 'waiting for its scan lock', result: undefined, rows: [] };
      attempt.tasks.set(shardId, task);
    }
    for (const task of attempt.tasks.values()) this.lockNext(running, attempt, task);
  }

  /** Abandons the attempt (its locks are released) and starts another after a back-off. */
  private retry(running: Running, attempt: Attempt, problem: string): void {
    if (!attempt.live || running.execution.done) return;
    this.endAttempt(attempt, 'aborted');
    running.lastProblem = problem;
    if (running.execution.retryReasons.length < RETRY_REASONS_MAX) running.execution.retryReasons.push(problem);
    this.env.trace('query.retry', { client: this.settings.clientId, attempt: attempt.txnId, problem });
    const ceilingMs = Math.min(this.settings.tuning.backoffMaxMs, this.settings.tuning.backoffInitialMs * 2 ** Math.min(running.execution.attempts, 6));
    const delayMs = ceilingMs / 2 + this.env.random.next() * (ceilingMs / 2);
    this.env.timers.setTimer(delayMs, () => this.startAttempt(running));
  }

  /**
   * The mark every attempt's command carries (participant-state.ts, query horizon): every
   * query of this client numbered up to it has finished, so none of its attempts will ask a
   * shard for a lock again.
   */
  private settledQueries(): number {
    let mark = this.counter;
    for (const number of this.unfinished) mark = Math.min(mark, number - 1);
    return mark;
  }

  /** The query is over (answered or failed): from now on its attempts may be forgotten. */
  private finished(running: Running): void {
    this.unfinished.delete(running.number);
  }

  private endAttempt(attempt: Attempt, outcome: 'committed' | 'aborted'): void {
    attempt.live = false;
    for (const task of attempt.tasks.values()) {
      if (task.timer !== undefined) this.env.timers.cancelTimer(task.timer);
      if (task.requestId !== undefined) this.fragmentCalls.delete(task.requestId);
      if (!task.touched) continue;
      // Releasing is idempotent and safe to lose: recovery presumes an abandoned query aborted.
      const release: TxnCommand = { kind: 'resolve', txnId: attempt.txnId, outcome, reason: outcome === 'committed' ? 'read-only query finished' : 'query attempt abandoned', settled: this.settledQueries() };
      this.caller.call(task.shardId, release, { deadlineMs: this.settings.tuning.resolveDeadlineMs, attemptTimeoutMs: this.settings.tuning.shardAttemptTimeoutMs }, () => undefined);
    }
  }

  // ---- per shard: lock, then read -------------------------------------------------------------

  private lockNext(running: Running, attempt: Attempt, task: ShardTask): void {
    const table = attempt.plan.fragment.tables[task.tablesLocked];
    const command: TxnCommand = {
      kind: 'acquire',
      txnId: attempt.txnId,
      priority: running.priority,
      anchorKey: `query/${attempt.txnId}`,
      coordinator: this.env.id,
      opIndex: task.tablesLocked + 1,
      key: scanLockKey(table.prefix, task.tableSlots[task.tablesLocked], attempt.locksWait),
      access: { kind: 'scan' },
      ...(running.call.principal === undefined ? {} : { principal: running.call.principal }),
      settled: this.settledQueries(),
    };
    task.touched = true;
    const remainingMs = Math.max(1, running.deadlineAtMs - this.env.clock.nowMs());
    const options = { deadlineMs: remainingMs, attemptTimeoutMs: this.settings.tuning.shardAttemptTimeoutMs, waitMaxMs: this.settings.tuning.lockWaitMaxMs };
    this.caller.call(task.shardId, command, options, (outcome) => this.onLocked(running, attempt, task, outcome));
  }

  private onLocked(running: Running, attempt: Attempt, task: ShardTask, outcome: ShardCallOutcome): void {
    if (!attempt.live) return;
    if (!outcome.ok) {
      task.problem = outcome.reason;
      return; // the query's deadline names the shard
    }
    const reply = outcome.reply;
    if (reply.status === 'wait-die' || reply.status === 'lock-timeout') return this.retry(running, attempt, `${task.shardId}: ${reply.reason}`);
    if (reply.status !== 'applied') return this.retry(running, attempt, `${task.shardId} answered ${reply.status}`);
    const result = reply.result;
    if (reply.status === 'applied' && 'status' in result && result.status === 'forbidden') {
      this.finished(running);
      this.endAttempt(attempt, 'aborted');
      return this.fail(running, new QueryError('forbidden', `the query was refused by ${task.shardId}: ${result.refusal.text}`));
    }
    if (!('status' in result) || result.status !== 'granted') return this.retry(running, attempt, `${task.shardId}: scan lock not granted (${JSON.stringify(result)})`);
    task.tablesLocked++;
    if (task.tablesLocked < attempt.plan.fragment.tables.length) return this.lockNext(running, attempt, task);
    task.phase = 'reading';
    task.node = outcome.from;
    task.problem = 'waiting for its rows';
    this.sendFragment(running, attempt, task);
  }

  private sendFragment(running: Running, attempt: Attempt, task: ShardTask): void {
    if (!attempt.live) return;
    const node = task.node ?? findShard(this.settings.shardMap(), task.shardId)?.preferredLeader;
    if (node === undefined) return this.retry(running, attempt, `${task.shardId} is not in the shard map any more`);
    task.node = node;
    if (task.requestId !== undefined) this.fragmentCalls.delete(task.requestId);
    const requestId = `${this.env.id}/${++this.requestCounter}`;
    task.requestId = requestId;
    this.fragmentCalls.set(requestId, { running, attempt, task, node });
    this.askedNodes.add(node);
    const request: FragmentRequest = { type: fragmentRequestType, requestId, queryId: attempt.txnId, shardId: task.shardId, epoch: attempt.plan.epoch, fragment: attempt.plan.fragment, tableSlots: task.tableSlots, locksWait: attempt.locksWait };
    this.env.network.send(node, request);
    task.timer = this.env.timers.setTimer(this.settings.fragmentAttemptTimeoutMs, () => {
      task.timer = undefined;
      task.problem = `no answer from ${node} within ${this.settings.fragmentAttemptTimeoutMs} ms`;
      task.node = this.nextReplica(task.shardId, node);
      this.sendFragment(running, attempt, task);
    });
  }

  private onFragmentReply(from: NodeId, requestId: string, reply: FragmentReply): void {
    const pending = this.fragmentCalls.get(requestId);
    // Rows count only from the node the fragment went to, as on a connection.
    if (pending === undefined) return;
    if (pending.node !== from) return this.ignoreAnswerNotAsked();
    const { running, attempt, task } = pending;
    this.fragmentCalls.delete(requestId);
    task.requestId = undefined;
    if (task.timer !== undefined) this.env.timers.cancelTimer(task.timer);
    task.timer = undefined;
    if (!attempt.live) return;
    switch (reply.status) {
      case 'ok':
        return this.onRows(running, attempt, task, from, reply.rows, reply.rowsRead);
      case 'not-leader':
      case 'wrong-shard':
        task.problem = `${from} does not lead ${task.shardId}`;
        task.node = reply.status === 'not-leader' && reply.leaderHint !== null && reply.leaderHint !== from ? reply.leaderHint : this.nextReplica(task.shardId, from);
        task.timer = this.env.timers.setTimer(this.settings.tuning.backoffInitialMs, () => this.sendFragment(running, attempt, task));
        return;
      case 'moved':
        // The shard let go of some slots (or has not taken them yet): the attempt is dropped
        // whole, its locks released, and the next one is planned on the map of that moment.
        return this.retry(running, attempt, `${task.shardId} no longer serves slot${reply.slots.length > 1 ? 's' : ''} ${reply.slots.slice(0, 8).join(', ')}${reply.slots.length > 8 ? ', …' : ''} (planned with shard map epoch ${attempt.plan.epoch})`);
      case 'not-locked':
      case 'no-copy':
        return this.retry(running, attempt, reply.reason);
      case 'failed':
        this.finished(running);
        this.endAttempt(attempt, 'aborted');
        return this.fail(running, new QueryError('runtime', reply.reason));
    }
  }

  private onRows(running: Running, attempt: Attempt, task: ShardTask, from: NodeId, rows: Value[][], rowsRead: number): void {
    task.phase = 'done';
    task.rows = rows;
    task.result = { shard: task.shardId, node: from, rowsRead, rowsSent: rows.length, bytesSent: JSON.stringify(rows).length, latencyMs: this.env.clock.nowMs() - task.startedAtMs };
    if ([...attempt.tasks.values()].some((other) => other.phase !== 'done')) return;
    this.finished(running);
    this.endAttempt(attempt, 'committed');
    const execution = running.execution;
    try {
      execution.rows = mergeShardResults(attempt.plan, [...attempt.tasks.values()].map((done) => done.rows));
    } catch (error) {
      return this.fail(running, asQueryError(error));
    }
    execution.analysis = { shards: [...attempt.tasks.values()].map((done) => done.result!), totalMs: this.env.clock.nowMs() - running.startedAtMs, rowsReturned: execution.rows.length, attempts: execution.attempts };
    execution.outcome = 'ok';
    this.env.timers.cancelTimer(running.deadlineTimer);
  }

  private onDeadline(running: Running): void {
    if (running.execution.done) return;
    const attempt = running.attempt;
    const missing = attempt === undefined || !attempt.live ? [] : [...attempt.tasks.values()].filter((task) => task.phase !== 'done');
    this.finished(running);
    if (attempt !== undefined && attempt.live) this.endAttempt(attempt, 'aborted');
    const message =
      missing.length > 0
        ? `the query failed: ${missing.map((task) => `${task.shardId} did not answer within ${running.timeoutMs} ms (${task.problem})`).join('; ')}`
        : `the query failed: it could not complete within ${running.timeoutMs} ms (last problem: ${running.lastProblem})`;
    this.fail(running, new QueryError('unavailable', message));
  }

  private fail(running: Running, error: QueryError): void {
    this.finished(running);
    if (running.execution.done) return;
    running.execution.outcome = 'failed';
    running.execution.error = error;
    this.env.timers.cancelTimer(running.deadlineTimer);
  }

  private nextReplica(shardId: ShardId, failed: NodeId): NodeId {
    const shard = findShard(this.settings.shardMap(), shardId);
    if (shard === undefined) return failed;
    return shard.replicas[(shard.replicas.indexOf(failed) + 1) % shard.replicas.length];
  }
}

/** The plan with its fragment (what every shard is sent, as it is) copied as plain data. */
function plainPlan(plan: DistributedPlan): DistributedPlan {
  return { ...plan, fragment: plainInput(plan.fragment, "the query plan's fragment") };
}

/**
 * The slots each table of the fragment is read in at `shardId`: the slots a pruned plan
 * pins there, else every slot the shard owns in `map` (the map the plan was made on). A
 * reference table's copy may sit in any slot of the shard. Undefined when the map has no
 * such shard.
 */
function slotsRead(plan: DistributedPlan, map: ShardMap, shardId: ShardId): SlotRange[][] | undefined {
  const shard = findShard(map, shardId);
  if (shard === undefined) return undefined;
  const pinned = plan.targets.pinnedSlots?.[shardId];
  return plan.fragment.tables.map((table) => (table.kind === 'reference' || pinned === undefined ? [...shard.slots] : rangesFromSlots([...new Set(pinned)].sort((a, b) => a - b))));
}
