import type { Operation } from '../kv/client-operation';
import type { NodeRuntime } from '../runtime/node-runtime';
import type { ShardMap } from '../sharding/shard-map';
import type { Simulation } from '../sim';
import { QueryClient, QueryExecution } from '../query/client';
import {
  asQueryError,
  Catalog,
  compileQuery,
  type CompiledQuery,
  defineTable,
  distributedRowKey,
  encodeRow,
  explainPlan,
  type PlanOptions,
  QueryError,
  type Row,
  rowFromRecord,
  type TableSchema,
  type Value,
} from '../query';
import { QueryShardService } from '../query/shard-service';
import { TransactionSystem } from './transaction-system';
import { ReferenceCopies } from './reference-copies';
import type { Principal } from '../auth/types';
import type { ShardedDatabase } from './database';
import { ClusterSecurity } from './security';

/**
 * SQL over the sharded store: the catalog of tables, inserts through the key-value client
 * API, and queries run by a query client through the simulated network (src/query/).
 * It uses the database only through its public methods, and adds the query service to
 * every server node.
 */

export interface QueryEngineOptions {
  /** A query fails when not done within this long (virtual ms). */
  readonly timeoutMs?: number;
  /** Clients that load rows in parallel. */
  readonly loaders?: number;
}

export const defaultQueryTimeoutMs = 3_000;

/** Rows being inserted; done when every row was acknowledged or refused. */
export class InsertBatch {
  inserted = 0;
  readonly failures: string[] = [];
  private pending: number;

  constructor(
    readonly table: string,
    operations: number,
  ) {
    this.pending = operations;
  }

  get done(): boolean {
    return this.pending === 0;
  }

  settle(ok: boolean, problem: string | undefined): void {
    this.pending--;
    if (ok) this.inserted++;
    else if (problem !== undefined && this.failures.length < 20) this.failures.push(problem);
  }
}

/** A query on its way: compiled (or refused), then run. */
export class QueryRun {
  constructor(
    readonly text: string,
    readonly compiled: CompiledQuery | undefined,
    readonly execution: QueryExecution | undefined,
    private readonly refusal: QueryError | undefined,
  ) {}

  get done(): boolean {
    return this.execution === undefined || this.execution.done;
  }

  get ok(): boolean {
    return this.done && this.error === undefined;
  }

  get error(): QueryError | undefined {
    return this.refusal ?? this.execution?.error;
  }

  /** Result column names (for EXPLAIN: "QUERY PLAN"). */
  get columns(): string[] {
    if (this.compiled === undefined) return [];
    return this.compiled.explain === 'none' ? this.compiled.query.outputs.map((output) => output.name) : ['QUERY PLAN'];
  }

  /** The rows: the query's, or for EXPLAIN one row per line of the plan. */
  get rows(): Value[][] {
    if (!this.ok || this.compiled === undefined || this.execution === undefined) return [];
    if (this.compiled.explain === 'none') return this.execution.rows;
    return this.explainLines().map((line) => [line]);
  }

  explainLines(): string[] {
    if (this.compiled === undefined || this.execution === undefined) return [];
    return explainPlan(this.execution.plan, this.compiled.explain === 'analyze' || this.compiled.explain === 'none' ? this.execution.analysis : undefined);
  }
}

export class QueryEngine {
  readonly catalog = new Catalog();
  private readonly clients = new Map<string, QueryClient>();
  private loaderTurn = 0;
  /** Rows of each reference table acknowledged on every shard: a copy with fewer fails a query. */
  private readonly referenceRows = new Map<string, number>();
  private referenceCopiesValue: ReferenceCopies | undefined;

  constructor(
    private readonly sim: Simulation,
    private readonly database: ShardedDatabase,
    private readonly options: QueryEngineOptions = {},
  ) {
    database.addServiceInstaller((env, runtime: NodeRuntime) => {
      if (runtime.service('query') !== undefined) return;
      runtime.register('query', new QueryShardService(env, {
        group: (shardId) => this.database.raftOn(env.id)?.group(shardId),
        machine: (shardId) => this.database.kvOn(env.id)?.machine(shardId),
        shardMap: () => this.database.shardMap,
      }));
    });
  }

  createTable(definition: Parameters<typeof defineTable>[0]): TableSchema {
    const table = defineTable(definition);
    this.catalog.add(table);
    if (table.kind === 'reference') this.referenceCopies.define(table);
    return table;
  }

  /** The copies of reference tables: written by transactions, placed again where slots moved (src/api/reference-copies.ts). */
  get referenceCopies(): ReferenceCopies {
    this.referenceCopiesValue ??= new ReferenceCopies(this.sim, new TransactionSystem(this.sim, this.database), () => this.database.shardMap, {
      onRowCommitted: (table) => this.referenceRows.set(table, (this.referenceRows.get(table) ?? 0) + 1),
    });
    return this.referenceCopiesValue;
  }

  table(name: string): TableSchema {
    return this.catalog.table(name);
  }

  /**
   * Inserts rows. A distributed row goes through the key-value client API, one
   * compare-and-set (so a second row with the same primary key is refused, not
   * overwritten). Reference rows are written to every copy in one transaction per batch
   * (src/api/reference-copies.ts).
   */
  insert(tableName: string, rows: readonly (Row | Readonly<Record<string, unknown>>)[]): InsertBatch {
    const table = this.catalog.table(tableName);
    const checked = rows.map((row) => (Array.isArray(row) ? rowFromRecord(table, Object.fromEntries(table.columns.map((column, index) => [column.name, (row as Row)[index]]))) : rowFromRecord(table, row as Record<string, unknown>)));
    const map = this.database.shardMap;
    if (map.shards.length === 0) throw new QueryError('unavailable', 'create the store before inserting rows');
    const batch = new InsertBatch(table.name, checked.length);
    if (table.kind === 'reference') {
      this.referenceCopies.insert(table.name, checked, (ok, problem) => batch.settle(ok, problem));
      return batch;
    }
    const loaders = this.options.loaders ?? 8;
    for (const row of checked) {
      const client = this.database.client(`loader-${this.loaderTurn++ % loaders}`);
      client.cas(distributedRowKey(table, row), null, encodeRow(row), (operation: Operation) => batch.settle(operation.outcome === 'ok', describeFailure(table, row, operation)));
    }
    return batch;
  }

  /** Compiles and starts a query; a refused query comes back already failed, with the reason. */
  query(text: string, requested: PlanOptions & { client?: string; timeoutMs?: number; principal?: Principal } = {}): QueryRun {
    const options = { ...requested, referenceRows: this.referenceRows };
    let compiled: CompiledQuery;
    try {
      compiled = compileQuery(text, this.catalog, this.database.shardMap, options);
    } catch (error) {
      return new QueryRun(text, undefined, undefined, asQueryError(error));
    }
    const refusal = this.refusal(text, compiled, requested.principal);
    if (refusal !== undefined) return new QueryRun(text, compiled, undefined, refusal);
    if (compiled.explain === 'plan') return new QueryRun(text, compiled, this.planOnly(compiled), undefined);
    const execution = this.client(options.client ?? 'queries').run({
      plan: compiled.plan,
      replan: (map: ShardMap) => compileQuery(text, this.catalog, map, options).plan,
      timeoutMs: options.timeoutMs,
      principal: requested.principal,
    });
    return new QueryRun(text, compiled, execution, undefined);
  }

  /**
   * Every table the query reads needs read access for its user (issue 15): judged by the
   * role table before anything runs, so a refused query takes no lock and changes
   * nothing; the refusal goes to the audit log. The shards judge the query's scan locks
   * again, each by its own replicated role table.
   */
  private refusal(text: string, compiled: CompiledQuery, principal: Principal | undefined): QueryError | undefined {
    const security = new ClusterSecurity(this.sim, this.database);
    for (const table of new Set(compiled.query.tables.map((bound) => bound.schema.name))) {
      const decision = security.authorize(principal, 'read', { kind: 'table', table });
      if (decision.allowed) continue;
      this.database.audit.record('query coordinator', `query ${JSON.stringify(text.trim().replace(/\s+/g, ' ').slice(0, 80))}`, decision.refusal);
      return new QueryError('forbidden', `the query was refused: ${decision.refusal.text}`);
    }
    return undefined;
  }

  /** The names of the query clients created so far. */
  get clientNames(): string[] {
    return [...this.clients.keys()];
  }

  /** A query client on its own node `query-client:<name>`; created on first use. */
  client(name: string): QueryClient {
    let client = this.clients.get(name);
    if (client !== undefined) return client;
    this.sim.addNode(`query-client:${name}`, (env) => {
      client = new QueryClient(env, {
        clientId: name,
        shardMap: () => this.database.shardMap,
        tuning: this.database.txnSettings.tuning,
        timeoutMs: this.options.timeoutMs ?? defaultQueryTimeoutMs,
        fragmentAttemptTimeoutMs: 300,
      });
      const created = client;
      return { onMessage: (from, message) => created.onMessage(from, message) };
    }, {}, { plainMessages: true }); // PhantomDB's client: its fragments are plans it compiled from the query's text
    this.clients.set(name, client!);
    return client!;
  }

  /** EXPLAIN without ANALYZE runs nothing: an execution that is done at once, holding the plan. */
  private planOnly(compiled: CompiledQuery): QueryExecution {
    const execution = new QueryExecution(compiled.plan);
    execution.outcome = 'ok';
    return execution;
  }
}

function describeFailure(table: TableSchema, row: Row, operation: Operation): string | undefined {
  if (operation.outcome === 'ok') return undefined;
  const key = table.primaryKey.map((column) => `${column}=${JSON.stringify(row[table.columns.findIndex((candidate) => candidate.name === column)])}`).join(', ');
  if (operation.result?.kind === 'cas' && !operation.result.ok) return `duplicate key: ${table.name} already has a row with ${key}`;
  return `the row of ${table.name} with ${key} was not stored: ${operation.reason ?? operation.outcome}`;
}
