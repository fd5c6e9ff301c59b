import type { Principal } from '../auth/types';
import type { LocalClock, Message, NodeEnv, NodeId, TimerId } from '../runtime/ports';
import { plainInput } from '../util/wire-copy';
import { type ClientCall, type ClientReply, type ClientRequest, clientRequestType, isClientResponse } from './protocol';
import type { TxnId, TxnPriority } from './types';

/**
 * The client library of distributed transactions:
 *
 *     const txn = client.begin();
 *     txn.read('alice'); txn.write('alice', '70'); txn.write('bob', '80');
 *     txn.commit();              // txn.outcome: committed, aborted (txn.reason), or unknown
 *
 * Operations are handles, not Promises (promise callbacks would run outside virtual
 * time): poll `done`/`settled` or register callbacks, which run inside the simulation
 * event that completed them. Operations of one transaction run one at a time, in order.
 *
 * Outcomes. A transaction that never asked to commit cannot commit: if anything fails
 * before, it ends `aborted` with the reason (a read that waited too long for a lock, a
 * coordinator that did not answer...). After asking to commit it ends `committed` or
 * `aborted`, as the coordinator says. If the coordinator falls silent for
 * `coordinatorSilenceMs`, the outcome is `unknown` for as long as nobody can say: the
 * client keeps asking its coordinator and, after `failoverAfterMs`, every other node
 * too (any node can read the outcome from the transaction record), and the outcome turns
 * into `committed` or `aborted` as soon as one answers.
 */

export type TxnClientEnv = Pick<NodeEnv, 'id' | 'clock' | 'timers' | 'network' | 'random' | 'trace'>;

export interface TxnClientOptions {
  /** Unique among clients; transaction ids are `clientId.n`. */
  readonly clientId: string;
  /** Nodes that can coordinate (the database's server nodes). */
  readonly coordinators: () => readonly NodeId[];
  readonly history?: TxnHistory;
  /** Clock for history times (the simulation's global clock makes clients comparable). */
  readonly historyClock?: LocalClock;
  readonly requestTimeoutMs?: number;
  readonly operationDeadlineMs?: number;
  readonly coordinatorSilenceMs?: number;
  readonly failoverAfterMs?: number;
  readonly statusPollMaxMs?: number;
  readonly coordinatorSuspicionMs?: number;
  readonly coordinatorSuspicionMaxMs?: number;
}

export const txnClientDefaults = {
  /** A request not answered within this long is sent again. */
  requestTimeoutMs: 300,
  /** A read or write not answered within this long aborts the transaction. */
  operationDeadlineMs: 2_500,
  /** A commit whose coordinator says nothing for this long has an unknown outcome. */
  coordinatorSilenceMs: 1_000,
  /** Unknown for this long: ask every node, not only the coordinator. */
  failoverAfterMs: 2_000,
  /** Stop asking after this long; the outcome then stays unknown. */
  statusPollMaxMs: 60_000,
  /** A coordinator that left a request unanswered is not chosen for new transactions for this long. */
  coordinatorSuspicionMs: 5_000,
  /** Each time in a row a coordinator stays silent, its suspicion lasts twice as long, up to this. */
  coordinatorSuspicionMaxMs: 60_000,
} as const;

type Settings = Required<Omit<TxnClientOptions, 'history' | 'historyClock'>>;

export type TxnOutcomeState = 'pending' | 'committed' | 'aborted' | 'unknown';

export interface BeginOptions {
  /** The node that coordinates; by default the next one in turn. */
  readonly coordinator?: NodeId;
  /** A retry keeps the age of the transaction it retries (wait-die then cannot starve it). */
  readonly retryOf?: Transaction;
}

/** One read or write of a transaction. */
export class TxnOperation {
  outcome: 'pending' | 'ok' | 'aborted' = 'pending';
  /** The value read, or written. */
  value: string | null = null;
  reason: string | undefined;
  private callbacks: ((operation: TxnOperation) => void)[] = [];

  constructor(readonly call: Extract<ClientCall, { key: string }>) {}

  get done(): boolean {
    return this.outcome !== 'pending';
  }

  onComplete(callback: (operation: TxnOperation) => void): void {
    if (this.done) callback(this);
    else this.callbacks.push(callback);
  }

  finish(outcome: 'ok' | 'aborted', value: string | null, reason: string | undefined): void {
    if (this.done) return;
    this.outcome = outcome;
    this.value = value;
    this.reason = reason;
    for (const callback of this.callbacks.splice(0)) callback(this);
  }
}

interface PendingRequest {
  readonly sequence: number;
  readonly call: ClientCall;
  readonly operation: TxnOperation | undefined;
  readonly sentAtMs: number;
  lastHeardMs: number;
  resendTimer: TimerId | undefined;
  deadlineTimer: TimerId | undefined;
  /** Status polls so far (after the outcome became unknown). */
  polls: number;
  /** Every node this request (or a status poll for it) went to: only they may answer it, as on a connection. */
  readonly asked: NodeId[];
}

export class Transaction {
  readonly id: TxnId;
  readonly priority: TxnPriority;
  readonly operations: TxnOperation[] = [];
  outcome: TxnOutcomeState = 'pending';
  reason: string | undefined;
  /** Set while the outcome is unknown, and kept afterwards. */
  unknownSinceMs: number | undefined;
  /** It stayed unknown past `statusPollMaxMs` and the client stopped asking: it no longer holds back the acknowledged mark. */
  stoppedAsking = false;
  /** The first key: its shard keeps the transaction record. */
  anchorKey: string | null = null;
  commitRequested = false;
  /** Client-clock time the commit request first left (after every earlier operation answered). */
  commitSentAtMs: number | undefined;
  invokedAtMs: number;
  completedAtMs: number | undefined;
  private sequence = 0;
  private readonly queue: { call: ClientCall; operation: TxnOperation | undefined }[] = [];
  private pending: PendingRequest | undefined;
  private callbacks: ((txn: Transaction) => void)[] = [];
  private endedCallbacks: ((txn: Transaction) => void)[] = [];

  constructor(
    private readonly client: TxnClient,
    readonly coordinator: NodeId,
    id: TxnId,
    priority: TxnPriority,
  ) {
    this.id = id;
    this.priority = priority;
    this.invokedAtMs = client.historyTimeMs();
  }

  /** True once committed or aborted (an unknown outcome is not settled). */
  get settled(): boolean {
    return this.outcome === 'committed' || this.outcome === 'aborted';
  }

  read(key: string, options: { forUpdate?: boolean } = {}): TxnOperation {
    return this.operate({ kind: 'read', key, ...(options.forUpdate ? { forUpdate: true } : {}) });
  }

  write(key: string, value: string): TxnOperation {
    return this.operate({ kind: 'write', key, value });
  }

  delete(key: string): TxnOperation {
    return this.operate({ kind: 'write', key, value: null });
  }

  append(key: string, element: string): TxnOperation {
    if (element === '' || /\s/.test(element)) throw new Error(`an appended element is one word, got ${JSON.stringify(element)}`);
    return this.operate({ kind: 'append', key, element });
  }

  /** Asks to commit; see `outcome`, `reason` and `onSettled`. */
  commit(): Transaction {
    if (this.commitRequested || this.queue.some((entry) => entry.call.kind === 'rollback')) return this;
    this.commitRequested = true;
    this.enqueue({ kind: 'commit' }, undefined);
    return this;
  }

  rollback(): Transaction {
    if (this.commitRequested || this.outcome !== 'pending') return this;
    this.enqueue({ kind: 'rollback' }, undefined);
    return this;
  }

  /** Runs `callback` once committed or aborted (at once if already). */
  onSettled(callback: (txn: Transaction) => void): void {
    if (this.settled) callback(this);
    else this.callbacks.push(callback);
  }

  /** Runs `callback` once the outcome is no longer pending: committed, aborted, or unknown. */
  onEnded(callback: (txn: Transaction) => void): void {
    if (this.outcome !== 'pending') callback(this);
    else this.endedCallbacks.push(callback);
  }

  private operate(call: Extract<ClientCall, { key: string }>): TxnOperation {
    // The client's messages carry these as they are (its node sends plain data by reference):
    // anything but text is refused here, in the caller's words.
    const text = (name: string, value: unknown, nullable = false): void => {
      if (typeof value !== 'string' && !(nullable && value === null)) throw new TypeError(`transaction ${this.id}: ${call.kind}'s ${name} must be text, got ${typeof value}`);
    };
    text('key', call.key);
    if (call.kind === 'write') text('value', call.value, true);
    if (call.kind === 'append') text('element', call.element);
    const operation = new TxnOperation(call);
    this.operations.push(operation);
    if (this.commitRequested) throw new Error(`transaction ${this.id} already asked to commit`);
    if (this.outcome !== 'pending') {
      operation.finish('aborted', null, this.reason);
      return operation;
    }
    this.anchorKey ??= call.key;
    this.enqueue(call, operation);
    return operation;
  }

  private enqueue(call: ClientCall, operation: TxnOperation | undefined): void {
    this.queue.push({ call, operation });
    if (this.pending === undefined) this.sendNext();
  }

  private sendNext(): void {
    const next = this.queue.shift();
    if (next === undefined) return;
    if (this.outcome !== 'pending') {
      next.operation?.finish('aborted', null, this.reason);
      return this.sendNext();
    }
    if (next.call.kind === 'commit' && this.anchorKey === null) return this.settle('committed', 'the transaction did nothing');
    if (next.call.kind === 'rollback' && this.anchorKey === null) return this.settle('aborted', 'rolled back by the client');
    const nowMs = this.client.nowMs();
    this.pending = { sequence: ++this.sequence, call: next.call, operation: next.operation, sentAtMs: nowMs, lastHeardMs: nowMs, resendTimer: undefined, deadlineTimer: undefined, polls: 0, asked: [] };
    const pending = this.pending;
    if (next.call.kind === 'commit') this.commitSentAtMs = nowMs;
    if (next.call.kind !== 'commit') {
      const deadlineMs = this.client.settings.operationDeadlineMs;
      pending.deadlineTimer = this.client.setTimer(deadlineMs, () => this.onOperationDeadline(pending, deadlineMs));
    }
    this.send(pending, this.coordinator);
  }

  private send(pending: PendingRequest, to: NodeId, call: ClientCall = pending.call): void {
    const principal = this.client.principal;
    const request: ClientRequest = { type: clientRequestType, txnId: this.id, sequence: pending.sequence, priority: this.priority, anchorKey: this.anchorKey, call, ...(principal ? { principal } : {}), settled: this.client.settledThrough() };
    if (!pending.asked.includes(to)) pending.asked.push(to);
    this.client.send(to, request);
    if (pending.resendTimer !== undefined) this.client.cancelTimer(pending.resendTimer);
    pending.resendTimer = this.client.setTimer(this.resendDelayMs(pending), () => this.onResendTimer(pending));
  }

  private resendDelayMs(pending: PendingRequest): number {
    const base = this.client.settings.requestTimeoutMs;
    return Math.min(base * 2 ** Math.min(pending.polls, 4), 2_000);
  }

  private onResendTimer(pending: PendingRequest): void {
    pending.resendTimer = undefined;
    if (this.pending !== pending) return;
    const settings = this.client.settings;
    const nowMs = this.client.nowMs();
    if (pending.call.kind !== 'commit') {
      // Not a word from the coordinator since it was asked: new transactions go elsewhere
      // while this one waits out its deadline (a coordinator in a lost region never answers).
      if (pending.lastHeardMs === pending.sentAtMs && !this.client.heardFrom(this.coordinator, pending.sentAtMs)) this.client.suspect(this.coordinator);
      return this.send(pending, this.coordinator);
    }
    if (this.outcome === 'pending' && nowMs - pending.lastHeardMs >= settings.coordinatorSilenceMs) {
      this.outcome = 'unknown';
      this.unknownSinceMs = nowMs;
      this.reason = `coordinator ${this.coordinator} has not answered for ${settings.coordinatorSilenceMs} ms`;
      this.client.trace('txn.client.unknown', { txn: this.id, coordinator: this.coordinator });
      this.client.suspect(this.coordinator);
      for (const callback of this.endedCallbacks.splice(0)) callback(this);
    }
    if (this.outcome !== 'unknown') return this.send(pending, this.coordinator);
    if (nowMs - this.unknownSinceMs! >= settings.statusPollMaxMs) {
      this.stoppedAsking = true; // gives up asking; stays unknown
      return;
    }
    pending.polls++;
    const target = this.pollTarget(pending, nowMs);
    this.send(pending, target, target === this.coordinator ? { kind: 'commit' } : { kind: 'status' });
  }

  /** The coordinator, and after `failoverAfterMs` of not knowing, every node in turn. */
  private pollTarget(pending: PendingRequest, nowMs: number): NodeId {
    if (nowMs - this.unknownSinceMs! < this.client.settings.failoverAfterMs || pending.polls % 2 === 1) return this.coordinator;
    const others = this.client.coordinators().filter((node) => node !== this.coordinator);
    return others.length === 0 ? this.coordinator : others[(pending.polls >> 1) % others.length];
  }

  private onOperationDeadline(pending: PendingRequest, deadlineMs: number): void {
    pending.deadlineTimer = undefined;
    if (this.pending !== pending) return;
    const reason = `coordinator ${this.coordinator} did not answer within ${deadlineMs} ms`;
    this.client.suspect(this.coordinator);
    this.stopPending(pending);
    pending.operation?.finish('aborted', null, reason);
    // Commit was never asked for, so the transaction cannot commit: it is aborted. Tell the coordinator once.
    this.client.send(this.coordinator, { type: clientRequestType, txnId: this.id, sequence: this.sequence + 1, priority: this.priority, anchorKey: this.anchorKey, call: { kind: 'rollback' } } satisfies ClientRequest);
    this.settle('aborted', reason);
  }

  /** A reply from `from` to the request in flight (matched by sequence, and by the nodes it went to). */
  onReply(from: NodeId, sequence: number, reply: ClientReply): void {
    const pending = this.pending;
    if (pending === undefined || pending.sequence !== sequence) return;
    if (!pending.asked.includes(from)) return this.client.ignoreAnswerNotAsked();
    pending.lastHeardMs = this.client.nowMs();
    if (reply.status === 'in-progress') return;
    this.stopPending(pending);
    if (reply.status === 'ok') {
      // Callbacks may queue (and so send) the next request themselves.
      pending.operation?.finish('ok', reply.value, undefined);
      if (this.pending === undefined) this.sendNext();
      return;
    }
    if (reply.status === 'committed') return this.settle('committed', undefined);
    pending.operation?.finish('aborted', null, reply.reason);
    this.settle('aborted', pending.call.kind === 'rollback' ? 'rolled back by the client' : reply.reason);
  }

  private stopPending(pending: PendingRequest): void {
    if (pending.resendTimer !== undefined) this.client.cancelTimer(pending.resendTimer);
    if (pending.deadlineTimer !== undefined) this.client.cancelTimer(pending.deadlineTimer);
    pending.resendTimer = undefined;
    pending.deadlineTimer = undefined;
    if (this.pending === pending) this.pending = undefined;
  }

  private settle(outcome: 'committed' | 'aborted', reason: string | undefined): void {
    if (this.settled) return;
    if (this.pending !== undefined) this.stopPending(this.pending);
    this.outcome = outcome;
    this.reason = reason;
    this.completedAtMs = this.client.historyTimeMs();
    this.client.trace('txn.client.settled', { txn: this.id, outcome, ...(reason === undefined ? {} : { reason }) });
    for (const entry of this.queue.splice(0)) entry.operation?.finish('aborted', null, reason);
    for (const operation of this.operations) if (!operation.done) operation.finish('aborted', null, reason);
    this.client.onSettled(this);
    for (const callback of this.endedCallbacks.splice(0)) callback(this);
    for (const callback of this.callbacks.splice(0)) callback(this);
  }
}

export class TxnClient {
  readonly clientId: string;
  readonly settings: Settings;
  private readonly open = new Map<TxnId, Transaction>();
  private counter = 0;
  private nextCoordinator: number;
  private readonly suspectedUntilMs = new Map<NodeId, number>();
  /** Per coordinator: suspicions in a row without an answer in between (the next lasts 2^n times longer). */
  private readonly silentSuspicions = new Map<NodeId, number>();
  /** Per coordinator: when it last answered (local clock). */
  private readonly lastAnswerMs = new Map<NodeId, number>();
  private signedIn: Principal | undefined;

  /** The user every transaction request carries (undefined: none, as without authentication). */
  get principal(): Principal | undefined {
    return this.signedIn;
  }

  /** Acts as this user from the next request on; the principal is copied (it goes into every request as it is). */
  signIn(principal: Principal | undefined): void {
    this.signedIn = principal === undefined ? undefined : plainInput(principal, 'the principal');
  }

  constructor(
    private readonly env: TxnClientEnv,
    private readonly options: TxnClientOptions,
  ) {
    if (options.clientId === '' || /[\s.]/.test(options.clientId)) throw new Error(`bad clientId ${JSON.stringify(options.clientId)}`);
    this.clientId = options.clientId;
    this.settings = { ...txnClientDefaults, ...withoutUndefined(options) } as Settings;
    this.nextCoordinator = env.random.int(1024);
  }

  /** Transactions this client has begun. */
  get begunCount(): number {
    return this.counter;
  }

  /** Transactions begun and not yet settled (unknown ones included). */
  get openCount(): number {
    return this.open.size;
  }

  begin(options: BeginOptions = {}): Transaction {
    const id = `${this.clientId}.${++this.counter}`;
    const coordinator = options.coordinator ?? this.pickCoordinator();
    // The priority goes into every lock request as it is: plain data, copied.
    const priority = options.retryOf === undefined ? { startedAtMs: this.env.clock.nowMs(), txnId: id } : plainInput(options.retryOf.priority, 'the retried transaction\'s priority');
    const txn = new Transaction(this, coordinator, id, priority);
    this.open.set(id, txn);
    this.options.history?.begin(this.clientId, txn);
    this.trace('txn.client.begin', { txn: id, coordinator });
    return txn;
  }

  onMessage(from: NodeId, message: Message): void {
    // Nothing of a message from a node this client never asked is read, as on a connection
    // (and each transaction then takes an answer only from a node it asked).
    if (!this.askedNodes.has(from)) {
      // Counted only while a transaction waits for answers: the count tells that forgeries reached a busy client.
      if (this.open.size > 0) this.ignoreAnswerNotAsked();
      return;
    }
    if (!isClientResponse(message)) return;
    this.lastAnswerMs.set(from, this.env.clock.nowMs());
    this.silentSuspicions.delete(from);
    this.suspectedUntilMs.delete(from);
    this.open.get(message.txnId)?.onReply(from, message.sequence, message.reply);
  }

  /** Messages ignored, while a transaction was open, because their sender was never asked, or not asked the request they answer. */
  answersNotAsked = 0;

  /** Counts a message from a node not asked (by this client, or for the request it answers). */
  ignoreAnswerNotAsked(): void {
    this.answersNotAsked++;
  }

  /** Whether `node` answered anything (for any transaction) since `sinceMs`. */
  heardFrom(node: NodeId, sinceMs: number): boolean {
    return (this.lastAnswerMs.get(node) ?? Number.NEGATIVE_INFINITY) >= sinceMs;
  }

  coordinators(): readonly NodeId[] {
    return [...this.options.coordinators()].sort();
  }

  /** The next coordinator in turn, skipping those suspected of being down (unless all are). */
  private pickCoordinator(): NodeId {
    const nodes = this.coordinators();
    if (nodes.length === 0) throw new Error('there is no node to coordinate a transaction');
    const nowMs = this.env.clock.nowMs();
    for (let tried = 0; tried < nodes.length; tried++) {
      const node = nodes[this.nextCoordinator++ % nodes.length];
      if ((this.suspectedUntilMs.get(node) ?? 0) <= nowMs) return node;
    }
    return nodes[this.nextCoordinator++ % nodes.length];
  }

  /**
   * The coordinator left a request unanswered: prefer others for a while. A coordinator
   * that stays silent each time its suspicion ends (a node of a lost region) is suspected
   * for twice as long each time, up to a limit, so that trying it again costs each client a
   * deadline now and then instead of one every suspicion period; any answer clears it.
   */
  suspect(node: NodeId): void {
    const nowMs = this.env.clock.nowMs();
    if ((this.suspectedUntilMs.get(node) ?? 0) > nowMs) return;
    const inARow = this.silentSuspicions.get(node) ?? 0;
    this.silentSuspicions.set(node, inARow + 1);
    const settings = this.settings;
    this.suspectedUntilMs.set(node, nowMs + Math.min(settings.coordinatorSuspicionMs * 2 ** inARow, settings.coordinatorSuspicionMaxMs));
  }

  // ---- for transactions ----

  onSettled(txn: Transaction): void {
    this.open.delete(txn.id);
  }

  /**
   * The acknowledged mark every request carries: each transaction this client began with a
   * number up to here has an outcome it knows, or it stopped asking about it. Shards
   * garbage-collect records and tombstones only up to it (src/txn/txn-id.ts).
   */
  settledThrough(): number {
    let lowest = this.counter + 1;
    for (const txn of this.open.values()) {
      if (txn.stoppedAsking) continue;
      const n = Number(txn.id.slice(this.clientId.length + 1));
      if (n < lowest) lowest = n;
    }
    return lowest - 1;
  }

  nowMs(): number {
    return this.env.clock.nowMs();
  }

  historyTimeMs(): number {
    return (this.options.historyClock ?? this.env.clock).nowMs();
  }

  send(to: NodeId, request: ClientRequest): void {
    this.askedNodes.add(to);
    this.env.network.send(to, request);
  }

  /** Every node this client ever sent a request to: the only ones whose messages it reads. */
  private readonly askedNodes = new Set<NodeId>();

  setTimer(delayMs: number, callback: () => void): TimerId {
    return this.env.timers.setTimer(delayMs, callback);
  }

  cancelTimer(timer: TimerId): void {
    this.env.timers.cancelTimer(timer);
  }

  trace(kind: string, detail: Record<string, unknown>): void {
    this.env.trace(kind, { client: this.clientId, ...detail });
  }
}

/** What the history needs from a client: where each transaction begins. */
export interface TxnHistory {
  begin(process: string, txn: Transaction): void;
}

function withoutUndefined<T extends object>(options: T): Partial<T> {
  return Object.fromEntries(Object.entries(options).filter(([, value]) => value !== undefined)) as Partial<T>;
}
