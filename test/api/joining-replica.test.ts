/*
 * A replica added back to a node that still holds a copy from before its removal
 * (ShardedDatabase.openJoiningReplica).
 *
 * A node that is down when its replica's removal commits keeps the copy on its disk until
 * replica GC deletes it. If the node is added back first, that copy must not be reused: its
 * log and configuration belong to the removed replica, whose votes and acknowledgements
 * the group counted, and one that came back with them could campaign on an old
 * configuration that names it a voter (CockroachDB gives the new replica a new replica ID;
 * TiKV destroys the stale peer before it creates the new one). The new replica starts empty,
 * at the group's commit index (joinIndex), in its leader's term (joinTerm).
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { PhantomCluster } from '../../src/api';
import type { Simulation } from '../../src/sim';
import { startStore } from './store-fixture';

const SHARD = 'shard-1';

function writeKeys(sim: Simulation, cluster: PhantomCluster, prefix: string, count: number): void {
  const client = cluster.database.client(`writer-${prefix}`);
  let done = 0;
  for (let i = 0; i < count; i++) client.put(`${prefix}-${i}`, String(i), () => done++);
  sim.runUntil(() => done === count, { withinMs: 10_000, waitingFor: `${count} writes of ${prefix}` });
}

function leaderStatus(cluster: PhantomCluster) {
  const leader = cluster.database.leaderOf(SHARD)!;
  return cluster.database.replica(SHARD, leader)!.status();
}

/** A follower crashes, its removal commits, the group moves on, and it restarts with its old copy. */
function strayCopyOnRestartedNode(seed: number) {
  const { sim, cluster } = startStore(seed);
  const database = cluster.database;
  writeKeys(sim, cluster, 'before', 10);
  const leader = database.leaderOf(SHARD)!;
  const follower = leaderStatus(cluster).config.voters.find((node) => node !== leader)!;
  sim.node(follower).crash();
  assert.equal(database.changeMembership(SHARD, { type: 'remove', node: follower }).ok, true);
  sim.runUntil(() => { const status = leaderStatus(cluster); return !status.config.voters.includes(follower) && status.commitIndex >= status.configIndex; }, { withinMs: 5000, waitingFor: `the removal of ${follower}` });
  // A new term after the removal: the copy's term (and its tombstone's) is then behind the leader's.
  const other = leaderStatus(cluster).config.voters.find((node) => node !== leader)!;
  database.replica(SHARD, leader)!.transferLeadership(other);
  sim.runUntil(() => database.currentLeaderOf(SHARD) === other, { withinMs: 5000, waitingFor: `${other} to lead ${SHARD}` });
  writeKeys(sim, cluster, 'after', 10);
  sim.node(follower).restart();
  sim.runFor(50);
  const stray = database.replica(SHARD, follower);
  assert.ok(stray !== undefined, `${follower} restarted without its old copy of ${SHARD}`);
  return { sim, cluster, follower, stray };
}

describe('a node added back to a group gets a new replica, never the copy it kept from before its removal', () => {
  test('the old copy is deleted and the new replica starts empty, in the leader\'s term, and catches up', () => {
    const { sim, cluster, follower, stray } = strayCopyOnRestartedNode(3);
    const database = cluster.database;
    const oldLastIndex = stray.status().lastIndex;
    assert.ok(oldLastIndex > 0, 'the old copy holds a log');
    const leaderTerm = leaderStatus(cluster).term;
    assert.ok(stray.status().term < leaderTerm, `the old copy is in term ${stray.status().term}, the leader in ${leaderTerm}`);
    assert.equal(database.changeMembership(SHARD, { type: 'add-learner', node: follower }).ok, true);
    const added = database.replica(SHARD, follower)!;
    assert.notEqual(added, stray, `${follower} reused its copy from before its removal (last index ${oldLastIndex})`);
    assert.deepEqual({ lastIndex: added.status().lastIndex, term: added.status().term }, { lastIndex: 0, term: leaderTerm });
    sim.runUntil(() => added.status().lastIndex >= leaderStatus(cluster).commitIndex, { withinMs: 5000, waitingFor: `${follower}'s new replica to catch up` });
    assert.ok(leaderStatus(cluster).config.learners.includes(follower));
  });

  test('a member\'s replica is kept when its addition is asked again (a retried step)', () => {
    const { sim, cluster, follower } = strayCopyOnRestartedNode(4);
    const database = cluster.database;
    assert.equal(database.changeMembership(SHARD, { type: 'add-learner', node: follower }).ok, true);
    sim.runUntil(() => { const status = leaderStatus(cluster); return status.config.learners.includes(follower) && status.commitIndex >= status.configIndex; }, { withinMs: 5000, waitingFor: `${follower} to be a learner` });
    const learner = database.replica(SHARD, follower)!;
    database.openJoiningReplica(SHARD, follower);
    assert.equal(database.replica(SHARD, follower), learner, 'a learner of the committed configuration lost its replica');
  });

  test('a removed copy that knows a later term hides neither the group\'s leader nor its configuration, and is still replaced', () => {
    const { sim, cluster, follower, stray } = strayCopyOnRestartedNode(5);
    const database = cluster.database;
    const leader = database.currentLeaderOf(SHARD)!;
    const term = leaderStatus(cluster).term;
    // A vote request of a later term (a campaign nobody answered) raises the copy's term; the
    // group, which removed it, never hears of it.
    stray.step({ type: 'raft.vote-request', from: leader, to: follower, term: term + 3, lastLogIndex: 0, lastLogTerm: 0, leadershipTransfer: false });
    assert.equal(stray.status().term, term + 3);
    assert.equal(database.currentLeaderOf(SHARD), leader, `a removed copy in term ${term + 3} hid the leader of term ${term}`);
    assert.equal(database.changeMembership(SHARD, { type: 'add-learner', node: follower }).ok, true);
    const added = database.replica(SHARD, follower)!;
    assert.notEqual(added, stray, `${follower} reused its copy in term ${term + 3}`);
    assert.equal(added.status().term, term + 3, 'the new replica starts in the later term its node kept (its tombstone)');
    sim.runUntil(() => added.status().lastIndex > 0 && added.status().lastIndex >= (database.currentLeaderOf(SHARD) === undefined ? Infinity : leaderStatus(cluster).commitIndex), { withinMs: 5000, waitingFor: `${follower}'s new replica to catch up` });
  });

  test('a replica opened for a join and then asked for again (the mover opens it, then asks for the change) is kept, not made twice', () => {
    const { sim, cluster } = startStore(9);
    const database = cluster.database;
    writeKeys(sim, cluster, 'first', 1); // the leader commits in its own term before any change (Ongaro 2015)
    const node = ['node-1', 'node-2', 'node-3', 'node-4'].find((id) => !leaderStatus(cluster).config.voters.includes(id))!;
    assert.equal(database.openJoiningReplica(SHARD, node), true);
    const opened = database.replica(SHARD, node);
    const result = database.changeMembership(SHARD, { type: 'add-learner', node });
    assert.equal(result.ok, true, JSON.stringify(result));
    assert.equal(database.replica(SHARD, node), opened, `${node}'s empty replica was deleted and made again`);
  });

  test('an empty replica opened in an earlier term is made again in the current one', () => {
    const { sim, cluster } = startStore(10);
    const database = cluster.database;
    writeKeys(sim, cluster, 'first', 1);
    const voters = leaderStatus(cluster).config.voters;
    const node = ['node-1', 'node-2', 'node-3', 'node-4'].find((id) => !voters.includes(id))!;
    database.openJoiningReplica(SHARD, node);
    const opened = database.replica(SHARD, node)!;
    const leader = database.currentLeaderOf(SHARD)!;
    database.replica(SHARD, leader)!.transferLeadership(voters.find((id) => id !== leader)!);
    sim.runUntil(() => database.currentLeaderOf(SHARD) !== undefined && database.currentLeaderOf(SHARD) !== leader, { withinMs: 5000, waitingFor: 'a new leader' });
    assert.ok(opened.status().term < leaderStatus(cluster).term, 'the empty replica heard of the new term');
    database.openJoiningReplica(SHARD, node);
    assert.notEqual(database.replica(SHARD, node), opened, 'an empty replica of an earlier term was kept: a deposed leader could still write to it');
    assert.equal(database.replica(SHARD, node)!.status().term, leaderStatus(cluster).term);
  });

  test('a replica whose removal has not committed yet is never deleted: a leader elected from a log without the removal still counts it a voter', () => {
    const { sim, cluster } = startStore(8);
    const database = cluster.database;
    writeKeys(sim, cluster, 'before', 5);
    const leader = database.currentLeaderOf(SHARD)!;
    const removed = leaderStatus(cluster).config.voters.find((node) => node !== leader)!;
    // Asked again at once, before any message of the removal went out: the leader already
    // uses the new configuration (and its voters still follow it), but it has not committed.
    assert.equal(database.changeMembership(SHARD, { type: 'remove', node: removed }).ok, true);
    const status = leaderStatus(cluster);
    assert.ok(!status.config.voters.includes(removed) && status.commitIndex < status.configIndex, 'the removal is pending');
    assert.equal(database.currentLeaderOf(SHARD), leader);
    const copy = database.replica(SHARD, removed);
    const again = database.changeMembership(SHARD, { type: 'add-learner', node: removed });
    assert.deepEqual({ ok: again.ok, reason: again.ok ? undefined : again.reason }, { ok: false, reason: 'config-change-pending' });
    assert.equal(database.replica(SHARD, removed), copy, `${removed}'s replica was deleted before its removal committed`);
  });

  test('a node that is not running is not added: it could not replace its old copy, and would come back with it', () => {
    const { sim, cluster, follower, stray } = strayCopyOnRestartedNode(6);
    const database = cluster.database;
    sim.node(follower).pause();
    const refused = database.changeMembership(SHARD, { type: 'add-learner', node: follower });
    assert.deepEqual({ ok: refused.ok, reason: refused.ok ? undefined : refused.reason }, { ok: false, reason: 'node-not-running' });
    assert.ok(!leaderStatus(cluster).config.learners.includes(follower), 'the leader added a node that is paused');
    sim.node(follower).resume();
    assert.equal(database.changeMembership(SHARD, { type: 'add-learner', node: follower }).ok, true);
    assert.notEqual(database.replica(SHARD, follower), stray);
  });
});

describe('the group\'s current leader (ShardedDatabase.currentLeaderOf)', () => {
  test('a leader whose voters moved on to a later term is not the current leader, though it still holds the role', () => {
    const { cluster } = startStore(7);
    const database = cluster.database;
    const leader = database.currentLeaderOf(SHARD)!;
    const status = leaderStatus(cluster);
    const followers = status.config.voters.filter((node) => node !== leader);
    // The followers hear a campaign of a later term (a leadership transfer's, which their
    // leader lease does not hold back); their leader has not yet heard of it.
    for (const node of followers) {
      const candidate = followers.find((other) => other !== node)!;
      database.replica(SHARD, node)!.step({ type: 'raft.vote-request', from: candidate, to: node, term: status.term + 1, lastLogIndex: 0, lastLogTerm: 0, leadershipTransfer: true });
      assert.equal(database.replica(SHARD, node)!.status().term, status.term + 1);
    }
    assert.equal(database.leaderOf(SHARD), leader, 'the deposed leader still holds its role');
    assert.equal(database.currentLeaderOf(SHARD), undefined, `the leader of term ${status.term} is current though its voters are in term ${status.term + 1}`);
    const refused = database.changeMembership(SHARD, { type: 'add-learner', node: 'node-4' });
    assert.deepEqual({ ok: refused.ok, reason: refused.ok ? undefined : refused.reason }, { ok: false, reason: 'not-leader' });
  });
});

describe('a node removed and added back within one leader\'s term: the removed replica\'s late messages are not the new one\'s', () => {
  // Rebalancing soak seed 7314: the removed replica's acknowledgements (it had been paused)
  // reached the leader after the node was added back as a learner, in the same term, and the
  // leader credited them to the new, empty replica: a match index past its log. The leader then
  // took the learner's refusals for stale ones and capped its heartbeats' commit at that match
  // (which a replica below its join index drops): the learner never caught up and the move
  // neither finished nor rolled back. Each replica's envelopes carry its number (its join
  // index), and the leader drops those of a replica it removed in its term (CockroachDB's
  // replica tombstone RFC, cockroach PR #1865: a replica ID in every Raft message, and
  // messages from a removed replica rejected).
  test('a late acknowledgement of the removed replica is dropped, and the new learner catches up', () => {
    const { sim, cluster } = startStore(11);
    const database = cluster.database;
    writeKeys(sim, cluster, 'before', 20);
    const leader = database.currentLeaderOf(SHARD)!;
    const term = leaderStatus(cluster).term;
    const follower = leaderStatus(cluster).config.voters.find((node) => node !== leader)!;
    const oldLastIndex = database.replica(SHARD, follower)!.status().lastIndex;
    assert.ok(oldLastIndex > 10, `the follower holds a log (last index ${oldLastIndex})`);
    assert.equal(database.changeMembership(SHARD, { type: 'remove', node: follower }).ok, true);
    sim.runUntil(() => { const status = leaderStatus(cluster); return !status.config.voters.includes(follower) && status.commitIndex >= status.configIndex; }, { withinMs: 5000, waitingFor: `the removal of ${follower}` });
    assert.equal(database.deleteReplica(follower, SHARD), true);
    assert.equal(database.changeMembership(SHARD, { type: 'add-learner', node: follower }).ok, true);
    const added = database.replica(SHARD, follower)!;
    assert.equal(added.status().lastIndex, 0);
    assert.equal(leaderStatus(cluster).term, term, 'the leader is the one that removed the replica');
    // What the removed replica (replica number 0: the group was created with it) sent before
    // its removal, arriving now.
    database.raftOn(leader)!.onMessage(follower, {
      type: 'raft.append-response', groupId: SHARD, replica: 0,
      message: { from: follower, to: leader, type: 'raft.append-response', term, success: true, matchIndex: oldLastIndex, rejectedIndex: 0, conflictIndex: 0, conflictTerm: null },
    } as never);
    const progress = leaderStatus(cluster).progress![follower];
    assert.ok(progress.matchIndex <= added.status().lastIndex, `the leader credited the removed replica's match ${progress.matchIndex} to the new one (last index ${added.status().lastIndex})`);
    writeKeys(sim, cluster, 'after', 5);
    sim.runUntil(() => added.status().lastIndex >= leaderStatus(cluster).commitIndex, { withinMs: 5000, waitingFor: `${follower}'s new replica to catch up (leader's progress ${JSON.stringify(leaderStatus(cluster).progress![follower])})` });
  });
});
