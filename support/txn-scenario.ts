import { checkTransactions, explainAnomalies } from '../src/check';
import type { NodeId } from '../src/runtime/ports';
import { type FaultKind, Nemesis } from '../src/sim';
import { balanceOf, BankWorkload, type Move, runTransfers, type TransferProgress } from '../src/api/bank-workload';
import type { Transaction, TxnOperation } from '../src/txn/client';
import type { CoordinatorPoint, RecoveryEvent, TxnEvent } from '../src/txn/settings';
import type { SagaStep, StepContext } from '../src/txn/saga/definition';
import type { SagaStatus } from '../src/txn/saga/orchestrator';
import type { ServiceHandler } from '../src/txn/saga/service';
import { SagaSystem } from '../src/api/saga-system';
import { TransactionSystem } from '../src/api/transaction-system';
import type { SinonStub } from 'sinon';
import { registerOpenOperations } from './cleanup';
import { auditNemesis } from './nemesis-audit';
import { kvStore } from './kv-scenario';
import { registerPicture } from './pictures/registry';
import { type SagaCall, sagaSvg, type TimedTxnEvent, transactionTimelineSvg } from './pictures/txn-pictures';
import type { PhantomWorld } from './world';

/** Bound for one transaction to end (commit, abort, or an unknown outcome), retries and an election included. */
const TRANSACTION_BOUND_MS = 15_000;
/** Bound for the locks left by earlier transactions to be released before a final audit reads every account. */
export const SETTLE_BOUND_MS = 10_000;
/**
 * Audits that meet a lock anyway (wait-die kills the younger reader) are retried until
 * SETTLE_BOUND_MS has passed, at most this many times. A lock taken after its client gave
 * up (a coordinator's retry landing late) lives until recovery finds it abandoned, 3 s
 * after it was applied: the retries must span that, which 5 quick attempts (0.5 s) did not
 * (bank soak seeds 2062 and 2403).
 */
const AUDIT_ATTEMPTS_MAX = 40;

/**
 * The transactions part of a scenario: accounts by name, each client's current
 * transaction, the coordinators scenarios crash or cut off, the bank workload and the
 * oracles (atomicity at every replica, and the cycle checker on the whole history).
 */
export class TxnScenario {
  readonly events: TxnEvent[] = [];
  private readonly accounts = new Map<string, string>();
  private readonly current = new Map<string, Transaction>();
  /** What each transaction's client was told when its request (commit or rollback) ended; the outcome may become known later. */
  private readonly answers = new Map<Transaction, Transaction['outcome']>();
  private readonly coordinators = new Map<string, NodeId>();
  /** Set by `crashLeaderAt`: the coordinator carries on, so it must not be that leader. */
  private leaderCrashPlanned = false;
  private readonly progress = new Map<string, TransferProgress>();
  private systemValue: TransactionSystem | undefined;
  private bankValue: BankWorkload | undefined;
  private openedWith = 0;
  private lastBegun: Transaction | undefined;
  private readonly pendingReads = new Map<string, TxnOperation>();

  /** Every protocol event with its virtual time, and the transactions the scenario began, for the timeline picture. */
  private readonly timedEvents: TimedTxnEvent[] = [];
  private readonly begun: Transaction[] = [];

  constructor(private readonly world: PhantomWorld) {
    registerPicture(world, 'transaction timeline', () => {
      const known = this.begun.map((txn) => ({ id: txn.id, invokedAtMs: txn.invokedAtMs, completedAtMs: txn.completedAtMs, outcome: txn.outcome }));
      return transactionTimelineSvg(known, this.timedEvents, this.world.sim.nowMs);
    });
  }

  /** The transaction system if a step has started it, without starting one. */
  get startedSystem(): TransactionSystem | undefined {
    return this.systemValue;
  }

  get system(): TransactionSystem {
    if (this.systemValue !== undefined) return this.systemValue;
    // A step that needs a store starts the default one when the scenario has not (see kvStore().ensureStore()).
    kvStore(this.world).ensureStore();
    const database = this.world.cluster.database;
    const system = new TransactionSystem(this.world.sim, database);
    database.txnSettings.hooks.onEvent = (event) => {
      this.events.push(event);
      this.timedEvents.push({ atMs: this.world.sim.nowMs, event });
    };
    this.systemValue = system;
    registerOpenOperations(this.world, 'transactions', () => system.history.unresolved());
    this.world.addFinalCheck('transactions are atomic at every replica', () => {
      const violations = system.violations();
      if (violations.length > 0) throw new Error(violations.join('\n'));
    });
    this.world.addFinalCheck('the transaction history has no isolation anomaly', () => this.assertNoAnomaly());
    return system;
  }

  // ---- accounts ----------------------------------------------------------------------

  /** Places each named account on its own shard (or all on one), and opens them in one transaction. */
  openAccounts(rows: { account: string; balance: string }[], placement: 'different shards' | 'one shard'): void {
    const used = new Set<string>();
    let target: string | undefined;
    for (const { account } of rows) {
      for (let attempt = 0; attempt < 10_000; attempt++) {
        const key = attempt === 0 ? account : `${account}-${attempt}`;
        const shard = this.system.shardOf(key);
        if (placement === 'different shards' ? used.has(shard) : target !== undefined && shard !== target) continue;
        used.add(shard);
        target ??= shard;
        this.accounts.set(account, key);
        break;
      }
      if (!this.accounts.has(account)) throw new Error(`no key for account ${account} lands on a suitable shard`);
    }
    const txn = this.system.client(`opening-${++this.openedWith}`).begin();
    for (const { account, balance } of rows) txn.write(this.key(account), `${Number(balance)}:${txn.id}`);
    this.awaitSettled(txn.commit(), 'the accounts to be opened');
    if (txn.outcome !== 'committed') throw new Error(`opening the accounts failed: ${txn.reason}`);
  }

  key(account: string): string {
    const key = this.accounts.get(account);
    if (key === undefined) throw new Error(`In step "${this.world.currentStep}": there is no account "${account}". Known: ${[...this.accounts.keys()].join(', ') || 'none'}`);
    return key;
  }

  shardOf(account: string): string {
    return this.system.shardOf(this.key(account));
  }

  /** The accounts opened so far, by their names in the scenario. */
  accountNames(): string[] {
    return [...this.accounts.keys()];
  }

  /**
   * Current balances, read in one transaction by an auditor of its own, coordinated by a
   * running node no scenario client uses. An aborted read (a lock still held, a node cut
   * off) is retried through the next node, a bounded number of times.
   */
  balances(accounts: readonly string[]): Map<string, number | null> {
    const reasons: string[] = [];
    for (let attempt = 0; attempt < 5; attempt++) {
      const txn = this.system.client(`auditor-${++this.openedWith}`).begin({ coordinator: this.bystanderCoordinator(attempt) });
      const reads = accounts.map((account) => txn.read(this.key(account)));
      this.awaitSettled(txn.commit(), `a read of ${accounts.join(', ')}`);
      if (txn.outcome === 'committed') return new Map(accounts.map((account, index) => [account, balanceOf(reads[index].value)]));
      reasons.push(`through ${txn.coordinator}: ${txn.reason}`);
      this.world.sim.runFor(100);
    }
    throw new Error(`reading the balances failed five times:\n${reasons.join('\n')}\n${this.system.statusLine()}`);
  }

  // ---- transactions --------------------------------------------------------------------

  /** A transaction of the client, coordinated by the node the scenario chose for it (if any). */
  begin(client: string): Transaction {
    // A planned crash of a shard's leader must not take the coordinator with it: the
    // client's coordinator is then a node that leads none of the accounts' shards.
    const coordinator = this.coordinators.get(client) ?? (this.leaderCrashPlanned ? this.coordinatorFor(client) : undefined);
    const txn = this.system.client(client).begin(coordinator === undefined ? {} : { coordinator });
    this.current.set(client, txn);
    this.lastBegun = txn;
    this.begun.push(txn);
    return txn;
  }

  /** The transaction a scenario began last. */
  get last(): Transaction {
    if (this.lastBegun === undefined) throw new Error(`In step "${this.world.currentStep}": no transaction has begun`);
    return this.lastBegun;
  }

  transaction(client: string): Transaction {
    const txn = this.current.get(client);
    if (txn === undefined) throw new Error(`In step "${this.world.currentStep}": client "${client}" has no transaction`);
    return txn;
  }

  /** Runs the moves in one transaction and waits until it ends (or its outcome is unknown). */
  transfer(client: string, moves: readonly Move[], options: { commit: boolean; alsoRead?: string } = { commit: true }): Transaction {
    const txn = this.begin(client);
    const keyed = moves.map((move) => ({ from: this.key(move.from), to: this.key(move.to), amount: move.amount }));
    const progress = runTransfers(txn, keyed, { commit: options.commit });
    // Read after the transfer's own reads, so that the account's shard is not the anchor.
    if (options.alsoRead !== undefined) txn.read(this.key(options.alsoRead));
    this.progress.set(client, progress);
    if (options.commit) this.awaitEnded(txn);
    else this.world.waitUntil(() => progress.written || txn.outcome !== 'pending', TRANSACTION_BOUND_MS, `client ${client}'s writes`);
    return txn;
  }

  commit(client: string): Transaction {
    const txn = this.transaction(client);
    this.awaitEnded(txn.commit());
    return txn;
  }

  rollback(client: string): Transaction {
    const txn = this.transaction(client);
    this.awaitEnded(txn.rollback());
    return txn;
  }

  awaitEnded(txn: Transaction): void {
    this.world.waitUntil(() => txn.outcome !== 'pending', TRANSACTION_BOUND_MS, () => `transaction ${txn.id} to end; now ${this.system.statusLine()}`);
    this.answers.set(txn, txn.outcome);
  }

  /** What the client was told when the request of its current transaction ended (undefined if none ended yet). */
  answerWhenEnded(client: string): Transaction['outcome'] | undefined {
    return this.answers.get(this.transaction(client));
  }

  awaitSettled(txn: Transaction, what: string, withinMs = TRANSACTION_BOUND_MS): void {
    this.world.waitUntil(() => txn.settled, withinMs, () => `${what} (transaction ${txn.id} is ${txn.outcome}); now ${this.system.statusLine()}`);
  }

  // ---- coordinators and failpoints ---------------------------------------------------------

  /** A running server node that no client of the scenario coordinates through (those may be crashed or cut off). */
  private bystanderCoordinator(attempt: number): NodeId {
    const taken = new Set(this.coordinators.values());
    const running = this.system.serverNodes().filter((node) => this.world.sim.node(node).state === 'running');
    const free = running.filter((node) => !taken.has(node));
    const choices = free.length > 0 ? free : running;
    return choices[attempt % choices.length];
  }

  /** Picks the coordinator of the client's next transactions: a node that leads none of the accounts' shards. */
  coordinatorFor(client: string): NodeId {
    let node = this.coordinators.get(client);
    if (node !== undefined) return node;
    const database = this.world.cluster.database;
    const shards = new Set([...this.accounts.keys()].map((account) => this.shardOf(account)));
    const leaders = new Set([...shards].map((shard) => database.leaderOf(shard)));
    const holders = new Set(database.shardMap.shards.filter((shard) => shards.has(shard.id)).flatMap((shard) => shard.replicas));
    const servers = this.system.serverNodes();
    node = servers.find((id) => !holders.has(id)) ?? servers.find((id) => !leaders.has(id)) ?? servers[0];
    this.coordinators.set(client, node);
    return node;
  }

  /** At `point` of the client's next commit, crash its coordinator (it stops there). */
  crashCoordinatorAt(client: string, point: CoordinatorPoint): void {
    const coordinator = this.coordinatorFor(client);
    this.onceAt(client, point, () => {
      this.world.sim.scheduler.schedule(0, () => this.world.node(coordinator).crash());
      return 'halt';
    });
  }

  /** At `point` of the client's next commit, cut its coordinator off from every replica of the account's shard. */
  cutCoordinatorAt(client: string, point: CoordinatorPoint, account: string): void {
    const coordinator = this.coordinatorFor(client);
    const shardId = this.shardOf(account);
    this.onceAt(client, point, () => {
      const replicas = this.world.cluster.database.shardMap.shards.find((shard) => shard.id === shardId)!.replicas;
      for (const replica of replicas.filter((node) => node !== coordinator)) {
        this.world.sim.network.cutOneWay(coordinator, replica);
        this.world.sim.network.cutOneWay(replica, coordinator);
      }
      return 'continue';
    });
  }

  /** At `point` of the next commit, crash the leader of the account's shard (the coordinator carries on). */
  crashLeaderAt(point: CoordinatorPoint, account: string): void {
    this.leaderCrashPlanned = true;
    this.onceAt(undefined, point, () => {
      const leader = this.world.cluster.database.leaderOf(this.shardOf(account));
      if (leader !== undefined) this.world.sim.scheduler.schedule(0, () => this.world.node(leader).crash());
      return 'continue';
    });
  }

  /** Runs `action` the first time a commit of the client (of anyone, if undefined) reaches `point`. */
  private onceAt(client: string | undefined, point: CoordinatorPoint, action: () => 'continue' | 'halt'): void {
    const hooks = this.world.cluster.database.txnSettings.hooks;
    const previous = hooks.coordinatorPoint;
    let fired = false;
    hooks.coordinatorPoint = (reached, detail) => {
      const mine = client === undefined || detail.txnId.startsWith(`${client}.`);
      if (fired || reached !== point || !mine) return previous?.(reached, detail) ?? 'continue';
      fired = true;
      return action();
    };
  }

  /** The account's shard votes no on every transaction that wrote to it. */
  refuseAt(account: string, reason: string): void {
    const shardId = this.shardOf(account);
    const system = this.system;
    this.world.cluster.database.txnSettings.hooks.participantVote = (shard, txnId) => {
      const wrote = (system.leaderState(shard)?.transaction(txnId)?.writtenKeys.length ?? 0) > 0;
      return shard === shardId && wrote ? { refuse: reason } : undefined;
    };
  }

  restartCoordinator(client: string): void {
    this.world.node(this.coordinatorFor(client)).start();
  }

  /** What the coordinator did for a transaction, from its events. */
  eventsOf(txn: Transaction): TxnEvent[] {
    return this.events.filter((event) => event.txnId === txn.id);
  }

  /** The shards asked to vote, and those told the outcome in phase two. */
  phasesOf(txn: Transaction): { voters: readonly string[]; toldOutcome: readonly string[] } {
    const events = this.eventsOf(txn);
    const prepare = events.find((event) => event.kind === 'prepare');
    const phaseTwo = events.find((event) => event.kind === 'phase-two');
    return { voters: prepare?.kind === 'prepare' ? prepare.shards : [], toldOutcome: phaseTwo?.kind === 'phase-two' ? phaseTwo.shards : [] };
  }

  /** Starts a locking read in the client's open transaction without waiting for it (it may wait for a lock). */
  startRead(client: string, account: string): void {
    this.pendingReads.set(client, this.transaction(client).read(this.key(account), { forUpdate: true }));
    this.world.sim.runFor(30);
  }

  /** Waits for the read begun by `startRead`; says whether it waited for a lock and what balance it saw. */
  finishRead(client: string, account: string): { waited: boolean; balance: number | null; problem: string | undefined } {
    const read = this.pendingReads.get(client);
    if (read === undefined) throw new Error(`In step "${this.world.currentStep}": client "${client}" started no read`);
    this.world.waitUntil(() => read.done, 1_000, `client ${client}'s read of ${account}`);
    const waited = this.events.some((event) => event.kind === 'lock-wait' && event.txnId === this.transaction(client).id);
    return { waited, balance: read.outcome === 'ok' ? balanceOf(read.value) : null, problem: read.reason };
  }

  /**
   * Waits until recovery at the shards applied `outcome` to the client's transaction and no
   * shard holds any of it; returns recoveries that applied another outcome (there should be none).
   */
  awaitRecovery(client: string, outcome: 'committed' | 'aborted', withinMs: number): RecoveryEvent[] {
    const txn = this.transaction(client);
    const mine = () => this.system.recoveries.filter((event) => event.txnId === txn.id);
    const settled = () => mine().some((event) => event.outcome === outcome) && this.system.openTransactions().every((open) => open.txn.txnId !== txn.id);
    this.world.waitUntil(settled, withinMs, () => `recovery to finish ${txn.id} (now ${this.system.statusLine()})`);
    return mine().filter((event) => event.outcome !== outcome);
  }

  // ---- the bank ----------------------------------------------------------------------------

  openBank(accounts: number, balance: number): void {
    this.bankValue = new BankWorkload(this.world.sim, this.system, {
      accounts,
      initialBalance: balance,
      clients: 1,
      auditShare: 0.2,
      maxAmount: 20,
      thinkTimeMs: { minMs: 5, maxMs: 30 },
      attemptsMax: 8,
    });
    this.awaitSettled(this.bankValue.open(), 'the bank accounts to be opened');
  }

  get bank(): BankWorkload {
    if (this.bankValue === undefined) throw new Error(`In step "${this.world.currentStep}": open the bank accounts first`);
    return this.bankValue;
  }

  setTellers(clients: number): void {
    this.bank.setClients(clients);
  }

  /** Safety phase under the nemesis, then heal, stop the clients and let them finish. */
  runBank(durationMs: number, faults: readonly FaultKind[]): void {
    const bank = this.bank;
    const servers = this.system.serverNodes();
    const nemesis = new Nemesis(this.world.sim, { nodes: servers, faults });
    const startMs = this.world.sim.nowMs;
    bank.start();
    nemesis.start();
    this.world.sim.runFor(durationMs);
    nemesis.healAll();
    bank.stop();
    const workloadNodes = [...bank.clientNames.map((client) => `txn-client:${client}`), ...servers];
    auditNemesis(this.world, { requested: faults, faults: nemesis.log, workloadNodes, workloadWindowMs: { startMs, endMs: this.world.sim.nowMs } });
    this.world.waitUntil(() => bank.idle, TRANSACTION_BOUND_MS, 'the tellers to finish their last transactions after healing');
    this.world.attachText('bank', JSON.stringify(bank.counts, null, 2));
  }

  /**
   * Audits every account once more, by a client of its own: first waits (at most
   * SETTLE_BOUND_MS) until no transaction holds locks, so that the audit does not depend on
   * an earlier step having waited; an audit that still meets a lock and dies is retried.
   */
  finalAudit(): { total: number; balances: Map<string, number | null> } {
    const bank = this.bank;
    const deadlineMs = this.world.sim.nowMs + SETTLE_BOUND_MS;
    this.world.waitUntil(() => this.system.allResolved(), SETTLE_BOUND_MS, () => `every lock to be released before the final audit (now ${this.system.statusLine()})`);
    const reasons: string[] = [];
    let retryOf: Transaction | undefined;
    for (let attempt = 1; attempt <= AUDIT_ATTEMPTS_MAX && (attempt === 1 || this.world.sim.nowMs < deadlineMs); attempt++) {
      const audit = bank.audit('final-auditor', retryOf);
      this.awaitSettled(audit.txn, 'the final audit');
      if (audit.txn.outcome === 'committed') {
        const balances = new Map(bank.accountKeys.map((account, index) => [account, audit.balances()[index]]));
        return { total: [...balances.values()].reduce<number>((sum, balance) => sum + (balance ?? 0), 0), balances };
      }
      reasons.push(`attempt ${attempt}: ${audit.txn.outcome} (${audit.txn.reason})`);
      retryOf = audit.txn;
      this.world.sim.runFor(Math.min(500, 50 * attempt));
    }
    throw new Error(`the final audit did not commit within ${SETTLE_BOUND_MS} ms (${reasons.length} attempts):\n${reasons.slice(-5).join('\n')}\n${this.system.statusLine()}`);
  }

  /** Why a final audit saw another total: the accounts whose balance is not what the committed transfers imply. */
  explainTotal(expected: number, audit: { total: number; balances: Map<string, number | null> }): string {
    return explainBankTotal(expected, audit.balances, this.bank.initialBalance, this.bank.committedMoves, this.bank.unknownMoves);
  }

  unknownOutcomes(): number {
    return this.system.history.entries().filter((entry) => entry.type === 'info').length;
  }

  assertNoAnomaly(): void {
    const entries = this.system.history.entries();
    if (entries.length === 0) return;
    const result = checkTransactions(entries, { model: 'rw-register' });
    this.world.attachText('cycle checker', `${result.stats.ok} committed, ${result.stats.fail} aborted, ${result.stats.info} unknown; dependency edges ${JSON.stringify(result.stats.edges)}\n${explainAnomalies(result)}`);
    if (!result.valid) throw new Error(`the transaction history has isolation anomalies:\n${explainAnomalies(result)}`);
  }
}

export function transactions(world: PhantomWorld): TxnScenario {
  return world.part('transactions', () => new TxnScenario(world));
}

// ---- sagas ------------------------------------------------------------------------------------

/** Bound for a saga to finish (retries, back-offs and compensations included). */
const SAGA_BOUND_MS = 20_000;
const SAGA_TIMEOUT_MS = 500;
const SAGA_BACKOFF_MS = 100;
/** How often the orchestrator tries a compensation before the saga needs attention. */
export const COMPENSATION_ATTEMPTS = 3;

interface SagaStepRow {
  step: string;
  service: string;
  does: string;
  'undone by': string;
  attempts: string;
  pivot: string;
}

/**
 * The saga part of a scenario: one saga definition whose step handlers are sinon stubs
 * from the World's sandbox (by default each calls its service), services that record what
 * they applied, and the saga the scenario started.
 */
export class SagaScenario {
  readonly system: SagaSystem;
  private readonly actions = new Map<string, SinonStub<[StepContext], void>>();
  private readonly compensations = new Map<string, SinonStub<[StepContext], void>>();
  private readonly rows = new Map<string, { service: string; does: string; undoneBy: string }>();
  /** Virtual times at which each step's action was called. */
  private readonly callTimes = new Map<string, number[]>();
  private definitionName = '';
  private sagaId: string | undefined;

  /** Every call of a step's action or compensation, with its virtual time, for the picture. */
  private readonly calls: SagaCall[] = [];

  constructor(private readonly world: PhantomWorld) {
    this.system = new SagaSystem(world.sim);
    registerPicture(world, 'saga', () => sagaSvg([...this.rows.keys()], this.calls, this.world.sim.nowMs));
  }

  define(name: string, table: SagaStepRow[]): void {
    this.definitionName = name;
    table.forEach((row, index) => this.checkRow(row, index + 1));
    const steps: SagaStep[] = table.map((row) => {
      const undoneBy = row['undone by'] ?? '';
      this.rows.set(row.step, { service: row.service, does: row.does, undoneBy });
      const handlers: Record<string, ServiceHandler> = { [row.does]: () => ({ ok: true, result: `${row.service}: ${row.does} done` }) };
      if (undoneBy !== '') handlers[undoneBy] = () => ({ ok: true, result: `${row.service}: ${undoneBy} done` });
      for (const [command, handler] of Object.entries(handlers)) {
        if (this.world.sim.hasNode(this.system.serviceNode(row.service))) this.system.setHandler(row.service, command, handler);
        else this.system.addService(row.service, { [command]: handler });
      }
      // Named, so that a failed sinon assertion (callOrder, calledOnce) names the step or compensation.
      this.actions.set(row.step, this.world.sandbox.stub<[StepContext], void>().named(`step "${row.step}"`).callsFake((context) => this.callService(row.step, context)));
      if (undoneBy !== '') this.compensations.set(row.step, this.world.sandbox.stub<[StepContext], void>().named(`the compensation of step "${row.step}" (${undoneBy})`).callsFake((context) => this.callService(row.step, context)));
      this.callTimes.set(row.step, []);
      const attempts = Number(row.attempts || '1');
      return {
        name: row.step,
        action: (context: StepContext) => {
          this.callTimes.get(row.step)!.push(this.world.sim.nowMs);
          this.calls.push({ step: row.step, phase: 'action', atMs: this.world.sim.nowMs });
          this.actions.get(row.step)!(context);
        },
        ...(undoneBy === '' ? {} : {
          compensation: (context: StepContext) => {
            this.calls.push({ step: row.step, phase: 'compensation', atMs: this.world.sim.nowMs });
            this.compensations.get(row.step)!(context);
          },
        }),
        timeoutMs: SAGA_TIMEOUT_MS,
        ...(attempts > 1 ? { retry: { attemptsMax: attempts, backoffInitialMs: SAGA_BACKOFF_MS, backoffMaxMs: 10 * SAGA_BACKOFF_MS } } : {}),
        pivot: row.pivot === 'pivot',
      };
    });
    this.system.define({ name, steps, compensationRetry: { attemptsMax: COMPENSATION_ATTEMPTS, backoffInitialMs: SAGA_BACKOFF_MS, backoffMaxMs: 10 * SAGA_BACKOFF_MS } });
    this.system.ensureOrchestrator();
  }

  /** A saga table row with a missing or malformed cell fails naming the row, the column and the accepted values. */
  private checkRow(row: SagaStepRow, number: number): void {
    const problem = (column: string, accepted: string): never => {
      const cell = (row as unknown as Record<string, string | undefined>)[column];
      throw new Error(`In step "${this.world.currentStep}", row ${number}: column "${column}" is ${cell === undefined ? 'missing' : JSON.stringify(cell)}. Accepted: ${accepted}.`);
    };
    for (const column of ['step', 'service', 'does'] as const) if (!row[column]) problem(column, 'a name (required)');
    if (row.attempts !== undefined && row.attempts !== '' && !(Number.isInteger(Number(row.attempts)) && Number(row.attempts) >= 1)) problem('attempts', 'empty (1 attempt) or a whole number from 1');
    if (row.pivot !== undefined && row.pivot !== '' && row.pivot !== 'pivot') problem('pivot', 'empty, or "pivot" for the step after which the saga only goes forward');
  }

  /** What every handler does unless a scenario says otherwise: send the step's command to its service. */
  callService(step: string, context: StepContext): void {
    const row = this.rows.get(step)!;
    context.send(this.system.serviceNode(row.service), context.phase === 'action' ? row.does : row.undoneBy, context.data);
  }

  action(step: string): SinonStub<[StepContext], void> {
    const stub = this.actions.get(step);
    if (stub === undefined) throw new Error(`In step "${this.world.currentStep}": the saga has no step "${step}". Steps: ${[...this.actions.keys()].join(', ')}`);
    return stub;
  }

  compensation(step: string): SinonStub<[StepContext], void> {
    const stub = this.compensations.get(step);
    if (stub === undefined) throw new Error(`In step "${this.world.currentStep}": step "${step}" has no compensation`);
    return stub;
  }

  get allActions(): SinonStub<[StepContext], void>[] {
    return [...this.actions.values()];
  }

  get allCompensations(): SinonStub<[StepContext], void>[] {
    return [...this.compensations.values()];
  }

  attemptTimes(step: string): readonly number[] {
    this.action(step);
    return this.callTimes.get(step)!;
  }

  serviceOf(step: string): string {
    this.action(step);
    return this.rows.get(step)!.service;
  }

  /** The defined saga's name, its steps in order and its services (for many sagas at once: support/saga-chaos-scenario.ts). */
  get sagaDefinitionName(): string {
    if (this.definitionName === '') throw new Error(`In step "${this.world.currentStep}": define the saga first ("Given a trip-booking saga of these steps:")`);
    return this.definitionName;
  }

  get stepNames(): string[] {
    return [...this.rows.keys()];
  }

  get serviceNames(): string[] {
    return [...new Set([...this.rows.values()].map((row) => row.service))];
  }

  /** Starts the saga and runs until it finishes, or until its orchestrator is down. */
  start(): void {
    this.sagaId = this.system.start(this.definitionName, { trip: 'Lisbon' });
    const orchestrator = this.world.sim.node(this.system.orchestratorNode);
    this.world.waitUntil(() => this.status().state !== 'running' || orchestrator.state !== 'running', SAGA_BOUND_MS, () => `saga ${this.sagaId} to finish (now ${this.status().summary})`);
  }

  restartOrchestrator(): void {
    const node = this.world.sim.node(this.system.orchestratorNode);
    if (node.isUp) throw new Error(`In step "${this.world.currentStep}": the orchestrator is running, so it cannot restart`);
    node.start();
    this.world.waitUntil(() => this.status().state !== 'running', SAGA_BOUND_MS, () => `saga ${this.sagaId} to finish after the restart (now ${this.status().summary})`);
  }

  /** The step's first action sends its command, and the orchestrator crashes before the answer arrives. */
  crashOrchestratorAfterSending(step: string): void {
    this.action(step).onFirstCall().callsFake((context: StepContext) => {
      this.callService(step, context);
      this.world.sim.scheduler.schedule(0, () => this.world.sim.node(this.system.orchestratorNode).crash());
    });
  }

  /** Every command from the orchestrator to the service is delivered twice. */
  duplicateCommandsTo(service: string): void {
    this.world.sim.network.setLinkFaults(this.system.orchestratorNode, this.system.serviceNode(service), { duplicateProbability: 1 });
  }

  status(): SagaStatus {
    if (this.sagaId === undefined) throw new Error(`In step "${this.world.currentStep}": no saga has started`);
    return this.system.status(this.sagaId)!;
  }
}

export function sagas(world: PhantomWorld): SagaScenario {
  return world.part('sagas', () => new SagaScenario(world));
}

/**
 * Explains a wrong bank total account by account: each account's balance is compared
 * with its opening balance plus the transfers that committed; transfers whose outcome
 * stayed unknown may explain a difference, so they are listed with the accounts they touch.
 */
export function explainBankTotal(
  expected: number,
  balances: ReadonlyMap<string, number | null>,
  initialBalance: number,
  committed: readonly Move[],
  unknown: readonly Move[],
): string {
  const implied = new Map([...balances.keys()].map((account) => [account, initialBalance]));
  for (const move of committed) {
    implied.set(move.from, (implied.get(move.from) ?? initialBalance) - move.amount);
    implied.set(move.to, (implied.get(move.to) ?? initialBalance) + move.amount);
  }
  const total = [...balances.values()].reduce<number>((sum, balance) => sum + (balance ?? 0), 0);
  const lines = [`the total balance is ${total}, not ${expected} (${total > expected ? `${total - expected} created` : `${expected - total} lost`})`];
  const differing = [...balances].filter(([account, balance]) => balance !== implied.get(account));
  if (differing.length === 0) lines.push('every account holds what the committed transfers imply; the opening balances themselves did not add up');
  else lines.push('accounts that differ from their opening balance plus the committed transfers:');
  for (const [account, balance] of differing) {
    const uncertain = unknown.filter((move) => move.from === account || move.to === account);
    const note = uncertain.length > 0 ? `; transfers of unknown outcome touching it: ${uncertain.map((move) => `${move.amount} from ${move.from} to ${move.to}`).join(', ')}` : '';
    lines.push(`- ${account}: read ${balance ?? 'nothing'}, expected ${implied.get(account)}${note}`);
  }
  return lines.join('\n');
}
