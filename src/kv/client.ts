import type { Principal } from '../auth/types';
import type { LocalClock, Message, NodeEnv, NodeId, TimerId } from '../runtime/ports';
import { type Shard, type ShardId, type ShardMap, shardForKey } from '../sharding/shard-map';
import { plainInput } from '../util/wire-copy';
import { ClientOperation, type Operation } from './client-operation';
import type { CompletionOutcome, HistoryRecorder, ProcessId } from './history';
import { assertValidOperation, isCompareFailure, isReadOnly, type KvOperation, type KvResult } from './operation';
import { isKvResponse, type KvRequest, type KvResponse, kvRequestType } from './protocol';

/**
 * The key-value client library: routing by shard map, retries, exactly-once sequencing
 * and history recording.
 *
 * Like a Jepsen process, a client has one operation outstanding; later calls queue.
 * Every attempt of an operation carries the same (session, sequence), so however many
 * copies reach servers the state machine applies it once. An operation ends:
 * - `ok` when a server answers ok (a cas whose compare failed ends `fail`: it ran and
 *   changed nothing, which is known for certain);
 * - `fail` when the deadline passes before any request was sent;
 * - `unknown` when the deadline passes after a request was sent (it may still apply),
 *   or when the server reports the session gone or the request stale.
 *
 * Routing: send to the last node that answered or was named as leader for the shard,
 * else the shard's preferred leader. `not-leader` follows the hint at once (a bounded
 * number of times, then backs off); without a hint, and on a timeout, the next replica
 * is tried after a back-off. `wrong-epoch` and `wrong-shard` refresh the map from the
 * `ShardMapSource` and retry at once if it is newer, else back off until it catches up.
 * Back-off is exponential with jitter from the node's random stream, and never outlasts
 * the operation deadline.
 */

/** The ports a client needs: a subset of a node's environment. */
export type KvClientEnv = Pick<NodeEnv, 'id' | 'clock' | 'timers' | 'network' | 'random' | 'trace'>;

/** Where the client gets the current shard map (for example the cluster's metadata). */
export type ShardMapSource = () => ShardMap;

export interface KvClientOptions {
  /** Unique among clients and client incarnations (sessions are not persisted, so a
   *  restarted client needs a new id). Also the first session id; no `#` in it. */
  readonly clientId: string;
  readonly shardMapSource: ShardMapSource;
  readonly history?: HistoryRecorder;
  /** The history's `process`; defaults to `clientId`. */
  readonly process?: ProcessId;
  /** Clock for history times; defaults to the node's clock. Pass the simulation's
   *  global clock to make times of clients with skewed clocks comparable. */
  readonly historyClock?: LocalClock;
  readonly requestTimeoutMs?: number;
  readonly operationDeadlineMs?: number;
  readonly backoffInitialMs?: number;
  readonly backoffMaxMs?: number;
  /** `not-leader` hints followed at once before the client backs off (stops ping-pong). */
  readonly redirectsMax?: number;
  readonly queuedOperationsMax?: number;
  /** The user this client acts as, when authentication is on (src/auth/credentials.ts). */
  readonly principal?: Principal;
}

export const kvClientDefaults = {
  requestTimeoutMs: 200,
  operationDeadlineMs: 5_000,
  backoffInitialMs: 10,
  backoffMaxMs: 400,
  redirectsMax: 3,
  queuedOperationsMax: 10_000,
} as const;

type Settings = Required<Omit<KvClientOptions, 'history' | 'process' | 'historyClock' | 'principal'>>;

/** The operation in flight and its retry state. */
interface ShardSession {
  generation: number;
  /** `sessionIdOf` for this generation, kept so that it is not rebuilt per operation. */
  id: string;
  /** The last sequence used in this session. */
  sequence: number;
  /** True once the state machine is known to hold the session (an ok arrived for it). */
  confirmed: boolean;
}

/** Session slot of operations on keys that no shard owns yet (an empty map). */
const noShard = '(no shard)';

interface ActiveOperation {
  readonly operation: ClientOperation;
  readonly sequence: number;
  /** The shard whose session the sequence belongs to, and that session's id. */
  readonly sessionShard: ShardId;
  readonly sessionId: string;
  readonly deadlineAtMs: number;
  /**
   * Set only while the operation waits with no retry timer to wake it before the deadline
   * (a back-off that would outlast it). Otherwise the retry timer, which never fires later
   * than the deadline, ends the operation when it fires at the deadline: one timer per
   * attempt instead of two per operation.
   */
  deadlineTimer: TimerId | undefined;
  /** True once any request left the client: from then on the outcome can no longer be `fail`. */
  sent: boolean;
  shardId: ShardId | undefined;
  /** The latest attempt; rejections of older attempts are ignored. */
  requestId: number | undefined;
  /** The first request sent for this operation; answers to older requests are not its own. */
  firstRequestId: number | undefined;
  /**
   * Where each request of this operation went, by request id from the first (the operation's
   * requests have consecutive ids). An answer counts only from the node its request went to, as
   * on a connection: any other process could otherwise answer in a server's place.
   */
  readonly targets: NodeId[];
  /** Request time-out or back-off wait; at most one at a time. */
  retryTimer: TimerId | undefined;
  /** Failed attempts so far, the back-off exponent. */
  failures: number;
  /** Immediate retries since the last back-off. */
  redirects: number;
}

export class KvClient {
  readonly clientId: string;
  private readonly settings: Settings;
  private shardMap: ShardMap;
  /** Per shard, the node to try next: the last known leader or the next replica in turn. */
  private readonly routes = new Map<ShardId, NodeId>();
  private readonly queue: ClientOperation[] = [];
  private active: ActiveOperation | undefined;
  /**
   * One session per shard: each shard's state machine keeps its own sessions, so a
   * client's sequence numbers must be contiguous per shard, not across shards.
   */
  private readonly sessions = new Map<ShardId, ShardSession>();
  private lastSessionShard: ShardId | undefined;
  private requestCounter = 0;
  /** The user every request carries from now on (undefined: none, as without authentication). */
  private principal: Principal | undefined;

  constructor(
    private readonly env: KvClientEnv,
    private readonly options: KvClientOptions,
  ) {
    // `#` separates the session generation in session ids, so it would make ids collide.
    if (options.clientId === '' || /[#@]/.test(options.clientId)) throw new Error(`bad clientId ${JSON.stringify(options.clientId)}`);
    this.clientId = options.clientId;
    this.settings = { ...kvClientDefaults, ...withoutUndefined(options) } as Settings;
    if (!(this.settings.requestTimeoutMs > 0 && this.settings.operationDeadlineMs > 0)) throw new RangeError('timeouts must be positive');
    this.shardMap = options.shardMapSource();
    this.principal = options.principal === undefined ? undefined : plainInput(options.principal, 'the principal');
  }

  /** Acts as this user from the next request on (an authenticated client session). */
  signIn(principal: Principal | undefined): void {
    // A copy: requests carry it as this client's own plain data (src/util/wire-copy.ts).
    this.principal = principal === undefined ? undefined : plainInput(principal, 'the principal');
  }

  /** The session id of the shard used last (see `sessionIdOf`); `clientId` before any operation. */
  get sessionId(): string {
    return this.lastSessionShard === undefined ? this.clientId : this.sessionIdOf(this.lastSessionShard);
  }

  private session(shardId: ShardId): ShardSession {
    let session = this.sessions.get(shardId);
    if (session === undefined) {
      session = { generation: 0, sequence: 0, confirmed: false, id: sessionIdFor(this.clientId, shardId, 0) };
      this.sessions.set(shardId, session);
    }
    return session;
  }

  /**
   * `clientId@shard`, then `clientId@shard#n` after n session restarts there. The shard is
   * part of the id so that (session, sequence) names one operation even across shards: a
   * request that lands on another shard finds no such session instead of a false duplicate.
   */
  private sessionIdOf(shardId: ShardId): string {
    return this.session(shardId).id;
  }

  /** The epoch of the shard map this client routes by (refreshed when a server says it is stale). */
  get shardMapEpoch(): number {
    return this.shardMap.epoch;
  }

  /** Operations waiting behind the active one. */
  get queuedCount(): number {
    return this.queue.length;
  }

  get busy(): boolean {
    return this.active !== undefined;
  }

  get(key: string, callback?: (operation: Operation) => void): Operation {
    return this.enqueue({ kind: 'get', key }, callback);
  }

  put(key: string, value: string, callback?: (operation: Operation) => void): Operation {
    return this.enqueue({ kind: 'put', key, value }, callback);
  }

  delete(key: string, callback?: (operation: Operation) => void): Operation {
    return this.enqueue({ kind: 'delete', key }, callback);
  }

  cas(key: string, expected: string | null, value: string, callback?: (operation: Operation) => void): Operation {
    return this.enqueue({ kind: 'cas', key, expected, value }, callback);
  }

  append(key: string, value: string, callback?: (operation: Operation) => void): Operation {
    return this.enqueue({ kind: 'append', key, value }, callback);
  }

  /**
   * Queues `operation`; it starts when the operations before it are done. The client sends a
   * copy made of plain data (one with a getter is refused, naming it), so nothing the caller
   * does to its object later changes what is sent.
   */
  submit(operation: KvOperation, callback?: (operation: Operation) => void): Operation {
    return this.enqueue(plainInput(operation, 'the operation'), callback);
  }

  /** `submit` of an operation this client built itself (plain data already). */
  private enqueue(operation: KvOperation, callback?: (operation: Operation) => void): Operation {
    assertValidOperation(operation);
    this.options.history?.assertRecordable(operation);
    if (this.queue.length >= this.settings.queuedOperationsMax) {
      throw new Error(`client ${this.clientId} already has ${this.queue.length} operations queued`);
    }
    const handle = new ClientOperation(operation);
    if (callback !== undefined) handle.onComplete(callback);
    this.queue.push(handle);
    if (this.active === undefined) this.startNext();
    return handle;
  }

  onMessage(from: NodeId, message: Message): void {
    const active = this.active;
    // Nothing of a message from a node this operation never asked is read (see `targets`).
    if (active === undefined) return;
    if (!active.targets.includes(from)) return this.ignoreStranger();
    if (!isKvResponse(message)) return;
    // Answers to earlier operations or sessions arrive late or duplicated; they are moot.
    if (message.clientId !== active.sessionId || message.sequence !== active.sequence) return;
    // Only answers to requests sent for this operation count (request ids only grow), each from
    // the node its request went to.
    if (active.firstRequestId === undefined || message.requestId < active.firstRequestId) return;
    if (active.targets[message.requestId - active.firstRequestId] !== from) return this.ignoreStranger();
    if (message.status === 'ok') return this.onApplied(active, from, message.result);
    if (message.requestId !== active.requestId) return;
    this.cancelRetryTimer(active);
    this.onRejected(active, from, message);
  }

  /** A message from a node the active operation had not asked, or not with that request: ignored. */
  private ignoreStranger(): void {
    this.answersNotAsked++;
  }

  /**
   * Messages ignored because the active operation had not asked their sender (or not with the
   * request they answer): forgeries, and late answers of earlier operations from other nodes.
   */
  answersNotAsked = 0;

  private startNext(): void {
    const operation = this.queue.shift();
    if (operation === undefined) return;
    // The session belongs to the shard the key maps to now; if the map later moves the key,
    // the new shard answers session-expired and the client starts a session there.
    const sessionShard = this.shardFor(operation.operation.key)?.id ?? noShard;
    // Reads go through ReadIndex without a log entry, so they never create the session on
    // the server. A first write after reads would then arrive at a sequence above 1 and be
    // taken for an evicted session: open the session afresh so that the write is sequence 1.
    const readsOnlySoFar = this.session(sessionShard).sequence > 0 && !this.session(sessionShard).confirmed;
    if (readsOnlySoFar && !isReadOnly(operation.operation)) this.startNewSession(sessionShard);
    const sequence = ++this.session(sessionShard).sequence;
    const sessionId = this.sessionIdOf(sessionShard);
    this.lastSessionShard = sessionShard;
    const nowMs = this.env.clock.nowMs();
    operation.start(sessionId, sequence, this.historyTimeMs());
    this.options.history?.invoke(this.process, operation.operation, this.historyTimeMs());
    this.active = {
      operation,
      sequence,
      sessionShard,
      sessionId,
      deadlineAtMs: nowMs + this.settings.operationDeadlineMs,
      deadlineTimer: undefined,
      sent: false,
      shardId: undefined,
      requestId: undefined,
      firstRequestId: undefined,
      targets: [],
      retryTimer: undefined,
      failures: 0,
      redirects: 0,
    };
    this.attempt(this.active);
  }

  /** Sends the active operation to the node its shard's route names. */
  private attempt(active: ActiveOperation): void {
    active.retryTimer = undefined;
    const shard = this.shardFor(active.operation.operation.key);
    if (shard === undefined) return this.backOff(active, 'no shard owns the key');
    const target = this.routes.get(shard.id) ?? shard.preferredLeader;
    // Built whole, without a spread for the optional principal (a copy per request).
    const request: KvRequest = this.principal
      ? { type: kvRequestType, requestId: ++this.requestCounter, clientId: active.sessionId, sequence: active.sequence, shardId: shard.id, epoch: this.shardMap.epoch, operation: active.operation.operation, principal: this.principal }
      : { type: kvRequestType, requestId: ++this.requestCounter, clientId: active.sessionId, sequence: active.sequence, shardId: shard.id, epoch: this.shardMap.epoch, operation: active.operation.operation };
    active.shardId = shard.id;
    active.requestId = request.requestId;
    active.firstRequestId ??= request.requestId;
    active.targets.push(target);
    active.sent = true;
    active.operation.attempts++;
    this.env.network.send(target, request);
    const timeoutMs = Math.min(this.settings.requestTimeoutMs, Math.max(0, active.deadlineAtMs - this.env.clock.nowMs()));
    const timeout = (): void => {
      const current = this.activeFor(active.operation);
      if (this.env.clock.nowMs() >= current.deadlineAtMs) this.onDeadline(active.operation);
      else this.onRequestTimeout(current, target);
    };
    active.retryTimer = this.env.timers.setTimer(timeoutMs, timeout, 'kv.client.request-timeout');
  }

  private onApplied(active: ActiveOperation, from: NodeId, result: KvResult): void {
    // Only an operation that went through the log created (or continued) the session on the server.
    if (!isReadOnly(active.operation.operation)) this.session(active.sessionShard).confirmed = true;
    if (active.shardId !== undefined) this.routes.set(active.shardId, from);
    if (isCompareFailure(result)) return this.finish('fail', result, 'the compare failed');
    this.finish('ok', result, undefined);
  }

  private onRejected(active: ActiveOperation, from: NodeId, response: KvResponse): void {
    switch (response.status) {
      case 'not-leader':
        if (response.leaderHint !== null && response.leaderHint !== from) return this.redirect(active, response.leaderHint);
        this.routeToNextReplica(active, from);
        return this.backOff(active, `${from} is not the leader and knows no leader`);
      case 'wrong-epoch':
        return this.retryWithNewerMap(active, response.currentEpoch, `shard map epoch ${this.shardMap.epoch} is stale`);
      case 'wrong-shard':
        if (active.shardId !== undefined) this.routes.delete(active.shardId);
        return this.retryWithNewerMap(active, this.shardMap.epoch + 1, `${from} does not serve the shard`);
      case 'unavailable':
        return this.backOff(active, `${from} is unavailable: ${response.reason}`);
      case 'stale-request':
        // Another incarnation used this session id; continuing it could collide again.
        return this.finish('unknown', undefined, 'the server has seen a later sequence from this session', true);
      case 'session-expired':
        return this.finish('unknown', undefined, 'the session expired on the server', true);
      case 'forbidden':
        // Refused where it was judged: nothing changed. A new session, because the refused
        // sequence was not recorded in this one.
        return this.finish('fail', undefined, response.reason, true);
      default:
        throw new Error(`unexpected kv.response status ${(response as { status: string }).status}`);
    }
  }

  private redirect(active: ActiveOperation, leader: NodeId): void {
    this.routes.set(active.shardId!, leader);
    if (active.redirects >= this.settings.redirectsMax) return this.backOff(active, `redirected ${active.redirects} times`);
    active.redirects++;
    active.operation.redirects++;
    this.trace('kv.client.redirect', { to: leader });
    this.attempt(active);
  }

  private retryWithNewerMap(active: ActiveOperation, epochNeeded: number, reason: string): void {
    this.refreshShardMap();
    if (this.shardMap.epoch < epochNeeded || active.redirects >= this.settings.redirectsMax) return this.backOff(active, reason);
    active.redirects++;
    this.trace('kv.client.map-refreshed', { epoch: this.shardMap.epoch });
    this.attempt(active);
  }

  private onRequestTimeout(active: ActiveOperation, target: NodeId): void {
    active.retryTimer = undefined;
    // Silence can mean the shard moved off nodes that are now down; only a newer map helps then.
    this.refreshShardMap();
    this.routeToNextReplica(active, target);
    this.backOff(active, `no answer from ${target} within ${this.settings.requestTimeoutMs} ms`);
  }

  /** Waits an exponentially growing, jittered delay, then attempts again, unless the
   *  deadline comes first (its timer then ends the operation). */
  private backOff(active: ActiveOperation, reason: string): void {
    active.failures++;
    active.redirects = 0;
    const ceilingMs = Math.min(this.settings.backoffMaxMs, this.settings.backoffInitialMs * 2 ** (active.failures - 1));
    // "Equal jitter": half fixed so waits never collapse to zero, half random so clients desynchronise.
    const delayMs = ceilingMs / 2 + this.env.random.next() * (ceilingMs / 2);
    if (this.env.clock.nowMs() + delayMs >= active.deadlineAtMs) return this.armDeadline(active);
    this.trace('kv.client.retry', { reason, delayMs, failures: active.failures });
    active.retryTimer = this.env.timers.setTimer(delayMs, () => this.attempt(this.activeFor(active.operation)), 'kv.client.backoff');
  }

  /** Ends the operation at its deadline when no retry timer will run before then. */
  private armDeadline(active: ActiveOperation): void {
    if (active.deadlineTimer !== undefined) return;
    const operation = active.operation;
    const remainingMs = Math.max(0, active.deadlineAtMs - this.env.clock.nowMs());
    active.deadlineTimer = this.env.timers.setTimer(remainingMs, () => this.onDeadline(operation), 'kv.client.deadline');
  }

  private onDeadline(operation: ClientOperation): void {
    const active = this.activeFor(operation);
    const limit = `no answer within the ${this.settings.operationDeadlineMs} ms deadline`;
    if (active.sent) this.finish('unknown', undefined, limit);
    else this.finish('fail', undefined, `${limit}, and no request was sent`);
  }

  /** Ends the active operation. `sessionLost`: the session cannot be continued. */
  private finish(outcome: CompletionOutcome, result: KvResult | undefined, reason: string | undefined, sessionLost = false): void {
    const active = this.active!;
    this.cancelRetryTimer(active);
    if (active.deadlineTimer !== undefined) this.env.timers.cancelTimer(active.deadlineTimer);
    this.trace('kv.client.complete', reason === undefined ? { outcome } : { outcome, reason });
    this.active = undefined;
    this.options.history?.complete(this.process, outcome, result, this.historyTimeMs());
    // A sequence that never left the client is free for the next operation; skipping it
    // would make an unconfirmed session look evicted to the server.
    const session = this.session(active.sessionShard);
    if (!active.sent) session.sequence = active.sequence - 1;
    // A session the server may never have created cannot go on at a higher sequence:
    // the server would take it for an evicted one. Start afresh instead.
    if (sessionLost || (outcome === 'unknown' && !session.confirmed)) this.startNewSession(active.sessionShard);
    active.operation.finish(outcome, result, reason, this.historyTimeMs());
    if (this.active === undefined) this.startNext();
  }

  private startNewSession(shardId: ShardId): void {
    const session = this.session(shardId);
    session.generation++;
    session.id = sessionIdFor(this.clientId, shardId, session.generation);
    session.sequence = 0;
    session.confirmed = false;
    this.trace('kv.client.new-session', { shard: shardId, session: this.sessionIdOf(shardId) });
  }

  private shardFor(key: string): Shard | undefined {
    if (this.shardMap.shards.length === 0) this.refreshShardMap();
    return shardForKey(this.shardMap, key);
  }

  /** Adopts the source's map when it is newer than the cached one. */
  private refreshShardMap(): void {
    const latest = this.options.shardMapSource();
    if (latest.epoch > this.shardMap.epoch) this.shardMap = latest;
  }

  private routeToNextReplica(active: ActiveOperation, failed: NodeId): void {
    if (active.shardId === undefined) return;
    const shard = shardForKey(this.shardMap, active.operation.operation.key);
    if (shard === undefined || shard.id !== active.shardId) return;
    const index = shard.replicas.indexOf(failed);
    this.routes.set(shard.id, shard.replicas[(index + 1) % shard.replicas.length]);
  }

  /** The active state of `operation`. Its timers are cancelled when it ends, so a timer
   *  firing for any other operation is a bug. */
  private activeFor(operation: ClientOperation): ActiveOperation {
    const active = this.active;
    if (active === undefined || active.operation !== operation) throw new Error('a timer fired for an operation that is not active');
    return active;
  }

  private cancelRetryTimer(active: ActiveOperation): void {
    if (active.retryTimer !== undefined) this.env.timers.cancelTimer(active.retryTimer);
    active.retryTimer = undefined;
  }

  private get process(): ProcessId {
    return this.options.process ?? this.clientId;
  }

  private historyTimeMs(): number {
    return (this.options.historyClock ?? this.env.clock).nowMs();
  }

  private trace(kind: string, detail: Record<string, unknown>): void {
    const active = this.active;
    const event: Record<string, unknown> = { client: this.sessionId };
    if (active) event.sequence = active.sequence;
    for (const key in detail) event[key] = detail[key];
    this.env.trace(kind, event);
  }
}

function sessionIdFor(clientId: string, shardId: ShardId, generation: number): string {
  const session = `${clientId}@${shardId}`;
  return generation === 0 ? session : `${session}#${generation}`;
}

function withoutUndefined<T extends object>(options: T): Partial<T> {
  return Object.fromEntries(Object.entries(options).filter(([, value]) => value !== undefined)) as Partial<T>;
}

export type { Operation } from './client-operation';
