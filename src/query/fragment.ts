import { type AggregateCall, accumulate, type Expr, evaluate, finish, holds, initialState, type PartialState } from './expression';
import { encodeKeyValue } from './row-keys';
import type { Row } from './schema';
import { compareForSort, type SortDirection, type Value } from './values';

/**
 * A query fragment: what one shard runs over its own rows, as plain data that travels in
 * a message. Modes:
 * - `rows`: filter, then compute the output expressions (and sort keys) of every row;
 * - `complete`: the whole grouped query, when every group lives on one shard;
 * - `partial`: group and send partial aggregate states, merged at the coordinator;
 * - `scan`: send the stored rows as they are (the no-pushdown baseline).
 * A shard sorts what it sends by `sortKeys` and, with `limit`, sends only the first rows.
 */
export type FragmentMode = 'rows' | 'complete' | 'partial' | 'scan';

export interface FragmentTable {
  readonly name: string;
  readonly kind: 'distributed' | 'reference';
  /** Key prefix of the table's rows in the store. */
  readonly prefix: string;
  readonly columnCount: number;
  /** For a reference table: rows every shard's copy must hold at least (a smaller copy is an error, never a silent miss). */
  readonly minimumRows?: number;
}

export type FragmentJoin =
  /** Rows of the two distributed tables with equal distribution values meet on the same shard. */
  | { readonly kind: 'co-located'; readonly leftColumn: number; readonly rightColumn: number }
  /** The second (or first) table is a reference table, copied to this shard. */
  | { readonly kind: 'reference' };

export interface FragmentSortKey extends SortDirection {
  /** Column of the emitted row. */
  readonly index: number;
}

export interface Fragment {
  readonly mode: FragmentMode;
  readonly tables: readonly FragmentTable[];
  readonly join: FragmentJoin | null;
  readonly joinOn: Expr | null;
  readonly filter: Expr | null;
  readonly groupBy: readonly Expr[];
  readonly aggregates: readonly AggregateCall[];
  readonly having: Expr | null;
  /** Emitted columns: outputs then sort keys (rows, complete), over the joined row or after aggregation. */
  readonly project: readonly Expr[];
  readonly sortKeys: readonly FragmentSortKey[];
  readonly limit: number | null;
}

/** Counts of what a fragment did, for EXPLAIN ANALYZE. */
export interface FragmentStats {
  rowsRead: number;
  rowsMatched: number;
}

/** Runs a fragment over the rows of its tables (one list per table, already this shard's). */
export function runFragment(fragment: Fragment, tableRows: readonly (readonly Row[])[], stats?: FragmentStats): Value[][] {
  if (fragment.mode === 'scan') return tableRows.flatMap((rows, table) => rows.map((row) => [table, ...row]));
  const matched = joinedRows(fragment, tableRows).filter((row) => holds(fragment.filter, row));
  if (stats !== undefined) {
    stats.rowsRead += tableRows.reduce((sum, rows) => sum + rows.length, 0);
    stats.rowsMatched += matched.length;
  }
  let emitted: Value[][];
  if (fragment.mode === 'rows') emitted = matched.map((row) => fragment.project.map((expr) => evaluate(expr, row)));
  else if (fragment.mode === 'partial') emitted = partialGroups(fragment.groupBy, fragment.aggregates, matched);
  else emitted = finishGroups(fragment.groupBy.length, fragment.aggregates, partialGroups(fragment.groupBy, fragment.aggregates, matched, true), fragment.having, fragment.project);
  return topRows(emitted, fragment.sortKeys, fragment.limit);
}

function joinedRows(fragment: Fragment, tableRows: readonly (readonly Row[])[]): Row[] {
  if (fragment.tables.length === 1) return tableRows[0] as Row[];
  const [left, right] = tableRows;
  const joined: Row[] = [];
  if (fragment.join?.kind === 'co-located') {
    const { leftColumn, rightColumn } = fragment.join;
    const width = fragment.tables[0].columnCount;
    const byValue = new Map<string, Row[]>();
    for (const row of right) {
      const value = row[rightColumn - width];
      if (value === null) continue;
      const key = encodeKeyValue(value);
      const list = byValue.get(key);
      if (list === undefined) byValue.set(key, [row]);
      else list.push(row);
    }
    for (const row of left) {
      const value = row[leftColumn];
      if (value === null) continue;
      for (const match of byValue.get(encodeKeyValue(value)) ?? []) {
        const combined = [...row, ...match];
        if (holds(fragment.joinOn, combined)) joined.push(combined);
      }
    }
    return joined;
  }
  // A reference table is small: a nested loop over it is cheap.
  for (const row of left) {
    for (const other of right) {
      const combined = [...row, ...other];
      if (holds(fragment.joinOn, combined)) joined.push(combined);
    }
  }
  return joined;
}

/**
 * Groups rows and folds the aggregates: one emitted row [keys…, states…] per group, in the
 * order groups first appear. Without GROUP BY there is always exactly one group, even over
 * no rows (COUNT(*) of nothing is one row saying 0).
 */
export function partialGroups(groupBy: readonly Expr[], aggregates: readonly AggregateCall[], rows: readonly Row[], global = groupBy.length === 0): Value[][] {
  const groups = new Map<string, { keys: Value[]; states: PartialState[] }>();
  if (global && groupBy.length === 0) groups.set('[]', { keys: [], states: aggregates.map(initialState) });
  for (const row of rows) {
    const keys = groupBy.map((expr) => evaluate(expr, row));
    const id = JSON.stringify(keys);
    let group = groups.get(id);
    if (group === undefined) {
      group = { keys, states: aggregates.map(initialState) };
      groups.set(id, group);
    }
    for (let index = 0; index < aggregates.length; index++) group.states[index] = accumulate(aggregates[index], group.states[index], row);
  }
  return [...groups.values()].map((group) => [...group.keys, ...(group.states as Value[])]);
}

/** From [keys…, states…] per group to the emitted rows: finish the aggregates, apply HAVING, project. */
export function finishGroups(keyCount: number, aggregates: readonly AggregateCall[], groups: readonly Value[][], having: Expr | null, project: readonly Expr[]): Value[][] {
  const out: Value[][] = [];
  for (const group of groups) {
    const row = [...group.slice(0, keyCount), ...aggregates.map((call, index) => finish(call, group[keyCount + index] as PartialState))];
    if (holds(having, row)) out.push(project.map((expr) => evaluate(expr, row)));
  }
  return out;
}

export function compareRows(left: readonly Value[], right: readonly Value[], keys: readonly FragmentSortKey[]): number {
  for (const key of keys) {
    const order = compareForSort(left[key.index], right[key.index], key);
    if (order !== 0) return order;
  }
  return 0;
}

/** Sorts (stably) by the keys and keeps the first `limit` rows; a limit alone keeps any `limit` rows. */
export function topRows(rows: Value[][], keys: readonly FragmentSortKey[], limit: number | null): Value[][] {
  const sorted = keys.length === 0 ? rows : [...rows].sort((left, right) => compareRows(left, right, keys));
  return limit === null ? sorted : sorted.slice(0, limit);
}
