import { encodeRow, primaryKeyPart, referenceRowKey, type Row, type TableSchema } from '../query';
import type { ShardMap } from '../sharding/shard-map';
import { slotsOf } from '../sharding/slots';
import type { Simulation } from '../sim';
import type { Transaction } from '../txn/client';
import type { TransactionSystem } from './transaction-system';

/**
 * The copies of reference tables (Citus's reference tables): every shard that can be a
 * join site holds a whole copy of each, in one of its slots.
 *
 * - A copy lives in a slot, under `r/<table>/{<tag of the slot>}/<key>`, so it moves with
 *   its slot. The slots holding copies are known here (`copySlots`), and a slot keeps its
 *   number wherever it moves, so this stays true through every move.
 * - Each row reaches every copy in one transaction (src/txn/): a query, which reads under
 *   scan locks, sees a row in every copy or in none, so no two shards join with different
 *   versions of the table (no torn reference table).
 * - After slots move (a split makes a new shard; a move takes away the slot of a shard's
 *   only copy), a shard owning no copy slot gets a new copy in its first slot, written by
 *   one transaction, so the copy appears whole. Until then its queries wait (the shard
 *   answers that it holds no copy, and the query tries again).
 * - Inserts and placements of one table run one at a time, so a new copy is made from
 *   every row committed before it and every later insert writes it too.
 */

/** A reference row and the copies it is written to must fit one transaction of reasonable size. */
const COPY_ROWS_PER_TRANSACTION_MAX = 500;
/** How often shards are checked for a missing copy (virtual ms). */
const CHECK_INTERVAL_MS = 50;
/** A transaction that aborted (a lock conflict) is tried again after this long. */
const RETRY_MS = 20;

interface Job {
  readonly run: (done: () => void) => void;
}

interface TableCopies {
  readonly table: TableSchema;
  /** Slots holding a copy (committed, or being written by the job in progress). */
  readonly copySlots: Set<number>;
  /** Every committed row, by encoded primary key: what a new copy is made of. */
  readonly rows: Map<string, Row>;
  readonly queue: Job[];
  busy: boolean;
}

export interface ReferenceCopyEvents {
  /** A row is in every copy. */
  onRowCommitted(table: string): void;
}

export class ReferenceCopies {
  private readonly tables = new Map<string, TableCopies>();
  private checking = false;
  /** Copies placed after slots moved, as `table@slot on shard` (for tests and reports). */
  readonly placed: string[] = [];

  constructor(
    private readonly sim: Simulation,
    private readonly transactions: TransactionSystem,
    private readonly shardMap: () => ShardMap,
    private readonly events: ReferenceCopyEvents,
  ) {}

  /** Registers a reference table: one copy slot per shard of the current map (its first slot). */
  define(table: TableSchema): void {
    if (table.kind !== 'reference') throw new Error(`${table.name} is not a reference table`);
    const copySlots = new Set(this.shardMap().shards.map((shard) => shard.slots[0].start));
    this.tables.set(table.name, { table, copySlots, rows: new Map(), queue: [], busy: false });
    this.startChecking();
  }

  /** Slots holding a copy of the table (every slot keeps its copy wherever it moves). */
  copySlotsOf(tableName: string): number[] {
    return [...(this.tables.get(tableName)?.copySlots ?? [])].sort((a, b) => a - b);
  }

  /**
   * Inserts rows: a batch of rows is written to every copy in one transaction (rows whose
   * key is taken, by a committed row or an earlier one of the batch, are refused first).
   * `settle` is called once per row.
   */
  insert(tableName: string, rows: readonly Row[], settle: (ok: boolean, problem: string | undefined) => void): void {
    const copies = this.tables.get(tableName);
    if (copies === undefined) throw new Error(`${tableName} is not a registered reference table`);
    const rowsPerTransaction = Math.max(1, Math.floor(COPY_ROWS_PER_TRANSACTION_MAX / 8));
    for (let start = 0; start < rows.length; start += rowsPerTransaction) {
      const batch = rows.slice(start, start + rowsPerTransaction);
      this.enqueue(copies, (done) => this.insertBatch(copies, batch, settle, done));
    }
  }

  // ---- inserting -----------------------------------------------------------------------------

  private insertBatch(copies: TableCopies, rows: readonly Row[], settle: (ok: boolean, problem: string | undefined) => void, done: () => void): void {
    const fresh = new Map<string, Row>();
    for (const row of rows) {
      const key = primaryKeyPart(copies.table, row);
      if (copies.rows.has(key) || fresh.has(key)) settle(false, `duplicate key: ${copies.table.name} already has a row with key ${key}`);
      else fresh.set(key, row);
    }
    if (fresh.size === 0) return done();
    const slots = [...copies.copySlots].sort((a, b) => a - b);
    const writes = [...fresh.values()].flatMap((row) => slots.map((slot) => [referenceRowKey(copies.table, row, slot), encodeRow(row)] as const));
    this.writeAll(writes, (outcome) => {
      for (const [key, row] of fresh) {
        if (outcome !== 'committed') {
          settle(false, `the row of ${copies.table.name} with key ${key} was not stored: ${outcome}`);
          continue;
        }
        copies.rows.set(key, row);
        this.events.onRowCommitted(copies.table.name);
        settle(true, undefined);
      }
      done();
    });
  }

  /** Writes every key in one transaction, trying again after lock conflicts; reports the final outcome. */
  private writeAll(writes: readonly (readonly [string, string])[], done: (outcome: string) => void, attempt = 1): void {
    const client = this.transactions.client('reference-copies');
    const txn = client.begin();
    for (const [key, value] of writes) txn.write(key, value);
    txn.commit();
    txn.onEnded((ended: Transaction) => {
      if (ended.outcome === 'committed') return done('committed');
      // A conflict with a query's scan lock or another writer: the whole transaction is tried again.
      if (attempt >= 50) return done(`aborted ${attempt} times (last: ${ended.reason ?? 'no reason'})`);
      this.sim.scheduler.schedule(RETRY_MS, () => this.writeAll(writes, done, attempt + 1));
    });
  }

  // ---- placing copies where slots moved --------------------------------------------------------

  private startChecking(): void {
    if (this.checking) return;
    this.checking = true;
    const loop = (): void => {
      this.placeMissingCopies();
      this.sim.scheduler.schedule(CHECK_INTERVAL_MS, loop);
    };
    this.sim.scheduler.schedule(CHECK_INTERVAL_MS, loop);
  }

  /** Queues a new copy for every shard of the current map that owns no copy slot. */
  placeMissingCopies(): void {
    const map = this.shardMap();
    for (const copies of this.tables.values()) {
      for (const shard of map.shards) {
        if (shard.slots.length === 0) continue;
        const owned = new Set(slotsOf(shard.slots));
        if ([...copies.copySlots].some((slot) => owned.has(slot))) continue;
        const slot = shard.slots[0].start;
        copies.copySlots.add(slot); // claimed now, so the next check does not queue it twice
        this.enqueue(copies, (done) => this.placeCopy(copies, slot, `${copies.table.name}@${slot} on ${shard.id}`, done));
      }
    }
  }

  private placeCopy(copies: TableCopies, slot: number, label: string, done: () => void): void {
    const rows = [...copies.rows.values()];
    if (rows.length > COPY_ROWS_PER_TRANSACTION_MAX) throw new Error(`the reference table ${copies.table.name} has ${rows.length} rows: a copy is written in one transaction of at most ${COPY_ROWS_PER_TRANSACTION_MAX}`);
    if (rows.length === 0) {
      this.placed.push(label);
      return done();
    }
    this.writeAll(rows.map((row) => [referenceRowKey(copies.table, row, slot), encodeRow(row)] as const), (outcome) => {
      if (outcome === 'committed') this.placed.push(label);
      else copies.copySlots.delete(slot); // the next check tries again
      done();
    });
  }

  private enqueue(copies: TableCopies, run: Job['run']): void {
    copies.queue.push({ run });
    this.next(copies);
  }

  private next(copies: TableCopies): void {
    if (copies.busy) return;
    const job = copies.queue.shift();
    if (job === undefined) return;
    copies.busy = true;
    job.run(() => {
      copies.busy = false;
      this.next(copies);
    });
  }
}
