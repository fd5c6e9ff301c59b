import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { newNetwork } from './harness';

describe('leadership transfer (thesis §3.10)', () => {
  test('thesis §3.10 transfer to an up-to-date follower: TimeoutNow and the target wins the next term at once', () => {
    const network = newNetwork(['n1', 'n2', 'n3'], { checkQuorum: true, preVote: true });
    network.campaign('n1');
    network.propose('n1', 'a');
    const term = network.status('n1').term;
    network.resetCounts();
    assert.deepEqual(network.raft('n1').transferLeadership('n2'), { ok: true });
    network.process(network.node('n1'));
    assert.equal(network.count('raft.timeout-now'), 1);
    assert.equal(network.leader(), 'n2', 'no ticks needed: the vote lease is bypassed for a transfer');
    assert.equal(network.status('n2').term, term + 1);
    assert.equal(network.status('n1').role, 'follower');
    network.propose('n2', 'b');
    network.heartbeat('n2');
    for (const id of ['n1', 'n2', 'n3']) assert.deepEqual(network.node(id).applied, ['a', 'b']);
  });

  test('thesis §3.10 transfer to a lagging follower: the leader first brings its log up to date', () => {
    const network = newNetwork(['n1', 'n2', 'n3']);
    network.campaign('n1');
    network.isolate('n3');
    for (let value = 0; value < 5; value++) network.propose('n1', value);
    network.recover();
    network.raft('n1').transferLeadership('n3');
    network.process(network.node('n1'));
    assert.equal(network.leader(), 'n3');
    assert.deepEqual(network.node('n3').applied.slice(0, 5), [0, 1, 2, 3, 4]);
  });

  test('thesis §3.10 the leader refuses proposals while a transfer is in progress', () => {
    const network = newNetwork(['n1', 'n2', 'n3']);
    network.campaign('n1');
    network.isolate('n3');
    network.raft('n1').transferLeadership('n3');
    assert.deepEqual(network.propose('n1', 'x'), { ok: false, reason: 'transfer-in-progress', leaderHint: 'n1' });
    assert.equal(network.proposeConfigChange('n1', { type: 'add-learner', node: 'n4' }).ok, false);
  });

  test('thesis §3.10 a transfer that does not complete within an election timeout is aborted', () => {
    const network = newNetwork(['n1', 'n2', 'n3']);
    network.campaign('n1');
    network.isolate('n3');
    network.raft('n1').transferLeadership('n3');
    network.tick('n1', 9);
    assert.equal(network.status('n1').leadTransferee, 'n3');
    network.tick('n1', 1);
    assert.equal(network.status('n1').leadTransferee, null);
    assert.equal(network.propose('n1', 'accepted again').ok, true);
    assert.equal(network.leader(), 'n1');
  });

  test('thesis §3.10 only a leader transfers, and only to a voter', () => {
    const network = newNetwork(['n1', 'n2', 'n3'], { learners: ['n4'] });
    network.campaign('n1');
    assert.deepEqual(network.raft('n2').transferLeadership('n3'), { ok: false, reason: 'not-leader', leaderHint: 'n1' });
    assert.deepEqual(network.raft('n1').transferLeadership('n4'), { ok: false, reason: 'not-a-voter', leaderHint: 'n1' });
    assert.deepEqual(network.raft('n1').transferLeadership('n1'), { ok: true });
    assert.equal(network.status('n1').leadTransferee, null);
  });
});
