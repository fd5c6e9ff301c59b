/**
 * Garbage collection of last-writer-wins tombstones (src/georep/stable-frontier.ts,
 * src/georep/tombstone-collector.ts; README "Georeplication", issue 12 §6). A tombstone
 * goes only once it is causally stable (Baquero, Almeida and Shoker 2014, §4): every
 * region has applied it and everything stamped before it, and every region stamps its
 * future updates above it, as a matrix of reports shows (Wuu and Bernstein 1984). A
 * region partitioned away holds the frontier back; anti-entropy never brings a collected
 * key back.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { StableFrontier } from '../../src/georep/stable-frontier';
import { threeRegions, THREE_REGIONS } from './harness';
import type { GeoCluster } from '../../src/api/geo-cluster';

const at = (wallMs: number) => ({ wallMs, logical: 0 });

describe('The stable frontier (a matrix of stream positions and clocks)', () => {
  it('is unknown until every region has reported, then the lowest clock every region has covered', () => {
    const frontier = new StableFrontier(['a', 'b', 'c']);
    frontier.record({ region: 'a', applied: { a: 5, b: 2, c: 0 }, hlc: at(100), repairing: false });
    frontier.record({ region: 'b', applied: { a: 5, b: 2, c: 0 }, hlc: at(120), repairing: false });
    assert.equal(frontier.frontier, undefined, 'c has not reported');
    frontier.record({ region: 'c', applied: { a: 5, b: 2, c: 0 }, hlc: at(90), repairing: false });
    assert.deepEqual(frontier.frontier, at(90));
  });

  it("does not pass a region's clock until every region has applied that region's changes up to it", () => {
    const frontier = new StableFrontier(['a', 'b', 'c']);
    frontier.record({ region: 'b', applied: { a: 0, b: 0, c: 0 }, hlc: at(50), repairing: false });
    frontier.record({ region: 'c', applied: { a: 0, b: 0, c: 0 }, hlc: at(50), repairing: false });
    frontier.record({ region: 'a', applied: { a: 0 }, hlc: at(50), repairing: false });
    assert.deepEqual(frontier.frontier, at(50));
    frontier.record({ region: 'a', applied: { a: 7 }, hlc: at(200), repairing: false }); // a wrote changes 1..7 before 200
    frontier.record({ region: 'b', applied: { a: 7 }, hlc: at(210), repairing: false });
    frontier.record({ region: 'c', applied: { a: 3 }, hlc: at(220), repairing: false }); // c, partitioned, is behind on a
    assert.deepEqual(frontier.frontier, at(50), "a's report at 200 is not covered by c");
    frontier.record({ region: 'c', applied: { a: 7 }, hlc: at(230), repairing: false });
    assert.deepEqual(frontier.frontier, at(200));
  });

  it('ignores the positions of a region that is repairing (it skipped changes it has not yet received)', () => {
    const frontier = new StableFrontier(['a', 'b']);
    frontier.record({ region: 'a', applied: { a: 9 }, hlc: at(100), repairing: false });
    frontier.record({ region: 'b', applied: { a: 9 }, hlc: at(100), repairing: true });
    assert.equal(frontier.frontier, undefined);
    frontier.record({ region: 'b', applied: { a: 9 }, hlc: at(110), repairing: false });
    assert.deepEqual(frontier.frontier, at(100));
  });

  it('ignores a late, reordered report', () => {
    const frontier = new StableFrontier(['a', 'b']);
    frontier.record({ region: 'a', applied: { a: 2, b: 1 }, hlc: at(100), repairing: false });
    frontier.record({ region: 'b', applied: { a: 2, b: 1 }, hlc: at(100), repairing: false });
    frontier.record({ region: 'b', applied: { a: 0, b: 0 }, hlc: at(40), repairing: false });
    assert.deepEqual(frontier.frontier, at(100));
  });
});

function tombstones(geo: GeoCluster, region: string): number {
  return geo.replica(region)!.tombstones.tombstoneCount();
}

describe('Collecting tombstones across regions', () => {
  it('a tombstone is kept while one region is cut off, and collected everywhere once it catches up', () => {
    const { sim, geo } = threeRegions(61);
    sim.runFor(300);
    geo.perform('us-east', 'profiles/ann', { kind: 'put', value: 'v1' });
    geo.awaitValue('profiles/ann', 'v1', THREE_REGIONS, 1_000);
    geo.isolateRegion('ap-south');
    geo.perform('us-east', 'profiles/ann', { kind: 'delete' });
    geo.awaitValue('profiles/ann', '(absent)', ['us-east', 'eu-west'], 1_000);
    sim.runFor(4_000);
    for (const region of ['us-east', 'eu-west']) assert.equal(tombstones(geo, region), 1, `${region} dropped the tombstone while ap-south had not seen the delete`);
    assert.equal(geo.renderAt('ap-south', 'profiles/ann'), 'v1');
    sim.network.heal();
    sim.runUntil(() => THREE_REGIONS.every((region) => tombstones(geo, region) === 0), { withinMs: 5_000, waitingFor: 'every region to collect the tombstone' });
    for (const region of THREE_REGIONS) assert.equal(geo.renderAt(region, 'profiles/ann'), '(absent)', `${region} reads the deleted key`);
    // Anti-entropy finds nothing to bring back.
    for (const region of THREE_REGIONS) geo.replica(region)!.startAntiEntropy(THREE_REGIONS.find((other) => other !== region)!, 'periodic');
    sim.runFor(2_000);
    for (const region of THREE_REGIONS) {
      assert.equal(geo.renderAt(region, 'profiles/ann'), '(absent)');
      assert.equal(geo.replica(region)!.store.get('profiles/ann'), undefined, `${region} holds profiles/ann again`);
    }
    geo.awaitConvergence(2_000);
  });

  it('a write after the collection brings the key back in every region (it is newer than the horizon)', () => {
    const { sim, geo } = threeRegions(62);
    sim.runFor(300);
    geo.perform('eu-west', 'profiles/bo', { kind: 'put', value: 'old' });
    geo.perform('eu-west', 'profiles/bo', { kind: 'delete' });
    sim.runUntil(() => THREE_REGIONS.every((region) => geo.replica(region)!.tombstones.stats.collected === 1), { withinMs: 5_000, waitingFor: 'the tombstone to be collected' });
    geo.perform('ap-south', 'profiles/bo', { kind: 'put', value: 'new' });
    geo.awaitValue('profiles/bo', 'new', THREE_REGIONS, 1_000);
    assert.match(geo.verifyOutcomes(), /hold their latest write/);
  });

  it('a late copy of an older state of a collected key is refused, so a stale message cannot resurrect it', () => {
    const { sim, geo } = threeRegions(63);
    sim.runFor(300);
    const old = geo.perform('us-east', 'profiles/cy', { kind: 'put', value: 'stale' });
    geo.perform('us-east', 'profiles/cy', { kind: 'delete' });
    sim.runUntil(() => THREE_REGIONS.every((region) => tombstones(geo, region) === 0 && geo.replica(region)!.tombstones.stats.collected === 1), { withinMs: 5_000, waitingFor: 'the tombstone to be collected' });
    const replica = geo.replica('eu-west')!;
    const staleState = { kind: 'lww' as const, timestamp: old.timestamp!, region: 'us-east', value: 'stale' };
    assert.equal(replica.tombstones.admits('profiles/cy', staleState), false);
    assert.equal(replica.tombstones.admits('profiles/cy', { ...staleState, timestamp: { wallMs: old.timestamp!.wallMs + 60_000, logical: 0 } }), true, 'a newer write is taken');
  });

  it('the horizon survives a restart: a restarted region still refuses stale states of keys it collected', () => {
    const { sim, geo } = threeRegions(64);
    sim.runFor(300);
    const old = geo.perform('us-east', 'profiles/di', { kind: 'put', value: 'stale' });
    geo.perform('us-east', 'profiles/di', { kind: 'delete' });
    sim.runUntil(() => THREE_REGIONS.every((region) => geo.replica(region)!.tombstones.stats.collected === 1), { withinMs: 5_000, waitingFor: 'the tombstone to be collected' });
    geo.failRegion('ap-south');
    geo.recoverRegion('ap-south');
    const replica = geo.replica('ap-south')!;
    assert.equal(replica.store.get('profiles/di'), undefined, 'the collected key stays gone after the restart');
    assert.equal(replica.tombstones.admits('profiles/di', { kind: 'lww', timestamp: old.timestamp!, region: 'us-east', value: 'stale' }), false);
  });
});

describe('Message boundary: frontier reports', () => {
  it('a replica takes a frontier report from the region it names, and drops a forged or malformed one', async () => {
    const { geoReplicaRules } = await import('../../src/georep/wire');
    const { BoundaryCounters, MessageBoundary } = await import('../../src/runtime/message-boundary');
    const counters = new BoundaryCounters();
    const gate = new MessageBoundary('us-east', { rules: geoReplicaRules(), admitted: (from) => ['eu-west', 'ap-south'].includes(from), counters });
    const report = { type: 'geo.frontier', region: 'eu-west', applied: { 'us-east': 4, 'eu-west': 2 }, hlc: { wallMs: 1_000, logical: 1 }, repairing: false };
    assert.equal(gate.accept('eu-west', report), true);
    assert.equal(gate.accept('ap-south', report), false, 'ap-south cannot report for eu-west');
    assert.equal(gate.accept('eu-west', { ...report, applied: { 'us-east': -1 } }), false);
    assert.equal(gate.accept('eu-west', { ...report, repairing: 'no' }), false);
    assert.equal(counters.total, 3);
  });
});
