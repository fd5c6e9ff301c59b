import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { ClusterConfig } from '../../src/raft/types';
import { newNetwork } from './harness';

const joining: ClusterConfig = { voters: [], learners: [] };

function settle(network: ReturnType<typeof newNetwork>, ticks = 3): void {
  network.tickAll(ticks);
}

describe('learners (thesis §4.2.1)', () => {
  test('thesis §4.2.1 an added learner receives the log but neither votes nor counts for the quorum', () => {
    const network = newNetwork(['n1', 'n2', 'n3']);
    network.campaign('n1');
    network.propose('n1', 'a');
    network.addNode('n4', joining);
    const result = network.proposeConfigChange('n1', { type: 'add-learner', node: 'n4' });
    assert.equal(result.ok, true);
    settle(network);
    assert.equal(network.status('n4').role, 'learner');
    assert.deepEqual(network.status('n4').config, { voters: ['n1', 'n2', 'n3'], learners: ['n4'] });
    assert.deepEqual(network.node('n4').applied, ['a']);
    assert.equal(network.status('n1').progress?.n4.isLearner, true);

    network.isolate('n2');
    network.isolate('n3');
    const before = network.status('n1').commitIndex;
    network.propose('n1', 'b');
    settle(network);
    assert.equal(network.status('n4').lastIndex, network.status('n1').lastIndex, 'the learner holds the entry');
    assert.equal(network.status('n1').commitIndex, before, 'but a learner does not count toward a majority');
    network.recover();
    settle(network);
    assert.deepEqual(network.node('n4').applied, ['a', 'b']);
  });

  test('thesis §4.2.1 a learner never campaigns, however long it hears nothing', () => {
    const network = newNetwork(['n1', 'n2', 'n3'], { learners: ['n4'] });
    network.campaign('n1');
    const term = network.status('n4').term;
    network.isolate('n4');
    network.tick('n4', 100);
    assert.equal(network.status('n4').role, 'learner');
    assert.equal(network.status('n4').term, term);
    assert.equal(network.node('n4').voteRequestsSent, 0);
  });

  test('thesis §4.2.1 a learner is promoted only once caught up; the host gets a reason otherwise', () => {
    const network = newNetwork(['n1', 'n2', 'n3'], { learners: ['n4'] });
    network.isolate('n4');
    network.campaign('n1');
    for (let value = 0; value < 5; value++) network.propose('n1', value);
    const early = network.proposeConfigChange('n1', { type: 'promote', node: 'n4' });
    assert.deepEqual(early, { ok: false, reason: 'learner-not-caught-up', leaderHint: 'n1' });
    network.recover();
    settle(network);
    const promoted = network.proposeConfigChange('n1', { type: 'promote', node: 'n4' });
    assert.equal(promoted.ok, true);
    settle(network);
    for (const id of ['n1', 'n2', 'n3', 'n4']) {
      assert.deepEqual(network.status(id).config, { voters: ['n1', 'n2', 'n3', 'n4'], learners: [] });
    }
    assert.equal(network.status('n4').role, 'follower');
    // Four voters: a majority is three, so n1 with n4 alone cannot commit.
    network.isolate('n2');
    network.isolate('n3');
    const before = network.status('n1').commitIndex;
    network.propose('n1', 'needs three');
    assert.equal(network.status('n1').commitIndex, before);
  });

  test('thesis §4.1 promoting a voter or adding a member twice is rejected with a reason', () => {
    const network = newNetwork(['n1', 'n2', 'n3']);
    network.campaign('n1');
    assert.deepEqual(network.proposeConfigChange('n1', { type: 'promote', node: 'n2' }),
      { ok: false, reason: 'not-a-learner', leaderHint: 'n1' });
    assert.deepEqual(network.proposeConfigChange('n1', { type: 'add-voter', node: 'n2' }),
      { ok: false, reason: 'already-member', leaderHint: 'n1' });
    assert.deepEqual(network.proposeConfigChange('n1', { type: 'remove', node: 'n9' }),
      { ok: false, reason: 'not-a-member', leaderHint: 'n1' });
    assert.deepEqual(network.proposeConfigChange('n2', { type: 'add-learner', node: 'n9' }),
      { ok: false, reason: 'not-leader', leaderHint: 'n1' });
  });
});

describe('single-server membership changes (thesis §4.1)', () => {
  test('thesis §4.1 add a voter, then remove another; each change commits under the new configuration', () => {
    const network = newNetwork(['n1', 'n2', 'n3'], { checkQuorum: true, preVote: true });
    network.campaign('n1');
    network.addNode('n4', joining);
    assert.equal(network.proposeConfigChange('n1', { type: 'add-voter', node: 'n4' }).ok, true);
    settle(network);
    assert.deepEqual(network.status('n4').config.voters, ['n1', 'n2', 'n3', 'n4']);
    assert.equal(network.proposeConfigChange('n1', { type: 'remove', node: 'n3' }).ok, true);
    settle(network);
    for (const id of ['n1', 'n2', 'n4']) assert.deepEqual(network.status(id).config, { voters: ['n1', 'n2', 'n4'], learners: [] });
    network.propose('n1', 'after');
    network.heartbeat('n1');
    for (const id of ['n1', 'n2', 'n4']) assert.deepEqual(network.node(id).applied, ['after']);
    // thesis §4.2.3: the removed server times out, but its pre-votes are ignored.
    const term = network.status('n1').term;
    network.tickAll(100);
    assert.equal(network.leader(), 'n1');
    assert.equal(network.status('n1').term, term, 'the removed server did not disrupt the cluster');
  });

  test('thesis §4.1 a configuration takes effect when appended, and is undone if its entry is truncated', () => {
    const network = newNetwork(['n1', 'n2', 'n3', 'n4', 'n5']);
    network.campaign('n1');
    for (const id of ['n3', 'n4', 'n5']) network.cut('n1', id);
    network.addNode('n6', joining);
    assert.equal(network.proposeConfigChange('n1', { type: 'add-learner', node: 'n6' }).ok, true);
    assert.deepEqual(network.status('n2').config.learners, ['n6'], 'n2 uses the uncommitted configuration');
    assert.equal(network.status('n2').commitIndex, 1);
    network.crash('n1');
    network.recover();
    network.campaign('n3');
    assert.equal(network.leader(), 'n3');
    settle(network);
    assert.deepEqual(network.status('n2').config.learners, [], 'the truncated config entry no longer applies');
    assert.deepEqual(network.status('n2').config.voters, ['n1', 'n2', 'n3', 'n4', 'n5']);
  });

  test('thesis §4.2.2 a leader that removes itself keeps leading until the removal commits, then steps down', () => {
    const network = newNetwork(['n1', 'n2', 'n3']);
    network.campaign('n1');
    network.propose('n1', 'a');
    network.isolate('n2');
    network.isolate('n3');
    assert.equal(network.proposeConfigChange('n1', { type: 'remove', node: 'n1' }).ok, true);
    assert.equal(network.status('n1').role, 'leader', 'still leading while the removal is uncommitted');
    assert.deepEqual(network.propose('n1', 'x'), { ok: false, reason: 'leader-removed', leaderHint: 'n1' });
    network.recover();
    network.tickAll(1);
    assert.equal(network.status('n1').role, 'follower', 'stepped down after the removal committed');
    const requestsBefore = network.node('n1').voteRequestsSent;
    assert.equal(network.status('n2').commitIndex, network.status('n1').commitIndex, 'the others learned the commit');
    const leader = network.stabilize();
    assert.ok(leader === 'n2' || leader === 'n3');
    network.propose(leader, 'b');
    network.tickAll(50);
    assert.equal(network.node('n1').voteRequestsSent, requestsBefore, 'a removed server never campaigns');
    for (const id of ['n2', 'n3']) assert.deepEqual(network.node(id).applied, ['a', 'b']);
  });

  test('Ongaro 2015 fix: no config change before the leader commits an entry of its term, and one at a time', () => {
    const network = newNetwork(['n1', 'n2', 'n3']);
    // The election succeeds but the no-op's acknowledgements are lost.
    network.intercept((message) => message.type !== 'raft.append-response');
    network.campaign('n1');
    assert.equal(network.leader(), 'n1');
    assert.equal(network.status('n1').commitIndex, 0);
    assert.deepEqual(network.proposeConfigChange('n1', { type: 'add-learner', node: 'n4' }),
      { ok: false, reason: 'no-commit-in-current-term', leaderHint: 'n1' });
    network.recover();
    network.tickAll(1);
    assert.equal(network.status('n1').commitIndex, 1);

    network.isolate('n2');
    network.isolate('n3');
    assert.equal(network.proposeConfigChange('n1', { type: 'add-learner', node: 'n4' }).ok, true);
    assert.deepEqual(network.proposeConfigChange('n1', { type: 'add-learner', node: 'n5' }),
      { ok: false, reason: 'config-change-pending', leaderHint: 'n1' });
    network.recover();
    network.tickAll(1);
    assert.equal(network.proposeConfigChange('n1', { type: 'add-learner', node: 'n5' }).ok, true);
  });

  test('Ongaro 2015 fix: a new leader whose log ends in an uncommitted config entry treats it as the pending change', () => {
    const network = newNetwork(['n1', 'n2', 'n3']);
    network.campaign('n1');
    network.cut('n1', 'n3');
    network.intercept((message) => !(message.type === 'raft.append-response' && message.from === 'n2'));
    assert.equal(network.proposeConfigChange('n1', { type: 'add-learner', node: 'n4' }).ok, true);
    network.crash('n1');
    network.recover();
    network.intercept((message) => message.type !== 'raft.append-response');
    network.campaign('n2');
    assert.equal(network.leader(), 'n2');
    assert.deepEqual(network.status('n2').config.learners, ['n4']);
    assert.deepEqual(network.proposeConfigChange('n2', { type: 'add-learner', node: 'n5' }),
      { ok: false, reason: 'no-commit-in-current-term', leaderHint: 'n2' });
    network.recover();
    network.tickAll(1);
    assert.equal(network.proposeConfigChange('n2', { type: 'add-learner', node: 'n5' }).ok, true);
  });

  test('§7 a node added after compaction learns its configuration from the snapshot', () => {
    const network = newNetwork(['n1', 'n2', 'n3']);
    network.campaign('n1');
    assert.equal(network.proposeConfigChange('n1', { type: 'add-learner', node: 'n4' }).ok, true);
    for (let value = 0; value < 5; value++) network.propose('n1', value);
    network.compact('n1');
    network.addNode('n4', joining);
    settle(network);
    assert.equal(network.status('n4').snapshotIndex, network.status('n1').snapshotIndex);
    assert.equal(network.status('n4').role, 'learner');
    assert.deepEqual(network.node('n4').applied, [0, 1, 2, 3, 4]);
  });
});
