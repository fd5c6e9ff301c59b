/**
 * Garbage collection of last-writer-wins tombstones in regions of many nodes
 * (src/georep/shard-tombstones.ts, the `clock` and `collect` entries of
 * src/georep/region-shard-state.ts; README "Garbage collection", issue 12 §6).
 *
 * The rule is causal stability (Baquero, Almeida and Shoker 2014, §4), per shard: a
 * tombstone goes once every region's copy of the shard has applied it and everything
 * stamped before it, and every region stamps later updates above it, as a matrix of
 * reports shows (Wuu and Bernstein 1984). The decision is a Raft log entry (Raft §5.3: every
 * replica applies the same entries in the same order), so every replica of the shard drops
 * the same keys at the same position, and the horizon travels in the snapshot (Raft §7).
 * Each rule's planted bug is run too, and the test shows it caught.
 */
import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import { ReplicatedRegions } from '../../src/api/geo-regions';
import { GeoCluster } from '../../src/api/geo-cluster';
import { lwwWrite, pnAdd, EMPTY_PN_COUNTER } from '../../src/georep';
import type { HlcTimestamp } from '../../src/georep/hlc';
import type { FrontierMessage } from '../../src/georep/messages';
import { type GeoCommand, GeoShardState, geoShardFaults } from '../../src/georep/region-shard-state';
import { ShardTombstones } from '../../src/georep/shard-tombstones';
import { tombstoneFaults } from '../../src/georep/tombstone-collector';
import { geoLogEntryCheck, geoRegionNodeRules } from '../../src/georep/wire';
import { BoundaryCounters, MessageBoundary } from '../../src/runtime/message-boundary';
import { Simulation } from '../../src/sim';
import { replicatedThreeRegions, THREE_REGIONS } from './harness';

const at = (wallMs: number, logical = 0): HlcTimestamp => ({ wallMs, logical });

afterEach(() => {
  tombstoneFaults.ignoreSlowestRegion = false;
  geoShardFaults.admitStaleStates = false;
});

function shard(): GeoShardState {
  return new GeoShardState({ region: 'eu-west', peers: ['us-east', 'ap-south'], merkleFanout: 16, merkleDepth: 2, retainedChangesMax: 1_000 });
}

/** A shard holding, from us-east's stream: a tombstone at 100, a tombstone at 300, a value at 50, and a counter. */
function shardWithTombstones(): GeoShardState {
  const state = shard();
  state.apply({
    kind: 'apply-changes',
    origin: 'us-east',
    entries: [
      { seq: 1, keyspace: 'profiles', key: 'old', state: lwwWrite(at(100), 'us-east', null), timestamp: at(100) },
      { seq: 2, keyspace: 'profiles', key: 'young', state: lwwWrite(at(300), 'us-east', null), timestamp: at(300) },
      { seq: 3, keyspace: 'profiles', key: 'live', state: lwwWrite(at(50), 'us-east', 'v'), timestamp: at(50) },
      { seq: 4, keyspace: 'likes', key: 'post', state: pnAdd(EMPTY_PN_COUNTER, 'us-east', 2), timestamp: at(60) },
    ],
  });
  return state;
}

describe('geo shard state: collecting tombstones through the log', () => {
  it('drops exactly the last-writer-wins tombstones at or below the frontier, and raises the horizon to it', () => {
    const state = shardWithTombstones();
    assert.equal(state.tombstoneCount(), 2);
    state.apply({ kind: 'collect', frontier: at(200) });
    assert.equal(state.store.get('profiles/old'), undefined, 'the tombstone at 100 is stable at 200');
    assert.notEqual(state.store.get('profiles/young'), undefined, 'the tombstone at 300 is not stable yet');
    assert.notEqual(state.store.get('profiles/live'), undefined, 'a value is never collected');
    assert.notEqual(state.store.get('likes/post'), undefined, 'a counter is never collected');
    assert.deepEqual(state.tombstoneHorizon, at(200));
    state.apply({ kind: 'collect', frontier: at(150) });
    assert.deepEqual(state.tombstoneHorizon, at(200), 'the horizon never goes back');
    assert.equal(state.tombstoneStats.collected, 1);
  });

  it('refuses a late last-writer-wins state at or below the horizon for a key it does not hold, from a stream or from anti-entropy (planted: admit stale states)', () => {
    for (const planted of [false, true]) {
      geoShardFaults.admitStaleStates = planted;
      const state = shardWithTombstones();
      state.apply({ kind: 'collect', frontier: at(200) });
      // ap-south's copy of the write the tombstone beat, sent before it saw the delete, arrives late.
      const result = state.apply({ kind: 'apply-changes', origin: 'ap-south', entries: [{ seq: 1, keyspace: 'profiles', key: 'old', state: lwwWrite(at(90), 'ap-south', 'stale'), timestamp: at(90) }] });
      assert.deepEqual(result, { status: 'ok', applied: 1, appliedNow: 1, reset: false }, 'the change counts as applied: the stream moves on');
      state.apply({ kind: 'merge', states: [['profiles/old', lwwWrite(at(100), 'us-east', null)]] });
      if (planted) {
        assert.notEqual(state.store.get('profiles/old'), undefined, 'planted: the collected key is back');
        continue;
      }
      assert.equal(state.store.get('profiles/old'), undefined, 'a collected key never comes back');
      assert.equal(state.joinedWith('profiles/old', lwwWrite(at(90), 'ap-south', 'stale')), undefined, 'anti-entropy sees that the merge will be refused');
      assert.equal(state.tombstoneStats.staleRefused, 2);
      state.apply({ kind: 'merge', states: [['profiles/old', lwwWrite(at(250), 'ap-south', 'new')]] });
      assert.equal((state.store.stateOf('profiles/old') as { value: string }).value, 'new', 'a write newer than the horizon is taken');
      state.apply({ kind: 'merge', states: [['profiles/live', lwwWrite(at(40), 'ap-south', 'older')]] });
      assert.equal((state.store.stateOf('profiles/live') as { value: string }).value, 'v', 'a held key merges as always');
    }
  });

  it('collects nothing while it repairs a backlog another region gave up', () => {
    const state = shardWithTombstones();
    state.apply({ kind: 'apply-changes', origin: 'ap-south', entries: [], resetFrom: 10 });
    assert.equal(state.isRepairing, true);
    state.apply({ kind: 'collect', frontier: at(200) });
    assert.equal(state.tombstoneCount(), 2);
  });

  it('a clock entry stamps every later update of the shard after it, whatever the proposing leader says', () => {
    const state = shard();
    state.apply({ kind: 'clock', timestamp: at(5_000) });
    assert.deepEqual(state.highestTimestamp, at(5_000));
    const result = state.apply({ kind: 'update', keyspace: 'profiles', key: 'k', strategy: 'lww', operation: { kind: 'put', value: 'x' }, timestamp: at(4_000), client: { id: 'c', request: 1 } });
    assert.deepEqual((result as { timestamp: HlcTimestamp }).timestamp, at(5_000, 1));
    state.apply({ kind: 'clock', timestamp: at(4_500) });
    assert.deepEqual(state.highestTimestamp, at(5_000, 1), 'an older clock changes nothing');
  });

  it('the horizon and the counts travel in the snapshot (Raft §7): a replica that catches up from a copy refuses the same stale states', () => {
    const original = shardWithTombstones();
    original.apply({ kind: 'collect', frontier: at(200) });
    const copy = shard();
    copy.restore(JSON.parse(JSON.stringify(original.snapshot())));
    assert.equal(copy.digest(), original.digest());
    assert.deepEqual(copy.tombstoneHorizon, at(200));
    for (const state of [original, copy]) state.apply({ kind: 'merge', states: [['profiles/old', lwwWrite(at(90), 'ap-south', 'stale')]] });
    assert.equal(copy.store.get('profiles/old'), undefined);
    assert.equal(copy.digest(), original.digest());
    const fresh = shard();
    fresh.restore(JSON.parse(JSON.stringify(shard().snapshot())));
    assert.deepEqual(fresh.tombstoneHorizon, at(0), 'a snapshot without a horizon (none collected yet) loads with none');
    assert.throws(() => fresh.restore({ ...original.snapshot(), horizon: { wallMs: 'x' } }), /tombstone horizon/);
  });
});

/** A shard leader's collector with the log, peers and clock replaced by hand. */
function leaderAt(region: string, state: GeoShardState, nowMs: { value: number }): { tombstones: ShardTombstones; proposed: GeoCommand[]; sent: FrontierMessage[] } {
  const proposed: GeoCommand[] = [];
  const sent: FrontierMessage[] = [];
  const peers = THREE_REGIONS.filter((other) => other !== region);
  const tombstones = new ShardTombstones({
    region,
    shard: 'shard-1',
    peers,
    state: () => state,
    timestamp: () => at(nowMs.value),
    clockStepMs: 250,
    propose: (command, done) => {
      proposed.push(command);
      state.apply(command);
      done();
    },
    send: (_peer, message) => sent.push(message),
  });
  return { tombstones, proposed, sent };
}

function report(region: string, applied: Record<string, number>, hlcMs: number): FrontierMessage {
  return { type: 'geo.frontier', region, applied, hlc: at(hlcMs), repairing: false, shard: 'shard-1' };
}

describe('a shard leader decides what is stable from every region\'s reports', () => {
  it('proposes a collection only once every region covered the delete, and never one region early (planted: leave the slowest region out)', () => {
    for (const planted of [false, true]) {
      tombstoneFaults.ignoreSlowestRegion = planted;
      const state = new GeoShardState({ region: 'us-east', peers: ['eu-west', 'ap-south'], merkleFanout: 16, merkleDepth: 2, retainedChangesMax: 1_000 });
      const now = { value: 1_000 };
      const leader = leaderAt('us-east', state, now);
      state.apply({ kind: 'update', keyspace: 'profiles', key: 'ann', strategy: 'lww', operation: { kind: 'delete' }, timestamp: at(1_000), client: { id: 'c', request: 1 } });
      now.value = 2_000;
      // eu-west applied the delete (us-east's change 1); ap-south, cut off, has not.
      leader.tombstones.onReport(report('eu-west', { 'us-east': 1, 'eu-west': 0, 'ap-south': 0 }, 1_900));
      leader.tombstones.onReport(report('ap-south', { 'us-east': 0, 'eu-west': 0, 'ap-south': 0 }, 500));
      leader.tombstones.onReport(report('ap-south', { 'us-east': 0, 'eu-west': 0, 'ap-south': 0 }, 1_950));
      leader.tombstones.heartbeat();
      const collects = () => leader.proposed.filter((command) => command.kind === 'collect');
      if (planted) {
        assert.equal(state.tombstoneCount(), 0, 'planted: collected while ap-south has not applied the delete');
        continue;
      }
      assert.deepEqual(collects(), [], 'ap-south has not applied the delete');
      assert.equal(state.tombstoneCount(), 1);
      assert.equal(leader.sent.length, 2, 'a report to each other region');
      assert.deepEqual(leader.sent[0].applied, { 'us-east': 1, 'eu-west': 0, 'ap-south': 0 });
      leader.tombstones.onReport(report('ap-south', { 'us-east': 1, 'eu-west': 0, 'ap-south': 0 }, 2_100));
      now.value = 2_300;
      leader.tombstones.heartbeat();
      assert.equal(collects().length, 1);
      assert.equal(state.tombstoneCount(), 0, 'every region applied the delete and stamps later updates after it');
      assert.equal(compareWall(state.tombstoneHorizon, 1_000) >= 0, true);
    }
  });

  it('moves the shard\'s clock on through the log while the shard takes no writes, so the frontier does not stall', () => {
    const state = shard();
    const now = { value: 1_000 };
    const leader = leaderAt('eu-west', state, now);
    leader.tombstones.heartbeat();
    now.value = 1_100;
    leader.tombstones.heartbeat();
    assert.deepEqual(leader.proposed.filter((command) => command.kind === 'clock').length, 1, 'at most one per clock step');
    assert.deepEqual(leader.sent.at(-1)!.hlc, at(1_000), 'the report carries the highest timestamp the shard holds');
  });
});

function compareWall(timestamp: HlcTimestamp, wallMs: number): number {
  return timestamp.wallMs - wallMs;
}

describe('message boundary: the collection entries and frontier reports of regions of many nodes', () => {
  it('takes well-formed clock and collect entries and a frontier report naming its shard, and drops malformed or forged ones', () => {
    assert.equal(geoLogEntryCheck({ geo: { kind: 'clock', timestamp: at(5) } }, 'entry'), undefined);
    assert.equal(geoLogEntryCheck({ geo: { kind: 'collect', frontier: at(5, 2) } }, 'entry'), undefined);
    assert.notEqual(geoLogEntryCheck({ geo: { kind: 'collect', frontier: 5 } }, 'entry'), undefined);
    assert.notEqual(geoLogEntryCheck({ geo: { kind: 'clock' } }, 'entry'), undefined);
    const regionOf = (node: string): string | undefined => THREE_REGIONS.find((region) => node.startsWith(`${region}-`));
    const counters = new BoundaryCounters();
    const gate = new MessageBoundary('us-east-1', { rules: geoRegionNodeRules(regionOf), admitted: (from) => regionOf(from) !== undefined, counters });
    const message = { ...report('eu-west', { 'us-east': 4 }, 1_000) };
    assert.equal(gate.accept('eu-west-2', message), true);
    assert.equal(gate.accept('ap-south-1', message), false, 'ap-south cannot report for eu-west');
    assert.equal(gate.accept('eu-west-2', { ...message, shard: '' }), false);
    assert.equal(counters.total, 2);
  });
});

// ---- end to end: regions of three nodes -------------------------------------------------------

/** Whether each running replica of the key's shard, in every region, still holds the key. */
function holders(deployment: ReplicatedRegions, fullKey: string): string[] {
  const found: string[] = [];
  for (const region of THREE_REGIONS) {
    const shardId = deployment.shardOf(region, fullKey);
    for (const node of deployment.serverNodes(region)) if (deployment.stateOn(node, shardId)?.store.get(fullKey) !== undefined) found.push(node);
  }
  return found;
}

/** Deletes a key while ap-south is cut off; returns the replicas holding its tombstone after 3 s, and after healing. */
function deleteWhileApSouthIsCutOff(seed: number): { whileCutOff: string[]; afterHeal: string[]; geo: GeoCluster; deployment: ReplicatedRegions; sim: Simulation } {
  const { sim, geo, deployment } = replicatedThreeRegions(seed);
  geo.perform('us-east', 'profiles/ann', { kind: 'put', value: 'v1' });
  geo.awaitValue('profiles/ann', 'v1', THREE_REGIONS, 1_000);
  geo.isolateRegion('ap-south');
  geo.perform('us-east', 'profiles/ann', { kind: 'delete' });
  sim.runFor(3_000);
  const whileCutOff = holders(deployment, 'profiles/ann');
  sim.network.heal();
  sim.runUntil(() => holders(deployment, 'profiles/ann').length === 0, { withinMs: 5_000, waitingFor: 'every replica in every region to drop the tombstone' });
  return { whileCutOff, afterHeal: holders(deployment, 'profiles/ann'), geo, deployment, sim };
}

describe('regions of many nodes: tombstones are collected once every region has the delete', () => {
  it('keeps the tombstone on every replica while one region is cut off, then every replica of every region drops it, and they agree', () => {
    const { whileCutOff, afterHeal, geo, deployment } = deleteWhileApSouthIsCutOff(71);
    assert.deepEqual(whileCutOff.filter((node) => !node.startsWith('ap-south')).length, 6, 'all three replicas of us-east and of eu-west keep the tombstone');
    assert.deepEqual(afterHeal, []);
    const shardId = deployment.shardOf('us-east', 'profiles/ann');
    for (const region of THREE_REGIONS) {
      for (const node of deployment.serverNodes(region)) assert.ok(deployment.stateOn(node, shardId)!.tombstoneStats.collected >= 1, `${node} applied the collection`);
    }
    // Replicas that applied as far hold the same state, horizon included (the delivery oracle compares their digests).
    geo.awaitConvergence(2_000);
    assert.deepEqual(geo.checkDelivery()!.problems, []);
  });

  it('planted: a frontier that leaves the slowest region out drops the tombstone while that region has not seen the delete', () => {
    tombstoneFaults.ignoreSlowestRegion = true;
    const { sim, geo, deployment } = replicatedThreeRegions(72);
    geo.perform('us-east', 'profiles/ann', { kind: 'put', value: 'v1' });
    geo.awaitValue('profiles/ann', 'v1', THREE_REGIONS, 1_000);
    geo.isolateRegion('ap-south');
    geo.perform('us-east', 'profiles/ann', { kind: 'delete' });
    sim.runFor(3_000);
    assert.equal(holders(deployment, 'profiles/ann').filter((node) => !node.startsWith('ap-south')).length, 0, 'planted: collected one region early');
  });

  it('the decision survives a leader crash and a restart: the new leader and the restarted node refuse a late stale state of the collected key', () => {
    const { geo, deployment, sim } = deleteWhileApSouthIsCutOff(73);
    const shardId = deployment.shardOf('eu-west', 'profiles/ann');
    const leader = deployment.leaderOf('eu-west', shardId)!;
    sim.node(leader).crash();
    sim.runUntil(() => deployment.leaderOf('eu-west', shardId) !== undefined, { withinMs: 2_000, waitingFor: 'a new eu-west leader' });
    sim.node(leader).start();
    sim.runFor(1_000);
    const stale = lwwWrite(at(1), 'us-east', 'v1');
    for (const node of deployment.serverNodes('eu-west')) {
      const state = deployment.stateOn(node, shardId)!;
      assert.equal(state.store.get('profiles/ann'), undefined, `${node} holds the collected key again`);
      assert.equal(state.admits('profiles/ann', stale), false, `${node} would take a stale state of the collected key`);
    }
    geo.awaitConvergence(2_000);
    assert.deepEqual(geo.checkDelivery()!.problems, []);
  });
});
