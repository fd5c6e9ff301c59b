import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { RaftNode } from '../../src/raft/raft-node';
import type { VoteRequestMessage } from '../../src/raft/types';
import { newNetwork, restoredLog, stepAndCollect } from './harness';

function leadersOf(network: ReturnType<typeof newNetwork>): string[] {
  return [...network.nodes.keys()].filter((id) => network.node(id).alive && network.status(id).role === 'leader');
}

function voteRequest(from: string, to: string, term: number, lastLogIndex: number, lastLogTerm: number): VoteRequestMessage {
  return { type: 'raft.vote-request', from, to, term, lastLogIndex, lastLogTerm, leadershipTransfer: false };
}

describe('leader election (§5.2)', () => {
  for (const size of [3, 5]) {
    test(`§5.2 a ${size}-node cluster elects exactly one leader that everyone follows`, () => {
      const ids = Array.from({ length: size }, (_, position) => `n${position + 1}`);
      const network = newNetwork(ids, { seed: size });
      const leader = network.stabilize();
      assert.deepEqual(leadersOf(network), [leader]);
      network.tickAll(5);
      const term = network.status(leader).term;
      for (const id of ids) {
        assert.equal(network.status(id).leader, leader, `${id} follows ${leader}`);
        assert.equal(network.status(id).term, term);
      }
      // §8: the new leader's no-op commits everywhere.
      for (const id of ids) assert.equal(network.status(id).commitIndex, 1);
    });
  }

  test('§5.2 election timeouts are drawn from [electionTicks, 2 * electionTicks) using the injected random', () => {
    for (const [draw, expectedTicks] of [[0, 10], [0.5, 15], [0.999, 19]] as const) {
      const node = new RaftNode({ id: 'solo', peers: ['solo'], electionTicks: 10, heartbeatTicks: 1, random: () => draw, preVote: false, checkQuorum: false });
      let ticks = 0;
      while (node.status().role !== 'leader') {
        node.tick();
        ticks++;
        assert.ok(ticks <= 20, 'a single voter must elect itself within 2 * electionTicks');
      }
      assert.equal(ticks, expectedTicks, `random() = ${draw}`);
    }
  });

  test('§5.2 a split vote is resolved by randomized timeouts in a later term', () => {
    const network = newNetwork(['n1', 'n2', 'n3', 'n4'], { seed: 7 });
    // n1 can reach only n3, n2 only n4: each candidate collects 2 of 4 votes in term 1.
    network.cut('n1', 'n2');
    network.cut('n1', 'n4');
    network.cut('n2', 'n3');
    network.campaign('n1');
    network.campaign('n2');
    assert.equal(network.status('n1').role, 'candidate');
    assert.equal(network.status('n2').role, 'candidate');
    assert.equal(network.status('n1').term, 1);
    assert.equal(network.status('n2').term, 1);
    assert.equal(network.leader(), null, 'no candidate has a majority in term 1');
    network.recover();
    const leader = network.stabilize();
    assert.ok(network.status(leader).term >= 2, 'the split is resolved in a later term');
    assert.deepEqual(leadersOf(network), [leader]);
  });

  test('§5.2 a candidate that hears from a leader of its term becomes a follower', () => {
    const network = newNetwork(['n1', 'n2', 'n3']);
    network.isolate('n3');
    network.campaign('n3');
    assert.equal(network.status('n3').role, 'candidate');
    network.recover();
    network.campaign('n1');
    assert.equal(network.leader(), 'n1');
    // n3 campaigned in term 1 and n1 won term 2; n3 follows n1 after any message from it.
    network.tickAll(2);
    assert.equal(network.status('n3').role, 'follower');
    assert.equal(network.status('n3').leader, 'n1');
  });
});

describe('one vote per term (§5.2, Figure 2 votedFor is durable)', () => {
  test('§5.2 a follower grants at most one vote per term, and remembers it across a restart', () => {
    const network = newNetwork(['n1', 'n2', 'n3']);
    network.isolate('n3');
    network.campaign('n1');
    assert.equal(network.leader(), 'n1');
    assert.equal(network.status('n2').votedFor, 'n1');
    const term = network.status('n2').term;

    // n3 asks n2 for a vote in the same term with a log at least as long: refused.
    const responses = stepAndCollect(network.raft('n2'), voteRequest('n3', 'n2', term, 10, term));
    assert.deepEqual(responses.map((message) => [message.type, 'granted' in message ? message.granted : null]),
      [['raft.vote-response', false]]);

    network.crash('n2');
    network.restart('n2');
    assert.equal(network.status('n2').term, term, 'term survives a restart');
    assert.equal(network.status('n2').votedFor, 'n1', 'votedFor survives a restart');
    const afterRestart = stepAndCollect(network.raft('n2'), voteRequest('n3', 'n2', term, 10, term));
    assert.equal(afterRestart.length, 1);
    assert.equal((afterRestart[0] as { granted: boolean }).granted, false, 'no second vote in the same term after restart');
    // The same candidate may be answered again (a lost response is retried).
    const repeat = stepAndCollect(network.raft('n2'), voteRequest('n1', 'n2', term, 10, term));
    assert.equal((repeat[0] as { granted: boolean }).granted, true);
  });

  test('§5.2 the vote is persisted before the grant is sent (HardState in the same Ready)', () => {
    const node = new RaftNode({ id: 'n2', peers: ['n1', 'n2', 'n3'], electionTicks: 10, heartbeatTicks: 1, random: () => 0, preVote: false, checkQuorum: false });
    node.step(voteRequest('n1', 'n2', 1, 0, 0));
    const ready = node.ready();
    assert.deepEqual(ready.hardState, { term: 1, votedFor: 'n1', commitIndex: 0 });
    assert.equal(ready.messages.length, 1);
    assert.equal(ready.messages[0].type, 'raft.vote-response');
    node.advance(ready);
  });
});

describe('election restriction (§5.4.1)', () => {
  test('§5.4.1 a candidate whose last term is older cannot win; an up-to-date one can', () => {
    const network = newNetwork(['n1', 'n2', 'n3'], {
      restored: {
        n1: restoredLog([1, 1, 2], 2, 2),
        n2: restoredLog([1, 1], 2, 2),
        n3: restoredLog([1, 1, 2], 2, 2),
      },
    });
    network.campaign('n2');
    network.tickAll(0);
    assert.notEqual(network.status('n2').role, 'leader', 'n2 lacks entry 3 of term 2');
    assert.equal(network.leader(), null);
    network.campaign('n1');
    assert.equal(network.leader(), 'n1');
    network.tickAll(3);
    assert.deepEqual(network.logOf('n2').map(([, term]) => term), [1, 1, 2, network.status('n1').term]);
  });

  test('§5.4.1 with equal last terms the longer log is more up to date', () => {
    const network = newNetwork(['n1', 'n2', 'n3'], {
      restored: {
        n1: restoredLog([1, 1, 1], 1, 1),
        n2: restoredLog([1, 1], 1, 1),
        n3: restoredLog([1, 1, 1], 1, 1),
      },
    });
    network.campaign('n2');
    assert.notEqual(network.status('n2').role, 'leader');
    network.campaign('n3');
    assert.equal(network.leader(), 'n3');
  });
});

describe('pre-vote (thesis §9.6)', () => {
  test('thesis §9.6 a partitioned node does not raise its term and does not disrupt the leader when it returns', () => {
    const network = newNetwork(['n1', 'n2', 'n3'], { preVote: true, seed: 3 });
    network.campaign('n1');
    const term = network.status('n1').term;
    network.isolate('n3');
    network.tickAll(100);
    assert.equal(network.status('n3').term, term, 'pre-votes never win, so the term stays');
    assert.equal(network.status('n3').role, 'pre-candidate');
    network.propose('n1', 'while n3 was away');
    network.recover();
    network.tickAll(30);
    assert.equal(network.leader(), 'n1');
    assert.equal(network.status('n1').term, term, 'the healthy leader kept its term');
    assert.equal(network.status('n3').leader, 'n1');
    assert.deepEqual(network.node('n3').applied, ['while n3 was away']);
  });

  test('thesis §9.6 without pre-vote the same partition forces the leader out (the disruption pre-vote prevents)', () => {
    const network = newNetwork(['n1', 'n2', 'n3'], { preVote: false, seed: 3 });
    network.campaign('n1');
    const term = network.status('n1').term;
    network.isolate('n3');
    network.tickAll(100);
    assert.ok(network.status('n3').term > term + 2, 'each timeout raises the isolated term');
    network.recover();
    network.tickAll(30);
    assert.ok(network.status('n1').term > term, 'the leader had to adopt the higher term');
  });

  test('thesis §9.6 a pre-vote does not change the voter term or vote', () => {
    const node = new RaftNode({ id: 'n2', peers: ['n1', 'n2', 'n3'], electionTicks: 10, heartbeatTicks: 1, random: () => 0, preVote: true, checkQuorum: false });
    const responses = stepAndCollect(node, { ...voteRequest('n1', 'n2', 1, 0, 0), type: 'raft.pre-vote-request' });
    assert.equal(responses[0].type, 'raft.pre-vote-response');
    assert.equal((responses[0] as { granted: boolean }).granted, true);
    assert.equal(responses[0].term, 1, 'the grant names the term asked for');
    assert.equal(node.status().term, 0);
    assert.equal(node.status().votedFor, null);
  });
});

describe('check-quorum and the vote lease (thesis §6.2, §4.2.3)', () => {
  test('thesis §6.2 a leader that cannot hear from a quorum steps down within an election timeout', () => {
    const network = newNetwork(['n1', 'n2', 'n3'], { checkQuorum: true, preVote: true, seed: 5 });
    network.campaign('n1');
    network.tickAll(3);
    network.isolate('n1');
    for (let tick = 0; tick < 2 * 10; tick++) network.tick('n1');
    assert.equal(network.status('n1').role, 'follower', 'the isolated leader stepped down');
    network.tickAll(60);
    const leader = network.leader();
    assert.ok(leader === 'n2' || leader === 'n3', 'the majority side elected a new leader');
  });

  test('thesis §6.2 a leader that hears from a quorum keeps leading', () => {
    const network = newNetwork(['n1', 'n2', 'n3'], { checkQuorum: true, seed: 5 });
    network.campaign('n1');
    network.isolate('n3');
    network.tickAll(100);
    assert.equal(network.leader(), 'n1');
    assert.equal(network.status('n1').term, 1);
  });

  test('thesis §4.2.3 a follower that heard from its leader within the election timeout ignores a vote request', () => {
    const network = newNetwork(['n1', 'n2', 'n3'], { checkQuorum: true });
    network.campaign('n1');
    network.tickAll(2);
    const responses = stepAndCollect(network.raft('n2'), voteRequest('n3', 'n2', 5, 100, 4));
    assert.deepEqual(responses, [], 'no answer inside the lease');
    assert.equal(network.status('n2').term, 1, 'the term did not move');
    assert.equal(network.status('n2').leader, 'n1');
  });
});
