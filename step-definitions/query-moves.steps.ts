import { Given, Then, When } from '@cucumber/cucumber';
import { expect } from 'chai';
import { queries } from '../support/query-scenario';
import { queryMoves } from '../support/query-moves-scenario';
import type { PhantomWorld } from '../support/world';

// Glossary section: Queries during slot moves
// Capability: queries
// Needs first: a running store ("Given a running cluster of 4 nodes storing data in 3 shards with 3 replicas each"), a distributed table with its rows ("Given a distributed table ...", "Given the table ... holds these rows:").
// Queries while a shard splits, under what makes a split hard for a query: a query client whose shard map is out of date while the split commits, writes racing the move, and a shard the queries cannot reach for a while. Check the runs with "every run of the query returned:" and "at least N runs of the query started while slots were moving".

// Needs the store running. Adds a second query client that keeps the shard map of this moment: it plans every query with it, and fetches the current map only when a shard turns a query away because its slots moved. The periodic query of the split steps below runs on it too.
// Example: Given a second query client that keeps the shard map it has now until a shard turns it away
Given('a second query client that keeps the shard map it has now until a shard turns it away', function (this: PhantomWorld) {
  queryMoves(this).addStaleMapClient();
});

// Needs the table's rows loaded first; give it before the split step. When the split starts, the query clients are cut off from the leader of the shard holding the rows with this distribution value (both ways) for this long; the shard's replicas still reach each other, and the transfer clients reach them all. A query running then reads the other shards at once and this one only after the cut heals.
// Values: {word} is the table's distribution column (for example id).
// Example: Given the query clients are cut off from the leader of the shard holding the "orders" rows where id = 1 for the first 2 s of the split
Given('the query clients are cut off from the leader of the shard holding the {string} rows where {word} = {int} for the first {duration} of the split', function (this: PhantomWorld, table: string, column: string, value: number, durationMs: number) {
  queryMoves(this).cutQueryClientsAtSplit(queries(this).shardHolding(table, column, value), durationMs);
});

// Needs the table's rows loaded first; give it before the split step. When the split starts, every message between the query clients and the leader of the shard holding the rows with this distribution value takes this long, each way, until the split ends. Each query then holds what it read on the other shards for at least that round trip, so queries that follow one another back to back overlap on the splitting shard.
// Values: {word} is the table's distribution column (for example id).
// Example: Given the query clients reach the leader of the shard holding the "orders" rows where id = 4 only after 60 ms each way during the split
Given('the query clients reach the leader of the shard holding the {string} rows where {word} = {int} only after {duration} each way during the split', function (this: PhantomWorld, table: string, column: string, value: number, delayMs: number) {
  queryMoves(this).slowQueryClientsAtSplit(queries(this).shardHolding(table, column, value), delayMs);
});

// Needs the table's rows loaded first. The rebalancer splits the shard holding the rows with this distribution value (the
// upper half of its slots, with their rows, moves to a new shard) while the query (doc string) runs again every interval on
// every query client, until the split is done (at most 60 s of virtual time); then one more run per client on the settled
// store. Every run is compared with PostgreSQL over the rows as loaded. Use a query the split cannot change (a count, a sum).
// Values: {word} is the table's distribution column (for example id).
// Example: When the shard holding the "orders" rows where id = 1 splits in two while every query client runs this query every 20 ms:
When('the shard holding the {string} rows where {word} = {int} splits in two while every query client runs this query every {duration}:', async function (this: PhantomWorld, table: string, column: string, value: number, everyMs: number, text: string) {
  await queryMoves(this).splitUnderLoad(queries(this).shardHolding(table, column, value), everyMs, text);
});

// Needs the table's rows loaded first. As the step above, and while the split runs one client moves the amount of the int
// column from one row to the other every interval (each move one transaction that reads both rows and writes both; it
// stops once the split is done, the queries running then have ended and 10 moves committed, waiting at most 10 s more). Use a query the moves cannot change either (a count, a sum of that column).
// Values: every {word} is the table's distribution column (for example id); the second {string} is an int column of the table.
// Example: When the shard holding the "orders" rows where id = 3 splits in two while a client moves 5 of "amount" from the row where id = 5 to the row where id = 4 every 100 ms, and every query client runs this query every 20 ms:
When('the shard holding the {string} rows where {word} = {int} splits in two while a client moves {int} of {string} from the row where {word} = {int} to the row where {word} = {int} every {duration}, and every query client runs this query every {duration}:', async function (this: PhantomWorld, table: string, column: string, value: number, amount: number, amountColumn: string, fromColumn: string, from: number, toColumn: string, to: number, transferEveryMs: number, everyMs: number, text: string) {
  for (const named of [fromColumn, toColumn]) if (named !== column) throw new Error(`In step "${this.currentStep}": rows are named by ${column}, the distribution column, not ${named}`);
  await queryMoves(this).splitUnderLoad(queries(this).shardHolding(table, column, value), everyMs, text, { table, column: amountColumn, amount, from, to, everyMs: transferEveryMs });
});

// The query client with the old shard map was turned away by a shard at least this many times, and planned those queries again on a newer map.
// Needs first: "Given a second query client that keeps the shard map it has now until a shard turns it away", then a split step ("When the shard holding ... splits in two while every query client runs this query every 20 ms:").
// Instant: reads the counts recorded by the split step, which waited for the split to end.
Then('the query client with the old shard map was turned away at least {int} time(s)', function (this: PhantomWorld, times: number) {
  const client = queryMoves(this).staleClient;
  this.attachText('query client with the old map', `started with shard map epoch ${client.startEpoch}; ${client.turnedAway} runs turned away and planned again`);
  expect(client.turnedAway, `runs of the query client with shard map epoch ${client.startEpoch} that a shard turned away`).to.be.at.least(times);
});

// The split of the step "When the shard holding ... splits in two while ..." ended (it cut over to the new shard) within this long of virtual time after it started, however the queries overlapped.
// Instant: reads the duration recorded by the split step, which waited for the split to end.
Then('the split took at most {duration}', function (this: PhantomWorld, boundMs: number) {
  const moves = queryMoves(this);
  if (moves.splitTookMs === undefined) throw new Error(`In step "${this.currentStep}": no split ran; run one with "When the shard holding ... splits in two while every query client runs this query every 20 ms:"`);
  this.attachText('the split', `took ${Math.round(moves.splitTookMs)} ms of virtual time; the source refused to let go of the range ${moves.releasesDeferred} times while queries held it`);
  expect(moves.splitTookMs, `virtual ms the split took (the source refused to let go ${moves.releasesDeferred} times)`).to.be.at.most(boundMs);
});

// The moving client's row-to-row moves really raced the split: at least this many of them began while slots were still moving (committed or aborted; the split step itself goes on until 10 have committed in all, so a count of commits would say nothing).
// Needs first: the split step with moves, "When the shard holding ... splits in two while a client moves ... every 100 ms, and every query client runs this query every 20 ms:".
// Instant: reads the count recorded by the split step, which waited for the moves to end.
Then('at least {int} of the client\'s row-to-row moves began while slots were moving', function (this: PhantomWorld, transfers: number) {
  const scenario = queries(this);
  const { movesStartedWhileMoving: started, movesCommittedWhileMoving: committed } = queryMoves(this);
  this.attachText('moves during the split', `${started} began while slots were moving (${committed} of them committed); in all ${scenario.transfersCommitted} committed and ${scenario.transfersAborted} aborted`);
  expect(started, `row-to-row moves that began while slots were moving (${committed} of them committed)`).to.be.at.least(transfers);
});
