import { DataTable, Given, Then, When } from '@cucumber/cucumber';
import { expect } from 'chai';
import { type GeoCluster, GeoOperationError } from '../src/api/geo-cluster';
import type { GeoClusterBuilder } from '../src/api/geo-cluster-builder';
import type { StrategyKind } from '../src/georep';
import { geo as geoOf, geoSetup } from '../support/georep-scenario';
import { auditNemesis } from '../support/nemesis-audit';
import { parseDurationMs } from '../support/parameters';
import type { PhantomWorld } from '../support/world';

function setup(world: PhantomWorld): GeoClusterBuilder {
  return geoSetup(world);
}

function geo(world: PhantomWorld): GeoCluster {
  return geoOf(world);
}

/** Runs the region nemesis for a while, then audits that every requested fault kind hit the regions' traffic. */
function runGeoChaos(world: PhantomWorld, durationMs: number, options: Parameters<GeoCluster['startChaos']>[0], requested: string[]): void {
  const cluster = geo(world);
  const startMs = world.sim.nowMs;
  const chaos = cluster.startChaos(options);
  world.sim.runFor(durationMs);
  chaos.stop();
  const workloadNodes = cluster.regions.flatMap((region) => cluster.nodesOf(region));
  auditNemesis(world, { requested, faults: chaos.faults, workloadNodes, workloadWindowMs: { startMs, endMs: world.sim.nowMs } });
}

function lookup(world: PhantomWorld, what: string): never {
  throw new Error(`In step "${world.currentStep}": ${what}`);
}

/**
 * Waits (at most `withinMs` of virtual time) until every region holds the same data, which
 * the checks of what the regions converged to need; fails naming what it waited for and the
 * keys that still differ. Returns at once when they already agree.
 */
function awaitSameData(world: PhantomWorld, withinMs: number, before: string): void {
  try {
    geo(world).awaitConvergence(withinMs);
  } catch (error) {
    lookup(world, `waited (at most ${withinMs / 1000} s) for every region to hold the same data before checking ${before}, but: ${(error as Error).message}`);
  }
}

// Glossary section: Georeplication
// Capability: replication
// Needs first: the regions, created by "Given regions with these one-way latencies:", and a keyspace for every key written ("Given keyspace "profiles" resolves conflicts by last-writer-wins"). Keys are written "keyspace/key". Regions are not nodes: the cluster, consensus and fault steps do not apply to them, except "When the network heals", which ends every cut between regions.
// Regions replicate asynchronously, active-active; concurrent writes are resolved by each keyspace's conflict strategy. A region is one node by default, or a sharded Raft store of several nodes ("Given each region is a cluster of 3 nodes with 2 shards", or the replicated-regions profile for every scenario). The After hook checks that every region converges and loses nothing, and with regions of many nodes that every change between regions took effect exactly once.

// ---- setting up regions ------------------------------------------------------------------------
// Needs first: nothing; these steps come before any write.

// Creates one replica per region named in the table; a pair given once has the same latency both ways. Within a region latency is 1 ms.
// Columns: from (required): a region, lower case with dashes; to (required): another region; latency (required): a duration, e.g. "80 ms".
// | from    | to       | latency |
// | us-east | eu-west  | 80 ms   |
// | us-east | ap-south | 120 ms  |
// | eu-west | ap-south | 100 ms  |
Given('regions with these one-way latencies:', function (this: PhantomWorld, table: DataTable) {
  for (const row of table.hashes()) setup(this).addLatency(row.from, row.to, parseDurationMs(row.latency) ?? lookup(this, `"${row.latency}" is not a duration`));
});

// Declares how a keyspace resolves concurrent updates. Keys are written "keyspace/key".
Given('keyspace {string} resolves conflicts by {conflict strategy}', function (this: PhantomWorld, keyspace: string, strategy: StrategyKind) {
  setup(this).defineKeyspace(keyspace, strategy);
});

// Sets the maximum clock offset between regions (default 500 ms): a peer whose clock is further off is refused.
Given('the maximum clock offset is {duration}', function (this: PhantomWorld, maxOffsetMs: number) {
  setup(this).tune({ maxClockOffsetMs: maxOffsetMs });
});

// Bounds the backlog of changes a region keeps for each other region; past it, that region is repaired by anti-entropy instead.
Given('each region keeps at most {int} unreplicated changes for another region', function (this: PhantomWorld, changes: number) {
  setup(this).tune({ retainedChangesMax: changes });
});

// Writes N keys ("key-000000" …) into the keyspace from one region, one every 5 ms, and waits until every region holds them.
Given('{int} keys of {string} were written in {region} and reached every region', function (this: PhantomWorld, count: number, keyspace: string, region: string) {
  geo(this).writeKeys(region, keyspace, count, (index) => `v1-${index}`, 5);
  geo(this).awaitConvergence(10_000);
});

// ---- network and region faults -------------------------------------------------------------------

// Cuts every link between the two regions, both ways; other regions still reach both.
Given('{region} and {region} cannot reach each other', function (this: PhantomWorld, a: string, b: string) {
  geo(this).cutBetween(a, b);
});

// Splits the region from all the others (its own clients still reach it).
Given('{region} is cut off from the other regions', function (this: PhantomWorld, region: string) {
  geo(this).isolateRegion(region);
});

// The region's replica crashes; what it synced to disk survives. Its clients get no answers.
When('the {region} region fails', function (this: PhantomWorld, region: string) {
  geo(this).failRegion(region);
});

// The region's replica restarts from its disk.
When('the {region} region comes back', function (this: PhantomWorld, region: string) {
  geo(this).recoverRegion(region);
});

// Every clock in the region is set behind true time.
Given('the clocks in {region} run {duration} behind', function (this: PhantomWorld, region: string, offsetMs: number) {
  geo(this).setRegionClock(region, -offsetMs);
});

// Every clock in the region is set ahead of true time.
Given('the clocks in {region} run {duration} ahead', function (this: PhantomWorld, region: string, offsetMs: number) {
  geo(this).setRegionClock(region, offsetMs);
});

// The clocks in the region jump forward and stay there.
When('the clocks in {region} jump {duration} ahead', function (this: PhantomWorld, region: string, offsetMs: number) {
  geo(this).setRegionClock(region, offsetMs);
});

// The clocks in the region are set back to true time.
When('the clocks in {region} are corrected', function (this: PhantomWorld, region: string) {
  geo(this).setRegionClock(region, 0);
});

// Runs virtual time with random splits between regions and random clock offsets (drift up to 50 ppm); the network heals at the end, clocks stay skewed.
When('for {duration} the regions are split at random and their clocks skewed by up to {duration}', function (this: PhantomWorld, durationMs: number, skewMs: number) {
  runGeoChaos(this, durationMs, { maxClockSkewMs: skewMs, maxDriftPpm: 50 }, ['partition', 'clock-skew']);
});

// Like the step above, and regions also fail (their replica crashes) and come back, one at a time.
When('for {duration} the regions are split at random, fail and come back, and their clocks are skewed by up to {duration}', function (this: PhantomWorld, durationMs: number, skewMs: number) {
  runGeoChaos(this, durationMs, { maxClockSkewMs: skewMs, maxDriftPpm: 50, regionFailures: true }, ['partition', 'region-failure', 'clock-skew']);
});

// ---- clients -----------------------------------------------------------------------------------------

// A client in the region writes a value (no session: a blind write) and waits for the acknowledgement.
When('a client in {region} writes {string} = {string}', function (this: PhantomWorld, region: string, key: string, value: string) {
  geo(this).perform(region, key, { kind: 'put', value });
});

// A client in the region deletes the key (last-writer-wins: a tombstone).
When('a client in {region} deletes {string}', function (this: PhantomWorld, region: string, key: string) {
  geo(this).perform(region, key, { kind: 'delete' });
});

// A client in the region adds to a counter.
When('a client in {region} increments {string} by {int}', function (this: PhantomWorld, region: string, key: string, amount: number) {
  geo(this).perform(region, key, { kind: 'increment', amount });
});

// A client in the region subtracts from a counter.
When('a client in {region} decrements {string} by {int}', function (this: PhantomWorld, region: string, key: string, amount: number) {
  geo(this).perform(region, key, { kind: 'increment', amount: -amount });
});

// A client in the region adds an element to a set.
When('a client in {region} adds {string} to {string}', function (this: PhantomWorld, region: string, element: string, key: string) {
  geo(this).perform(region, key, { kind: 'add', element });
});

// A client in the region removes an element from a set (the adds that region has seen).
When('a client in {region} removes {string} from {string}', function (this: PhantomWorld, region: string, element: string, key: string) {
  geo(this).perform(region, key, { kind: 'remove', element });
});

// A named client reads through the given region and remembers what it saw (its causal context).
When('client {string} reads {string} in {region}', function (this: PhantomWorld, client: string, key: string, region: string) {
  geo(this).perform(region, key, undefined, client);
});

// A named client writes through the given region, carrying what it has seen: the write is ordered after it.
When('client {string} writes {string} = {string} in {region}', function (this: PhantomWorld, client: string, key: string, value: string, region: string) {
  geo(this).perform(region, key, { kind: 'put', value }, client);
});

// Two clients in two regions write the same key at the same virtual instant.
When(
  'at the same moment a client in {region} writes {string} = {string} and a client in {region} writes {string} = {string}',
  function (this: PhantomWorld, regionA: string, keyA: string, valueA: string, regionB: string, keyB: string, valueB: string) {
    const results = geo(this).performTogether([{ region: regionA, fullKey: keyA, operation: { kind: 'put', value: valueA } }, { region: regionB, fullKey: keyB, operation: { kind: 'put', value: valueB } }]);
    this.remembered.set('georep:together', { key: keyB, timestamps: results.map((result) => (result.ok ? result.timestamp : undefined)) });
  },
);

// A client in the region tries to write; a failure is kept for a later step to check.
When('a client in {region} tries to write {string} = {string}', function (this: PhantomWorld, region: string, key: string, value: string) {
  this.attempt(() => geo(this).perform(region, key, { kind: 'put', value }));
});

// Instant: the write tried before got no answer because the region's replica is down.
Then('the write fails because {region} is unavailable', function (this: PhantomWorld, region: string) {
  const error = this.takeError();
  expect(error, 'the write should have failed').to.be.instanceOf(GeoOperationError);
  expect((error as GeoOperationError).unavailable, error!.message).to.equal(true);
  expect(error!.message).to.contain(region);
});

// Starts a steady workload: each region writes to random keys of the keyspace at this rate, until the writes stop.
When('every region takes {int} writes per second to {string}', function (this: PhantomWorld, rate: number, keyspace: string) {
  geo(this).startWorkload({ ratePerRegionPerSecond: rate, keyspaces: [keyspace], keysPerKeyspace: 50 });
});

// Starts a steady mixed workload over every keyspace (puts and deletes, read-modify-writes, increments, set adds and removes).
When('every region takes {int} operations per second across all keyspaces', function (this: PhantomWorld, rate: number) {
  geo(this).startWorkload({ ratePerRegionPerSecond: rate, keyspaces: geo(this).catalog.names(), keysPerKeyspace: 12 });
});

// Stops the workload and waits for every answer on its way.
When('the writes stop', function (this: PhantomWorld) {
  geo(this).quiesce();
});

// Clients in the region write new values to the first N keys of the keyspace, one every 5 ms.
When('clients in {region} update {int} keys of {string}', function (this: PhantomWorld, region: string, count: number, keyspace: string) {
  geo(this).writeKeys(region, keyspace, count, (index) => `v2-${index}`, 5);
});

// ---- what regions hold -------------------------------------------------------------------------------

// Waits, for each region, until the value is readable there; each must be no later than the one-way latency from the writer's region, plus a commit in the writer's region and one in the reader's (none where a region is one node; with regions of many nodes, the region's quorum round trip and two disk syncs), plus the slack. Attaches the times.
Then('every region reads {string} as {string} within {duration} more than the one-way latency from {region} and a commit in each region', function (this: PhantomWorld, key: string, value: string, slackMs: number, origin: string) {
  const cluster = geo(this);
  const boundOf = (region: string): number => cluster.latencyMs(origin, region) + (region === origin ? 1 : 2) * cluster.regionCommitMs + slackMs;
  const seen = cluster.awaitValue(key, value, cluster.regions, Math.max(...cluster.regions.map(boundOf)));
  this.attachText('visible after (virtual ms from the write)', seen.map(({ region, afterMs }) => `${region}: ${afterMs} ms (one-way latency ${cluster.latencyMs(origin, region)} ms, commit ${cluster.regionCommitMs} ms, ${cluster.deployment.description})`).join('\n'));
  for (const { region, afterMs } of seen) expect(afterMs, `${region} read it after`).to.be.at.most(boundOf(region));
});

// Waits until every region reads the value.
// Values: text for last-writer-wins, a number for counters, "{a, b}" for sets, "(absent)" for none.
Then('within {duration} every region reads {string} as {string}', function (this: PhantomWorld, withinMs: number, key: string, value: string) {
  geo(this).awaitValue(key, value, geo(this).regions, withinMs);
});

// Waits until both regions read the value.
// Values: text for last-writer-wins, a number for counters, "{a, b}" for sets, "(absent)" for none.
Then('within {duration} {region} and {region} read {string} as {string}', function (this: PhantomWorld, withinMs: number, a: string, b: string, key: string, value: string) {
  geo(this).awaitValue(key, value, [a, b], withinMs);
});

// Instant: what a read in the region returns at this moment.
// Values: text for last-writer-wins, a number for counters, "{a, b}" for sets, "(absent)" for none.
Then('{region} reads {string} as {string}', function (this: PhantomWorld, region: string, key: string, value: string) {
  expect(geo(this).renderAt(region, key), `${key} in ${region}`).to.equal(value);
});

// Waits until every region returns both concurrent versions (siblings) together on read.
Then('within {duration} every region reads {string} as the versions {string} and {string}', function (this: PhantomWorld, withinMs: number, key: string, first: string, second: string) {
  geo(this).awaitValue(key, [first, second].sort().join(' | '), geo(this).regions, withinMs);
});

// Waits until no region holds a value for the key (deleted or never written).
Then('within {duration} no region holds {string}', function (this: PhantomWorld, withinMs: number, key: string) {
  geo(this).awaitValue(key, '(absent)', geo(this).regions, withinMs);
});

// Instant: neither region holds a value for the key at this moment.
Then('{region} and {region} do not hold {string}', function (this: PhantomWorld, a: string, b: string, key: string) {
  expect([a, b].map((region) => geo(this).renderAt(region, key)), `${key} in ${a} and ${b}`).to.deep.equal(['(absent)', '(absent)']);
});

// Waits (at most 2 simulated seconds) until every region holds the same data, then checks that every region holds the acknowledged write with the greatest HLC timestamp (then region name) for the key.
Then('every region holds the write with the later timestamp for {string}', function (this: PhantomWorld, key: string) {
  awaitSameData(this, 2_000, `which write of ${key} every region kept`);
  const latest = geo(this).latestWrite(key) ?? lookup(this, `no acknowledged write of ${key}`);
  this.attachText(`timestamps of ${key}`, geo(this).history.updatesOf(key).map((update) => `${update.region}: ${JSON.stringify(update.operation)} at ${update.timestamp!.wallMs}.${update.timestamp!.logical}`).join('\n'));
  for (const region of geo(this).regions) expect(geo(this).valueAt(region, key), region).to.deep.include({ value: latest.value, region: latest.region });
});

// Waits (at most 2 simulated seconds) until every region holds the same data, then checks that the two simultaneous writes got equal HLC timestamps and that every region kept the one from the given region (the tie-break).
Then('both writes carried the same timestamp and every region kept the one from {region}', function (this: PhantomWorld, region: string) {
  const { key, timestamps } = (this.remembered.get('georep:together') as { key: string; timestamps: unknown[] }) ?? lookup(this, 'no simultaneous writes were made before');
  awaitSameData(this, 2_000, `which of the two writes of ${key} every region kept`);
  expect(timestamps[0], 'the two timestamps').to.deep.equal(timestamps[1]);
  for (const holder of geo(this).regions) expect(geo(this).valueAt(holder, key), holder).to.deep.include({ region });
});

// Instant: over the whole scenario, no region ever held two versions of the key side by side.
Then('no region ever held concurrent versions of {string}', function (this: PhantomWorld, key: string) {
  expect(geo(this).versionsSeenMax.get(key) ?? 0, `most versions of ${key} held at once`).to.be.at.most(1);
});

// Waits until every region holds the same state for every key (checked key by key); attaches the regions' status.
Then('within {duration} every region holds the same data', function (this: PhantomWorld, withinMs: number) {
  const report = geo(this).awaitConvergence(withinMs);
  this.attachText('convergence', `${report.replicas.length} regions agree on ${report.keysChecked} keys, ${report.elapsedMs} ms after this step began\n\n${geo(this).statusTable()}`);
});

// Waits (at most 15 simulated seconds) until every region holds the same data, then checks that every region's counters equal the sum of the acknowledged increments and decrements (and, with regions of many nodes, that every change between regions took effect exactly once).
Then('no counter increment was lost', function (this: PhantomWorld) {
  expect(geo(this).history.counterExpectations().length, 'counters updated').to.be.greaterThan(0);
  awaitSameData(this, 15_000, 'the counters');
  this.attachText('outcomes', geo(this).verifyOutcomes());
});

// Waits (at most 15 simulated seconds) until every region holds the same data, then checks that every last-writer-wins key holds, in every region, the acknowledged write with the greatest timestamp (and that no counter increment was lost, and, with regions of many nodes, that every change between regions took effect exactly once).
Then('every last-writer-wins key holds its latest acknowledged write', function (this: PhantomWorld) {
  expect(geo(this).history.lastWriterWinsWrites().acknowledged.length, 'acknowledged writes').to.be.greaterThan(0);
  awaitSameData(this, 15_000, 'the last-writer-wins keys');
  geo(this).verifyOutcomes();
});

// ---- anti-entropy ----------------------------------------------------------------------------------------

// Waits (at most 3 simulated seconds) until every region holds the same data, then checks that some anti-entropy session repaired data, and that none sent more key states than this per key that differed when it started.
Then('anti-entropy exchanged at most {int} key states per differing key', function (this: PhantomWorld, ratio: number) {
  awaitSameData(this, 3_000, 'what anti-entropy exchanged');
  const repairs = geo(this).repairSessions();
  this.attachText('anti-entropy sessions', geo(this).antiEntropyTable());
  expect(repairs.length, 'anti-entropy sessions that repaired something').to.be.greaterThan(0);
  for (const session of repairs) expect(session.keysExchanged, `${session.session}: key states for ${session.keysDifferingAtStart} differing keys`).to.be.at.most(ratio * (session.keysDifferingAtStart ?? 0));
});

// Waits (at most 3 simulated seconds) until every region holds the same data, then checks that some anti-entropy session repaired data, and that the repairing sessions descended into no more than this share of the Merkle tree's key ranges.
Then('anti-entropy compared no more than {percentage} of the key ranges', function (this: PhantomWorld, share: number) {
  awaitSameData(this, 3_000, 'which key ranges anti-entropy compared');
  expect(geo(this).repairSessions().length, 'anti-entropy sessions that repaired something').to.be.greaterThan(0);
  for (const session of geo(this).repairSessions()) expect(session.leavesDiffering / geo(this).merkleLeafCount, `${session.session}: ${session.leavesDiffering} of ${geo(this).merkleLeafCount} ranges`).to.be.at.most(share);
});

// ---- replication lag -------------------------------------------------------------------------------------

// Instant: the lag report (attached as a table) has one row per ordered region pair.
Then('the replication-lag report has a row for each of the {int} region pairs', function (this: PhantomWorld, pairs: number) {
  this.attachText('replication lag per region pair', geo(this).lagTable());
  expect(geo(this).lag.summary(this.sim.nowMs)).to.have.length(pairs);
});

// Instant: before the first partition or failure, no pair's lag (sampled every 100 ms) exceeded the bound.
Then('before the partition no region pair lagged more than {duration}', function (this: PhantomWorld, boundMs: number) {
  const samples = geo(this).lag.samples;
  const calm = samples.slice(0, samples.findIndex((sample) => sample.disturbed));
  expect(calm.length, 'samples before the partition').to.be.greaterThan(5);
  expect(Math.max(...calm.flatMap((sample) => sample.lagMs)), 'highest lag before the partition (ms)').to.be.at.most(boundMs);
});

// Instant: the pair's lag reached at least this much at some sample.
Then('the lag from {region} to {region} reached at least {duration}', function (this: PhantomWorld, origin: string, destination: string, atLeastMs: number) {
  const row = geo(this).lag.summary(this.sim.nowMs).find((summary) => summary.origin === origin && summary.destination === destination)!;
  expect(row.maxLagMs, `highest lag ${origin} → ${destination} (ms)`).to.be.at.least(atLeastMs);
});

// Waits until no region pair has pending changes.
Then('within {duration} every region pair has caught up', function (this: PhantomWorld, withinMs: number) {
  geo(this).awaitLagCleared(withinMs);
});

// Instant: attaches the lag picture (lag in ms and pending changes over virtual time) and checks it draws one line per pair in each panel.
Then('the report pictures the lag of every region pair over virtual time', function (this: PhantomWorld) {
  const svg = geo(this).lagSvg(`Replication lag: ${this.scenarioName}`);
  this.attachSvg(svg);
  expect(svg.match(/<polyline data-pair=/g)?.length, 'lines drawn').to.equal(2 * geo(this).lag.pairs().length);
});

// ---- clocks ---------------------------------------------------------------------------------------------

// Waits until both regions refuse the third because of its clock, and checks the offset they measured (± 25%); attaches the clock report.
Then('within {duration} {region} and {region} refuse {region}, whose clock they measure about {duration} ahead', function (this: PhantomWorld, withinMs: number, a: string, b: string, skewed: string, aheadMs: number) {
  this.waitUntil(() => [a, b].every((region) => geo(this).refusedBy(region).includes(skewed)), withinMs, `${a} and ${b} to refuse ${skewed}`);
  this.attachText('clock report', geo(this).clockTable());
  for (const region of [a, b]) expect(geo(this).clockEvents.find((event) => event.region === region && event.peer === skewed && event.verdict === 'refused')?.offsetMs, `${skewed}'s offset measured by ${region}`).to.be.within(0.75 * aheadMs, 1.25 * aheadMs);
});

// Waits until every region accepts every other region's clock again.
Then('within {duration} no region refuses another', function (this: PhantomWorld, withinMs: number) {
  this.waitUntil(() => geo(this).regions.every((region) => geo(this).refusedBy(region).length === 0), withinMs, 'every region to accept every other');
});
