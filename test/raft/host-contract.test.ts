import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { RaftInvariantError } from '../../src/raft/invariants';
import { RaftNode } from '../../src/raft/raft-node';
import type { RaftOptions } from '../../src/raft/types';
import { newNetwork } from './harness';

function options(overrides: Partial<RaftOptions> = {}): RaftOptions {
  return { id: 'n1', peers: ['n1', 'n2', 'n3'], electionTicks: 10, heartbeatTicks: 1, random: () => 0, preVote: false, checkQuorum: false, ...overrides };
}

describe('the Ready contract and invariant assertions', () => {
  test('Figure 2 / thesis §3.8 Ready contract: messages that depend on durable state travel with that state in one Ready', () => {
    const node = new RaftNode(options());
    node.campaign();
    const ready = node.ready();
    assert.deepEqual(ready.hardState, { term: 1, votedFor: 'n1', commitIndex: 0 }, 'the self-vote is persisted...');
    assert.equal(ready.messages.filter((message) => message.type === 'raft.vote-request').length, 2, '...before vote requests leave');
    assert.equal(node.hasReady(), false, 'no second Ready before advance');
    assert.throws(() => node.ready(), /ready\(\) called again before advance\(\)/);
    node.advance(ready);
    assert.throws(() => node.advance(ready), RaftInvariantError, 'a Ready is advanced once');
  });

  test('thesis §10.2.1 Ready contract: a leader\'s new entries and the AppendEntries carrying them share one Ready', () => {
    const network = newNetwork(['n1', 'n2', 'n3']);
    network.campaign('n1');
    const leader = network.raft('n1');
    leader.propose('x');
    const ready = leader.ready();
    assert.deepEqual(ready.entries.map((entry) => entry.data), ['x']);
    assert.ok(ready.messages.some((message) => message.type === 'raft.append' && message.entries.some((entry) => entry.data === 'x')));
    leader.advance(ready);
  });

  test('Figure 2 invariants: bad options and host mistakes throw with a clear message', () => {
    assert.throws(() => new RaftNode(options({ electionTicks: 1, heartbeatTicks: 1 })), /electionTicks \(1\) must exceed heartbeatTicks \(1\)/);
    assert.throws(() => new RaftNode(options({ random: () => 1 })), /random\(\) must return a value in \[0, 1\)/);
    const node = new RaftNode(options());
    assert.throws(() => node.step({ type: 'raft.timeout-now', from: 'n2', to: 'n9', term: 1 }), /addressed to n9/);
    assert.throws(() => node.compact(1, null), /compact\(1\) beyond appliedIndex 0/);
    assert.throws(() => new RaftNode(options(), {
      hardState: { term: 1, votedFor: null, commitIndex: 3 },
      entries: [{ index: 1, term: 1, kind: 'noop' }],
    }), /restored commitIndex 3 is beyond the restored lastIndex 1/);
  });

  test('Figure 3 Election Safety invariant: two leaders in one term are detected by the core itself', () => {
    const network = newNetwork(['n1', 'n2', 'n3']);
    network.campaign('n1');
    const term = network.status('n1').term;
    assert.throws(() => network.raft('n1').step({ type: 'raft.heartbeat', from: 'n2', to: 'n1', term, leaderCommitIndex: 0, readSequence: 0 }),
      /Election Safety: n1 and n2 both lead term/);
  });

  test('§7 host hints: reportUnreachable stops pipelining, reportSnapshotFailed retries the snapshot', () => {
    const network = newNetwork(['n1', 'n2', 'n3']);
    network.campaign('n1');
    network.propose('n1', 'a');
    assert.equal(network.status('n1').progress?.n2.state, 'replicate');
    network.raft('n1').reportUnreachable('n2');
    assert.equal(network.status('n1').progress?.n2.state, 'probe');

    network.isolate('n3');
    network.propose('n1', 'b');
    network.compact('n1');
    network.recover();
    network.ignore('raft.install-snapshot');
    network.tickAll(1);
    assert.equal(network.status('n1').progress?.n3.state, 'snapshot');
    network.recover();
    network.raft('n1').reportSnapshotFailed('n3');
    network.process(network.node('n1'));
    network.tickAll(1);
    assert.deepEqual(network.node('n3').applied, ['a', 'b']);
  });

  test('§5.2 campaign() starts an election at once (with pre-vote when enabled)', () => {
    const network = newNetwork(['n1', 'n2', 'n3'], { preVote: true });
    network.raft('n2').campaign();
    network.process(network.node('n2'));
    assert.equal(network.leader(), 'n2');
    assert.equal(network.status('n2').term, 1, 'the pre-vote round did not spend a term');
  });
});
