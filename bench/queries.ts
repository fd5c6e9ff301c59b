import { performance } from 'node:perf_hooks';
import { PhantomCluster } from '../src/api';
import { QueryEngine, type QueryRun } from '../src/api/query-engine';
import { Catalog, compileQuery, defineTable, type Row } from '../src/query';
import { bindStatement } from '../src/query/binder';
import { parseQuery } from '../src/query/parse';
import { planQuery } from '../src/query/planner';
import { planShards } from '../src/sharding/shard-map';
import { Simulation } from '../src/sim';
import type { BenchRow } from './types';

/**
 * Queries (issue 10, §6): planning time per query, the wall time of an aggregate over
 * 100,000 rows on 16 shards (with its simulated latency against the slowest shard's, to
 * show the shards work in parallel), and the rows that travel with pushdown and without.
 */

const events = defineTable({
  name: 'events',
  kind: 'distributed',
  columns: [
    { name: 'device', type: 'int' },
    { name: 'seq', type: 'int' },
    { name: 'kind', type: 'text' },
    { name: 'level', type: 'int' },
  ],
  primaryKey: ['device', 'seq'],
  distributionColumn: 'device',
});

const planningQueries = [
  'SELECT device, seq FROM events WHERE device = 42',
  'SELECT kind, COUNT(*), AVG(level) FROM events WHERE level > 10 GROUP BY kind ORDER BY 2 DESC LIMIT 3',
  'SELECT device, MAX(level) FROM events WHERE device IN (1, 2, 3) GROUP BY device HAVING COUNT(*) > 2',
  'SELECT device, seq, level FROM events WHERE kind = \'b\' AND (level BETWEEN 5 AND 50 OR level IS NULL) ORDER BY level DESC, seq LIMIT 10 OFFSET 5',
];

function benchPlanning(): BenchRow[] {
  const catalog = new Catalog();
  catalog.add(events);
  const map = planShards({ nodes: ['a', 'b', 'c', 'd', 'e'], shardCount: 16, replicationFactor: 3 });
  const rounds = 50;
  let bestCompileUs = Number.POSITIVE_INFINITY;
  let bestPlanUs = Number.POSITIVE_INFINITY;
  const parsed = planningQueries.map((text) => parseQuery(text));
  for (let trial = 0; trial < 3; trial++) {
    let started = performance.now();
    for (let round = 0; round < rounds; round++) for (const text of planningQueries) compileQuery(text, catalog, map);
    bestCompileUs = Math.min(bestCompileUs, ((performance.now() - started) * 1000) / (rounds * planningQueries.length));
    started = performance.now();
    for (let round = 0; round < rounds * 20; round++) for (const query of parsed) planQuery(bindStatement(query.statement, catalog, query.text), map);
    bestPlanUs = Math.min(bestPlanUs, ((performance.now() - started) * 1000) / (rounds * 20 * planningQueries.length));
  }
  return [
    { name: 'planning time per query, parsing included (4 shapes)', value: Math.round(bestCompileUs), unit: 'µs', note: 'best of 3 × 200; pgsql-ast-parser takes nearly all of it' },
    { name: 'planning time per query, after parsing (bind and plan)', value: Math.round(bestPlanUs * 10) / 10, unit: 'µs', note: 'best of 3 × 4,000' },
  ];
}

function startStore(rows: number, shards: number): { sim: Simulation; engine: QueryEngine; loadWallMs: number } {
  const sim = new Simulation({ seed: 10 });
  const cluster = new PhantomCluster(sim, { clusterName: 'bench', joinToken: 'bench' });
  for (let index = 1; index <= 5; index++) cluster.addNode(`node-${index}`, { seeds: index === 1 ? [] : ['node-1'] });
  sim.runFor(1_000);
  const database = cluster.database;
  database.create({ shards, replicationFactor: 3 });
  sim.runUntil(() => database.shardIds().every((shard) => database.hasStableLeader(shard)), { withinMs: 5_000, waitingFor: 'a leader per shard' });
  const engine = new QueryEngine(sim, database, { loaders: 256, timeoutMs: 10_000 });
  engine.createTable(events);
  const kinds = ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'];
  const data: Row[] = Array.from({ length: rows }, (_, index) => [1 + (index % 5_000), Math.floor(index / 5_000), kinds[(index * 7) % kinds.length], (index * 37) % 101]);
  const started = performance.now();
  for (let start = 0; start < data.length; start += 20_000) {
    const batch = engine.insert('events', data.slice(start, start + 20_000));
    sim.runUntil(() => batch.done, { withinMs: 120_000, waitingFor: 'rows to load' });
    if (batch.failures.length > 0) throw new Error(batch.failures[0]);
  }
  return { sim, engine, loadWallMs: performance.now() - started };
}

function run(sim: Simulation, engine: QueryEngine, text: string, pushdown: boolean): { query: QueryRun; wallMs: number } {
  const started = performance.now();
  const query = engine.query(text, { pushdown });
  sim.runUntil(() => query.done, { withinMs: 20_000, waitingFor: text });
  const wallMs = performance.now() - started;
  if (!query.ok) throw new Error(`${text}: ${query.error?.message}`);
  return { query, wallMs };
}

export function benchQueries(): BenchRow[] {
  const rowCount = Number(process.env.BENCH_QUERY_ROWS ?? 100_000);
  const { sim, engine, loadWallMs } = startStore(rowCount, 16);
  const text = 'SELECT kind, COUNT(*), SUM(level), AVG(level), MAX(level) FROM events GROUP BY kind';
  let best: { query: QueryRun; wallMs: number } | undefined;
  for (let trial = 0; trial < 3; trial++) {
    const result = run(sim, engine, text, true);
    if (best === undefined || result.wallMs < best.wallMs) best = result;
  }
  const naive = run(sim, engine, text, false);
  const analysis = best!.query.execution!.analysis!;
  const slowestMs = Math.max(...analysis.shards.map((shard) => shard.latencyMs));
  const sumMs = analysis.shards.reduce((sum, shard) => sum + shard.latencyMs, 0);
  const moved = (query: QueryRun) => query.execution!.analysis!.shards.reduce((sum, shard) => sum + shard.rowsSent, 0);
  const bytes = (query: QueryRun) => query.execution!.analysis!.shards.reduce((sum, shard) => sum + shard.bytesSent, 0);
  const label = `${rowCount.toLocaleString('en-US')} rows`;
  return [
    ...benchPlanning(),
    { name: `load ${label} through the client API (16 shards)`, value: Math.round(loadWallMs), unit: 'ms wall', note: '256 loading clients, one compare-and-set (one Raft entry) per row' },
    { name: `aggregate over ${label} on 16 shards`, value: Math.round(best!.wallMs), unit: 'ms wall', note: 'GROUP BY kind with COUNT, SUM, AVG, MAX; best of 3' },
    { name: 'its simulated latency', value: Math.round(analysis.totalMs * 10) / 10, unit: 'simulated ms', note: `slowest shard ${slowestMs.toFixed(1)} ms; the 16 shard latencies add up to ${sumMs.toFixed(1)} ms` },
    { name: 'rows moved with pushdown', value: moved(best!.query), unit: 'rows', note: `${bytes(best!.query).toLocaleString('en-US')} bytes (partial aggregates per group per shard)` },
    { name: 'rows moved without pushdown', value: moved(naive.query), unit: 'rows', note: `${bytes(naive.query).toLocaleString('en-US')} bytes; coordinator-side wall time ${Math.round(naive.wallMs)} ms` },
  ];
}
