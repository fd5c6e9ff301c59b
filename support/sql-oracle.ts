import { PGlite } from '@electric-sql/pglite';
import type { BoundQuery } from '../src/query';
import type { Row, TableSchema, Value } from '../src/query';
import { startPostgres } from './postgres-snapshot';

export { compareWithOracle } from './sql-oracle-compare';

/**
 * The correctness oracle for queries: PostgreSQL itself (PGlite, Postgres compiled to
 * WebAssembly), holding the same rows, answering the same query text. It takes seconds
 * to start, so one instance is started lazily per process and shared; every scenario or
 * property run gets a schema of its own and drops it afterwards.
 *
 * Text columns are declared COLLATE "C": PostgreSQL then orders and compares text by
 * byte (code point) order, which is what the engine does (src/query/values.ts).
 */

let shared: Promise<PGlite> | undefined;
let schemaCounter = 0;

export function sharedPostgres(): Promise<PGlite> {
  shared ??= startPostgres();
  return shared;
}

/**
 * Stops the shared instance, if one started (the next `sharedPostgres()` starts another).
 * A run calls it when all its tests are done: a PostgreSQL loaded from the initial data
 * directory (support/postgres-snapshot.ts) keeps a timer of its own (PostgreSQL's interval
 * timer through PGlite, 10 s, re-armed each time it fires) that would keep the process
 * from ending; one initialised afresh happens not to.
 */
export async function closeSharedPostgres(): Promise<void> {
  const running = shared;
  shared = undefined;
  if (running !== undefined) await (await running).close();
}

export type OracleAnswer = { readonly ok: true; readonly rows: Value[][] } | { readonly ok: false; readonly error: string };

export class OracleSchema {
  private constructor(
    private readonly db: PGlite,
    readonly name: string,
  ) {}

  static async create(label: string): Promise<OracleSchema> {
    const db = await sharedPostgres();
    const name = `s_${label.toLowerCase().replace(/[^a-z0-9]+/g, '_').slice(0, 30)}_${++schemaCounter}`;
    await db.exec(`DROP SCHEMA IF EXISTS ${name} CASCADE; CREATE SCHEMA ${name};`);
    return new OracleSchema(db, name);
  }

  async createTable(table: TableSchema): Promise<void> {
    const columns = table.columns.map((column) => `${column.name} ${{ int: 'integer', text: 'text COLLATE "C"', bool: 'boolean' }[column.type]}`);
    await this.db.exec(`CREATE TABLE ${this.name}.${table.name} (${columns.join(', ')}, PRIMARY KEY (${table.primaryKey.join(', ')}))`);
  }

  async insert(table: TableSchema, rows: readonly Row[]): Promise<void> {
    const batch = 500;
    for (let start = 0; start < rows.length; start += batch) {
      const slice = rows.slice(start, start + batch);
      const params: Value[] = [];
      const tuples = slice.map((row) => `(${row.map((value) => `$${params.push(value)}`).join(', ')})`);
      await this.db.query(`INSERT INTO ${this.name}.${table.name} VALUES ${tuples.join(', ')}`, params);
    }
  }

  /** Replaces a row (by primary key), as a transfer does. */
  async replace(table: TableSchema, row: Row): Promise<void> {
    const keys = table.primaryKey;
    const where = keys.map((key, index) => `${key} = $${index + 1}`).join(' AND ');
    const params = keys.map((key) => row[table.columns.findIndex((column) => column.name === key)]);
    await this.db.query(`DELETE FROM ${this.name}.${table.name} WHERE ${where}`, params);
    await this.insert(table, [row]);
  }

  async query(text: string): Promise<OracleAnswer> {
    try {
      await this.db.exec(`SET search_path TO ${this.name}`);
      const result = await this.db.query<unknown[]>(text, [], { rowMode: 'array' });
      return { ok: true, rows: result.rows.map((row) => row.map(normalize)) };
    } catch (error) {
      return { ok: false, error: error instanceof Error ? error.message : String(error) };
    } finally {
      await this.db.exec('SET search_path TO public');
    }
  }

  async drop(): Promise<void> {
    await this.db.exec(`DROP SCHEMA IF EXISTS ${this.name} CASCADE`);
  }
}

/** PostgreSQL's numeric and bigint come back as strings or bigints; the engine's as numbers. */
function normalize(value: unknown): Value {
  if (typeof value === 'bigint') return Number(value);
  if (value === null || typeof value === 'number' || typeof value === 'boolean' || typeof value === 'string') return value;
  return String(value);
}

export type { BoundQuery };
