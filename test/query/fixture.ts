import { PhantomCluster } from '../../src/api';
import { QueryEngine, type QueryRun } from '../../src/api/query-engine';
import type { Row, TableSchema } from '../../src/query';
import { Simulation } from '../../src/sim';

/** A running store with the query engine: `nodes` nodes, `shards` shards of 3 replicas, leaders elected. */
export function queryCluster(options: { seed: number; nodes?: number; shards: number; timeoutMs?: number; snapshotThreshold?: number }): { sim: Simulation; cluster: PhantomCluster; engine: QueryEngine } {
  const sim = new Simulation({ seed: options.seed });
  const cluster = new PhantomCluster(sim, { clusterName: 'phantom', joinToken: 'token' });
  const nodes = options.nodes ?? 3;
  for (let index = 1; index <= nodes; index++) cluster.addNode(`node-${index}`, { seeds: index === 1 ? [] : ['node-1'] });
  sim.runUntil(() => cluster.liveMembers().length === nodes && cluster.agreement(), { withinMs: 10_000, waitingFor: 'nodes to join' });
  cluster.database.create({ shards: options.shards, replicationFactor: Math.min(3, nodes), ...(options.snapshotThreshold === undefined ? {} : { snapshotThreshold: options.snapshotThreshold }) });
  const database = cluster.database;
  sim.runUntil(() => database.shardIds().every((shard) => database.hasStableLeader(shard)), { withinMs: 5_000, waitingFor: 'leaders' });
  const engine = new QueryEngine(sim, database, { timeoutMs: options.timeoutMs });
  return { sim, cluster, engine };
}

export function load(sim: Simulation, engine: QueryEngine, table: TableSchema, rows: readonly Row[]): void {
  const batch = engine.insert(table.name, rows);
  sim.runUntil(() => batch.done, { withinMs: 60_000, waitingFor: `rows of ${table.name} to be inserted` });
  if (batch.failures.length > 0) throw new Error(batch.failures.join('\n'));
}

export function runQuery(sim: Simulation, engine: QueryEngine, text: string, options: { pushdown?: boolean } = {}): QueryRun {
  const run = engine.query(text, options);
  sim.runUntil(() => run.done, { withinMs: 30_000, waitingFor: `the query ${text}` });
  return run;
}
