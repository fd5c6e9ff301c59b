import type { BoundQuery } from '../src/query';
import { compareForSort, formatValue, type SqlType, type Value } from '../src/query';

/**
 * Compares the engine's rows with PostgreSQL's for the same query. Without ORDER BY the
 * rows are compared as multisets. With ORDER BY on result columns, rows must come in the
 * same order except among rows that tie on every ORDER BY key (SQL leaves their order
 * open); with a LIMIT, the last run of ties may also hold different rows. Numeric results
 * (AVG) are compared to 1e-9 relative; PostgreSQL returns them as decimal text.
 */
export function compareWithOracle(query: BoundQuery, engine: readonly (readonly Value[])[], oracle: readonly (readonly Value[])[]): string | null {
  const types = query.outputs.map((output) => output.expr.t);
  const ours = engine.map((row) => normalizeRow(row, types));
  const theirs = oracle.map((row) => normalizeRow(row, types));
  if (ours.length !== theirs.length) return `the engine returned ${ours.length} rows, PostgreSQL ${theirs.length}\n${table('engine', ours)}\n${table('postgres', theirs)}`;
  if (query.orderBy.length === 0) {
    if (query.limit !== null) return null; // any `limit` rows are a right answer
    return sameMultiset(ours, theirs) ? null : `different rows\n${table('engine', ours)}\n${table('postgres', theirs)}`;
  }
  const keyColumns = query.orderBy.map((key) => query.outputs.findIndex((output) => JSON.stringify(output.expr) === JSON.stringify(key.expr)));
  if (keyColumns.some((index) => index < 0)) {
    return ours.every((row, index) => sameRow(row, theirs[index])) ? null : `different rows or order\n${table('engine', ours)}\n${table('postgres', theirs)}`;
  }
  const runsOurs = runs(ours, keyColumns, query);
  const runsTheirs = runs(theirs, keyColumns, query);
  if (runsOurs.length !== runsTheirs.length) return `different order\n${table('engine', ours)}\n${table('postgres', theirs)}`;
  for (let index = 0; index < runsOurs.length; index++) {
    const last = index === runsOurs.length - 1 && query.limit !== null;
    const a = runsOurs[index];
    const b = runsTheirs[index];
    if (a.length !== b.length || !sameRow(keyColumns.map((column) => a[0][column]), keyColumns.map((column) => b[0][column]))) return `different order\n${table('engine', ours)}\n${table('postgres', theirs)}`;
    if (!last && !sameMultiset(a, b)) return `different rows among ties\n${table('engine', ours)}\n${table('postgres', theirs)}`;
  }
  return null;
}

function runs(rows: readonly Value[][], keyColumns: readonly number[], query: BoundQuery): Value[][][] {
  const out: Value[][][] = [];
  for (const row of rows) {
    const current = out[out.length - 1];
    const tie = current !== undefined && keyColumns.every((column, index) => compareForSort(current[0][column], row[column], query.orderBy[index]) === 0 || sameValue(current[0][column], row[column]));
    if (tie) current.push(row);
    else out.push([row]);
  }
  return out;
}

function normalizeRow(row: readonly Value[], types: readonly SqlType[]): Value[] {
  return row.map((value, index) => {
    if (typeof value === 'string' && (types[index] === 'numeric' || types[index] === 'bigint')) return Number(value);
    return value;
  });
}

function sameValue(a: Value, b: Value): boolean {
  if (typeof a === 'number' && typeof b === 'number') return a === b || Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(a), Math.abs(b));
  return a === b;
}

function sameRow(a: readonly Value[], b: readonly Value[]): boolean {
  return a.length === b.length && a.every((value, index) => sameValue(value, b[index]));
}

function sameMultiset(a: readonly Value[][], b: readonly Value[][]): boolean {
  const key = (row: readonly Value[]): string => JSON.stringify(row.map((value) => (typeof value === 'number' ? Number(value.toPrecision(12)) : value)));
  const counts = new Map<string, number>();
  for (const row of a) counts.set(key(row), (counts.get(key(row)) ?? 0) + 1);
  for (const row of b) {
    const count = counts.get(key(row));
    if (count === undefined || count === 0) return false;
    counts.set(key(row), count - 1);
  }
  return true;
}

function table(title: string, rows: readonly Value[][]): string {
  const shown = rows.slice(0, 20).map((row) => `  | ${row.map(formatValue).join(' | ')} |`);
  return `${title} (${rows.length} rows):\n${shown.join('\n')}${rows.length > 20 ? '\n  …' : ''}`;
}

