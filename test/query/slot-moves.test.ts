import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { QueryEngine } from '../../src/api/query-engine';
import { migrationPorts } from '../../src/api/migration-ports';
import type { PhantomCluster } from '../../src/api';
import { compileQuery, type Row, type Value } from '../../src/query';
import { QueryClient, type QueryExecution } from '../../src/query/client';
import { MigrationExecutor } from '../../src/rebalance/executor';
import { slotsOf } from '../../src/sharding/slots';
import type { Simulation } from '../../src/sim';
import { closeSharedPostgres, compareWithOracle, OracleSchema } from '../../support/sql-oracle';
import { load, queryCluster } from './fixture';
import { tableR, tableT } from './generators';

/**
 * Queries while the rebalancer really moves slots (issue 10, §4: "the query also works
 * during a slot move without double-counting or missing rows"). The migration executor
 * (src/rebalance/executor.ts) copies a slot range, the source releases it, the target
 * acquires it and the map cuts over, while queries run back to back; every answer must
 * equal PostgreSQL's over the same rows. How a query keeps right: it reads each slot at
 * the one shard whose slot fence serves it, its scan locks keep a source from letting go
 * of slots it is reading, and a shard that no longer serves a slot says so, so that the
 * attempt is planned again on the newer map (src/query/shard-service.ts).
 */

const texts = [
  'SELECT COUNT(*), SUM(v), MIN(v), MAX(v) FROM t',
  'SELECT g, COUNT(*), AVG(v) FROM t GROUP BY g ORDER BY g',
  'SELECT id, v FROM t ORDER BY v DESC, id LIMIT 7',
  'SELECT id, s FROM t WHERE id = 77',
  'SELECT COUNT(*) FROM t WHERE id IN (3, 150, 299)',
  'SELECT r.label, COUNT(*) FROM t JOIN r ON t.g = r.k GROUP BY r.label ORDER BY r.label',
];

const rows: Row[] = Array.from({ length: 300 }, (_, index) => [index + 1, index % 4, (index * 37) % 101, index % 2 === 0 ? 'even' : 'odd', index % 3 === 0]);
const referenceRows: Row[] = [[0, 'zero'], [1, 'one'], [2, 'two'], [3, 'three']];

let oracle: OracleSchema;
// At the top level: runs once every test of the process has ended (PostgreSQL is shared by
// the test files; stopped, it lets the process end).
after(closeSharedPostgres);
const expected = new Map<string, Value[][]>();

interface Tally {
  runs: number;
  duringMoves: number;
  followedMoves: number;
  latenciesMs: number[];
}

/** Runs the queries in turn until `done()`, checking each answer; `afterRun` may inject faults. Returns what happened. */
function queryUntil(sim: Simulation, engine: QueryEngine, done: (runs: number) => boolean, boundMs: number, moving: () => boolean, afterRun: () => void = () => undefined): Tally {
  const tally: Tally = { runs: 0, duringMoves: 0, followedMoves: 0, latenciesMs: [] };
  const endMs = sim.nowMs + boundMs;
  while (!done(tally.runs)) {
    assert.ok(sim.nowMs < endMs, `the moves did not finish within ${boundMs} ms`);
    const text = texts[tally.runs % texts.length];
    const wasMoving = moving();
    const startedAtMs = sim.nowMs;
    const run = engine.query(text, { timeoutMs: 10_000 });
    sim.runUntil(() => run.done, { withinMs: 15_000, waitingFor: `the query ${text}` });
    assert.equal(run.error?.message, undefined, `run ${tally.runs + 1} (${text}) failed`);
    const difference = compareWithOracle(run.compiled!.query, run.rows, expected.get(text)!);
    assert.equal(difference, null, `run ${tally.runs + 1} at ${sim.nowMs} ms (${text}) differs from PostgreSQL: ${difference}`);
    tally.runs++;
    if (wasMoving) tally.duringMoves++;
    if (run.execution!.retryReasons.some((reason) => reason.includes('no longer serves slot'))) tally.followedMoves++;
    tally.latenciesMs.push(sim.nowMs - startedAtMs);
    afterRun();
    sim.runFor(3);
  }
  return tally;
}

/** Run count and latencies, for the test's diagnostics. */
function summary(tally: Tally): string {
  const sorted = [...tally.latenciesMs].sort((a, b) => a - b);
  const at = (fraction: number): number => sorted[Math.min(sorted.length - 1, Math.floor(fraction * sorted.length))];
  return `${tally.runs} runs (${tally.duringMoves} during moves, ${tally.followedMoves} followed moved slots); latency p50 ${Math.round(at(0.5))} ms, p95 ${Math.round(at(0.95))} ms, max ${Math.round(sorted[sorted.length - 1])} ms (virtual)`;
}

function setUp(seed: number): { sim: Simulation; cluster: PhantomCluster; engine: QueryEngine; executor: MigrationExecutor } {
  const { sim, cluster, engine } = queryCluster({ seed, nodes: 4, shards: 3, snapshotThreshold: 20 });
  engine.createTable(tableT);
  engine.createTable(tableR);
  load(sim, engine, tableT, rows);
  load(sim, engine, tableR, referenceRows);
  const executor = new MigrationExecutor(migrationPorts(sim, cluster.database));
  return { sim, cluster, engine, executor };
}

describe('queries during slot moves', { timeout: 600_000 }, () => {
  before(async () => {
    oracle = await OracleSchema.create('slot-moves');
    await oracle.createTable(tableT);
    await oracle.createTable(tableR);
    await oracle.insert(tableT, rows);
    await oracle.insert(tableR, referenceRows);
    for (const text of texts) {
      const answer = await oracle.query(text);
      assert.ok(answer.ok, `PostgreSQL refused ${text}`);
      expected.set(text, answer.rows);
    }
  });
  after(async () => oracle.drop());

  it('answers like PostgreSQL while a shard splits and a slot range moves, and follows slots to their new shard', (context) => {
    const { sim, cluster, engine, executor } = setUp(31);
    const map = cluster.database.shardMap;
    const [first, second, third] = map.shards;
    const firstSlots = [...slotsOf(first.slots)];
    const secondSlots = [...slotsOf(second.slots)];
    executor.submit([
      { kind: 'split', shard: first.id, newShard: 'shard-9', ranges: [{ start: firstSlots[200], endExclusive: firstSlots[firstSlots.length - 1] + 1 }], replicas: ['node-2', 'node-3', 'node-4'], reason: 'test: split' },
      { kind: 'move-slots', from: second.id, to: third.id, range: { start: secondSlots[0], endExclusive: secondSlots[150] }, reason: 'test: move a range' },
    ]);
    const tally = queryUntil(sim, engine, () => executor.idle, 60_000, () => !executor.idle);
    context.diagnostic(summary(tally));
    assert.equal(executor.progress(cluster.database.placement.finishedMoves()).rolledBack, 0);
    assert.ok(cluster.database.shardMap.shards.some((shard) => shard.id === 'shard-9'), 'the split made shard-9');
    assert.ok(tally.duringMoves >= 10, `only ${tally.duringMoves} runs overlapped the moves`);
    assert.ok(tally.followedMoves >= 1, `no run found its slots moved (runs ${tally.runs}): the path that follows slots was not exercised`);
    // After the moves, every query still agrees (the new shard holds its reference copy too).
    const settled = queryUntil(sim, engine, (runs) => runs === texts.length, 10_000, () => false);
    assert.equal(settled.followedMoves, 0);
  });

  it('answers like PostgreSQL when the placement leader and the source shard leader crash mid-migration, with a replica catching up by snapshot', (context) => {
    const { sim, cluster, engine, executor } = setUp(32);
    const database = cluster.database;
    const [first, second] = database.shardMap.shards;
    const secondSlots = [...slotsOf(second.slots)];
    const outsider = ['node-1', 'node-2', 'node-3', 'node-4'].find((node) => !first.replicas.includes(node))!;
    executor.submit([
      { kind: 'move-slots', from: second.id, to: first.id, range: { start: secondSlots[0], endExclusive: secondSlots[200] }, reason: 'test: move a range' },
      { kind: 'move-replica', shard: first.id, from: first.replicas[1], to: outsider, reason: 'test: a copy moves, caught up by snapshot' },
    ]);
    const placementLeader = database.placement.leader()!;
    let placementCrashedAtMs: number | undefined;
    let sourceCrashedAtMs: number | undefined;
    const slotStep = (): string | undefined => database.placement.journal().find((record) => (record.move as { kind: string }).kind === 'move-slots')?.step;
    const injectFaults = (): void => {
      // The placement leader (which commits each step of the move) crashes once the copy is made; the source shard's leader once it let go of the range.
      if (placementCrashedAtMs === undefined && slotStep() === 'copied') {
        placementCrashedAtMs = sim.nowMs;
        sim.node(placementLeader).crash();
        sim.scheduler.schedule(2_000, () => sim.node(placementLeader).start());
      }
      const leader = database.leaderOf(second.id);
      if (sourceCrashedAtMs === undefined && (slotStep() === 'released' || slotStep() === 'acquired') && leader !== undefined && sim.node(leader).isUp) {
        sourceCrashedAtMs = sim.nowMs;
        sim.node(leader).crash();
        sim.scheduler.schedule(1_000, () => sim.node(leader).start());
      }
    };
    // Faults are looked for every 2 ms of virtual time, whatever the queries are doing.
    const poll = (): void => {
      injectFaults();
      if (placementCrashedAtMs === undefined || sourceCrashedAtMs === undefined) sim.scheduler.schedule(2, poll);
    };
    poll();
    const tally = queryUntil(sim, engine, () => executor.idle, 90_000, () => !executor.idle);
    context.diagnostic(summary(tally));
    assert.ok(placementCrashedAtMs !== undefined, 'the placement leader should have crashed mid-move');
    assert.ok(sourceCrashedAtMs !== undefined, `the leader of ${second.id} should have crashed mid-move`);
    assert.ok(tally.duringMoves >= 5, `only ${tally.duringMoves} runs overlapped the moves`);
    assert.ok(database.snapshotsInstalled(first.id, outsider) >= 1, `${outsider} should have caught up on ${first.id} from a snapshot`);
  });

  it('a coordinator holding a stale map is told the slots moved and plans again, rather than miss the rows the old owner dropped', () => {
    const { sim, cluster, engine, executor } = setUp(33);
    const database = cluster.database;
    const stale = database.shardMap;
    const [first, second] = stale.shards;
    const range = { start: first.slots[0].start, endExclusive: first.slots[0].start + 100 };
    executor.submit([{ kind: 'move-slots', from: first.id, to: second.id, range, reason: 'test: move a range' }]);
    sim.runUntil(() => executor.idle, { withinMs: 60_000, waitingFor: 'the move' });
    assert.ok(database.shardMap.epoch > stale.epoch);
    // A coordinator on its own node whose map is the one from before the move, until an attempt has been turned away.
    let execution: QueryExecution | undefined;
    let client: QueryClient | undefined;
    const shardMap = () => (execution !== undefined && execution.retryReasons.length > 0 ? database.shardMap : stale);
    sim.addNode('query-client:stale', (env) => {
      client = new QueryClient(env, { clientId: 'stale', shardMap, tuning: database.txnSettings.tuning, timeoutMs: 5_000, fragmentAttemptTimeoutMs: 300 });
      const created = client;
      return { onMessage: (from, message) => created.onMessage(from, message) };
    });
    const text = texts[0];
    const plan = (map: typeof stale) => compileQuery(text, engine.catalog, map, {}).plan;
    execution = client!.run({ plan: plan(stale), replan: plan });
    sim.runUntil(() => execution!.done, { withinMs: 10_000, waitingFor: 'the query' });
    assert.equal(execution.error?.message, undefined);
    assert.equal(compareWithOracle(compileQuery(text, engine.catalog, database.shardMap, {}).query, execution.rows, expected.get(text)!), null, 'the answer differs from PostgreSQL');
    assert.match(execution.retryReasons[0], new RegExp(`${first.id} no longer serves slots ${range.start}, `));
  });
});
