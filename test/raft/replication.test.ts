import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { AppendEntriesMessage, AppendResponseMessage, RaftMessage } from '../../src/raft/types';
import { newNetwork, restoredLog } from './harness';

function termsOf(network: ReturnType<typeof newNetwork>, id: string): number[] {
  return network.logOf(id).map(([, term]) => term);
}

function rejectionsFrom(messages: readonly RaftMessage[], from: string): number {
  return messages.filter((message) => message.type === 'raft.append-response' && message.from === from
    && !(message as AppendResponseMessage).success).length;
}

describe('log replication (§5.3)', () => {
  test('§5.3 proposals are replicated, committed and applied in order on every node', () => {
    const network = newNetwork(['n1', 'n2', 'n3']);
    network.campaign('n1');
    for (let value = 1; value <= 10; value++) {
      const result = network.propose('n1', `v${value}`);
      assert.equal(result.ok, true);
    }
    const expected = Array.from({ length: 10 }, (_, position) => `v${position + 1}`);
    assert.deepEqual(network.node('n1').applied, expected, 'the leader applies once a majority holds an entry');
    network.heartbeat('n1');
    for (const id of ['n1', 'n2', 'n3']) {
      assert.deepEqual(network.node(id).applied, expected, `${id} applied every entry in order`);
      assert.equal(network.status(id).commitIndex, 11);
    }
  });

  test('§5.3 the commit index travels with the next append or heartbeat, never in an append of its own', () => {
    const network = newNetwork(['n1', 'n2', 'n3']);
    network.campaign('n1');
    network.heartbeat('n1');
    network.recordDeliveries = true;
    network.propose('n1', 'first');
    const emptyAppends = (): number => network.deliveries.filter((message) => message.type === 'raft.append'
      && (message as AppendEntriesMessage).entries.length === 0).length;
    assert.equal(emptyAppends(), 0, 'no append went out only to announce the commit');
    assert.equal(network.status('n1').commitIndex, 2, 'the leader committed once a majority held the entry');
    for (const id of ['n2', 'n3']) assert.equal(network.status(id).commitIndex, 1, `${id} has not heard of the commit yet`);
    network.propose('n1', 'second');
    for (const id of ['n2', 'n3']) assert.equal(network.status(id).commitIndex, 2, `the next append told ${id} that "first" committed`);
    network.heartbeat('n1');
    for (const id of ['n2', 'n3']) assert.deepEqual(network.node(id).applied, ['first', 'second'], `the heartbeat told ${id} that "second" committed`);
    assert.equal(emptyAppends(), 0);
  });

  test('§5.3 a follower rejects a proposal and points at the leader', () => {
    const network = newNetwork(['n1', 'n2', 'n3']);
    network.campaign('n1');
    assert.deepEqual(network.propose('n2', 'x'), { ok: false, reason: 'not-leader', leaderHint: 'n1' });
  });

  test('§5.3 without a majority nothing commits; after healing it does', () => {
    const network = newNetwork(['n1', 'n2', 'n3']);
    network.campaign('n1');
    network.isolate('n2');
    network.isolate('n3');
    network.propose('n1', 'lonely');
    network.tickAll(5);
    assert.equal(network.status('n1').commitIndex, 1, 'the leader alone is no majority');
    network.recover();
    network.tickAll(3);
    for (const id of ['n1', 'n2', 'n3']) assert.deepEqual(network.node(id).applied, ['lonely']);
  });

  test('§5.3 batching: proposals made between two Readies share one AppendEntries per follower', () => {
    const network = newNetwork(['n1', 'n2', 'n3']);
    network.campaign('n1');
    network.resetCounts();
    const leader = network.raft('n1');
    for (let value = 0; value < 50; value++) assert.equal(leader.propose(value).ok, true);
    network.recordDeliveries = true;
    network.process(network.node('n1'));
    const appendsWithEntries = network.deliveries.filter((message) => message.type === 'raft.append'
      && (message as AppendEntriesMessage).entries.length > 0);
    assert.equal(appendsWithEntries.length, 2, 'one AppendEntries to each of two followers');
    assert.equal((appendsWithEntries[0] as AppendEntriesMessage).entries.length, 50);
    assert.equal(network.node('n1').applied.length, 50);
    network.heartbeat('n1');
    assert.equal(network.node('n3').applied.length, 50);
  });

  test('§5.3 flow control: at most maxInflightMessages appends of at most maxEntriesPerMessage entries are in flight', () => {
    const network = newNetwork(['n1', 'n2', 'n3'], { maxInflightMessages: 3, maxEntriesPerMessage: 2 });
    network.campaign('n1');
    network.tickAll(1);
    // n2 stops answering; n1 keeps proposing one entry per Ready.
    network.intercept((message) => !(message.from === 'n2' && message.type === 'raft.append-response'));
    network.recordDeliveries = true;
    for (let value = 0; value < 20; value++) network.propose('n1', value);
    const toFollower = network.deliveries.filter((message) => message.type === 'raft.append' && message.to === 'n2'
      && (message as AppendEntriesMessage).entries.length > 0) as AppendEntriesMessage[];
    assert.equal(toFollower.length, 3, 'the window of 3 filled and then replication to n2 paused');
    for (const message of toFollower) assert.ok(message.entries.length <= 2);
    assert.equal(network.status('n1').commitIndex, 21, 'n3 alone completes the majority');
    network.recover();
    network.tickAll(5);
    assert.equal(network.node('n2').applied.length, 20, 'heartbeat responses reopen the window and n2 catches up');
  });

  test('§5.3 replication survives 30% message loss in every direction', () => {
    const ids = ['n1', 'n2', 'n3'];
    const network = newNetwork(ids, { seed: 11 });
    network.campaign('n1');
    for (const from of ids) for (const to of ids) if (from !== to) network.drop(from, to, 0.3);
    for (let value = 0; value < 20; value++) {
      const leader = network.leader();
      if (leader !== null) network.propose(leader, value);
      network.tickAll(1);
    }
    network.recover();
    network.tickAll(40);
    const applied = network.node('n1').applied;
    for (const id of ids) assert.deepEqual(network.node(id).applied, applied);
    assert.ok(applied.length > 0);
  });
});

describe('Figure 7: a new leader repairs any follower log (§5.3)', () => {
  const leaderTerms = [1, 1, 1, 4, 4, 5, 5, 6, 6, 6];
  const followerCases: Record<string, number[]> = {
    '(a) missing entries': [1, 1, 1, 4, 4, 5, 5, 6, 6],
    '(b) missing many entries': [1, 1, 1, 4],
    '(c) an extra entry of term 6': [1, 1, 1, 4, 4, 5, 5, 6, 6, 6, 6],
    '(d) extra entries of term 7': [1, 1, 1, 4, 4, 5, 5, 6, 6, 6, 7, 7],
    '(e) missing entries and extra term 4 entries': [1, 1, 1, 4, 4, 4, 4],
    '(f) extra entries of terms 2 and 3': [1, 1, 1, 2, 2, 2, 3, 3, 3, 3, 3],
  };
  for (const [name, followerTerms] of Object.entries(followerCases)) {
    test(`Figure 7 ${name}: the follower's log ends identical to the leader's`, () => {
      const network = newNetwork(['leader', 'follower', 'helper'], {
        restored: {
          leader: restoredLog(leaderTerms, 8),
          follower: restoredLog(followerTerms, Math.max(...followerTerms)),
          helper: restoredLog(leaderTerms, 8),
        },
      });
      network.campaign('leader');
      assert.equal(network.leader(), 'leader');
      network.tickAll(3);
      const expected = [...leaderTerms, network.status('leader').term];
      assert.deepEqual(termsOf(network, 'follower'), expected);
      assert.equal(network.status('follower').commitIndex, expected.length);
    });
  }
});

describe('Figure 8: entries of older terms are not committed by counting replicas (§5.4.2)', () => {
  const ids = ['s1', 's2', 's3', 's4', 's5'];
  function figure8Network(): ReturnType<typeof newNetwork> {
    return newNetwork(ids, {
      maxEntriesPerMessage: 1,
      restored: {
        s1: restoredLog([1, 2], 3, 1),
        s2: restoredLog([1, 2], 3, 1),
        s3: restoredLog([1], 3, 1),
        s4: restoredLog([1], 3, 1),
        s5: restoredLog([1, 3], 3, 1),
      },
    });
  }

  test('Figure 8 (c)-(d): a term-2 entry stored on a majority by the term-4 leader is not committed and may be overwritten', () => {
    const network = figure8Network();
    network.isolate('s5');
    // (c): s1 leads term 4 and spreads entry 2 (term 2), but its own term-4 entry (index 3)
    // reaches nobody.
    network.rewrite((message) => message.type === 'raft.append'
      ? { ...message, entries: message.entries.filter((entry) => entry.index < 3) }
      : message);
    network.campaign('s1');
    assert.equal(network.leader(), 's1');
    network.tickAll(3);
    const progress = network.status('s1').progress ?? {};
    const holders = ids.filter((id) => (progress[id]?.matchIndex ?? 0) >= 2);
    assert.ok(holders.length >= 3, `entry 2 is on a majority: ${holders.join(', ')}`);
    assert.equal(network.status('s1').commitIndex, 1, 'yet the leader must not count replicas of a term-2 entry');

    // (d): s1 crashes; s5 wins term 5 with votes from s2, s3, s4 and overwrites index 2.
    network.crash('s1');
    network.recover();
    network.campaign('s5'); // term 4: s2, s3, s4 already voted for s1
    network.campaign('s5'); // term 5
    assert.equal(network.leader(), 's5');
    network.tickAll(3);
    for (const id of ['s2', 's3', 's4', 's5']) {
      assert.equal(network.raft(id).termAt(2), 3, `${id} holds s5's entry at index 2`);
      assert.ok(!network.node(id).applied.includes('e2t2'), `${id} never applied the overwritten entry`);
    }
  });

  test('Figure 8 (e): once the term-4 entry is on a majority, both commit and s5 can no longer win', () => {
    const network = figure8Network();
    network.isolate('s5');
    network.campaign('s1');
    network.tickAll(3);
    assert.equal(network.status('s1').commitIndex, 3, 'entry 3 (term 4) committed, and entry 2 with it');
    network.crash('s1');
    network.recover();
    network.campaign('s5');
    network.campaign('s5');
    assert.notEqual(network.status('s5').role, 'leader', 's5 lacks a committed entry');
    const leader = network.stabilize();
    assert.notEqual(leader, 's5');
    for (const id of ['s2', 's3', 's4']) assert.deepEqual(network.node(id).applied.slice(0, 2), ['e1t1', 'e2t2']);
  });
});

describe('fast back-off on mismatch (end of §5.3)', () => {
  function backOff(leaderTerms: number[], followerTerms: number[]): { rejections: number; network: ReturnType<typeof newNetwork> } {
    const network = newNetwork(['leader', 'follower', 'helper'], {
      restored: {
        leader: restoredLog(leaderTerms, Math.max(...leaderTerms)),
        follower: restoredLog(followerTerms, Math.max(...followerTerms)),
        helper: restoredLog(leaderTerms, Math.max(...leaderTerms)),
      },
    });
    network.recordDeliveries = true;
    network.campaign('leader');
    network.tickAll(2);
    assert.deepEqual(termsOf(network, 'follower'), termsOf(network, 'leader'));
    return { rejections: rejectionsFrom(network.deliveries, 'follower'), network };
  }

  test('§5.3 a follower with 99 conflicting entries of one term costs one rejection, not 99', () => {
    const { rejections } = backOff([1, ...Array<number>(10).fill(3)], [1, ...Array<number>(99).fill(2)]);
    assert.equal(rejections, 1);
  });

  test('§5.3 a follower with a short log costs one rejection', () => {
    const { rejections } = backOff([1, ...Array<number>(30).fill(3)], [1]);
    assert.equal(rejections, 1);
  });

  test('§5.3 a conflicting term the leader also holds is skipped to the leader\'s last entry of it', () => {
    const { rejections } = backOff([1, 2, 2, 3, 3, 3], [1, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2]);
    assert.equal(rejections, 1);
  });

  test('§5.3 several conflicting terms cost one rejection per term (plus one for the shorter log)', () => {
    const { rejections } = backOff([1, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5], [1, 2, 2, 2, 3, 3, 3, 4, 4, 4]);
    assert.equal(rejections, 4);
  });
});

describe('durability across restarts (Figure 2 persistent state)', () => {
  test('Figure 2 a restarted node recovers term, vote and log from storage and re-applies committed entries', () => {
    const network = newNetwork(['n1', 'n2', 'n3']);
    network.campaign('n1');
    for (const value of ['a', 'b', 'c']) network.propose('n1', value);
    network.heartbeat('n1');
    const before = new Map(['n1', 'n2', 'n3'].map((id) => [id, network.status(id)]));
    for (const id of ['n1', 'n2', 'n3']) network.crash(id);
    for (const id of ['n1', 'n2', 'n3']) network.restart(id);
    for (const id of ['n1', 'n2', 'n3']) {
      const status = network.status(id);
      const old = before.get(id);
      assert.equal(status.term, old?.term);
      assert.equal(status.votedFor, old?.votedFor);
      assert.equal(status.lastIndex, old?.lastIndex);
      assert.equal(status.role, 'follower', 'roles are volatile');
      assert.deepEqual(network.node(id).applied, ['a', 'b', 'c'], `${id} re-applied committed entries from its durable commit index`);
    }
    const leader = network.stabilize();
    network.propose(leader, 'd');
    network.heartbeat(leader);
    for (const id of ['n1', 'n2', 'n3']) assert.deepEqual(network.node(id).applied, ['a', 'b', 'c', 'd']);
  });

  test('Figure 2 a follower that crashed catches up after restarting', () => {
    const network = newNetwork(['n1', 'n2', 'n3']);
    network.campaign('n1');
    network.propose('n1', 'a');
    network.crash('n3');
    for (const value of ['b', 'c', 'd']) network.propose('n1', value);
    network.restart('n3');
    network.tickAll(2);
    assert.deepEqual(network.node('n3').applied, ['a', 'b', 'c', 'd']);
  });
});
