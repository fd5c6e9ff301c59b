import type { ShardId, ShardMap } from '../sharding/shard-map';
import { shardForKey } from '../sharding/shard-map';
import { bindStatement, type BoundQuery } from './binder';
import { QueryError } from './errors';
import { runFragment } from './fragment';
import { mergeShardResults } from './merge';
import { type ExplainMode, parseQuery } from './parse';
import { type DistributedPlan, type PlanOptions, planQuery } from './planner';
import { encodeKeyValue } from './row-keys';
import { type Catalog, columnIndex, type Row, type TableSchema } from './schema';
import type { Value } from './values';

export { QueryError, type QueryErrorKind } from './errors';
export { type BoundQuery, type OutputColumn } from './binder';
export { type DistributedPlan, type PlanOptions } from './planner';
export { explainPlan, type QueryAnalysis, type ShardAnalysis } from './explain';
export { mergeShardResults } from './merge';
export { runFragment, type Fragment, type FragmentStats } from './fragment';
export { Catalog, defineTable, rowFromRecord, columnIndex, type TableSchema, type ColumnSchema, type Row, type TableKind } from './schema';
export * from './row-keys';
export * from './values';

export interface CompiledQuery {
  readonly explain: ExplainMode;
  readonly query: BoundQuery;
  readonly plan: DistributedPlan;
}

/** Text to plan: parse, bind against the catalog, plan against the shard map. Throws QueryError only. */
export function compileQuery(text: unknown, catalog: Catalog, map: ShardMap, options: PlanOptions = {}): CompiledQuery {
  try {
    const parsed = parseQuery(text);
    const query = bindStatement(parsed.statement, catalog, parsed.text);
    return { explain: parsed.explain, query, plan: planQuery(query, map, options) };
  } catch (error) {
    throw asQueryError(error);
  }
}

/** Any error as a QueryError: a defect inside the engine still reaches the caller as an error, never a crash. */
export function asQueryError(error: unknown): QueryError {
  if (error instanceof QueryError) return error;
  const message = error instanceof Error ? error.message : String(error);
  return new QueryError('runtime', `internal error while handling the query: ${message}`);
}

/** The shard a distributed row lives on, by the slot of its distribution value. */
export function shardOfRow(map: ShardMap, table: TableSchema, row: Row): ShardId {
  const value = row[columnIndex(table, table.distributionColumn!)];
  const shard = shardForKey(map, `{${encodeKeyValue(value)}}`);
  if (shard === undefined) throw new QueryError('unavailable', 'the store has no shards');
  return shard.id;
}

/**
 * Runs a plan over rows held in memory, partitioned the way the store partitions them
 * (each distributed row on the shard of its slot, reference rows on every shard). The
 * same fragment and merge code runs as in the cluster, without the network: property
 * tests use it to check the planner against a real database quickly.
 */
export function executeInMemory(plan: DistributedPlan, map: ShardMap, data: ReadonlyMap<string, readonly Row[]>): Value[][] {
  const perShard = plan.targets.shards.map((shardId) => {
    const tableRows = plan.query.tables.map((table) => {
      const rows = data.get(table.schema.name) ?? [];
      return table.schema.kind === 'reference' ? rows : rows.filter((row) => shardOfRow(map, table.schema, row) === shardId);
    });
    return runFragment(plan.fragment, tableRows);
  });
  return mergeShardResults(plan, perShard);
}
