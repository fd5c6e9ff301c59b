import { QueryError } from './errors';
import { checkColumnValue, type ColumnType, type Value } from './values';

/**
 * Tables and the catalog. A distributed table is hash-partitioned by its distribution
 * column: a row lives in the slot of its distribution value, so rows of different
 * tables with the same value share a slot and a shard (co-location, as Citus does for
 * tables in one co-location group). A reference table is small and has a full copy on
 * every shard, so any shard can join with it.
 */

export interface ColumnSchema {
  readonly name: string;
  readonly type: ColumnType;
}

export type TableKind = 'distributed' | 'reference';

export interface TableSchema {
  readonly name: string;
  readonly kind: TableKind;
  readonly columns: readonly ColumnSchema[];
  /** Columns that identify a row; for a distributed table it includes the distribution column. */
  readonly primaryKey: readonly string[];
  /** The column whose value places a row (distributed tables only). */
  readonly distributionColumn: string | null;
}

export type Row = readonly Value[];

const identifier = /^[a-z_][a-z0-9_]{0,62}$/;
const columnTypes: readonly ColumnType[] = ['int', 'text', 'bool'];
/** Tables a catalog holds at most (a limit on everything). */
export const tablesMax = 64;
export const columnsMax = 32;

export function defineTable(definition: {
  name: string;
  kind: TableKind;
  columns: readonly ColumnSchema[];
  primaryKey?: readonly string[];
  distributionColumn?: string | null;
}): TableSchema {
  const { name, kind, columns } = definition;
  if (!identifier.test(name)) throw new QueryError('data', `a table name is lower-case letters, digits and _, starting with a letter; got ${JSON.stringify(name)}`);
  if (columns.length === 0 || columns.length > columnsMax) throw new QueryError('data', `table ${name} needs 1 to ${columnsMax} columns, got ${columns.length}`);
  const names = new Set<string>();
  for (const column of columns) {
    if (!identifier.test(column.name)) throw new QueryError('data', `table ${name}: a column name is lower-case letters, digits and _; got ${JSON.stringify(column.name)}`);
    if (names.has(column.name)) throw new QueryError('data', `table ${name} has column ${column.name} twice`);
    if (!columnTypes.includes(column.type)) throw new QueryError('data', `table ${name}: column ${column.name} has type ${JSON.stringify(column.type)}; the types are int, text and bool`);
    names.add(column.name);
  }
  const primaryKey = definition.primaryKey ?? [columns[0].name];
  for (const column of primaryKey) if (!names.has(column)) throw new QueryError('data', `table ${name}: primary key column ${column} is not a column`);
  const distributionColumn = kind === 'reference' ? null : (definition.distributionColumn ?? primaryKey[0]);
  if (kind === 'reference' && definition.distributionColumn) throw new QueryError('data', `reference table ${name} has no distribution column: it is copied to every shard`);
  if (distributionColumn !== null) {
    if (!names.has(distributionColumn)) throw new QueryError('data', `table ${name}: distribution column ${distributionColumn} is not a column`);
    // As in Citus: the key that identifies a row must place it, or one key could live in two slots.
    if (!primaryKey.includes(distributionColumn)) throw new QueryError('data', `table ${name}: the distribution column ${distributionColumn} must be part of the primary key (${primaryKey.join(', ')})`);
  }
  return Object.freeze({ name, kind, columns: Object.freeze(columns.map((column) => Object.freeze({ ...column }))), primaryKey: Object.freeze([...primaryKey]), distributionColumn });
}

export function columnIndex(table: TableSchema, column: string): number {
  const index = table.columns.findIndex((candidate) => candidate.name === column);
  if (index < 0) throw new QueryError('unknown-name', `column "${column}" does not exist in table ${table.name}`);
  return index;
}

/** Checks a row given as a record by column name; missing columns are NULL, unknown ones refused. */
export function rowFromRecord(table: TableSchema, record: Readonly<Record<string, unknown>>): Row {
  for (const key of Object.keys(record)) columnIndex(table, key);
  const row = table.columns.map((column) => checkColumnValue(record[column.name] ?? null, column.type, `${table.name}.${column.name}`));
  for (const column of table.primaryKey) {
    if (row[columnIndex(table, column)] === null) throw new QueryError('data', `${table.name}.${column} is part of the primary key and cannot be NULL`);
  }
  return row;
}

/** The tables of one database, by name. */
export class Catalog {
  private readonly tables = new Map<string, TableSchema>();

  add(table: TableSchema): void {
    if (this.tables.has(table.name)) throw new QueryError('data', `table ${table.name} already exists`);
    if (this.tables.size >= tablesMax) throw new QueryError('data', `a database holds at most ${tablesMax} tables`);
    this.tables.set(table.name, table);
  }

  has(name: string): boolean {
    return this.tables.has(name);
  }

  table(name: string): TableSchema {
    const table = this.tables.get(name);
    if (table === undefined) {
      const known = [...this.tables.keys()].sort().join(', ') || 'none';
      throw new QueryError('unknown-name', `table "${name}" does not exist (tables: ${known})`);
    }
    return table;
  }

  get all(): TableSchema[] {
    return [...this.tables.values()];
  }
}
