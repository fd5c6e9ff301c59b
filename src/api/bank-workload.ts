import type { SeededRandom, Simulation } from '../sim';
import type { Transaction } from '../txn/client';
import type { TransactionSystem } from './transaction-system';

/**
 * The bank: the classic test of transactional isolation (Jepsen's "bank"). Accounts on
 * several shards start with the same balance; clients move money between two accounts
 * in a transaction, or audit every account in one. Whatever the faults, money is
 * neither created nor destroyed, and every committed audit sees the same total.
 *
 * A balance is stored as `"<amount>:<transaction id>"`, so every written value is unique
 * and the cycle checker can tell which transaction's write a read saw.
 */

export interface BankOptions {
  readonly accounts: number;
  readonly initialBalance: number;
  readonly clients: number;
  /** Share of client actions that are audits (read every account). */
  readonly auditShare: number;
  readonly maxAmount: number;
  readonly thinkTimeMs: { readonly minMs: number; readonly maxMs: number };
  /** Attempts of one transfer (wait-die aborts are retried with the transaction's age). */
  readonly attemptsMax: number;
  /** Client names start with this. */
  readonly clientPrefix?: string;
  /** Transfers only between accounts on different shards (always two-phase commits). */
  readonly crossShardOnly?: boolean;
}

export interface BankCounts {
  transfersCommitted: number;
  transfersAborted: number;
  transfersDeclined: number;
  transfersUnknown: number;
  auditsCommitted: number;
  auditsAborted: number;
  auditsUnknown: number;
}

export interface InconsistentAudit {
  readonly txnId: string;
  readonly total: number;
  readonly balances: readonly (number | null)[];
}

export function balanceOf(value: string | null): number | null {
  if (value === null) return null;
  const amount = Number(value.split(':')[0]);
  return Number.isFinite(amount) ? amount : null;
}

export class BankWorkload {
  readonly accountKeys: readonly string[];
  readonly counts: BankCounts = { transfersCommitted: 0, transfersAborted: 0, transfersDeclined: 0, transfersUnknown: 0, auditsCommitted: 0, auditsAborted: 0, auditsUnknown: 0 };
  readonly inconsistentAudits: InconsistentAudit[] = [];
  /** Transfers that committed, and those whose outcome stayed unknown (they may have committed), for explaining a wrong total. */
  readonly committedMoves: Move[] = [];
  readonly unknownMoves: Move[] = [];
  /** Commit latencies of transfers: virtual ms from the commit request leaving the client to the client hearing "committed". */
  readonly commitLatenciesMs: number[] = [];
  /** Whole transfers: virtual ms from the first attempt's begin to the client hearing "committed" (retries included). */
  readonly transferLatenciesMs: number[] = [];
  private readonly random: SeededRandom;
  private readonly busy = new Set<string>();
  private running = false;
  private tellers: number;

  constructor(
    private readonly sim: Simulation,
    private readonly system: TransactionSystem,
    private readonly options: BankOptions,
  ) {
    if (options.accounts < 2 || options.clients < 1) throw new Error('a bank needs two accounts and a client');
    this.random = sim.random.stream('bank');
    this.tellers = options.clients;
    this.accountKeys = spreadAccounts(system, options.accounts);
  }

  get initialBalance(): number {
    return this.options.initialBalance;
  }

  get total(): number {
    return this.options.accounts * this.options.initialBalance;
  }

  get clientNames(): string[] {
    return Array.from({ length: this.tellers }, (_, index) => `${this.options.clientPrefix ?? 'teller'}-${index + 1}`);
  }

  /** Changes the number of clients before `start()`. */
  setClients(count: number): void {
    if (!(Number.isInteger(count) && count >= 1)) throw new RangeError(`a bank needs at least one client, got ${count}`);
    this.tellers = count;
  }

  /** Opens the accounts in one transaction; the caller runs time until it settles. */
  open(): Transaction {
    return this.openAccounts(this.accountKeys);
  }

  /** Opens the accounts in transactions of `size` accounts each (for banks too big for one transaction). */
  openInBatches(size: number): Transaction[] {
    const batches: Transaction[] = [];
    for (let start = 0; start < this.accountKeys.length; start += size) batches.push(this.openAccounts(this.accountKeys.slice(start, start + size), `bank-opening-${batches.length + 1}`));
    return batches;
  }

  private openAccounts(keys: readonly string[], client = 'bank-opening'): Transaction {
    const txn = this.system.client(client).begin();
    for (const key of keys) txn.write(key, `${this.options.initialBalance}:${txn.id}`);
    return txn.commit();
  }

  start(): void {
    this.running = true;
    for (const client of this.clientNames) this.scheduleNext(client);
  }

  /** No new transactions; those running finish (or end unknown). */
  stop(): void {
    this.running = false;
  }

  /** No client is in the middle of a transfer or an audit (unknown outcomes do not count). */
  get idle(): boolean {
    return this.busy.size === 0;
  }

  /** One audit now, by a client of its own; the caller runs time until it settles. */
  audit(client: string, retryOf?: Transaction): { txn: Transaction; balances: () => (number | null)[] } {
    const txn = this.system.client(client).begin(retryOf === undefined ? {} : { retryOf });
    const reads = this.accountKeys.map((key) => txn.read(key));
    txn.commit();
    return { txn, balances: () => reads.map((read) => balanceOf(read.value)) };
  }

  private scheduleNext(client: string): void {
    const { minMs, maxMs } = this.options.thinkTimeMs;
    this.sim.scheduler.schedule(this.random.between(minMs, maxMs), () => {
      if (!this.running) return;
      this.busy.add(client);
      const done = (): void => {
        this.busy.delete(client);
        this.scheduleNext(client);
      };
      if (this.random.chance(this.options.auditShare)) this.runAudit(client, 1, undefined, done);
      else this.runTransfer(client, 1, undefined, done);
    });
  }

  private runAudit(client: string, attempt: number, retryOf: Transaction | undefined, done: () => void): void {
    const { txn, balances } = this.audit(client, retryOf);
    this.whenEnded(txn, () => {
      if (txn.outcome === 'committed') {
        this.counts.auditsCommitted++;
        const seen = balances();
        const total = seen.reduce<number>((sum, balance) => sum + (balance ?? 0), 0);
        if (total !== this.total || seen.includes(null)) this.inconsistentAudits.push({ txnId: txn.id, total, balances: seen });
      } else if (txn.outcome === 'unknown') this.counts.auditsUnknown++;
      else if (this.retry(attempt, () => this.runAudit(client, attempt + 1, txn, done))) return;
      else this.counts.auditsAborted++;
      done();
    });
  }

  /** Schedules another attempt after an exponential back-off, if attempts are left. */
  private retry(attempt: number, again: () => void): boolean {
    if (attempt >= this.options.attemptsMax || !this.running) return false;
    const ceilingMs = Math.min(500, 10 * 2 ** attempt);
    this.sim.scheduler.schedule(ceilingMs / 2 + this.random.next() * (ceilingMs / 2), again);
    return true;
  }

  private runTransfer(client: string, attempt: number, retryOf: Transaction | undefined, done: () => void, firstBeganMs = this.sim.nowMs): void {
    const from = this.random.pick(this.accountKeys);
    const fromShard = this.options.crossShardOnly ? this.system.shardOf(from) : undefined;
    const to = this.random.pick(this.accountKeys.filter((key) => key !== from && (fromShard === undefined || this.system.shardOf(key) !== fromShard)));
    const amount = 1 + this.random.int(this.options.maxAmount);
    const txn = this.system.client(client).begin(retryOf === undefined ? {} : { retryOf });
    const transfer = runTransfers(txn, [{ from, to, amount }], { commit: true });
    this.whenEnded(txn, () => {
      if (txn.outcome === 'committed') {
        this.counts.transfersCommitted++;
        this.committedMoves.push({ from, to, amount });
        this.commitLatenciesMs.push(txn.completedAtMs! - txn.commitSentAtMs!);
        this.transferLatenciesMs.push(this.sim.nowMs - firstBeganMs);
      } else if (transfer.declined) this.counts.transfersDeclined++;
      else if (txn.outcome === 'unknown') {
        this.counts.transfersUnknown++;
        this.unknownMoves.push({ from, to, amount });
      } else if (this.retry(attempt, () => this.runTransfer(client, attempt + 1, txn, done, firstBeganMs))) return;
      else this.counts.transfersAborted++;
      done();
    });
  }

  /** Runs `then` once the transaction is committed, aborted, or its outcome unknown. */
  private whenEnded(txn: Transaction, then: () => void): void {
    txn.onEnded(() => then());
  }
}

export interface Move {
  readonly from: string;
  readonly to: string;
  readonly amount: number;
}

export interface TransferProgress {
  /** True once an account would have gone below zero and the transaction was rolled back. */
  declined: boolean;
  /** True once every new balance is written (and, with `commit`, commit was asked for). */
  written: boolean;
}

/**
 * Moves money inside `txn`: reads every account touched, each under an exclusive lock
 * from the start (which avoids a lock upgrade that two transfers touching the same
 * account would otherwise both need, so that one would die), then writes the new
 * balances and, with `commit`, commits. An account that would go below zero rolls
 * the transaction back instead.
 */
export function runTransfers(txn: Transaction, moves: readonly Move[], options: { commit: boolean; onCommit?: () => void }): TransferProgress {
  const progress: TransferProgress = { declined: false, written: false };
  const accounts = [...new Set(moves.flatMap((move) => [move.from, move.to]))];
  const reads = accounts.map((key) => txn.read(key, { forUpdate: true }));
  reads[reads.length - 1].onComplete(() => {
    if (reads.some((read) => read.outcome !== 'ok')) return;
    const balances = new Map(accounts.map((key, index) => [key, balanceOf(reads[index].value) ?? 0]));
    for (const move of moves) {
      balances.set(move.from, balances.get(move.from)! - move.amount);
      balances.set(move.to, balances.get(move.to)! + move.amount);
    }
    if ([...balances.values()].some((balance) => balance < 0)) {
      progress.declined = true;
      txn.rollback();
      return;
    }
    const writes = accounts.map((key) => txn.write(key, `${balances.get(key)}:${txn.id}`));
    writes[writes.length - 1].onComplete(() => (progress.written = writes.every((write) => write.outcome === 'ok')));
    if (!options.commit) return;
    options.onCommit?.();
    txn.commit();
  });
  return progress;
}

/** Account keys `account-n`, taken from every shard in turn so that all shards hold some. */
function spreadAccounts(system: TransactionSystem, count: number): string[] {
  const byShard = new Map<string, string[]>();
  for (let index = 1; index <= count * 10; index++) {
    const key = `account-${index}`;
    const shard = system.shardOf(key);
    const keys = byShard.get(shard);
    if (keys === undefined) byShard.set(shard, [key]);
    else keys.push(key);
  }
  const shards = [...byShard.keys()].sort();
  const keys: string[] = [];
  for (let round = 0; keys.length < count; round++) {
    for (const shard of shards) {
      const key = byShard.get(shard)![round];
      if (keys.length < count && key !== undefined) keys.push(key);
    }
  }
  return keys.sort((left, right) => Number(left.split('-')[1]) - Number(right.split('-')[1]));
}
