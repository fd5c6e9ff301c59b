import { Given, Then, When } from '@cucumber/cucumber';
import { expect } from 'chai';
import { ReplicatedRegions } from '../src/api/geo-regions';
import { geo, geoSetup, replicatedRegions } from '../support/georep-scenario';
import { auditNemesis } from '../support/nemesis-audit';
import type { PhantomWorld } from '../support/world';

// Glossary section: Georeplication across replicated regions
// Capability: replication
// Needs first: the regions ("Given regions with these one-way latencies:") and their keyspaces, as for every georeplication step; the steps below that name nodes also need regions of many nodes ("Given each region is a cluster of 3 nodes with 2 shards").
// Each region is a sharded Raft store: every node of a region holds every shard, and an update is acknowledged once a majority of the region's nodes hold it. A region's nodes are named after it ("us-east-1", "us-east-2", ...). The After hook also checks that every change between regions took effect exactly once and that each region's nodes agree.

/** The node leading the shard of a key in a region now (fails clearly when there is none). */
function leaderOfKey(world: PhantomWorld, region: string, fullKey: string): string {
  const deployment = replicatedRegions(world);
  const shard = deployment.shardOf(region, fullKey);
  const leader = deployment.leaderOf(region, shard);
  if (leader === undefined) throw new Error(`In step "${world.currentStep}": no node of ${region} leads ${shard}, the shard of ${fullKey}, now`);
  return leader;
}

/** Nodes of the region that lead a shard now, those leading most shards first, then the others, by name. */
function nodesLeadersFirst(world: PhantomWorld, region: string): string[] {
  return replicatedRegions(world).leadersFirst(region);
}

function crashed(world: PhantomWorld): Set<string> {
  return world.part('georep:crashed-nodes', () => new Set<string>());
}

// ---- deployment --------------------------------------------------------------------------------
// Needs first: nothing; it comes before the first action on the regions.

// Makes each region a sharded Raft store of N nodes (every node holds every shard, one node per zone, 1 ms apart), with the same number of shards in every region.
// Values: nodes from 1 to 26; shards 1 or more.
Given('each region is a cluster of {int} nodes with {int} shards', function (this: PhantomWorld, nodes: number, shards: number) {
  geoSetup(this).deploy(new ReplicatedRegions({ nodesPerRegion: nodes, shardsPerRegion: shards }));
});

// ---- node faults inside a region ---------------------------------------------------------------

// Crashes the node that leads the most shards of the region now (a shard leader, in the middle of streaming to the other regions); it keeps what it synced.
When('a node leading shards in {region} crashes', function (this: PhantomWorld, region: string) {
  const node = nodesLeadersFirst(this, region)[0];
  this.sim.node(node).crash();
  crashed(this).add(node);
});

// Crashes that many of the region's nodes, those leading shards first. Fewer than half of a region's nodes is a minority: the region goes on serving.
When('{int} node(s) of {region} fail(s)', function (this: PhantomWorld, count: number, region: string) {
  const nodes = nodesLeadersFirst(this, region);
  if (count < 1 || count > nodes.length) throw new Error(`In step "${this.currentStep}": ${region} has ${nodes.length} running nodes; cannot fail ${count}`);
  for (const node of nodes.slice(0, count)) {
    this.sim.node(node).crash();
    crashed(this).add(node);
  }
});

// Restarts every node crashed by the steps above; each recovers from its disk and catches up from its shards' leaders.
When('the crashed nodes come back', function (this: PhantomWorld) {
  for (const node of crashed(this)) if (this.sim.node(node).state !== 'running') this.sim.node(node).start();
  crashed(this).clear();
});

// Cuts the node that leads the key's shard in the region off from the other nodes of its region, both ways (it still reaches its clients and the other regions).
When('the node serving {string} in {region} is cut off from the rest of its region', function (this: PhantomWorld, key: string, region: string) {
  const node = leaderOfKey(this, region, key);
  for (const other of geo(this).servers(region).serverNodes) {
    if (other === node) continue;
    this.sim.network.cutOneWay(node, other);
    this.sim.network.cutOneWay(other, node);
  }
  this.remembered.set('georep:cut-off-node', node);
});

// Crashes the node cut off by "the node serving … is cut off from the rest of its region".
When('the node that was cut off crashes', function (this: PhantomWorld) {
  const node = this.remembered.get('georep:cut-off-node') as string | undefined;
  if (node === undefined) throw new Error(`In step "${this.currentStep}": no node was cut off before ("When the node serving "profiles/ann" in us-east is cut off from the rest of its region")`);
  this.sim.node(node).crash();
  crashed(this).add(node);
});

// Runs virtual time with random splits between regions, random clock offsets (drift up to 50 ppm), and crashes of the node leading the most shards of a random region (one at a time, restarted after a while); the network heals and crashed nodes restart at the end, clocks stay skewed.
When('for {duration} the regions are split at random, their shard leaders crash and come back, and their clocks are skewed by up to {duration}', function (this: PhantomWorld, durationMs: number, skewMs: number) {
  const deployment = replicatedRegions(this);
  const cluster = geo(this);
  const startMs = this.sim.nowMs;
  const chaos = cluster.startChaos({ maxClockSkewMs: skewMs, maxDriftPpm: 50, leadersFirst: (region) => deployment.leadersFirst(region) });
  this.sim.runFor(durationMs);
  chaos.stop();
  const workloadNodes = cluster.regions.flatMap((region) => cluster.nodesOf(region));
  auditNemesis(this, { requested: ['partition', 'leader-crash', 'clock-skew'], faults: chaos.faults, workloadNodes, workloadWindowMs: { startMs, endMs: this.sim.nowMs } });
});

// ---- oracles -------------------------------------------------------------------------------------

// Waits until every shard stream has delivered every change, at most the given time; then checks that each took effect exactly once in every other region and that each region's nodes hold the same state. Attaches the report.
Then('within {duration} every change between regions took effect exactly once', function (this: PhantomWorld, withinMs: number) {
  const deployment = replicatedRegions(this);
  this.waitUntil(() => deployment.isDelivered(), withinMs, 'every shard stream to deliver every change');
  const report = geo(this).checkDelivery()!;
  this.attachText('delivery between regions', `${report.changes} changes on ${report.streams} shard streams (origin region, shard, destination)\n${report.problems.join('\n') || 'each took effect exactly once; every region\'s nodes agree'}`);
  expect(report.problems, 'delivery problems').to.deep.equal([]);
  expect(report.changes, 'changes streamed').to.be.greaterThan(0);
});
