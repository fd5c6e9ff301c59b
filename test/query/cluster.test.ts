import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import { distributedRowKey, encodeRow, referenceRowKey, type Row } from '../../src/query';
import { setPreferredLeader, shardForKey } from '../../src/sharding/shard-map';
import { closeSharedPostgres, compareWithOracle, OracleSchema } from '../../support/sql-oracle';
import { load, queryCluster, runQuery } from './fixture';
import { dataset, queryText, tableR, tables, tableT, tableU } from './generators';

/**
 * Queries through the whole simulated cluster (issue 10, §4): scatter-gather over the
 * network to the shard leaders, scan locks, ReadIndex, the epoch check and the slot
 * filter, against PostgreSQL holding the same rows.
 */

let oracle: OracleSchema;
// At the top level: runs once every test of the process has ended (PostgreSQL is shared by
// the test files; stopped, it lets the process end).
after(closeSharedPostgres);

describe('queries through the cluster', { timeout: 600_000 }, () => {
  before(async () => {
    oracle = await OracleSchema.create('cluster');
    for (const table of tables) await oracle.createTable(table);
  });
  after(async () => oracle.drop());

  it('agree with PostgreSQL on random queries over random rows stored in the shards', async () => {
    const data = fc.sample(dataset, { numRuns: 1, seed: 42 })[0];
    const { sim, engine } = queryCluster({ seed: 42, shards: 4 });
    for (const table of tables) {
      engine.createTable(table);
      load(sim, engine, table, data.rows.get(table.name) ?? []);
      await oracle.insert(table, data.rows.get(table.name) ?? []);
    }
    const texts = fc.sample(queryText, { numRuns: 60, seed: 42 });
    for (const text of texts) {
      const expected = await oracle.query(text);
      const run = runQuery(sim, engine, text);
      if (!run.ok) {
        assert.ok(!expected.ok, `the engine failed on ${text}: ${run.error?.message}`);
        continue;
      }
      assert.ok(expected.ok, `PostgreSQL refused ${text}`);
      assert.equal(compareWithOracle(run.compiled!.query, run.rows, expected.rows), null, text);
    }
    for (const table of tables) await oracle.query(`DELETE FROM ${table.name}`);
  });

  it('is not disturbed by a map change that moves no slot: the shards judge by their own slot fences, not by map epochs', () => {
    const { sim, cluster, engine } = queryCluster({ seed: 7, shards: 4 });
    engine.createTable(tableT);
    const rows: Row[] = Array.from({ length: 100 }, (_, index) => [index + 1, index % 5, index, 'a', true]);
    load(sim, engine, tableT, rows);
    const run = engine.query('SELECT COUNT(*), SUM(v) FROM t');
    sim.runFor(1);
    const database = cluster.database;
    const shard = database.shardMap.shards[0];
    // Every map change is a committed entry of the placement group (src/placement/).
    database.placement.changeMap(setPreferredLeader(database.shardMap, shard.id, shard.replicas.find((node) => node !== shard.preferredLeader)!).shards, 'a test moves a preferred leader mid-query');
    sim.runUntil(() => run.done, { withinMs: 10_000, waitingFor: 'the query' });
    assert.equal(run.error, undefined);
    assert.deepEqual(run.rows, [[100, 4950]]);
    assert.equal(run.execution!.attempts, 1, 'no slot moved, so the first attempt stands');
  });

  it('counts a row once even when a copy of it sits on a shard that does not own its slot (a slot move in progress)', () => {
    const { sim, cluster, engine } = queryCluster({ seed: 8, shards: 4 });
    engine.createTable(tableU);
    engine.createTable(tableR);
    const rows: Row[] = Array.from({ length: 40 }, (_, index) => [index + 1, index, 'n']);
    load(sim, engine, tableU, rows);
    const database = cluster.database;
    // Copy every row into a shard that does not own it, straight through that shard's log.
    let proposed = 0;
    let applied = 0;
    for (const row of rows) {
      const key = distributedRowKey(tableU, row);
      const owner = shardForKey(database.shardMap, key)!.id;
      const other = database.shardIds().find((id) => id !== owner)!;
      const leader = database.leaderOf(other)!;
      database.replica(other, leader)!.propose({ clientId: 'copier', sequence: ++proposed, operation: { kind: 'put', key, value: encodeRow(row) } }, (outcome) => {
        if (outcome.ok) applied++;
      });
    }
    sim.runUntil(() => applied === rows.length, { withinMs: 10_000, waitingFor: 'the copies' });
    const run = runQuery(sim, engine, 'SELECT COUNT(*), SUM(w) FROM u');
    assert.equal(run.error, undefined);
    assert.deepEqual(run.rows, [[40, 780]]);
  });

  it('fails naming the shard whose copy of a reference table is incomplete, rather than join with part of it', () => {
    const { sim, cluster, engine } = queryCluster({ seed: 11, shards: 4 });
    engine.createTable(tableT);
    engine.createTable(tableR);
    load(sim, engine, tableT, Array.from({ length: 20 }, (_, index): Row => [index + 1, index % 3, index, 'a', true]));
    load(sim, engine, tableR, [[0, 'zero'], [1, 'one'], [2, 'two']]);
    const database = cluster.database;
    const shard = database.shardMap.shards[1];
    const key = referenceRowKey(tableR, [1, 'one'], shard.slots[0].start);
    let deleted = false;
    database.replica(shard.id, database.leaderOf(shard.id)!)!.propose({ clientId: 'vandal', sequence: 1, operation: { kind: 'delete', key } }, (outcome) => {
      deleted = outcome.ok;
    });
    sim.runUntil(() => deleted, { withinMs: 5_000, waitingFor: 'the copy to be damaged' });
    const run = runQuery(sim, engine, 'SELECT r.label, COUNT(*) FROM t JOIN r ON t.g = r.k GROUP BY r.label');
    assert.equal(run.ok, false);
    assert.match(run.error!.message, new RegExp(`${shard.id}: .*${shard.id} holds no copy of the reference table r with its 3 rows \\(the copy in slot ${shard.slots[0].start} holds 2\\)`));
  });

  it('fails naming the shard when the shard cannot answer, and leaves no lock behind elsewhere', () => {
    const { sim, cluster, engine } = queryCluster({ seed: 9, nodes: 6, shards: 4, timeoutMs: 2_000 });
    engine.createTable(tableT);
    load(sim, engine, tableT, [[1, 1, 1, 'a', true]]);
    const database = cluster.database;
    const victim = database.shardIds()[2];
    for (const node of database.replicaNodes(victim).slice(1)) sim.node(node).crash();
    const run = runQuery(sim, engine, 'SELECT COUNT(*) FROM t');
    assert.equal(run.ok, false);
    assert.match(run.error!.message, new RegExp(`${victim} did not answer within 2000 ms`));
    sim.runFor(1_000);
    const healthy = database.shardIds().filter((id) => id !== victim && database.hasStableLeader(id));
    assert.ok(healthy.length > 0, 'some other shard should still have a majority');
    for (const shard of healthy) {
      assert.doesNotMatch(run.error!.message, new RegExp(`${shard}\\b`), `${shard} answered and must not be blamed`);
      const leader = database.leaderOf(shard)!;
      assert.deepEqual(database.kvOn(leader)!.machine(shard)!.transactions.transactions(), [], `${shard} still holds the query's locks`);
    }
  });
});
