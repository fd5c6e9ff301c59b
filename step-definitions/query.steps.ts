import { type DataTable, Given, Then, When } from '@cucumber/cucumber';
import { expect } from 'chai';
import { formatRows, queries } from '../support/query-scenario';
import type { PhantomWorld } from '../support/world';

// Glossary section: Queries
// Capability: queries
// Needs first: a running store, started by "Given a running cluster of 5 nodes storing data in 3 shards with 3 replicas each"; steps on rows need their table, created by "Given a distributed table ..." or "Given a reference table ...".
// SQL over the sharded store: tables, rows, queries with EXPLAIN, and faults during queries. Every result is compared with PostgreSQL over the same rows.

// ---- tables and rows ---------------------------------------------------------------------------

// Needs a running store. Creates a table whose rows are placed by the named column (columns: column, type — int, text or bool —, key — "yes" for primary key columns; the distribution column must be one of them).
// Columns: column (required): the column name; type (required): int, text or bool; key (optional): "yes" for a primary-key column, empty otherwise.
// | column  | type | key |
// | id      | int  | yes |
// | name    | text |     |
// | active  | bool |     |
Given('a distributed table {string} distributed by {string} with columns:', async function (this: PhantomWorld, name: string, column: string, table: DataTable) {
  await queries(this).createTable(name, 'distributed', column, table.hashes() as { column: string; type: string; key?: string }[]);
});

// Needs a running store. Creates a small table with a full copy on every shard, for joins (columns: column, type — int, text or bool —, key — "yes" for primary key columns).
// Columns: column (required): the column name; type (required): int, text or bool; key (optional): "yes" for a primary-key column, empty otherwise.
// | column | type | key |
// | code   | text | yes |
// | label  | text |     |
Given('a reference table {string} with columns:', async function (this: PhantomWorld, name: string, table: DataTable) {
  await queries(this).createTable(name, 'reference', null, table.hashes() as { column: string; type: string; key?: string }[]);
});

// Inserts the rows of the data table through the client API and waits until all are stored (header: column names; "NULL" is a null). The oracle gets the same rows.
// Columns: one per column of the table, named as in its definition (all required); values are whole numbers for int, any text for text, true or false for bool, and NULL for a null.
// | id | name  | active |
// | 1  | alice | true   |
// | 2  | NULL  | false  |
Given('the table {string} holds these rows:', async function (this: PhantomWorld, name: string, table: DataTable) {
  const scenario = queries(this);
  await scenario.insert(name, scenario.rowsFromTable(name, table.raw()));
});

// Inserts N rows made from the seed (keys count up from 1; other values random, 1 in 20 NULL) through the client API, and waits until all are stored.
Given('the table {string} holds {int} rows generated from seed {int}', async function (this: PhantomWorld, name: string, count: number, seed: number) {
  const scenario = queries(this);
  await scenario.insert(name, scenario.generatedRows(name, count, seed));
});

// ---- running queries -----------------------------------------------------------------------------

// Runs the SQL (a doc string; EXPLAIN and EXPLAIN ANALYZE too) and waits at most 5 s for it to end. A result is compared with PostgreSQL's on the same rows at once; an error is kept for a Then-step.
When('this query is run:', async function (this: PhantomWorld, text: string) {
  await queries(this).run(text);
});

// Runs the previous query again with every shard asked, however its conditions pin the distribution column.
When('the same query is run without shard pruning', async function (this: PhantomWorld) {
  await queries(this).runAgain({ prune: false });
});

// Runs the previous query again the naive way: every shard sends all its rows and the coordinator does the rest.
When('the same query is run without pushdown', async function (this: PhantomWorld) {
  await queries(this).runAgain({ pushdown: false });
});

// ---- results ---------------------------------------------------------------------------------------

// The last query succeeded with these rows (header: result column names; "NULL" for null; AVG to 15 significant digits). Order counts when the query has ORDER BY.
// Instant: reads the last query's outcome; "this query is run:" already waited for it to end.
// Columns: the result's column names, in order (all required); values as the query returns them, NULL for a null.
// | name  | total |
// | alice | 30    |
// | bob   | 12    |
Then('the result is:', function (this: PhantomWorld, table: DataTable) {
  const run = queries(this).last;
  expect(run.error?.message, 'the query failed').to.equal(undefined);
  const [header, ...expected] = table.raw();
  expect(run.columns, 'result columns').to.deep.equal(header);
  const actual = formatRows(run.rows);
  if (run.compiled?.query.orderBy.length) expect(actual, 'rows, in order').to.deep.equal(expected);
  else expect([...actual].sort(), 'rows (any order)').to.deep.equal([...expected].sort());
});

// The last query succeeded and returned this many rows.
// Instant: reads the last query's outcome.
Then('the result has {int} row(s)', function (this: PhantomWorld, count: number) {
  const run = queries(this).last;
  expect(run.error?.message, 'the query failed').to.equal(undefined);
  expect(run.rows.length, 'rows returned').to.equal(count);
});

// The last query was refused or failed, with an error message containing the text.
// Instant: reads the error the last query ended with.
Then('the query fails with an error containing {string}', function (this: PhantomWorld, text: string) {
  const error = this.takeError();
  expect(error, 'the query did not fail').to.not.equal(undefined);
  expect(error!.message).to.contain(text);
});

// Each line of the doc string appears, in this order, within the lines of the last EXPLAIN's plan (leading and trailing spaces ignored).
// Instant: reads the plan of the last EXPLAIN.
Then('the plan includes these lines:', function (this: PhantomWorld, text: string) {
  const plan = queries(this).last.explainLines();
  this.attachText('plan', plan.join('\n'));
  let from = 0;
  for (const wanted of text.split('\n').map((line) => line.trim()).filter((line) => line !== '')) {
    const found = plan.findIndex((line, index) => index >= from && line.includes(wanted));
    expect(found, `plan line containing "${wanted}" (after line ${from})\n${plan.join('\n')}`).to.be.at.least(0);
    from = found + 1;
  }
});

// The last query (run, not just explained) asked exactly this many shards and received exactly this many rows from them in all.
// Instant: reads the last query's execution record.
Then('the query asked {int} shard(s) and received {int} row(s) from them', function (this: PhantomWorld, shards: number, rows: number) {
  const analysis = queries(this).last.execution?.analysis;
  expect(analysis, 'the last query did not run to the end').to.not.equal(undefined);
  expect(analysis!.shards.length, 'shards asked').to.equal(shards);
  expect(analysis!.shards.reduce((sum, shard) => sum + shard.rowsSent, 0), 'rows received from the shards').to.equal(rows);
});

// ---- faults ---------------------------------------------------------------------------------------

// The leader of the shard holding a distributed table's rows with this distribution value is cut off from every other node (it keeps running).
// Values: {word} is the table's distribution column (for example id).
When('the leader of the shard holding the {string} rows where {word} = {int} is cut off from the others', function (this: PhantomWorld, table: string, column: string, value: number) {
  const shard = queries(this).shardHolding(table, column, value);
  const leader = this.cluster.database.leaderOf(shard);
  if (leader === undefined) throw new Error(`${shard} has no leader to cut off`);
  this.sim.network.isolate(leader);
  this.remembered.set(`cut-off leader of ${shard}`, leader);
});

// Needs the leader cut off first. The last query's rows from that shard came from a leader elected after the old one was cut off.
// Values: {word} is the table's distribution column (for example id).
// Instant: reads the last query's execution record.
Then('the shard holding the {string} rows where {word} = {int} answered from its new leader', function (this: PhantomWorld, table: string, column: string, value: number) {
  const shard = queries(this).shardHolding(table, column, value);
  const old = this.remembered.get(`cut-off leader of ${shard}`);
  if (old === undefined) throw new Error(`In step "${this.currentStep}": no leader of ${shard} was cut off`);
  const answer = queries(this).last.execution?.analysis?.shards.find((entry) => entry.shard === shard);
  expect(answer, `${shard} did not answer the last query`).to.not.equal(undefined);
  expect(answer!.node, `the node that answered for ${shard}`).to.not.equal(old);
});

// All but one replica of the shard holding those rows crash, so the shard has no majority and cannot answer.
// Values: {word} is the table's distribution column (for example id).
When('the shard holding the {string} rows where {word} = {int} loses a majority of its replicas', function (this: PhantomWorld, table: string, column: string, value: number) {
  const scenario = queries(this);
  const shard = scenario.shardHolding(table, column, value);
  for (const node of scenario.nodesOfShard(shard).slice(1)) this.sim.node(node).crash();
});

// The last query failed with an error that names the shard holding those rows.
// Values: {word} is the table's distribution column (for example id).
// Instant: reads the error the last query ended with.
Then('the query fails naming the shard holding the {string} rows where {word} = {int}', function (this: PhantomWorld, table: string, column: string, value: number) {
  const shard = queries(this).shardHolding(table, column, value);
  const error = this.takeError();
  expect(error, 'the query did not fail').to.not.equal(undefined);
  expect(error!.message).to.match(new RegExp(`\\b${shard}\\b`));
});

// ---- queries during transactions --------------------------------------------------------------------

// Four clients keep transferring random amounts of the int column between random rows of the table (each transfer one transaction) for the duration, while the query (doc string) runs again every interval. Every run is compared with PostgreSQL holding the rows as loaded, so use a query transfers cannot change (a sum, a count).
When('clients transfer amounts of {string} between random rows of {string} for {duration} while this query runs every {duration}:', async function (this: PhantomWorld, column: string, table: string, durationMs: number, everyMs: number, text: string) {
  await queries(this).transfersWhileQuerying(column, table, durationMs, everyMs, text);
});

// Needs the table's rows loaded first. The rebalancer splits the shard holding the rows with this distribution value: the
// upper half of its slots, with their rows, moves to a new shard, while the query (doc string) runs again every interval,
// until the split is done (at most 60 s of virtual time); one more run follows on the settled map. Use a query the split
// cannot change (a count, a sum, a sorted list), then check it with "every run of the query returned:".
// Values: {word} is the table's distribution column (for example id).
// Example: When the shard holding the "orders" rows where id = 1 splits in two while this query runs every 20 ms:
When('the shard holding the {string} rows where {word} = {int} splits in two while this query runs every {duration}:', function (this: PhantomWorld, table: string, column: string, value: number, everyMs: number, text: string) {
  const scenario = queries(this);
  scenario.splitWhileQuerying(scenario.shardHolding(table, column, value), everyMs, text);
});

// At least this many runs of the periodic query started while slots were moving.
// Instant: reads the counts recorded by the split step, which waited for the split to end.
Then('at least {int} runs of the query started while slots were moving', function (this: PhantomWorld, runs: number) {
  const scenario = queries(this);
  this.attachText('query runs during the split', `${scenario.runsDuringMoves} of ${scenario.periodicRuns.length} runs started while slots were moving`);
  expect(scenario.runsDuringMoves, 'runs that started while slots were moving').to.be.at.least(runs);
});

// Every run of the periodic query succeeded and returned exactly these rows (header: result column names).
// Instant: reads the runs recorded by the periodic query step, which waited for them.
// Columns: the result's column names, in order (all required); values as the query returns them.
// | total |
// | 1000  |
Then('every run of the query returned:', function (this: PhantomWorld, table: DataTable) {
  const scenario = queries(this);
  const [header, ...expected] = table.raw();
  expect(scenario.periodicRuns.length, 'runs of the query').to.be.greaterThan(0);
  for (const [index, run] of scenario.periodicRuns.entries()) {
    expect(run.error?.message, `run ${index + 1} failed`).to.equal(undefined);
    expect(run.columns).to.deep.equal(header);
    expect(formatRows(run.rows), `run ${index + 1} of ${scenario.periodicRuns.length}`).to.deep.equal(expected);
  }
});

// Both workloads made progress: at least this many transfers committed and the query ran to the end at least this many times.
// Instant: reads the counts recorded by the workload step, which waited for it to end.
Then('at least {int} transfers committed and the query ran at least {int} times', function (this: PhantomWorld, transfers: number, runs: number) {
  const scenario = queries(this);
  this.attachText('workload', `transfers committed ${scenario.transfersCommitted}, aborted ${scenario.transfersAborted}; query runs ${scenario.periodicRuns.length}`);
  expect(scenario.transfersCommitted, 'transfers committed').to.be.at.least(transfers);
  expect(scenario.periodicRuns.length, 'query runs').to.be.at.least(runs);
});
