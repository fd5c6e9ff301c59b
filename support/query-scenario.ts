import { After, AfterAll } from '@cucumber/cucumber';
import { QueryEngine, type QueryRun } from '../src/api/query-engine';
import { type ColumnType, distributedRowKey, formatValue, parseColumnValue, type Row, shardOfRow, type TableSchema, type Value } from '../src/query';
import type { NodeId } from '../src/runtime/ports';
import type { Transaction } from '../src/txn/client';
import { TransactionSystem } from '../src/api/transaction-system';
import { migrationPorts } from '../src/api/migration-ports';
import { MigrationExecutor } from '../src/rebalance/executor';
import { slotsOf } from '../src/sharding/slots';
import { closeSharedPostgres, compareWithOracle, OracleSchema } from './sql-oracle';
import type { Principal } from '../src/auth/types';
import type { PhantomWorld } from './world';

/** Bound for loading rows: inserts are acknowledged within the client's 10 s deadline, retries included. */
const LOAD_BOUND_MS = 60_000;
/** Bound for one query: its own time-out (3 s) and some slack; a query never ends later. */
/** Bound for a split to finish while queries run. */
/** A split made while queries run must finish within this much virtual time. */
export const SPLIT_BOUND_MS = 60_000;
const QUERY_BOUND_MS = 5_000;

/**
 * The queries part of a scenario: tables and rows (in the store and in the PostgreSQL
 * oracle), the last query and its oracle verdict, and the transfer workload of the
 * snapshot scenario. Every query result is compared with PostgreSQL's answer on the same
 * rows as soon as the query returns.
 */
export class QueryScenario {
  private engineValue: QueryEngine | undefined;
  private oracleValue: Promise<OracleSchema> | undefined;
  private lastRun: QueryRun | undefined;
  private lastText: string | undefined;
  readonly periodicRuns: QueryRun[] = [];
  transfersCommitted = 0;
  transfersAborted = 0;
  private txnSystem: TransactionSystem | undefined;

  constructor(private readonly world: PhantomWorld) {}

  get engine(): QueryEngine {
    if (this.engineValue !== undefined) return this.engineValue;
    const database = this.world.cluster.database;
    if (database.shardIds().length === 0) throw new Error(`In step "${this.world.currentStep}": start the store first ("a running cluster of … storing data in … shards")`);
    this.engineValue = new QueryEngine(this.world.sim, database);
    return this.engineValue;
  }

  private oracle(): Promise<OracleSchema> {
    this.oracleValue ??= OracleSchema.create(this.world.scenarioName || 'scenario');
    return this.oracleValue;
  }

  async dispose(): Promise<void> {
    if (this.oracleValue !== undefined) await (await this.oracleValue).drop();
  }

  // ---- tables and rows --------------------------------------------------------------------

  async createTable(name: string, kind: 'distributed' | 'reference', distributionColumn: string | null, columns: { column: string; type: string; key?: string }[]): Promise<void> {
    const primaryKey = columns.filter((column) => column.key === 'yes').map((column) => column.column);
    const table = this.engine.createTable({
      name,
      kind,
      columns: columns.map((column) => ({ name: column.column, type: column.type as ColumnType })),
      primaryKey: primaryKey.length > 0 ? primaryKey : undefined,
      distributionColumn,
    });
    await (await this.oracle()).createTable(table);
  }

  /** Rows from a data table whose header names the columns; "NULL" is a null. */
  rowsFromTable(tableName: string, raw: string[][]): Row[] {
    const table = this.engine.table(tableName);
    const [header, ...body] = raw;
    const columns = header.map((name) => {
      const index = table.columns.findIndex((column) => column.name === name);
      if (index < 0) throw new Error(`In step "${this.world.currentStep}": ${tableName} has no column "${name}" (columns: ${table.columns.map((column) => column.name).join(', ')})`);
      return index;
    });
    return body.map((cells, line) => {
      const row: Value[] = table.columns.map(() => null);
      cells.forEach((cell, position) => {
        const column = table.columns[columns[position]];
        row[columns[position]] = parseColumnValue(cell, column.type, `row ${line + 1}, column ${column.name}`);
      });
      return row;
    });
  }

  /**
   * N rows from a seed: key columns count up from 1 (a second key column counts up too,
   * so rows stay unique), a distribution column that is not the only key takes one of
   * N/5 values, other int columns 0–999, text from a small vocabulary, bool either; 1 in
   * 20 non-key values is NULL.
   */
  generatedRows(tableName: string, count: number, seed: number): Row[] {
    const table = this.engine.table(tableName);
    const random = seededRandom(seed);
    const words = ['north', 'south', 'east', 'west', 'Alpha', 'beta', 'Gamma', 'delta'];
    return Array.from({ length: count }, (_, index) =>
      table.columns.map((column): Value => {
        const isKey = table.primaryKey.includes(column.name);
        if (isKey && column.name === table.distributionColumn && table.primaryKey.length > 1) return 1 + Math.floor(random() * Math.max(1, count / 5));
        if (isKey) return column.type === 'int' ? index + 1 : column.type === 'text' ? `k${index + 1}` : index % 2 === 0;
        if (random() < 0.05) return null;
        if (column.type === 'int') return Math.floor(random() * 1000);
        if (column.type === 'text') return words[Math.floor(random() * words.length)];
        return random() < 0.5;
      }),
    );
  }

  async insert(tableName: string, rows: readonly Row[]): Promise<void> {
    const batch = this.engine.insert(tableName, rows);
    this.world.waitUntil(() => batch.done, LOAD_BOUND_MS, `${rows.length} rows of ${tableName} to be stored`);
    if (batch.failures.length > 0) throw new Error(`rows of ${tableName} were refused:\n${batch.failures.join('\n')}`);
    await (await this.oracle()).insert(this.engine.table(tableName), rows);
  }

  // ---- queries -----------------------------------------------------------------------------

  /** Runs a query to the end, and compares its rows with PostgreSQL's. A refused or failed query keeps its error for a Then-step. */
  async run(text: string, options: { pushdown?: boolean; prune?: boolean } = {}): Promise<QueryRun> {
    const run = await this.runQuietly(text, options);
    if (!run.ok) this.world.attempt(() => {
      throw run.error!;
    });
    return run;
  }

  /** Runs a query to the end (as a user, when a principal is given) and compares a result with PostgreSQL's; an error is left to the caller. */
  async runQuietly(text: string, options: { pushdown?: boolean; prune?: boolean; principal?: Principal } = {}): Promise<QueryRun> {
    const run = this.engine.query(text, options);
    this.world.waitUntil(() => run.done, QUERY_BOUND_MS, `the query to finish: ${text}`);
    this.lastRun = run;
    this.lastText = text;
    if (run.ok) await this.compareWithOracle(run);
    return run;
  }

  /** Transactions and locks some shard leader holds for queries (read-only attempts), as text; empty when none. */
  queryLocksHeld(): string[] {
    const database = this.world.cluster.database;
    const held: string[] = [];
    for (const shard of database.shardIds()) {
      const leader = database.leaderOf(shard);
      const transactions = leader === undefined ? [] : database.kvOn(leader)?.machine(shard)?.transactions.transactions() ?? [];
      for (const txn of transactions) if (/\.q\d+\.a\d+$/.test(txn.txnId)) held.push(`${shard}: ${txn.txnId} holds ${txn.lockedKeys.join(', ')}`);
    }
    return held;
  }

  async runAgain(options: { pushdown?: boolean; prune?: boolean }): Promise<QueryRun> {
    if (this.lastText === undefined) throw new Error(`In step "${this.world.currentStep}": no query has run yet`);
    return this.run(this.lastText, options);
  }

  /** Compares a finished query's rows with PostgreSQL's answer over the rows as loaded; throws on a difference. */
  async compareWithOracle(run: QueryRun): Promise<void> {
    if (run.compiled === undefined || run.compiled.explain === 'plan') return;
    const selectText = run.text.replace(/^\s*explain(\s+analyze)?\b/i, '');
    const answer = await (await this.oracle()).query(selectText);
    if (!answer.ok) throw new Error(`PostgreSQL refused the query the engine answered: ${answer.error}\n${selectText}`);
    const difference = compareWithOracle(run.compiled.query, run.execution!.rows, answer.rows);
    if (difference !== null) throw new Error(`the engine's answer differs from PostgreSQL's for\n${selectText}\n${difference}`);
  }

  get last(): QueryRun {
    if (this.lastRun === undefined) throw new Error(`In step "${this.world.currentStep}": no query has run yet`);
    return this.lastRun;
  }

  /** The shard holding rows of a distributed table with this distribution value. */
  shardHolding(tableName: string, column: string, value: number): string {
    const table = this.engine.table(tableName);
    if (table.distributionColumn !== column) throw new Error(`In step "${this.world.currentStep}": ${tableName} is distributed by ${table.distributionColumn ?? 'nothing (a reference table)'}, not ${column}`);
    const row = table.columns.map((candidate) => (candidate.name === column ? value : null));
    return shardOfRow(this.world.cluster.database.shardMap, table, row);
  }

  // ---- the snapshot workload ----------------------------------------------------------------

  /**
   * Transfers between random rows of a table (each a transaction that reads two rows for
   * update, moves an amount of `column` from one to the other and commits) by four
   * clients, while `text` runs every `everyMs`; every run is compared with PostgreSQL
   * holding the rows as loaded, so the query must be one the transfers cannot change
   * (a sum, a count).
   */
  /** Runs of the periodic query that started while slots were moving (see `splitWhileQuerying`). */
  runsDuringMoves = 0;

  /**
   * The rebalancer splits the shard in two (the upper half of its slots, with their rows,
   * moves to a new shard on the same replicas) while `text` runs every `everyMs`, until
   * the split is done (at most 60 s of virtual time); then one more run on the settled map.
   */
  splitWhileQuerying(shardId: string, everyMs: number, text: string): void {
    const database = this.world.cluster.database;
    const { executor, newShard, deadlineMs } = submitSplit(this.world, shardId, 'scenario: split while querying');
    let current: QueryRun | undefined;
    const started = (): void => {
      if (!executor.idle) this.runsDuringMoves++;
      current = this.engine.query(text, { client: 'auditor' });
    };
    started();
    while (!executor.idle || !current!.done) {
      if (this.world.sim.nowMs >= deadlineMs) throw splitTooSlow(shardId);
      this.world.sim.runFor(everyMs);
      if (current!.done) {
        this.periodicRuns.push(current!);
        if (!executor.idle) started();
      }
    }
    if (!this.periodicRuns.includes(current!)) this.periodicRuns.push(current!);
    if (!database.shardMap.shards.some((candidate) => candidate.id === newShard)) throw new Error(`the split of ${shardId} ended without making ${newShard}`);
    const last = this.engine.query(text, { client: 'auditor' });
    this.world.waitUntil(() => last.done, QUERY_BOUND_MS, 'the query on the settled map');
    this.periodicRuns.push(last);
  }

  async transfersWhileQuerying(column: string, tableName: string, durationMs: number, everyMs: number, text: string): Promise<void> {
    const table = this.engine.table(tableName);
    const valueColumn = table.columns.findIndex((candidate) => candidate.name === column);
    if (valueColumn < 0 || table.columns[valueColumn].type !== 'int') throw new Error(`In step "${this.world.currentStep}": ${tableName} has no int column ${column}`);
    const keys = await this.keysOf(table);
    this.txnSystem ??= new TransactionSystem(this.world.sim, this.world.cluster.database);
    const system = this.txnSystem;
    const endMs = this.world.sim.nowMs + durationMs;
    const random = seededRandom(this.world.seed);
    const transfer = (client: string): void => {
      if (this.world.sim.nowMs >= endMs) return;
      const from = keys[Math.floor(random() * keys.length)];
      let to = keys[Math.floor(random() * keys.length)];
      if (to === from) to = keys[(keys.indexOf(from) + 1) % keys.length];
      const amount = 1 + Math.floor(random() * 20);
      moveBetweenRows(system.client(client).begin(), from, to, valueColumn, amount, (outcome) => {
        if (outcome === 'committed') this.transfersCommitted++;
        else this.transfersAborted++;
        transfer(client);
      });
    };
    for (let index = 1; index <= 4; index++) transfer(`transfers-${index}`);
    let current: QueryRun | undefined;
    while (this.world.sim.nowMs < endMs) {
      if (current === undefined || current.done) {
        if (current !== undefined) this.periodicRuns.push(current);
        current = this.engine.query(text, { client: 'auditor' });
      }
      this.world.sim.runFor(everyMs);
    }
    if (current !== undefined) {
      this.world.waitUntil(() => current!.done, QUERY_BOUND_MS, 'the last query to finish');
      this.periodicRuns.push(current);
    }
    this.world.waitUntil(() => system.allResolved(), 10_000, 'the transfers to finish');
    for (const run of this.periodicRuns) if (run.ok) await this.compareWithOracle(run);
  }

  private async keysOf(table: TableSchema): Promise<string[]> {
    const answer = await (await this.oracle()).query(`SELECT ${table.columns.map((column) => column.name).join(', ')} FROM ${table.name}`);
    if (!answer.ok) throw new Error(answer.error);
    return answer.rows.map((row) => distributedRowKey(table, row));
  }

  nodesOfShard(shardId: string): NodeId[] {
    return this.world.cluster.database.replicaNodes(shardId);
  }
}

/**
 * One transfer: reads both rows for update, moves `amount` of the int column at `column`
 * from one to the other, writes both and commits (rolls back if a row is missing);
 * `ended` gets the outcome.
 */
export function moveBetweenRows(txn: Transaction, from: string, to: string, column: number, amount: number, ended: (outcome: Transaction['outcome']) => void): void {
  const reads = [txn.read(from, { forUpdate: true }), txn.read(to, { forUpdate: true })];
  let pending = reads.length;
  const afterReads = (): void => {
    if (--pending > 0) return;
    if (reads.some((read) => read.outcome !== 'ok' || read.value === null)) return void txn.rollback();
    const [source, target] = reads.map((read) => JSON.parse(read.value!) as Value[]);
    source[column] = (source[column] as number) - amount;
    target[column] = (target[column] as number) + amount;
    txn.write(from, JSON.stringify(source));
    txn.write(to, JSON.stringify(target));
    txn.commit();
  };
  for (const read of reads) read.onComplete(afterReads);
  txn.onEnded((done: Transaction) => ended(done.outcome));
}

/**
 * Splits `shardId` at the middle of its slots into `<shardId>-split` on the same replicas,
 * through a migration executor of its own: the split both query scenarios make. The caller
 * runs the simulation until `executor.idle`, at most until `deadlineMs`.
 */
export function submitSplit(world: PhantomWorld, shardId: string, reason: string): { executor: MigrationExecutor; newShard: string; deadlineMs: number } {
  const database = world.cluster.database;
  const shard = database.shardMap.shards.find((candidate) => candidate.id === shardId)!;
  const slots = [...slotsOf(shard.slots)];
  const newShard = `${shardId}-split`;
  const executor = new MigrationExecutor(migrationPorts(world.sim, database));
  executor.submit([{ kind: 'split', shard: shardId, newShard, ranges: [{ start: slots[Math.floor(slots.length / 2)], endExclusive: slots[slots.length - 1] + 1 }], replicas: [...shard.replicas], reason }]);
  return { executor, newShard, deadlineMs: world.sim.nowMs + SPLIT_BOUND_MS };
}

/** The error when a split made by `submitSplit` outlives its bound; `detail` says why, when known. */
export function splitTooSlow(shardId: string, detail?: string): Error {
  return new Error(`the split of ${shardId} did not finish within ${SPLIT_BOUND_MS / 1000} s of virtual time${detail === undefined ? '' : ` (${detail})`}`);
}

export function queries(world: PhantomWorld): QueryScenario {
  return world.part('queries', () => new QueryScenario(world));
}

// The oracle's schema of a scenario is dropped when it ends (PostgreSQL itself stays up for the next one).
After(async function (this: PhantomWorld) {
  if (this.hasPart('queries')) await queries(this).dispose();
});

// PostgreSQL itself stops when the run ends, so that a run in one process (`--parallel 0`) can exit.
AfterAll(async function () {
  await closeSharedPostgres();
});

/** Result rows as the text a data table holds ("NULL" for null). */
export function formatRows(rows: readonly Value[][]): string[][] {
  return rows.map((row) => row.map(formatValue));
}

/** mulberry32: a small seeded generator for generated rows (support code, not the simulation's streams). */
function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
