import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { RaftNode } from '../../src/raft/raft-node';
import { newNetwork } from './harness';

describe('ReadIndex linearizable reads (thesis §6.4)', () => {
  test('thesis §6.4 the leader confirms leadership with one heartbeat round, then releases the read at its commit index', () => {
    const network = newNetwork(['n1', 'n2', 'n3']);
    network.campaign('n1');
    network.propose('n1', 'a');
    network.resetCounts();
    assert.deepEqual(network.raft('n1').readIndex('r1'), { ok: true });
    assert.deepEqual(network.node('n1').readStates, [], 'not before a quorum answered');
    network.process(network.node('n1'));
    assert.equal(network.count('raft.heartbeat'), 2);
    assert.deepEqual(network.node('n1').readStates, [{ requestId: 'r1', index: 2 }]);
  });

  test('thesis §6.4 many reads share one heartbeat round', () => {
    const network = newNetwork(['n1', 'n2', 'n3']);
    network.campaign('n1');
    network.resetCounts();
    for (let read = 0; read < 10; read++) network.raft('n1').readIndex(`r${read}`);
    network.process(network.node('n1'));
    assert.equal(network.count('raft.heartbeat'), 2);
    assert.equal(network.node('n1').readStates.length, 10);
  });

  test('thesis §6.4 a read waits until the leader has committed an entry of its own term', () => {
    const network = newNetwork(['n1', 'n2', 'n3']);
    network.intercept((message) => message.type !== 'raft.append-response');
    network.campaign('n1');
    assert.equal(network.status('n1').commitIndex, 0);
    network.raft('n1').readIndex('early');
    network.process(network.node('n1'));
    network.tickAll(3);
    assert.deepEqual(network.node('n1').readStates, [], 'the commit index is not known yet');
    network.recover();
    network.tickAll(2);
    assert.deepEqual(network.node('n1').readStates, [{ requestId: 'early', index: 1 }]);
  });

  test('thesis §6.4 a deposed leader in a minority cannot serve a read', () => {
    const network = newNetwork(['n1', 'n2', 'n3', 'n4', 'n5']);
    network.campaign('n1');
    network.propose('n1', 'old');
    for (const minority of ['n1', 'n2']) for (const majority of ['n3', 'n4', 'n5']) network.cut(minority, majority);
    network.campaign('n3');
    assert.equal(network.status('n3').role, 'leader');
    network.propose('n3', 'new');
    assert.equal(network.status('n1').role, 'leader', 'n1 does not know it was deposed');
    assert.deepEqual(network.raft('n1').readIndex('stale'), { ok: true });
    network.process(network.node('n1'));
    network.tick('n1', 5);
    network.tick('n2', 5);
    assert.deepEqual(network.node('n1').readStates, [], 'n2 alone is no quorum: no stale read');
    network.recover();
    network.tickAll(3);
    assert.equal(network.status('n1').role, 'follower');
    assert.deepEqual(network.node('n1').readStates, []);
    assert.deepEqual(network.node('n1').droppedReads, ['stale'], 'the host is told to fail the read');
    assert.deepEqual(network.node('n1').applied, ['old', 'new']);
  });

  test('thesis §6.4 followers do not serve reads: they answer not-leader with a hint', () => {
    const network = newNetwork(['n1', 'n2', 'n3']);
    network.campaign('n1');
    assert.deepEqual(network.raft('n2').readIndex('r'), { ok: false, reason: 'not-leader', leaderHint: 'n1' });
  });

  test('thesis §6.4 a single-voter leader confirms reads by itself', () => {
    const node = new RaftNode({ id: 'solo', peers: ['solo'], electionTicks: 10, heartbeatTicks: 1, random: () => 0, preVote: false, checkQuorum: false });
    for (let tick = 0; tick < 10; tick++) node.tick();
    assert.equal(node.status().role, 'leader');
    node.readIndex('r');
    const ready = node.ready();
    assert.deepEqual(ready.readStates, [{ requestId: 'r', index: 1 }]);
    node.advance(ready);
  });
});
