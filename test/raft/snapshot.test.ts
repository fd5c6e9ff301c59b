import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { RaftNode } from '../../src/raft/raft-node';
import type { AppendEntriesMessage, AppendResponseMessage } from '../../src/raft/types';
import { entriesWithTerms, newNetwork } from './harness';

function proposeMany(network: ReturnType<typeof newNetwork>, leader: string, count: number, prefix: string): string[] {
  const values: string[] = [];
  for (let value = 0; value < count; value++) {
    values.push(`${prefix}${value}`);
    assert.equal(network.propose(leader, `${prefix}${value}`).ok, true);
  }
  return values;
}

describe('log compaction and InstallSnapshot (§7)', () => {
  test('§7 compact(index) turns the applied prefix into a snapshot and drops it from the log', () => {
    const network = newNetwork(['n1', 'n2', 'n3']);
    network.campaign('n1');
    proposeMany(network, 'n1', 20, 'v');
    network.compact('n1');
    const status = network.status('n1');
    assert.equal(status.snapshotIndex, 21);
    assert.equal(status.firstIndex, 22);
    assert.equal(network.node('n1').storage.entries.length, 0, 'the host dropped its stored prefix');
    assert.equal(network.node('n1').storage.snapshot?.index, 21);
    assert.equal(network.raft('n1').compact(10, null), null, 'compacting below the snapshot is a no-op');
  });

  test('§7 a far-behind follower receives one InstallSnapshot, then resumes normal replication', () => {
    const network = newNetwork(['n1', 'n2', 'n3']);
    network.campaign('n1');
    network.isolate('n3');
    const values = proposeMany(network, 'n1', 30, 'v');
    network.compact('n1');
    network.compact('n2');
    network.recover();
    network.resetCounts();
    network.tickAll(3);
    assert.equal(network.count('raft.install-snapshot'), 1);
    assert.equal(network.status('n3').snapshotIndex, 31);
    assert.deepEqual(network.node('n3').applied, values);
    assert.equal(network.status('n1').progress?.n3.state, 'replicate', 'back to normal replication');

    network.resetCounts();
    network.recordDeliveries = true;
    network.propose('n1', 'after');
    assert.equal(network.count('raft.install-snapshot'), 0);
    const append = network.deliveries.find((message) => message.type === 'raft.append' && message.to === 'n3') as AppendEntriesMessage;
    assert.deepEqual(append.entries.map((entry) => entry.data), ['after']);
    network.heartbeat('n1');
    assert.deepEqual(network.node('n3').applied, [...values, 'after']);
  });

  test('§7 a lost InstallSnapshot is sent again after an election timeout', () => {
    const network = newNetwork(['n1', 'n2', 'n3']);
    network.campaign('n1');
    network.isolate('n3');
    const values = proposeMany(network, 'n1', 10, 'v');
    network.compact('n1');
    network.recover();
    network.ignore('raft.install-snapshot');
    network.tickAll(5);
    assert.equal(network.status('n1').progress?.n3.state, 'snapshot', 'waiting for an answer');
    network.recover();
    network.tickAll(25);
    assert.deepEqual(network.node('n3').applied, values);
    assert.equal(network.status('n1').progress?.n3.state, 'replicate');
  });

  test('§7 a restarted node rebuilds its state machine from its snapshot plus the entries after it', () => {
    const network = newNetwork(['n1', 'n2', 'n3']);
    network.campaign('n1');
    const first = proposeMany(network, 'n1', 5, 'a');
    network.heartbeat('n1');
    network.compact('n2');
    const second = proposeMany(network, 'n1', 3, 'b');
    network.heartbeat('n1');
    network.crash('n2');
    network.restart('n2');
    assert.equal(network.status('n2').snapshotIndex, 6);
    assert.deepEqual(network.node('n2').applied, [...first, ...second]);
  });

  test('§7 snapshotThreshold makes the core suggest compaction to the host', () => {
    const network = newNetwork(['n1', 'n2', 'n3'], { snapshotThreshold: 10 });
    network.campaign('n1');
    proposeMany(network, 'n1', 25, 'v');
    for (const id of ['n1', 'n2', 'n3']) {
      const status = network.status(id);
      assert.ok(status.snapshotIndex >= 20, `${id} compacted (snapshot at ${status.snapshotIndex})`);
      assert.ok(status.lastIndex - status.snapshotIndex < 10);
    }
  });

  test('§7 a follower whose log already holds the snapshot\'s last entry keeps the entries after it', () => {
    const follower = new RaftNode({ id: 'n2', peers: ['n1', 'n2', 'n3'], electionTicks: 10, heartbeatTicks: 1, random: () => 0, preVote: false, checkQuorum: false },
      { hardState: { term: 2, votedFor: null, commitIndex: 0 }, entries: entriesWithTerms([1, 1, 2, 2, 2]) });
    follower.step({
      type: 'raft.install-snapshot', from: 'n1', to: 'n2', term: 2,
      snapshot: { index: 3, term: 2, config: { voters: ['n1', 'n2', 'n3'], learners: [] }, data: null },
    });
    const status = follower.status();
    assert.equal(status.commitIndex, 3);
    assert.equal(status.lastIndex, 5, 'entries 4 and 5 are kept');
    const ready = follower.ready();
    assert.equal(ready.snapshot, undefined, 'nothing to restore: the entries are applied instead');
    assert.deepEqual(ready.committedEntries.map((entry) => entry.index), [1, 2, 3]);
    const response = ready.messages[0] as AppendResponseMessage;
    assert.equal(response.success, true);
    assert.equal(response.matchIndex, 3);
    follower.advance(ready);
  });

  test('§7 InstallSnapshot replaces a conflicting log and the Ready carries the snapshot to restore', () => {
    const follower = new RaftNode({ id: 'n2', peers: ['n1', 'n2', 'n3'], electionTicks: 10, heartbeatTicks: 1, random: () => 0, preVote: false, checkQuorum: false },
      { hardState: { term: 3, votedFor: null, commitIndex: 1 }, entries: entriesWithTerms([1, 1, 1, 3, 3]) });
    const snapshot = { index: 4, term: 2, config: { voters: ['n1', 'n2', 'n3'], learners: [] }, data: { applied: [] } };
    follower.step({ type: 'raft.install-snapshot', from: 'n1', to: 'n2', term: 4, snapshot });
    const ready = follower.ready();
    assert.equal(ready.snapshot, snapshot);
    assert.deepEqual(ready.committedEntries, [], 'entries under the snapshot are not applied one by one');
    assert.equal(ready.hardState?.commitIndex, 4);
    follower.advance(ready);
    const status = follower.status();
    assert.equal(status.appliedIndex, 4);
    assert.equal(status.lastIndex, 4);
    assert.equal(status.firstIndex, 5);
  });
});
