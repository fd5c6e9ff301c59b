import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { applyConfigChange, ConfigHistory } from '../../src/raft/config-change';
import { RaftInvariantError } from '../../src/raft/invariants';
import { RaftLog } from '../../src/raft/log';
import { Inflights, Progress } from '../../src/raft/progress';
import { quorumMatchIndex, quorumSize, voteResult } from '../../src/raft/quorum';
import { ReadIndexTracker } from '../../src/raft/read-index';
import { entriesWithTerms } from './harness';

describe('log.ts: stable/unstable log with a snapshot anchor', () => {
  test('§5.3 maybeAppend checks (prevIndex, prevTerm), keeps matching entries and cuts at the first conflict (Figure 7)', () => {
    const log = new RaftLog({ entries: entriesWithTerms([1, 1, 2, 2]), commitIndex: 1 });
    assert.equal(log.maybeAppend(4, 3, []), null, 'term mismatch at prevIndex');
    assert.equal(log.maybeAppend(5, 2, []), null, 'prevIndex beyond the log');
    const duplicate = log.maybeAppend(1, 1, entriesWithTerms([1, 1, 2]).slice(1));
    assert.deepEqual(duplicate, { lastNewIndex: 3, appendedFromIndex: null }, 'a stale message removes nothing');
    assert.equal(log.lastIndex, 4);
    const conflict = log.maybeAppend(2, 1, [{ index: 3, term: 3, kind: 'normal' }]);
    assert.deepEqual(conflict, { lastNewIndex: 3, appendedFromIndex: 3 });
    assert.equal(log.lastIndex, 3);
    assert.deepEqual(log.unstableEntries().map((entry) => [entry.index, entry.term]), [[3, 3]]);
  });

  test('§5.3 a conflict inside the committed prefix is an invariant violation', () => {
    const log = new RaftLog({ entries: entriesWithTerms([1, 1, 2]), commitIndex: 3 });
    assert.throws(() => log.maybeAppend(1, 1, [{ index: 2, term: 3, kind: 'normal' }]), RaftInvariantError);
  });

  test('§5.3 conflict hints name the conflicting term and its first index', () => {
    const log = new RaftLog({ entries: entriesWithTerms([1, 2, 2, 2, 3]), commitIndex: 1 });
    assert.deepEqual(log.conflictHint(4), { conflictIndex: 2, conflictTerm: 2 });
    assert.deepEqual(log.conflictHint(9), { conflictIndex: 6, conflictTerm: null });
    assert.equal(log.lastIndexOfTerm(2), 4);
    assert.equal(log.lastIndexOfTerm(5), null);
  });

  test('§5.4.1 isUpToDate compares last term, then length', () => {
    const log = new RaftLog({ entries: entriesWithTerms([1, 2, 2]), commitIndex: 0 });
    assert.equal(log.isUpToDate(1, 3), true);
    assert.equal(log.isUpToDate(3, 2), true);
    assert.equal(log.isUpToDate(2, 2), false);
    assert.equal(log.isUpToDate(9, 1), false);
  });

  test('§7 stableTo ignores a stale acknowledgement after truncation; compact drops only applied, stable entries', () => {
    const log = new RaftLog();
    log.maybeAppend(0, 0, entriesWithTerms([1, 1, 1]));
    log.maybeAppend(1, 1, [{ index: 2, term: 2, kind: 'normal' }]);
    log.stableTo(3, 1);
    assert.equal(log.hasUnstableEntries(), true, 'entry 3 of term 1 was cut; the ack no longer applies');
    log.stableTo(2, 2);
    assert.equal(log.hasUnstableEntries(), false);
    log.commitTo(2);
    assert.throws(() => log.compact({ index: 2, term: 2, config: { voters: [], learners: [] }, data: null }), RaftInvariantError,
      'not applied yet');
    log.appliedTo(2);
    log.compact({ index: 2, term: 2, config: { voters: [], learners: [] }, data: null });
    assert.equal(log.firstIndex, 3);
    assert.equal(log.term(2), 2);
    assert.equal(log.term(1), undefined);
  });

  test('Figure 2 log invariants: commit never passes the last index, applied never passes commit', () => {
    const log = new RaftLog({ entries: entriesWithTerms([1]), commitIndex: 0 });
    assert.throws(() => log.commitTo(2), /commitIndex 2 would pass lastIndex 1/);
    assert.throws(() => log.appliedTo(1), /appliedIndex 1 would pass commitIndex 0/);
    assert.throws(() => new RaftLog({ entries: entriesWithTerms([1]), commitIndex: 5 }), RaftInvariantError);
    assert.throws(() => new RaftLog({ entries: [{ index: 1, term: 2, kind: 'noop' }, { index: 2, term: 1, kind: 'noop' }], commitIndex: 0 }),
      /term 1 below the term 2/);
  });
});

describe('progress.ts: probe, replicate and snapshot states', () => {
  test('thesis §10.2.1 flow control: the inflight window bounds pipelined appends and frees on acknowledgement', () => {
    const inflights = new Inflights(2);
    inflights.add(3);
    inflights.add(5);
    assert.equal(inflights.isFull(), true);
    assert.throws(() => inflights.add(7), RaftInvariantError);
    inflights.freeUpTo(4);
    assert.equal(inflights.count, 1);
    inflights.freeFirst();
    assert.equal(inflights.count, 0);
  });

  test('§5.3 a probe rejection moves nextIndex to the hint, never below match + 1; stale rejections are ignored', () => {
    const progress = new Progress(11, 4, false);
    assert.equal(progress.maybeDecreaseTo(7, 3), false, 'not the latest probe');
    assert.equal(progress.maybeDecreaseTo(10, 4), true);
    assert.equal(progress.nextIndex, 4);
    progress.maybeUpdate(2);
    progress.becomeReplicate();
    assert.equal(progress.nextIndex, 3);
    assert.equal(progress.maybeDecreaseTo(2, 1), false, 'a rejection at or below match is stale in replicate');
    assert.equal(progress.maybeDecreaseTo(5, 1), true);
    assert.equal(progress.state, 'probe');
    assert.equal(progress.nextIndex, 3, 'never below match + 1');
  });

  test('§7 snapshot state pauses appends; leaving it resumes after the snapshot', () => {
    const progress = new Progress(3, 4, false);
    progress.becomeSnapshot(20);
    assert.equal(progress.isPaused(), true);
    progress.becomeProbe();
    assert.equal(progress.nextIndex, 21);
  });
});

describe('quorum.ts: majorities', () => {
  test('§5.3 the commit index is the highest index on a majority', () => {
    const match: Record<string, number> = { a: 5, b: 3, c: 9, d: 1, e: 3 };
    assert.equal(quorumSize(5), 3);
    assert.equal(quorumMatchIndex(Object.keys(match), (id) => match[id]), 3);
    assert.equal(quorumMatchIndex(['a', 'c'], (id) => match[id]), 5);
    assert.equal(quorumMatchIndex([], () => 7), 0);
  });

  test('§5.3 the commit index equals the majority position of the match indexes sorted high to low, for any group', () => {
    fc.assert(fc.property(fc.array(fc.nat(1_000), { maxLength: 9 }), fc.array(fc.nat(1_000), { maxLength: 9 }), (first, second) => {
      // Two calls in a row: the buffer the function reuses keeps nothing from one to the next.
      for (const matchIndexes of [first, second]) {
        const voters = matchIndexes.map((_, position) => `n${position}`);
        const sorted = [...matchIndexes].sort((left, right) => right - left);
        const expected = voters.length === 0 ? 0 : sorted[quorumSize(voters.length) - 1];
        assert.equal(quorumMatchIndex(voters, (id) => matchIndexes[Number(id.slice(1))]), expected);
      }
    }));
  });

  test('§5.2 a vote is won with a majority, lost when a majority is out of reach', () => {
    const voters = ['a', 'b', 'c', 'd'];
    assert.equal(voteResult(voters, new Map([['a', true], ['b', true]])), 'pending');
    assert.equal(voteResult(voters, new Map([['a', true], ['b', true], ['c', true]])), 'won');
    assert.equal(voteResult(voters, new Map([['a', true], ['b', false], ['c', false]])), 'lost');
    assert.equal(voteResult(voters, new Map([['x', true], ['y', true], ['a', true]])), 'pending', 'non-voters do not count');
  });
});

describe('config-change.ts and read-index.ts', () => {
  test('thesis §4.1 single-server changes and the history that undoes truncated ones', () => {
    const base = { voters: ['a', 'b', 'c'], learners: [] };
    const added = applyConfigChange(base, { type: 'add-learner', node: 'd' });
    assert.deepEqual(added, { ok: true, config: { voters: ['a', 'b', 'c'], learners: ['d'] } });
    assert.deepEqual(applyConfigChange({ voters: ['a'], learners: [] }, { type: 'remove', node: 'a' }),
      { ok: false, reason: 'would-remove-last-voter' });
    const history = new ConfigHistory(0, base);
    history.record(5, { voters: ['a', 'b', 'c'], learners: ['d'] });
    history.record(9, { voters: ['a', 'b', 'c', 'd'], learners: [] });
    assert.deepEqual(history.configAt(7).learners, ['d']);
    history.truncateFrom(9);
    assert.equal(history.currentIndex, 5);
    history.compactTo(6);
    assert.deepEqual(history.configAt(0).learners, ['d'], 'the compacted base is the config at the snapshot');
  });

  test('thesis §6.4 reads are confirmed in order once a majority echoed their sequence', () => {
    const tracker = new ReadIndexTracker();
    tracker.add('r1', 4);
    tracker.add('r2', 4);
    tracker.acknowledge('b', 1);
    assert.deepEqual(tracker.takeConfirmed(['a', 'b', 'c'], 'a'), [{ requestId: 'r1', index: 4 }]);
    tracker.acknowledge('c', 7); // never sent: from before a restart, ignored
    assert.deepEqual(tracker.takeConfirmed(['a', 'b', 'c'], 'a'), []);
    tracker.acknowledge('c', 2);
    assert.deepEqual(tracker.takeConfirmed(['a', 'b', 'c'], 'a'), [{ requestId: 'r2', index: 4 }]);
    tracker.add('r3', 5);
    assert.deepEqual(tracker.clear(), ['r3']);
  });
});
