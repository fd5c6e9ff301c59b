/**
 * Georeplication between regions that are themselves sharded Raft stores (DynamoDB global
 * tables: each region is replicated, active-active between regions), end to end on the
 * simulated network: an update is acknowledged only after its region's quorum committed it
 * (Raft §5.3), a new shard leader resumes every stream from the cursors in the replicated
 * state, and receivers apply each change exactly once. Each rule's planted bug is run too,
 * and the test shows the oracle catching it.
 */
import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import { ReplicatedRegions } from '../../src/api/geo-regions';
import type { GeoCluster } from '../../src/api/geo-cluster';
import { regionNodeFaults } from '../../src/georep/region-node';
import { geoShardFaults } from '../../src/georep/region-shard-state';
import { shipperFaults } from '../../src/georep/shard-shipper';
import type { Simulation } from '../../src/sim';
import { threeRegionCluster } from './harness';

function replicatedRegions(seed: number): { sim: Simulation; geo: GeoCluster; deployment: ReplicatedRegions } {
  const deployment = new ReplicatedRegions({ nodesPerRegion: 3, shardsPerRegion: 2 });
  const { sim, geo } = threeRegionCluster(seed, { deployment });
  for (const [name, kind] of [['profiles', 'lww'], ['likes', 'pn-counter'], ['carts', 'multi-value'], ['tags', 'or-set']] as const) geo.defineKeyspace(name, kind);
  geo.awaitReady();
  return { sim, geo, deployment };
}

/** Writes v1, cuts the node serving the key off from its region, writes v2, crashes that node, heals; returns what each region reads after 2 s. */
function writeThenCrashTheCutOffLeader(seed: number): string[] {
  const { sim, geo, deployment } = replicatedRegions(seed);
  geo.perform('us-east', 'profiles/ann', { kind: 'put', value: 'v1' });
  geo.awaitValue('profiles/ann', 'v1', geo.regions, 1_000);
  const leader = deployment.leaderOf('us-east', deployment.shardOf('us-east', 'profiles/ann'))!;
  for (const other of deployment.serverNodes('us-east')) if (other !== leader) sim.network.cutOneWay(leader, other), sim.network.cutOneWay(other, leader);
  geo.perform('us-east', 'profiles/ann', { kind: 'put', value: 'v2' });
  sim.node(leader).crash();
  sim.network.heal();
  sim.runFor(2_000);
  return geo.regions.map((region) => geo.renderAt(region, 'profiles/ann'));
}

/** A workload in every region while shard leaders of two regions crash and come back; returns the delivery problems after convergence. */
function crashLeadersWhileStreaming(seed: number): { problems: readonly string[]; converged: boolean; changes: number; digest: string } {
  const { sim, geo, deployment } = replicatedRegions(seed);
  geo.startWorkload({ ratePerRegionPerSecond: 40, keyspaces: geo.catalog.names(), keysPerKeyspace: 12 });
  sim.runFor(1_000);
  const crashed: string[] = [];
  for (const region of ['us-east', 'eu-west']) {
    const leader = deployment.leaderOf(region, deployment.shardIds(region)[0])!;
    sim.node(leader).crash();
    crashed.push(leader);
    sim.runFor(500);
  }
  sim.runFor(1_500);
  for (const node of crashed) sim.node(node).start();
  sim.runFor(1_000);
  geo.quiesce();
  let converged = true;
  try {
    geo.awaitConvergence(5_000);
  } catch {
    converged = false;
  }
  const report = geo.checkDelivery()!;
  return { problems: report.problems, converged, changes: report.changes, digest: sim.trace.digestHex() };
}

afterEach(() => {
  regionNodeFaults.acknowledgeBeforeCommit = false;
  shipperFaults.cursorInMemory = false;
  geoShardFaults.skipDedupe = false;
});

describe('regions of many nodes: durability before acknowledgement', () => {
  it('an update is acknowledged only once a majority of its region holds it, so the crash of the node that took it loses nothing', () => {
    assert.deepEqual(writeThenCrashTheCutOffLeader(21), ['v2', 'v2', 'v2']);
  });

  it('planted: acknowledging before the quorum commit loses the acknowledged write when that node crashes', () => {
    regionNodeFaults.acknowledgeBeforeCommit = true;
    assert.notDeepEqual(writeThenCrashTheCutOffLeader(21), ['v2', 'v2', 'v2']);
  });
});

describe('regions of many nodes: streams across leader changes', () => {
  it('a shard leader crashing mid-stream loses no change and applies none twice; every region converges', () => {
    const { problems, converged, changes } = crashLeadersWhileStreaming(5);
    assert.deepEqual(problems, []);
    assert.equal(converged, true);
    assert.ok(changes > 100, `changes streamed: ${changes}`);
  });

  it('is deterministic: the same seed gives the same run, event for event', () => {
    assert.equal(crashLeadersWhileStreaming(8).digest, crashLeadersWhileStreaming(8).digest);
  });

  it('planted: a stream cursor kept only in the leader\'s memory drops changes at a leader change', () => {
    shipperFaults.cursorInMemory = true;
    const { problems } = crashLeadersWhileStreaming(5);
    assert.ok(problems.some((problem) => problem.includes('applied up to change')), problems.join('\n') || 'no problem found');
  });

  it('planted: without the receivers\' dedupe, a change proposed twice around a leader change takes effect twice', () => {
    geoShardFaults.skipDedupe = true;
    const { problems } = crashLeadersWhileStreaming(5);
    assert.ok(problems.some((problem) => problem.includes('each must take effect once')), problems.join('\n') || 'no problem found');
  });
});
