/**
 * Discovery and registration through seeds, end to end on the test world. Joining is
 * SWIM §3 "a new member joins by contacting a known member" plus memberlist's full state
 * exchange at join; rejection reasons are PhantomDB's own registration rules.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { INCARNATION_DISK_KEY } from '../../src/cluster/member-process';
import { DEFAULT_MEMBERSHIP_TUNING } from '../../src/cluster/options';
import { ClusterFixture, CLUSTER_NAME } from './fixture';

describe('joining through seeds', () => {
  it('a node joins through the seed and every member learns it with its metadata (SWIM §3 join)', () => {
    const fixture = new ClusterFixture({ seed: 11 });
    fixture.startCluster(4);
    fixture.addMember('newcomer', { metadata: { region: 'us-east', zone: 'us-east-1b', capacity: 42 } });
    fixture.world.start('newcomer');
    const agreedAtMs = fixture.world.runUntil(() => fixture.agreeAmong(5), 5_000);
    assert.notEqual(agreedAtMs, undefined, fixture.disagreements().join('\n'));
    assert.equal(fixture.member('newcomer').phase(), 'member');
    for (const view of fixture.views()) {
      const entry = view.members.find((member) => member.id === 'newcomer');
      assert.deepEqual(
        entry && { state: entry.state, region: entry.region, zone: entry.zone, capacity: entry.capacity },
        { state: 'alive', region: 'us-east', zone: 'us-east-1b', capacity: 42 },
        `${view.observerId}'s entry for the newcomer`,
      );
    }
  });

  it('a wrong join token is rejected and the joiner is told why', () => {
    const fixture = new ClusterFixture({ seed: 12 });
    fixture.startCluster(3);
    fixture.addMember('intruder', { joinToken: 'guess' });
    fixture.world.start('intruder');
    fixture.world.runFor(2_000);
    const intruder = fixture.member('intruder');
    assert.equal(intruder.phase(), 'rejected');
    assert.equal(intruder.rejection()?.reason, 'wrong-token');
    assert.match(intruder.rejection()!.message, /join token/);
    assert.equal(intruder.rejection()?.seedId, 'n00');
    assert.ok(fixture.views().filter((view) => view.phase === 'member').every((view) => !view.members.some((m) => m.id === 'intruder')));
  });

  it('a wrong cluster name is rejected with a readable reason', () => {
    const fixture = new ClusterFixture({ seed: 13 });
    fixture.startCluster(3);
    fixture.addMember('stranger', { clusterName: 'elsewhere' });
    fixture.world.start('stranger');
    fixture.world.runFor(2_000);
    const rejection = fixture.member('stranger').rejection();
    assert.equal(rejection?.reason, 'wrong-cluster');
    assert.match(rejection!.message, new RegExp(`"elsewhere" but this is cluster "${CLUSTER_NAME}"`));
    assert.equal(fixture.member('n01').stateOf('stranger'), undefined);
  });

  it('a second process claiming the id of a live member, with no disk history, is rejected as a duplicate', () => {
    const fixture = new ClusterFixture({ seed: 14 });
    fixture.startCluster(4);
    // A fresh machine (empty disk) comes up under n02's id before the cluster saw n02 go.
    fixture.world.restart('n02', { wipeDisk: true });
    fixture.world.runFor(2_000);
    const duplicate = fixture.member('n02');
    assert.equal(duplicate.phase(), 'rejected');
    assert.equal(duplicate.rejection()?.reason, 'duplicate-id');
    assert.match(duplicate.rejection()!.message, /already (alive|suspect)/);
  });

  it('if the first seed is unreachable the joiner tries the next one (bounded retries)', () => {
    const fixture = new ClusterFixture({ seed: 15 });
    fixture.startCluster(3);
    fixture.addMember('down-seed');
    fixture.addMember('joiner', { seeds: ['down-seed', 'n01'] });
    fixture.world.start('joiner');
    const joinedAtMs = fixture.world.runUntil(() => fixture.member('joiner').phase() === 'member', 3_000);
    assert.notEqual(joinedAtMs, undefined);
    const attempts = fixture.log.filter(({ observerId, event }) => observerId === 'joiner' && event.kind === 'join-attempt');
    assert.deepEqual(
      attempts.map(({ event }) => event.kind === 'join-attempt' && event.seedId),
      ['down-seed', 'n01'],
    );
    const joined = fixture.log.find(({ observerId, event }) => observerId === 'joiner' && event.kind === 'joined');
    assert.equal(joined?.event.kind === 'joined' && joined.event.seedId, 'n01');
  });

  it('with every seed unreachable the joiner gives up after joinAttemptsMax requests and says so', () => {
    const fixture = new ClusterFixture({ seed: 16 });
    fixture.addMember('ghost-a');
    fixture.addMember('ghost-b');
    fixture.addMember('joiner', { seeds: ['ghost-a', 'ghost-b'] });
    fixture.world.start('joiner');
    const { joinAttemptsMax, joinTimeoutMs } = DEFAULT_MEMBERSHIP_TUNING;
    fixture.world.runFor(joinAttemptsMax * joinTimeoutMs + 100);
    const joiner = fixture.member('joiner');
    assert.equal(joiner.phase(), 'gave-up');
    assert.equal(joiner.rejection()?.reason, 'seeds-unreachable');
    const attempts = fixture.log.filter(({ event }) => event.kind === 'join-attempt');
    assert.equal(attempts.length, joinAttemptsMax);
  });

  it('a restarted node rejoins with a higher incarnation read from its disk (SWIM §4.2 incarnations)', () => {
    const fixture = new ClusterFixture({ seed: 17 });
    fixture.startCluster(5);
    const before = fixture.member('n03').incarnation();
    fixture.world.crash('n03');
    fixture.world.runFor(300); // restart before anyone noticed: a restart, not a duplicate
    fixture.world.start('n03');
    const after = fixture.member('n03');
    assert.equal(fixture.world.diskOf('n03').get(INCARNATION_DISK_KEY), before + 1, 'persisted (synced) at start');
    const agreedAtMs = fixture.world.runUntil(
      () => fixture.agreeAmong(5) && fixture.views().every((view) => view.members.find((m) => m.id === 'n03')?.incarnation === before + 1),
      5_000,
    );
    assert.notEqual(agreedAtMs, undefined, fixture.disagreements().join('\n'));
    assert.equal(after.phase(), 'member');
    assert.equal(fixture.declarations('n03', 'dead').length, 0);
  });

  it('a node restarted after being declared dead comes back above the verdict', () => {
    const fixture = new ClusterFixture({ seed: 18 });
    fixture.startCluster(5);
    fixture.world.crash('n04');
    assert.notEqual(fixture.world.runUntil(() => fixture.everyoneElseSees('n04', 'dead'), 10_000), undefined);
    fixture.world.start('n04');
    assert.notEqual(fixture.world.runUntil(() => fixture.everyoneElseSees('n04', 'alive') && fixture.agreed(), 5_000), undefined);
    assert.ok(fixture.member('n04').incarnation() >= 1);
  });

  it('the founding seed, restarted, rejoins through the peers it saved instead of founding a second cluster', () => {
    const fixture = new ClusterFixture({ seed: 19 });
    fixture.startCluster(4);
    fixture.world.crash('n00');
    fixture.world.runFor(200);
    fixture.world.start('n00');
    assert.notEqual(fixture.world.runUntil(() => fixture.agreeAmong(4), 5_000), undefined, fixture.disagreements().join('\n'));
    const seedsOfJoins = fixture.log.flatMap(({ observerId, event }) => (observerId === 'n00' && event.kind === 'joined' ? [event.seedId] : []));
    assert.equal(seedsOfJoins.length, 2);
    assert.equal(seedsOfJoins[0], undefined, 'first start founded the cluster');
    assert.notEqual(seedsOfJoins[1], undefined, 'the restart joined through a saved peer');
  });
});
