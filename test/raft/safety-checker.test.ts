import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { RaftSafetyChecker, RaftSafetyViolation } from '../../src/raft/safety-checker';
import type { SafetyProperty } from '../../src/raft/safety-checker';
import type { Entry } from '../../src/raft/types';
import { newNetwork } from './harness';

function entry(index: number, term: number, data: unknown = `e${index}t${term}`): Entry {
  return { index, term, kind: 'normal', data };
}

function assertViolation(property: SafetyProperty, action: () => void, fragments: readonly string[] = []): RaftSafetyViolation {
  let caught: unknown;
  try {
    action();
  } catch (error) {
    caught = error;
  }
  assert.ok(caught instanceof RaftSafetyViolation, `expected a ${property} violation, got ${String(caught)}`);
  assert.equal(caught.property, property);
  assert.ok(caught.message.includes(property), caught.message);
  for (const fragment of fragments) assert.ok(caught.message.includes(fragment), `"${caught.message}" names ${fragment}`);
  return caught;
}

describe('RaftSafetyChecker: the five properties of Figure 3', () => {
  test('Figure 3 Election Safety: two leaders in one term are caught', () => {
    const checker = new RaftSafetyChecker();
    checker.onLeader('a', 3);
    checker.onLeader('a', 3); // repeats are fine
    checker.onLeader('b', 4);
    const violation = assertViolation('Election Safety', () => checker.onLeader('c', 3), ['term 3', 'nodes a, c']);
    assert.equal(checker.firstViolation, violation);
    assert.deepEqual(violation.detail.nodes, ['a', 'c']);
  });

  test('Figure 3 Leader Append-Only: a leader that overwrites an entry is caught; a follower may', () => {
    const checker = new RaftSafetyChecker();
    checker.onLogChanged('f', [entry(1, 1), entry(2, 1)]);
    checker.onLogChanged('f', [entry(2, 2)]); // a follower repairs its log: allowed
    checker.onLeader('a', 2);
    checker.onLogChanged('a', [entry(1, 1), entry(2, 2)]);
    checker.onLogChanged('a', [entry(3, 2)]);
    assertViolation('Leader Append-Only', () => checker.onLogChanged('a', [entry(2, 3)]), ['term 2', 'index 2', 'nodes a']);
  });

  test('Figure 3 Leader Append-Only: a deposed leader repairing its log in the Ready that raises its term is not flagged', () => {
    const checker = new RaftSafetyChecker();
    checker.onLeader('a', 5);
    checker.onLogChanged('a', [entry(1, 1), entry(2, 5)]);
    // No onStepDown: the host reports leadership after persisting; the new term tells.
    checker.onPersist('a', { hardState: { term: 6, votedFor: null, commitIndex: 0 }, entries: [entry(2, 4)] });
    checker.onLeader('b', 7);
    checker.onLogChanged('b', [entry(1, 1), entry(2, 4), entry(3, 7)]);
    assertViolation('Leader Append-Only', () => checker.onPersist('b', { hardState: { term: 7, votedFor: 'b', commitIndex: 0 }, entries: [entry(3, 6)] }),
      ['term 7', 'index 3']);
  });

  test('Figure 3 Leader Append-Only: a leader whose log is replaced by a snapshot is caught; compaction is fine', () => {
    const checker = new RaftSafetyChecker();
    checker.onLeader('a', 2);
    checker.onLogChanged('a', [entry(1, 1), entry(2, 2), entry(3, 2)]);
    checker.onSnapshot('a', { index: 2, term: 2 });
    assertViolation('Leader Append-Only', () => checker.onSnapshot('a', { index: 5, term: 3 }), ['index 5']);
  });

  test('Figure 3 Log Matching: two different entries with the same index and term are caught', () => {
    const checker = new RaftSafetyChecker();
    checker.onLogChanged('a', [entry(1, 1, 'x')]);
    assertViolation('Log Matching', () => checker.onLogChanged('b', [entry(1, 1, 'y')]), ['term 1', 'index 1', 'nodes a, b']);
  });

  test('Figure 3 Log Matching: equal (index, term) over different preceding entries is caught', () => {
    const checker = new RaftSafetyChecker();
    checker.onLogChanged('a', [entry(1, 1), entry(2, 2, 'same')]);
    assertViolation('Log Matching', () => checker.onLogChanged('b', [entry(1, 2), entry(2, 2, 'same')]), ['index 2', 'nodes a, b']);
  });

  test('Figure 3 Leader Completeness: a leader elected without a committed entry is caught', () => {
    const checker = new RaftSafetyChecker();
    checker.onLogChanged('a', [entry(1, 1), entry(2, 1)]);
    checker.onLogChanged('b', [entry(1, 1)]);
    checker.onHardState('a', { term: 1, votedFor: 'a', commitIndex: 2 });
    assertViolation('Leader Completeness', () => checker.onLeader('b', 2), ['term 2', 'index 2', 'nodes b']);
  });

  test('Figure 3 Leader Completeness: a sitting leader of a later term that lacks a newly committed entry is caught', () => {
    const checker = new RaftSafetyChecker();
    checker.onLogChanged('a', [entry(1, 1), entry(2, 1)]);
    checker.onLogChanged('b', [entry(1, 1)]);
    checker.onLeader('b', 3);
    assertViolation('Leader Completeness', () => checker.onHardState('a', { term: 2, votedFor: null, commitIndex: 2 }),
      ['term 3', 'index 2']);
  });

  test('Figure 3 Leader Completeness: a leader of an older term elected late is not a violation', () => {
    const checker = new RaftSafetyChecker();
    checker.onLogChanged('a', [entry(1, 1), entry(2, 1)]);
    checker.onLogChanged('b', [entry(1, 1)]);
    checker.onHardState('a', { term: 4, votedFor: null, commitIndex: 2 });
    checker.onLeader('b', 3); // committed in term 4 at the earliest: term 3 need not hold it
  });

  test('Figure 3 State Machine Safety: two nodes applying different entries at one index are caught', () => {
    const checker = new RaftSafetyChecker();
    checker.onApply('a', entry(1, 1, 'x'));
    checker.onApply('b', entry(1, 1, 'x'));
    assertViolation('State Machine Safety', () => checker.onApply('c', entry(1, 2, 'y')), ['index 1', 'nodes a, c']);
  });

  test('Figure 3 State Machine Safety: committing a different entry at a committed index is caught', () => {
    const checker = new RaftSafetyChecker();
    checker.onLogChanged('a', [entry(1, 1), entry(2, 1)]);
    checker.onLogChanged('b', [entry(1, 1), entry(2, 2)]);
    checker.onHardState('a', { term: 1, votedFor: null, commitIndex: 2 });
    assertViolation('State Machine Safety', () => checker.onHardState('b', { term: 2, votedFor: null, commitIndex: 2 }),
      ['index 2', 'nodes b']);
  });

  test('Figure 3 a healthy run with elections, crashes, snapshots and membership changes passes every check', () => {
    const network = newNetwork(['n1', 'n2', 'n3'], { snapshotThreshold: 5 });
    network.campaign('n1');
    for (let value = 0; value < 12; value++) network.propose('n1', value);
    network.crash('n1');
    const leader = network.stabilize();
    network.proposeConfigChange(leader, { type: 'add-learner', node: 'n4' });
    network.addNode('n4', { voters: [], learners: [] });
    network.restart('n1');
    for (let value = 12; value < 20; value++) network.propose(leader, value);
    network.tickAll(10);
    assert.ok(network.checker.checks > 100, `the checker ran ${network.checker.checks} checks`);
  });
  /** Three nodes that logged, committed, applied and compacted `count` entries of term 1. */
  function compactedChecker(count: number, snapshotAt: number): RaftSafetyChecker {
    const checker = new RaftSafetyChecker();
    const log = Array.from({ length: count }, (_, offset) => entry(offset + 1, 1));
    for (const node of ['a', 'b', 'c']) {
      checker.onLogChanged(node, log);
      checker.onHardState(node, { term: 1, votedFor: null, commitIndex: count });
      for (const applied of log) checker.onApply(node, applied);
      checker.onSnapshot(node, { index: snapshotAt, term: 1 });
    }
    return checker;
  }

  test('Figure 3 memory: entries below every node\'s snapshot are dropped, and only then', () => {
    const checker = compactedChecker(1000, 600);
    assert.ok(checker.retainedFrom > 500, `content kept from index ${checker.retainedFrom}`);
    const lagging = new RaftSafetyChecker();
    for (const node of ['a', 'b']) lagging.onLogChanged(node, [entry(1, 1), entry(2, 1)]);
    for (let index = 3; index <= 1000; index++) lagging.onLogChanged('a', [entry(index, 1)]);
    lagging.onSnapshot('a', { index: 900, term: 1 }); // b still holds index 2 onwards: nothing may go
    assert.equal(lagging.retainedFrom, 1);
    assertViolation('Log Matching', () => lagging.onLogChanged('b', [entry(3, 1, 'other')]), ['index 3', 'nodes a, b']);
  });

  test('Figure 3 memory: a replica removed by a finished move (its log deleted) no longer holds the window open', () => {
    const checker = new RaftSafetyChecker();
    // d held indexes 1-2 and was removed from the group; a, b and c went on to 1,000.
    for (const node of ['a', 'b', 'c', 'd']) checker.onLogChanged(node, [entry(1, 1), entry(2, 1)]);
    const log = Array.from({ length: 998 }, (_, offset) => entry(offset + 3, 1));
    for (const node of ['a', 'b', 'c']) {
      checker.onLogChanged(node, log);
      checker.onSnapshot(node, { index: 900, term: 1 });
    }
    assert.equal(checker.retainedFrom, 1, 'while d may still report its log, nothing may go');
    checker.onReplicaRemoved('d');
    assert.ok(checker.retainedFrom > 800, `content kept from index ${checker.retainedFrom} after d's replica was removed`);
    // A replica created on d again starts from an empty log: it holds the window only from what it reports.
    checker.onSnapshot('d', { index: 950, term: 1 });
    checker.onLogChanged('d', [entry(951, 1)]);
    assertViolation('Log Matching', () => checker.onLogChanged('d', [entry(952, 1, 'other')]), ['index 952']);
  });

  test('Figure 3 memory: with every replica removed, nothing is pruned (no floor is "infinitely high")', () => {
    const checker = new RaftSafetyChecker();
    checker.onLogChanged('a', Array.from({ length: 600 }, (_, offset) => entry(offset + 1, 1)));
    checker.onReplicaRemoved('a');
    assert.equal(checker.retainedFrom, 1);
    // A replica created on a again reports from an empty log, and the content still in the window is compared.
    assertViolation('Log Matching', () => checker.onLogChanged('a', [entry(1, 1, 'other')]), ['index 1']);
  });

  test('Figure 3 State Machine Safety: still checked at indexes whose content was dropped', () => {
    const checker = compactedChecker(1000, 600);
    assertViolation('State Machine Safety', () => checker.onApply('d', entry(10, 2)), ['index 10', 'nodes a, d']);
    assertViolation('State Machine Safety', () => checker.onCommit('d', 20, 2), ['index 20', 'term 2', 'nodes d']);
    // Within the window, the content is compared too.
    assertViolation('State Machine Safety', () => checker.onApply('d', entry(900, 1, 'other')), ['index 900', 'nodes a, d']);
  });

  test('Figure 3 Leader Completeness: a record committed by a lower term after a higher one still binds later leaders', () => {
    const checker = new RaftSafetyChecker();
    checker.onLogChanged('a', [entry(1, 1), entry(2, 1)]);
    checker.onLogChanged('b', [entry(1, 1), entry(2, 1), entry(3, 1)]);
    checker.onLogChanged('c', [entry(1, 1), entry(2, 1)]);
    checker.onHardState('a', { term: 5, votedFor: null, commitIndex: 2 }); // committed by term 5
    checker.onHardState('b', { term: 1, votedFor: null, commitIndex: 3 }); // extended by a node still in term 1
    assertViolation('Leader Completeness', () => checker.onLeader('c', 2), ['term 2', 'index 3', 'nodes c']);
  });
});
