import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import { compileQuery, executeInMemory } from '../../src/query';
import { planShards } from '../../src/sharding/shard-map';
import { closeSharedPostgres, compareWithOracle, OracleSchema } from '../../support/sql-oracle';
import { catalog, type Dataset, dataset, queryText, tables } from './generators';

/**
 * The oracle property (issue 10, §4): random rows and random queries of the subset run
 * through the distributed planner (fragments on every shard's own rows, then the
 * coordinator's merge) and through PostgreSQL (PGlite) over the same rows, and must give
 * the same rows, in the same order where ORDER BY fixes it. Both the pushdown plan and the
 * naive plan (ship every row, run at the coordinator) are checked. The cluster-level runs
 * (through the simulated network and the shards' stores) are in cluster-oracle.test.ts.
 */

const map = planShards({ nodes: ['n1', 'n2', 'n3'], shardCount: 4, replicationFactor: 3 });
let oracle: OracleSchema;
// At the top level: runs once every test of the process has ended (PostgreSQL is shared by
// the test files; stopped, it lets the process end).
after(closeSharedPostgres);

async function load(data: Dataset): Promise<void> {
  for (const table of tables) await oracle.query(`DELETE FROM ${table.name}`);
  for (const table of tables) await oracle.insert(table, data.rows.get(table.name) ?? []);
}

describe('queries agree with PostgreSQL on random rows and random queries', { timeout: 600_000 }, () => {
  before(async () => {
    oracle = await OracleSchema.create('property');
    for (const table of tables) await oracle.createTable(table);
  });
  after(async () => oracle.drop());

  it('gives the same rows as PostgreSQL, with and without pushdown', async () => {
    await fc.assert(
      fc.asyncProperty(dataset, fc.array(queryText, { minLength: 1, maxLength: 6 }), async (data, queries) => {
        await load(data);
        for (const text of queries) {
          const expected = await oracle.query(text);
          for (const pushdown of [true, false]) {
            let rows;
            try {
              const compiled = compileQuery(text, catalog(), map, { pushdown });
              rows = executeInMemory(compiled.plan, map, data.rows);
              if (!expected.ok) assert.fail(`PostgreSQL refused ${text} (${expected.error}) but the engine answered`);
              const difference = compareWithOracle(compiled.query, rows, expected.rows);
              assert.equal(difference, null, `${text} (pushdown ${pushdown}): ${difference}`);
            } catch (error) {
              if (error instanceof assert.AssertionError) throw error;
              // Both refusing (division by zero, say) is agreement.
              assert.ok(!expected.ok, `the engine failed on ${text} (pushdown ${pushdown}): ${(error as Error).message}; PostgreSQL answered ${JSON.stringify(expected.ok ? expected.rows.slice(0, 5) : '')}`);
            }
          }
        }
      }),
      { numRuns: Number(process.env.QUERY_PROPERTY_RUNS ?? 150), seed: Number(process.env.QUERY_PROPERTY_SEED ?? 10) },
    );
  });
});
