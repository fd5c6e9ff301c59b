import { type Shard, type ShardId, type ShardMap, shardById } from '../sharding/shard-map';
import type { BoundQuery, BoundTable, SortKey } from './binder';
import { QueryError } from './errors';
import { conjuncts, type Expr } from './expression';
import type { Fragment, FragmentJoin, FragmentSortKey, FragmentTable } from './fragment';
import { encodeKeyValue, slotOfValue, tablePrefix } from './row-keys';
import { columnIndex } from './schema';
import { formatValue, type Value } from './values';

/**
 * The distributed planner. It decides which shards a query must visit (the router plan
 * when equality or IN on the distribution column pins the slots, else a scatter to every
 * shard), what each shard runs (filters and projections always; aggregation in two stages,
 * or whole when every group lives on one shard; a per-shard top-k when it is safe), and
 * how the coordinator merges the answers (concatenate, heap merge of sorted streams, or
 * combine partial aggregates). Plans are pure data: EXPLAIN renders them.
 */

export interface Targets {
  readonly shards: readonly ShardId[];
  readonly kind: 'router' | 'pruned' | 'scatter' | 'reference';
  /** Why, in words: the condition and the slots it pins, or why every shard is needed. */
  readonly reason: string;
  /** For a pruned plan, the slots the condition pins on each shard asked: the only ones it reads there. */
  readonly pinnedSlots?: Readonly<Record<ShardId, readonly number[]>>;
}

export type MergeStep =
  | { readonly kind: 'concatenate' }
  | { readonly kind: 'heap-merge'; readonly sortKeys: readonly FragmentSortKey[] }
  | { readonly kind: 'aggregate'; readonly why: string }
  | { readonly kind: 'run-locally' };

export interface DistributedPlan {
  readonly query: BoundQuery;
  readonly epoch: number;
  readonly targets: Targets;
  readonly fragment: Fragment;
  readonly merge: MergeStep;
  /** Columns of an emitted row that are results (the rest are sort keys). */
  readonly outputCount: number;
  /** Sort keys over the final rows, applied by the coordinator after merging. */
  readonly finalSort: readonly FragmentSortKey[];
  readonly offset: number;
  readonly limit: number | null;
  /** Sentences about the choices made, for EXPLAIN. */
  readonly notes: readonly string[];
}

export interface PlanOptions {
  /** False plans the naive way: every shard sends every row and the coordinator does the rest. */
  readonly pushdown?: boolean;
  /** False asks every shard even when conditions pin the distribution column (to measure what pruning saves). */
  readonly prune?: boolean;
  /** Rows each reference table is known to hold (its copies must hold at least these). */
  readonly referenceRows?: ReadonlyMap<string, number>;
}

export function planQuery(query: BoundQuery, map: ShardMap, options: PlanOptions = {}): DistributedPlan {
  if (map.shards.length === 0) throw new QueryError('unavailable', 'the store has no shards yet');
  const join = joinKind(query);
  const tables: FragmentTable[] = query.tables.map((table) => ({
    name: table.schema.name,
    kind: table.schema.kind,
    prefix: tablePrefix(table.schema),
    columnCount: table.schema.columns.length,
    ...(table.schema.kind === 'reference' ? { minimumRows: options.referenceRows?.get(table.schema.name) ?? 0 } : {}),
  }));
  const notes: string[] = [];
  if (options.pushdown === false) return naivePlan(query, map, tables, join, notes);
  const targets = options.prune === false ? allShards(query, map, 'shard pruning is off, so every shard is asked') : chooseTargets(query, map);
  const base = { mode: 'rows' as const, tables, join, joinOn: query.joinOn, filter: query.where, groupBy: [] as Expr[], aggregates: query.aggregates, having: null };
  const sortKeys: FragmentSortKey[] = query.orderBy.map((key, index) => ({ index: query.outputs.length + index, descending: key.descending, nullsFirst: key.nullsFirst }));
  const project = [...query.outputs.map((output) => output.expr), ...query.orderBy.map((key) => key.expr)];
  const topK = query.limit === null ? null : query.limit + query.offset;
  const common = { query, epoch: map.epoch, targets, outputCount: query.outputs.length, offset: query.offset, limit: query.limit, notes };
  const streamMerge: MergeStep = sortKeys.length > 0 ? { kind: 'heap-merge', sortKeys } : { kind: 'concatenate' };
  if (!query.grouped) {
    return { ...common, fragment: { ...base, project, sortKeys, limit: topK }, merge: streamMerge, finalSort: [] };
  }
  const whole = groupsStayOnOneShard(query, targets);
  if (whole !== null) {
    notes.push(whole);
    return { ...common, fragment: { ...base, mode: 'complete', groupBy: query.groupBy, having: query.having, project, sortKeys, limit: topK }, merge: streamMerge, finalSort: [] };
  }
  // Two stages: partial states per shard, combined by the coordinator.
  const keyCount = query.groupBy.length;
  const orderOnKeysOnly = query.orderBy.length > 0 && query.orderBy.every((key) => key.expr.k === 'col' && key.expr.i < keyCount);
  let shardLimit: number | null = null;
  let shardSort: FragmentSortKey[] = [];
  if (topK !== null && query.orderBy.length > 0) {
    if (orderOnKeysOnly && query.having === null) {
      shardSort = query.orderBy.map((key) => ({ index: (key.expr as Extract<Expr, { k: 'col' }>).i, descending: key.descending, nullsFirst: key.nullsFirst }));
      shardLimit = topK;
      notes.push(`ORDER BY uses group keys only, so each shard sends just its first ${topK} groups: a group among the first ${topK} overall is among the first ${topK} on every shard that has rows of it`);
    } else {
      notes.push(`ORDER BY ${describeSort(query.orderBy)} needs ${query.having === null ? "every group's complete aggregates" : 'HAVING applied to complete groups'}, which no single shard has; so shards send all their groups, and the coordinator sorts and applies the LIMIT after merging (a per-shard top-k would be wrong here)`);
    }
  }
  return {
    ...common,
    fragment: { ...base, mode: 'partial', groupBy: query.groupBy, project: [], sortKeys: shardSort, limit: shardLimit },
    merge: { kind: 'aggregate', why: 'groups span shards' },
    finalSort: sortKeys,
  };
}

function naivePlan(query: BoundQuery, map: ShardMap, tables: FragmentTable[], join: FragmentJoin | null, notes: string[]): DistributedPlan {
  notes.push('pushdown is off: every shard sends every row of the tables, and the coordinator runs the whole query');
  const shards = query.tables.every((table) => table.schema.kind === 'reference') ? [map.shards[0].id] : map.shards.map((shard) => shard.id);
  return {
    query,
    epoch: map.epoch,
    targets: { shards, kind: 'scatter', reason: 'pushdown is off, so nothing narrows the shards' },
    fragment: { mode: 'scan', tables, join, joinOn: null, filter: null, groupBy: [], aggregates: [], having: null, project: [], sortKeys: [], limit: null },
    merge: { kind: 'run-locally' },
    outputCount: query.outputs.length,
    finalSort: [],
    offset: query.offset,
    limit: query.limit,
    notes,
  };
}

/** The kind of join, or a clear refusal for a join the shards cannot run on their own. */
function joinKind(query: BoundQuery): FragmentJoin | null {
  if (query.tables.length === 1) return null;
  const [left, right] = query.tables;
  if (left.schema.kind === 'reference' || right.schema.kind === 'reference') return { kind: 'reference' };
  const leftColumn = left.offset + columnIndex(left.schema, left.schema.distributionColumn!);
  const rightColumn = right.offset + columnIndex(right.schema, right.schema.distributionColumn!);
  const onDistribution = conjuncts(query.joinOn).some((expr) => expr.k === 'cmp' && expr.op === '=' && isColumnPair(expr.l, expr.r, leftColumn, rightColumn));
  if (!onDistribution) {
    throw new QueryError(
      'unsupported',
      `this join is not supported: ${left.alias} and ${right.alias} are both distributed tables, so they can only be joined on their distribution columns ` +
        `(${left.alias}.${left.schema.distributionColumn} = ${right.alias}.${right.schema.distributionColumn}), where matching rows share a shard; ` +
        `rows matched on other columns may live on different shards. Join on the distribution columns, or make one of them a reference table`,
    );
  }
  return { kind: 'co-located', leftColumn, rightColumn };
}

function isColumnPair(a: Expr, b: Expr, left: number, right: number): boolean {
  return a.k === 'col' && b.k === 'col' && ((a.i === left && b.i === right) || (a.i === right && b.i === left));
}

/** Columns of the joined row that hold a distributed table's distribution value (two for a co-located join). */
function distributionColumns(query: BoundQuery): { column: number; label: string }[] {
  return query.tables
    .filter((table) => table.schema.kind === 'distributed')
    .map((table: BoundTable) => ({ column: table.offset + columnIndex(table.schema, table.schema.distributionColumn!), label: query.tables.length > 1 ? `${table.alias}.${table.schema.distributionColumn}` : table.schema.distributionColumn! }));
}

function chooseTargets(query: BoundQuery, map: ShardMap): Targets {
  const distribution = distributionColumns(query);
  if (distribution.length === 0) {
    const shard = map.shards[0].id;
    return { shards: [shard], kind: 'reference', reason: `only reference tables: every shard has a copy, so one shard (${shard}) answers` };
  }
  const pinned = pinnedValues(query, distribution.map((entry) => entry.column));
  if (pinned === null) {
    return { shards: map.shards.map((shard) => shard.id), kind: 'scatter', reason: `no condition pins ${distribution.map((entry) => entry.label).join(' or ')} to a few values, so every shard may hold matching rows` };
  }
  const label = distribution[0].label;
  if (pinned.values.length === 0) {
    // Contradictory conditions match nothing; one shard still answers so that aggregates return their row.
    const shard = map.shards[0].id;
    return { shards: [shard], kind: 'pruned', reason: `${pinned.text} can match no row; ${shard} alone answers (aggregates over no rows still return a row)` };
  }
  const shards = new Map<ShardId, number[]>();
  for (const value of pinned.values) {
    const slot = slotOfValue(value);
    const owner = ownerOf(map, slot);
    shards.set(owner.id, [...(shards.get(owner.id) ?? []), slot]);
  }
  const ordered = map.shards.filter((shard) => shards.has(shard.id)).map((shard) => shard.id);
  const placements = [...shards].map(([shard, slots]) => `slot${slots.length > 1 ? 's' : ''} ${[...new Set(slots)].sort((a, b) => a - b).join(', ')} on ${shard}`).join('; ');
  const kind = ordered.length === 1 ? 'router' : 'pruned';
  return { shards: ordered, kind, reason: `${pinned.text.replace('{column}', label)} puts every matching row in ${placements}`, pinnedSlots: Object.fromEntries(shards) };
}

function allShards(query: BoundQuery, map: ShardMap, reason: string): Targets {
  if (distributionColumns(query).length === 0) return chooseTargets(query, map);
  return { shards: map.shards.map((shard) => shard.id), kind: 'scatter', reason };
}

function ownerOf(map: ShardMap, slot: number): Shard {
  for (const shard of map.shards) for (const range of shard.slots) if (slot >= range.start && slot < range.endExclusive) return shardById(map, shard.id);
  throw new QueryError('unavailable', `slot ${slot} has no owner in shard map epoch ${map.epoch}`);
}

/** Values the distribution column is pinned to by top-level = or IN conditions (intersected), or null when unpinned. */
function pinnedValues(query: BoundQuery, columns: readonly number[]): { values: Value[]; text: string } | null {
  let values: Value[] | null = null;
  const texts: string[] = [];
  // An inner join's ON conditions filter like WHERE; on a co-located join both distribution columns are equal.
  for (const expr of [...conjuncts(query.where), ...conjuncts(query.joinOn)]) {
    const found = constantsFor(expr, columns);
    if (found === null) continue;
    texts.push(found.text);
    const keys = new Set(found.values.map(encodeKeyValue));
    values = values === null ? found.values : values.filter((value) => keys.has(encodeKeyValue(value)));
  }
  if (values === null) return null;
  const unique = [...new Map(values.map((value) => [encodeKeyValue(value), value])).values()];
  return { values: unique, text: texts.join(' and ') };
}

function constantsFor(expr: Expr, columns: readonly number[]): { values: Value[]; text: string } | null {
  const isKey = (side: Expr): side is Extract<Expr, { k: 'col' }> => side.k === 'col' && columns.includes(side.i);
  if (expr.k === 'cmp' && expr.op === '=') {
    const [column, constant] = isKey(expr.l) && expr.r.k === 'const' ? [expr.l, expr.r] : isKey(expr.r) && expr.l.k === 'const' ? [expr.r, expr.l] : [null, null];
    if (column === null || constant === null) return null;
    const values = constant.v === null ? [] : [constant.v];
    return { values, text: `${column.name} = ${literal(constant.v)}` };
  }
  if (expr.k === 'in' && !expr.neg && isKey(expr.arg) && expr.list.every((item) => item.k === 'const')) {
    const constants = expr.list.map((item) => (item as Extract<Expr, { k: 'const' }>).v);
    return { values: constants.filter((value) => value !== null), text: `${expr.arg.name} IN (${constants.map(literal).join(', ')})` };
  }
  return null;
}

function literal(value: Value): string {
  return typeof value === 'string' ? `'${value.replace(/'/g, "''")}'` : formatValue(value);
}

/** Why every group is complete on one shard, or null when groups may span shards. */
function groupsStayOnOneShard(query: BoundQuery, targets: Targets): string | null {
  if (targets.shards.length === 1) return `only ${targets.shards[0]} is asked, so it runs the whole query`;
  const distribution = distributionColumns(query);
  const key = query.groupBy.find((expr) => expr.k === 'col' && distribution.some((entry) => entry.column === expr.i));
  if (key === undefined || key.k !== 'col') return null;
  return `GROUP BY includes the distribution column ${key.name}, so all rows of a group live on one shard: each shard computes its groups completely (aggregates, HAVING and its own top rows)`;
}

export function describeSort(keys: readonly SortKey[]): string {
  return keys.map((key) => key.text).join(', ');
}
