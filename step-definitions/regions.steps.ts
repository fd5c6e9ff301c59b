import { DataTable, Given, Then, When } from '@cucumber/cucumber';
import { expect } from 'chai';
import { promisesWrites } from '../src/placement/survival';
import { parseDurationMs } from '../support/parameters';
import { parseTables, regions } from '../support/regions-scenario';
import type { PhantomWorld } from '../support/world';

/** One-way latency between two nodes of the same region. */
const IN_REGION_MS = 1;
/** Writes committed just before a region is lost may still be answered this long after. */
const GRACE_MS = 1_000;

// Glossary section: Regions
// Capability: regions
// Needs first: a store across regions, started by "Given a store across regions, 3 nodes in each region, one per zone, with these one-way latencies:", and its tables, created by "Given these tables, with their survival goals:".
// The sharded store spread over regions. Nodes stand in a region and a zone; every message between two regions takes the latency given for them (1 ms inside a region). Each table is one shard, replicated on voters placed by the table's survival goal: "zone" keeps every voter in the table's home region, one per zone, so the table survives losing a zone; "region" spreads the voters so that no region holds enough to decide alone (3 voters: one in each of 3 regions), so the table survives losing a region. A table's leader prefers its home region and returns there when the home region is healthy. Clients stand in a region too. Every client history is checked for linearizability and lost writes after the scenario, and the consensus safety checker watches every table.

// ---- setting up regions and tables ------------------------------------------------------------
// Needs first: nothing; these steps come first.

// Starts N nodes in every region the table names (node-1 … node-N in the first region, then the next; zones "<region>-a", "<region>-b", ... one node each) and waits (at most 20 s) until they form one cluster. A pair given once has the same latency both ways; within a region a message takes 1 ms.
// Columns: from (required): a region, lower case with dashes; to (required): another region; latency (required): a one-way duration, e.g. "20 ms". Every pair of regions needs a row.
// | from    | to      | latency |
// | us-east | us-west | 20 ms   |
// | us-east | eu-west | 35 ms   |
// | us-west | eu-west | 45 ms   |
Given('a store across regions, {int} nodes in each region, one per zone, with these one-way latencies:', function (this: PhantomWorld, perRegion: number, table: DataTable) {
  const rows = table.hashes().map((row) => {
    const latencyMs = parseDurationMs(row.latency ?? '');
    if (latencyMs === null) throw new Error(`In step "${this.currentStep}": latency ${JSON.stringify(row.latency)} from ${row.from} to ${row.to} is not a duration like "20 ms"`);
    return { from: row.from, to: row.to, latencyMs };
  });
  regions(this).start(perRegion, rows, IN_REGION_MS);
});

// Creates the tables, each one shard whose voters are placed by its survival goal, and waits (at most 10 s) until every table has a leader. A goal the regions cannot meet fails the step, naming the table and the goal.
// Needs first: "Given a store across regions, 3 nodes in each region, one per zone, with these one-way latencies:".
// Columns: table (required): a name in lower case; survival goal (required): "zone" or "region"; home region (required): where its leader (and, for "zone", every voter) stands; voters (optional, 3 by default): how many voting copies, at least 3.
// | table  | survival goal | home region | voters |
// | carts  | zone          | us-east     | 3      |
// | orders | region        | us-east     | 3      |
// | users  | region        | eu-west     | 5      |
Given('these tables, with their survival goals:', function (this: PhantomWorld, table: DataTable) {
  regions(this).createTables(parseTables(table.hashes()));
});

// Asks for tables like "these tables, with their survival goals:" but expects that it may be refused; the refusal is kept for "the tables are refused because".
// Needs first: "Given a store across regions, 3 nodes in each region, one per zone, with these one-way latencies:".
// Columns: as in "these tables, with their survival goals:".
// | table  | survival goal | home region |
// | orders | region        | us-east     |
When('tables with these survival goals are requested:', function (this: PhantomWorld, table: DataTable) {
  this.attempt(() => regions(this).createTables(parseTables(table.hashes())));
});

// Instant: the request of "tables with these survival goals are requested:" was refused with an error containing the text, and no table was created.
// Needs first: "When tables with these survival goals are requested:".
Then('the tables are refused because {string}', function (this: PhantomWorld, expected: string) {
  const error = this.takeError();
  expect(error, 'the tables were created, but a refusal was expected').to.not.equal(undefined);
  expect(error!.message).to.contain(expected);
  expect(this.cluster.database.shardIds(), 'tables created despite the refusal').to.deep.equal([]);
});

// A table gets a new home region: the rebalancing planner works out the moves that meet every table's survival goal again (voters into place, fewest moves, then leadership into the home region), and the migration executor carries them out while clients keep working. Waits until every move has finished. From then on, commit latencies count only writes started after the move.
// Needs first: "Given these tables, with their survival goals:".
When('table {string} moves its home region to {region} within {duration}', function (this: PhantomWorld, table: string, region: string, withinMs: number) {
  regions(this).moveHomeRegion(table, region, withinMs);
});

// ---- clients ---------------------------------------------------------------------------------
// Needs first: the store and its tables.

// From now on, in every region, one client per table writes rows of that table (every third operation is a read), one operation at a time with a 20 ms pause, until "the clients in every region stop writing".
When('clients in every region write to every table', function (this: PhantomWorld) {
  regions(this).startWriters();
});

// The clients stop starting operations; the step waits (at most 30 s) until every operation they started has an answer.
// Needs first: "When clients in every region write to every table".
When('the clients in every region stop writing', function (this: PhantomWorld) {
  regions(this).stopWriters();
});

// ---- regional failures -----------------------------------------------------------------------
// Needs first: the store and its tables.

// Every node of the region crashes at once (its clients keep running and keep trying).
When('every node in {region} fails', function (this: PhantomWorld, region: string) {
  regions(this).failRegion(region);
});

// The failed region's nodes restart from their disks.
// Needs first: "When every node in us-east fails".
When('the nodes in {region} come back', function (this: PhantomWorld, region: string) {
  regions(this).restoreRegion(region);
});

// The region (its nodes and its clients) can no longer exchange messages with any other region, either way; inside the region everything still works.
When('the network between {region} and the other regions fails', function (this: PhantomWorld, region: string) {
  regions(this).cutOff(region);
});

// Every region can reach every other again.
// Needs first: "When the network between us-east and the other regions fails".
When('the network between the regions is repaired', function (this: PhantomWorld) {
  regions(this).reconnect();
});

// ---- checks ----------------------------------------------------------------------------------
// Needs first: the store and its tables.

// Instant: every table's voters, as the placement map names them now, meet its survival goal ("zone": all in the home region, no two in one zone; "region": no region with more than it may lose), and its preferred leader is a voter in the home region. Attaches the placement.
Then("every table's voters meet its survival goal", function (this: PhantomWorld) {
  const scenario = regions(this);
  this.attachText('placement', scenario.placementTable());
  expect(scenario.database.violations(), 'survival goal violations').to.deep.equal([]);
});

// Instant: the survival goal and home region the placement group has committed for the table (what every rebalance plans with), read from its freshest replica: after a goal change, a refused change or a crash of the placement group's leader, this says which goal stuck.
// Values: {word} is a survival goal: zone or region.
// Example: Then table "carts" has the survival goal region with home region us-east
Then('table {string} has the survival goal {word} with home region {region}', function (this: PhantomWorld, table: string, goal: string, home: string) {
  if (goal !== 'zone' && goal !== 'region') throw new Error(`In step "${this.currentStep}": a survival goal is zone or region, not "${goal}"`);
  const locality = regions(this).database.locality(table);
  this.attachText(`goal of ${table}`, `survival goal ${locality.goal}, home region ${locality.homeRegion}`);
  expect({ goal: locality.goal, home: locality.homeRegion }, `the committed goal of table ${table}`).to.deep.equal({ goal, home });
});

// Waits until the leader of every table stands in the table's home region, and fails naming each table whose leader is elsewhere.
Then("within {duration} every table's leader is in its home region", function (this: PhantomWorld, withinMs: number) {
  const database = regions(this).database;
  const away = (): string[] =>
    database.tableNames.flatMap((table) => {
      const leader = this.cluster.database.leaderOf(database.shardOf(table));
      const home = database.locality(table).homeRegion;
      return leader !== undefined && database.regionOf(leader) === home ? [] : [`${table}: leader ${leader ?? 'none'}${leader ? ` in ${database.regionOf(leader)}` : ''}, home region ${home}`];
    });
  this.waitUntil(() => away().length === 0, withinMs, () => `every table's leader to be in its home region (now away: ${away().join('; ')})`);
});

// Instant: for every table, the median latency of the writes acknowledged to the client in its home region (writes started after the last home-region move, if any) equals the commit latency the latency matrix predicts, within the tolerance: the quorum's round trip (the voters ordered by round trip from the home region; the commit waits for the farthest of the nearest majority) plus the client's round trip to its leader inside the region. Attaches the figures.
// Needs first: "When clients in every region write to every table", and some time passing.
Then("the median commit latency of every table from its home region is the quorum's round trip from the latency matrix, within {duration}", function (this: PhantomWorld, toleranceMs: number) {
  const scenario = regions(this);
  const matrix = scenario.database.latencyMatrix;
  const lines: string[] = [];
  const misses: string[] = [];
  for (const table of scenario.database.tableNames) {
    const { goal, homeRegion } = scenario.database.locality(table);
    const quorumMs = scenario.database.quorumRoundTripMs(table);
    const expectedMs = quorumMs + matrix.roundTripMs(homeRegion, homeRegion);
    const { medianMs, count } = scenario.medianWriteLatencyMs(table, homeRegion);
    lines.push(`${table} (${goal}, home ${homeRegion}): median ${medianMs.toFixed(1)} ms over ${count} writes; predicted ${expectedMs} ms = quorum round trip ${quorumMs} ms + client round trip ${matrix.roundTripMs(homeRegion, homeRegion)} ms`);
    if (Math.abs(medianMs - expectedMs) > toleranceMs) misses.push(`${table}: median ${medianMs.toFixed(1)} ms, predicted ${expectedMs} ms ± ${toleranceMs} ms`);
  }
  this.attachText('commit latency per table', lines.join('\n'));
  expect(misses, 'tables whose commit latency does not follow the latency matrix').to.deep.equal([]);
});

// Instant: from the moment the last region was lost until it came back (or until now), writes to the table from clients in every other region were acknowledged with no pause longer than the duration. Attaches the longest pause per region.
// Needs first: "When every node in us-east fails" (or "the network between us-east and the other regions fails"), with "clients in every region write to every table" running.
Then('while the region was lost, writes to table {string} from the other regions never paused longer than {duration}', function (this: PhantomWorld, table: string, boundMs: number) {
  const scenario = regions(this);
  scenario.database.locality(table);
  const fault = scenario.lastFault();
  const endMs = fault.endMs ?? this.sim.nowMs;
  const gaps = scenario.database.regions.filter((region) => region !== fault.region).map((region) => ({ region, gapMs: scenario.longestGapMs(table, region, fault.startMs, endMs) }));
  this.attachText(`longest pause of writes to ${table} while ${fault.region} was lost`, gaps.map(({ region, gapMs }) => `from ${region}: ${gapMs.toFixed(0)} ms`).join('\n'));
  for (const { region, gapMs } of gaps) expect(gapMs, `longest pause of writes to ${table} from ${region} while ${fault.region} was lost`).to.be.at.most(boundMs);
});

// Instant: while the region was lost (from 1 s after it was lost until it came back), no write to the table was acknowledged to any client, and a write that ended in that time (after its 10 s deadline) gave clients in every region an error containing the text.
// Needs first: a lost region (as above) that stayed lost longer than a client's 10 s deadline.
Then('while the region was lost, writes to table {string} from every region failed with {string}', function (this: PhantomWorld, table: string, expected: string) {
  const scenario = regions(this);
  const fault = scenario.lastFault();
  const endMs = fault.endMs ?? this.sim.nowMs;
  const acknowledged = scenario.acknowledged(table, undefined, fault.startMs + GRACE_MS, endMs);
  expect(acknowledged.map((entry) => `${entry.region} at ${entry.operation.completedAtMs} ms`), `writes to ${table} acknowledged while ${fault.region} was lost`).to.deep.equal([]);
  for (const region of scenario.database.regions) {
    const errors = scenario.failedWrites(table, region, fault.startMs, endMs).map((entry) => entry.error ?? '');
    this.attachText(`errors of writes to ${table} from ${region}`, [...new Set(errors)].join('\n') || 'none');
    expect(errors.some((error) => error.includes(expected)), `an error containing ${JSON.stringify(expected)} for a write to ${table} from ${region} (errors: ${[...new Set(errors)].join(' | ') || 'none'})`).to.equal(true);
  }
});

// Instant: after the lost region came back, a write to the table from a client in every region was acknowledged within the duration. Attaches the time each region took.
// Needs first: "When the nodes in us-east come back" (or "the network between the regions is repaired"), then some time passing with the clients writing.
Then('after the region came back, writes to table {string} from every region succeeded again within {duration}', function (this: PhantomWorld, table: string, boundMs: number) {
  const scenario = regions(this);
  const fault = scenario.lastFault();
  if (fault.endMs === undefined) throw new Error(`In step "${this.currentStep}": ${fault.region} has not come back yet`);
  const lines: string[] = [];
  for (const region of scenario.database.regions) {
    const first = scenario.acknowledged(table, region, fault.endMs, Number.POSITIVE_INFINITY).map((entry) => entry.operation.completedAtMs!).sort((left, right) => left - right)[0];
    lines.push(`from ${region}: ${first === undefined ? 'no write acknowledged yet' : `${(first - fault.endMs).toFixed(0)} ms`}`);
    expect(first, `a write to ${table} from ${region} acknowledged after ${fault.region} came back`).to.not.equal(undefined);
    expect(first! - fault.endMs, `time until a write to ${table} from ${region} succeeded after ${fault.region} came back`).to.be.at.most(boundMs);
  }
  this.attachText(`recovery of ${table} after ${fault.region} came back`, lines.join('\n'));
});

// Instant: for the last lost region, each row says whether clients in a region could write to a table while it was lost, and the step checks three things agree: the row, what the table's survival goal promises ("region": everywhere but the lost region; "zone": only on the home region's side), and what happened (succeed: acknowledged writes with no pause longer than the duration; fail: nothing acknowledged after the first second, and the clients were told the table is unavailable). Every table and region pair needs a row.
// Needs first: a lost region (see "every node in {region} fails" and "the network between {region} and the other regions fails"), with "clients in every region write to every table" running for longer than a client's 10 s deadline.
// Values: writes is "succeed" or "fail".
// Columns: table (required): a table; clients in (required): a region; writes (required): succeed or fail.
// | table  | clients in | writes  |
// | orders | us-east    | fail    |
// | orders | us-west    | succeed |
// | orders | eu-west    | succeed |
Then('while the region was lost, with no pause longer than {duration}, the tables took writes as their survival goals promise:', function (this: PhantomWorld, boundMs: number, rows: DataTable) {
  const scenario = regions(this);
  const database = scenario.database;
  const fault = scenario.lastFault();
  const endMs = fault.endMs ?? this.sim.nowMs;
  const stated = new Map(rows.hashes().map((row) => [`${row.table} from ${row['clients in']}`, row.writes]));
  const report: string[] = [];
  const problems: string[] = [];
  for (const table of database.tableNames) {
    for (const region of database.regions) {
      const pair = `${table} from ${region}`;
      const row = stated.get(pair);
      if (row !== 'succeed' && row !== 'fail') throw new Error(`In step "${this.currentStep}": the table needs a row for table ${table}, clients in ${region}, with writes "succeed" or "fail" (got ${JSON.stringify(row)})`);
      const promised = promisesWrites(database.locality(table), fault.region, region) ? 'succeed' : 'fail';
      if (row !== promised) problems.push(`${pair}: the row says ${row}, but survival goal ${database.locality(table).goal} (home ${database.locality(table).homeRegion}) promises ${promised} while ${fault.region} is lost`);
      const acknowledged = scenario.acknowledged(table, region, fault.startMs + GRACE_MS, endMs).length;
      const gapMs = scenario.longestGapMs(table, region, fault.startMs, endMs);
      const errors = [...new Set(scenario.failedWrites(table, region, fault.startMs, endMs).map((entry) => entry.error ?? ''))];
      report.push(`${pair}: ${acknowledged} writes acknowledged, longest pause ${gapMs.toFixed(0)} ms${errors.length > 0 ? `; errors: ${errors.join(' | ')}` : ''}`);
      if (row === 'succeed' && gapMs > boundMs) problems.push(`${pair}: writes paused for ${gapMs.toFixed(0)} ms, longer than ${boundMs} ms`);
      if (row === 'fail' && acknowledged > 0) problems.push(`${pair}: ${acknowledged} writes were acknowledged while ${fault.region} was lost`);
      if (row === 'fail' && !errors.some((error) => error.includes(`table ${table} is unavailable`))) problems.push(`${pair}: no client was told "table ${table} is unavailable" (errors: ${errors.join(' | ') || 'none'})`);
    }
  }
  this.attachText(`writes while ${fault.region} was lost (${fault.kind})`, report.join('\n'));
  expect(problems, 'tables that did not take writes as their survival goals promise').to.deep.equal([]);
});

// Instant: every learner that joined a table's group while "table … moves its home region" ran became a voter within the duration of joining, and when promoted it held every entry its leader had committed one election timeout before (Raft thesis §4.2.1: a new server is promoted once a round of catching it up takes less than an election timeout, so under continuous writes it is never fully caught up, only close). Fails naming the node, the table's group and what it lacked.
// Needs first: "When table {string} moves its home region to {region} within {duration}" that moved voters into another region.
Then('every voter that joined a table during the moves was promoted within {duration} of joining, at most one election timeout behind its leader', function (this: PhantomWorld, boundMs: number) {
  const scenario = regions(this);
  this.attachText('voters that joined during the moves', scenario.joiners.map((joiner) => `${joiner.node} joined ${joiner.shard} at ${joiner.learnerAtMs.toFixed(0)} ms as a learner; ${joiner.voterAtMs === undefined ? 'never a voter' : `a voter at ${joiner.voterAtMs.toFixed(0)} ms (${(joiner.voterAtMs - joiner.learnerAtMs).toFixed(0)} ms later)`}; last seen as a learner holding up to ${joiner.lastMatchIndex}, the leader's commit index one election timeout (${joiner.electionTimeoutMs} ms) earlier ${joiner.commitIndexOneElectionTimeoutBefore}`).join('\n') || 'none');
  expect(scenario.promotionProblems(boundMs), 'promotions of voters that joined during the moves').to.deep.equal([]);
});
