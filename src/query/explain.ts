import type { BoundQuery } from './binder';
import type { AggregateCall, Expr } from './expression';
import type { DistributedPlan } from './planner';
import { describeSort } from './planner';
import { formatValue } from './values';

/**
 * EXPLAIN: the plan as a tree a person can read without knowing the code. It says which
 * shards are asked and why, what each shard does (what was pushed down, and which columns
 * travel back), and what the coordinator does to merge. EXPLAIN ANALYZE adds what each
 * shard sent (rows, bytes) and how long it took in simulated time.
 */

export interface ShardAnalysis {
  readonly shard: string;
  readonly node: string;
  readonly rowsRead: number;
  readonly rowsSent: number;
  readonly bytesSent: number;
  readonly latencyMs: number;
}

export interface QueryAnalysis {
  readonly shards: readonly ShardAnalysis[];
  readonly totalMs: number;
  readonly rowsReturned: number;
  readonly attempts: number;
}

export function explainPlan(plan: DistributedPlan, analysis?: QueryAnalysis): string[] {
  const { query, targets, fragment } = plan;
  const lines: string[] = [];
  const tables = query.tables.map((table) => `${table.schema.name}${table.alias !== table.schema.name ? ` ${table.alias}` : ''} (${table.schema.kind}${table.schema.distributionColumn ? `, distributed by ${table.schema.distributionColumn}` : ', a copy on every shard'})`);
  lines.push(`Distributed query over ${tables.join(' joined with ')}, shard map epoch ${plan.epoch}`);
  const plural = targets.shards.length === 1 ? 'shard' : 'shards';
  const kind = { router: 'router plan: one shard', pruned: 'pruned', scatter: 'scatter to every shard', reference: 'reference tables only' }[targets.kind];
  lines.push(`├─ Shards asked: ${targets.shards.length} ${plural} (${kind}): ${targets.shards.join(', ')}`);
  lines.push(`│    why: ${targets.reason}`);
  lines.push('├─ Each shard (pushed down, runs where the rows are):');
  for (const line of shardSteps(plan)) lines.push(`│    ${line}`);
  if (analysis !== undefined) {
    lines.push('│    measured per shard:');
    for (const shard of analysis.shards) {
      lines.push(`│      ${shard.shard} (leader ${shard.node}): read ${count(shard.rowsRead, 'row')}, sent ${count(shard.rowsSent, 'row')}, ${shard.bytesSent} bytes, ${shard.latencyMs.toFixed(1)} ms`);
    }
  }
  lines.push('└─ Coordinator (merges the answers):');
  for (const line of mergeSteps(plan)) lines.push(`     ${line}`);
  for (const note of plan.notes) lines.push(`     note: ${note}`);
  if (analysis !== undefined) {
    const rows = analysis.shards.reduce((sum, shard) => sum + shard.rowsSent, 0);
    const bytes = analysis.shards.reduce((sum, shard) => sum + shard.bytesSent, 0);
    const slowest = analysis.shards.reduce((most, shard) => Math.max(most, shard.latencyMs), 0);
    lines.push(`Totals: ${count(rows, 'row')} and ${count(bytes, 'byte')} moved from ${count(analysis.shards.length, 'shard')}; ${count(analysis.rowsReturned, 'row')} returned`);
    lines.push(`Time: ${analysis.totalMs.toFixed(1)} ms in all; the slowest shard took ${slowest.toFixed(1)} ms (shards are asked in parallel)${analysis.attempts > 1 ? `; ${analysis.attempts} attempts` : ''}`);
  }
  void fragment;
  return lines;
}

function count(value: number, noun: string): string {
  return `${value} ${noun}${value === 1 ? '' : 's'}`;
}

function shardSteps(plan: DistributedPlan): string[] {
  const { query, fragment } = plan;
  const steps: string[] = [];
  const reads = query.tables.map((table) => (table.schema.kind === 'reference' ? `its copy of ${table.schema.name}` : `its own rows of ${table.schema.name} (the slots it owns at epoch ${plan.epoch})`));
  steps.push(`read ${reads.join(' and ')}, under a shared lock, so that no transaction changes them mid-query`);
  if (fragment.mode === 'scan') {
    steps.push(`send every row with all its columns (${query.tables.map((table) => table.schema.columns.length).reduce((a, b) => a + b, 0)} columns), unfiltered`);
    return steps;
  }
  if (fragment.join !== null) {
    const how = fragment.join.kind === 'co-located' ? 'co-located join: rows with equal distribution values are on the same shard' : 'join with the local copy of the reference table';
    steps.push(`join ON ${exprText(query, query.joinOn)} (${how})`);
  }
  if (fragment.filter !== null) steps.push(`keep rows where ${exprText(query, fragment.filter)}`);
  if (fragment.mode === 'rows') {
    steps.push(`compute ${query.outputs.map((output) => output.name).join(', ')} (only ${count(fragment.project.length, 'value')} per row ${fragment.project.length === 1 ? 'travels' : 'travel'}, not whole rows)`);
  } else if (fragment.mode === 'complete') {
    steps.push(`group by ${fragment.groupBy.map((expr) => exprText(query, expr)).join(', ') || '(all rows)'} and compute ${aggregateList(query.aggregates)} completely`);
    if (fragment.having !== null) steps.push(`keep groups where ${postText(query, fragment.having)}`);
    steps.push(`compute ${query.outputs.map((output) => output.name).join(', ')}`);
  } else {
    steps.push(`group by ${fragment.groupBy.map((expr) => exprText(query, expr)).join(', ') || '(all rows: one group)'} and compute partial aggregates: ${query.aggregates.map(partialText).join(', ')}`);
    steps.push('send one row per group: its keys and partial aggregates');
  }
  if (fragment.sortKeys.length > 0) steps.push(`sort by ${sortText(plan)}`);
  if (fragment.limit !== null) steps.push(`send only its first ${fragment.limit} ${fragment.mode === 'partial' ? 'groups' : 'rows'} (top-k: LIMIT ${query.limit}${query.offset > 0 ? ` + OFFSET ${query.offset}` : ''})`);
  return steps;
}

function mergeSteps(plan: DistributedPlan): string[] {
  const { query } = plan;
  const steps: string[] = [];
  switch (plan.merge.kind) {
    case 'concatenate':
      steps.push('append the shards\' rows');
      break;
    case 'heap-merge':
      steps.push(`merge the shards' sorted rows with a heap, by ${describeSort(query.orderBy)}`);
      break;
    case 'aggregate':
      steps.push(`combine each group's partial aggregates (${query.aggregates.map(combineText).join(', ')})`);
      if (query.having !== null) steps.push(`keep groups where ${postText(query, query.having)}`);
      if (query.orderBy.length > 0) steps.push(`sort by ${describeSort(query.orderBy)}`);
      break;
    case 'run-locally':
      steps.push('run the whole query (join, filter, grouping, sorting) over the gathered rows');
      break;
  }
  if (query.offset > 0) steps.push(`skip the first ${query.offset} rows`);
  if (query.limit !== null) steps.push(`keep ${query.limit} rows`);
  steps.push(`return columns: ${query.outputs.map((output) => output.name).join(', ')}`);
  return steps;
}

function sortText(plan: DistributedPlan): string {
  const { query, fragment } = plan;
  if (fragment.mode === 'partial') return fragment.sortKeys.map((key) => `${exprText(query, query.groupBy[key.index])}${key.descending ? ' DESC' : ''}`).join(', ');
  return describeSort(query.orderBy);
}

function aggregateName(call: AggregateCall, query: BoundQuery): string {
  return `${call.fn.toUpperCase()}(${call.arg === null ? '*' : exprText(query, call.arg)})`;
}

function aggregateList(calls: readonly AggregateCall[]): string {
  return calls.length === 0 ? 'no aggregates' : calls.map((call) => call.fn.toUpperCase()).join(', ');
}

function partialText(call: AggregateCall): string {
  return call.fn === 'avg' ? 'AVG as SUM and COUNT' : call.fn === 'count' ? 'COUNT' : call.fn.toUpperCase();
}

function combineText(call: AggregateCall): string {
  switch (call.fn) {
    case 'count':
      return 'COUNT: add';
    case 'sum':
      return 'SUM: add';
    case 'min':
      return 'MIN: smallest';
    case 'max':
      return 'MAX: largest';
    case 'avg':
      return 'AVG: total SUM / total COUNT';
  }
}

/** An expression over the joined row, in SQL-like words. */
export function exprText(query: BoundQuery, expr: Expr | null): string {
  return expr === null ? 'true' : render(expr, (index) => columnName(query, index));
}

/** An expression after aggregation: columns are group keys, then aggregates. */
function postText(query: BoundQuery, expr: Expr): string {
  return render(expr, (index) => (index < query.groupBy.length ? exprText(query, query.groupBy[index]) : aggregateName(query.aggregates[index - query.groupBy.length], query)));
}

function columnName(query: BoundQuery, index: number): string {
  for (const table of query.tables) {
    const local = index - table.offset;
    if (local >= 0 && local < table.schema.columns.length) return query.tables.length > 1 ? `${table.alias}.${table.schema.columns[local].name}` : table.schema.columns[local].name;
  }
  return `column ${index}`;
}

function render(expr: Expr, column: (index: number) => string): string {
  const go = (node: Expr): string => render(node, column);
  switch (expr.k) {
    case 'col':
      return column(expr.i);
    case 'const':
      return typeof expr.v === 'string' ? `'${expr.v.replace(/'/g, "''")}'` : formatValue(expr.v);
    case 'arith':
    case 'cmp':
      return `${go(expr.l)} ${expr.op} ${go(expr.r)}`;
    case 'and':
      return expr.args.map(go).join(' AND ');
    case 'or':
      return `(${expr.args.map(go).join(' OR ')})`;
    case 'not':
      return `NOT (${go(expr.arg)})`;
    case 'neg':
      return `-${go(expr.arg)}`;
    case 'in':
      return `${go(expr.arg)}${expr.neg ? ' NOT' : ''} IN (${expr.list.map(go).join(', ')})`;
    case 'between':
      return `${go(expr.arg)}${expr.neg ? ' NOT' : ''} BETWEEN ${go(expr.lo)} AND ${go(expr.hi)}`;
    case 'isnull':
      return `${go(expr.arg)} IS ${expr.neg ? 'NOT ' : ''}NULL`;
  }
}
