/**
 * Quiescence of idle groups in the pure core. References: CockroachDB's range quiescence
 * (pkg/kv/kvserver/replica_raft_quiesce.go: a leader whose followers are caught up and
 * that has nothing pending sends a final heartbeat and stops ticking; followers stop
 * their election timers; any traffic unquiesces) and TiKV's hibernate regions. Failure
 * detection of quiesced groups comes from the host's membership (`reportPeerSuspected`).
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { newNetwork } from './harness';

const IDLE_TICKS = 6;
const ELECTION_TICKS = 10;

function quietGroup(seed = 1): { network: ReturnType<typeof newNetwork>; leader: string; ids: string[] } {
  const ids = ['n1', 'n2', 'n3'];
  const network = newNetwork(ids, { seed, preVote: true, checkQuorum: true, electionTicks: ELECTION_TICKS, heartbeatTicks: 1, quiesceAfterIdleTicks: IDLE_TICKS });
  const leader = network.stabilize();
  network.propose(leader, 'x');
  network.tickAll(IDLE_TICKS + ELECTION_TICKS + 2);
  return { network, leader, ids };
}

describe('quiescence of idle groups (CockroachDB range quiescence, TiKV hibernate regions)', () => {
  test('an idle leader whose followers hold every entry quiesces, and so do its followers', () => {
    const { network, ids } = quietGroup();
    for (const id of ids) assert.equal(network.status(id).quiesced, true, `${id} is quiesced`);
    network.resetCounts();
    network.tickAll(10 * ELECTION_TICKS);
    assert.equal(network.count('raft.heartbeat'), 0, 'a quiesced leader sends no heartbeat');
    assert.equal(network.count('raft.pre-vote-request') + network.count('raft.vote-request'), 0, 'quiesced followers never time out');
  });

  test('the final heartbeat carries the commit index, so every follower has committed everything', () => {
    const { network, ids, leader } = quietGroup(2);
    const lastIndex = network.status(leader).lastIndex;
    for (const id of ids) assert.equal(network.status(id).commitIndex, lastIndex, `${id} committed through ${lastIndex}`);
  });

  test('a leader with a lagging follower does not quiesce (CockroachDB: all followers caught up)', () => {
    const ids = ['n1', 'n2', 'n3'];
    const network = newNetwork(ids, { seed: 3, preVote: true, checkQuorum: true, electionTicks: ELECTION_TICKS, heartbeatTicks: 1, quiesceAfterIdleTicks: IDLE_TICKS });
    const leader = network.stabilize();
    const lagging = ids.find((id) => id !== leader)!;
    // Heartbeats (and their answers) get through, appends to the lagging follower do not:
    // it is responsive, but lacks an entry.
    network.intercept((message) => !(message.type === 'raft.append' && message.to === lagging));
    network.propose(leader, 'while appends are lost');
    network.tickAll(IDLE_TICKS * 4);
    assert.ok(network.status(lagging).lastIndex < network.status(leader).lastIndex, `${lagging} lags`);
    assert.equal(network.status(leader).quiesced, false, `${leader} must keep heartbeating while ${lagging} lacks an entry`);
    network.recover();
    network.tickAll(IDLE_TICKS + ELECTION_TICKS + 2);
    assert.equal(network.status(lagging).lastIndex, network.status(leader).lastIndex, `${lagging} caught up`);
    assert.equal(network.status(leader).quiesced, true, 'once caught up the group quiesces');
  });

  test('a quiesced follower asked to campaign (etcd Campaign) wakes and runs its election', () => {
    const { network, leader, ids } = quietGroup(6);
    const follower = ids.find((id) => id !== leader)!;
    assert.equal(network.status(follower).quiesced, true);
    network.raft(follower).campaign();
    assert.equal(network.status(follower).quiesced, false, `${follower} is awake while it campaigns`);
    network.process(network.node(follower));
    network.tickAll(2 * ELECTION_TICKS + 2);
    assert.ok(network.leader() !== null, 'the group has a leader after the campaign');
  });

  test('a proposal wakes the quiesced leader, replicates and commits, then the group quiesces again', () => {
    const { network, leader, ids } = quietGroup(4);
    const result = network.propose(leader, 'wake up');
    assert.ok(result.ok);
    for (const id of ids) assert.equal(network.status(id).lastIndex, result.index, `${id} holds the new entry`);
    assert.equal(network.status(leader).quiesced, false);
    network.tickAll(IDLE_TICKS + ELECTION_TICKS + 2);
    for (const id of ids) {
      assert.equal(network.status(id).commitIndex, result.index, `${id} committed it`);
      assert.equal(network.status(id).quiesced, true, `${id} quiesced again`);
    }
  });

  test('a follower whose leader is suspected campaigns within an election timeout and a new leader is elected', () => {
    const { network, leader, ids } = quietGroup(5);
    network.crash(leader);
    network.tickAll(10 * ELECTION_TICKS);
    assert.equal(network.leader(), null, 'no failure is noticed without the failure detector');
    for (const id of ids) if (id !== leader) network.raft(id).reportPeerSuspected(leader);
    for (const id of ids) if (id !== leader) network.process(network.node(id));
    network.tickAll(2 * ELECTION_TICKS + 2);
    const newLeader = network.leader();
    assert.ok(newLeader !== null && newLeader !== leader, `a new leader replaced ${leader}`);
  });

  test('a suspicion of a live leader does not depose it: the woken leader heartbeats again', () => {
    const { network, leader, ids } = quietGroup(6);
    const term = network.status(leader).term;
    const follower = ids.find((id) => id !== leader)!;
    network.raft(follower).reportPeerSuspected(leader);
    network.process(network.node(follower));
    assert.equal(network.status(leader).quiesced, false, 'the follower asked its leader to wake');
    network.tickAll(3 * ELECTION_TICKS);
    assert.equal(network.leader(), leader);
    assert.equal(network.status(leader).term, term, 'no election happened');
  });

  test('a quiesced leader that suspects a follower wakes, and check-quorum deposes it once cut off (thesis §6.2)', () => {
    const { network, leader, ids } = quietGroup(7);
    for (const id of ids) if (id !== leader) network.cut(leader, id);
    network.raft(leader).reportPeerSuspected(ids.find((id) => id !== leader)!);
    network.process(network.node(leader));
    assert.equal(network.status(leader).quiesced, false);
    network.tickAll(2 * ELECTION_TICKS + 1);
    assert.notEqual(network.status(leader).role, 'leader', `${leader} stepped down without a quorum`);
  });

  test('a restarted follower that campaigns wakes the group and learns the leader instead of deposing it', () => {
    const { network, leader, ids } = quietGroup(8);
    const term = network.status(leader).term;
    const follower = ids.find((id) => id !== leader)!;
    network.crash(follower);
    network.restart(follower);
    network.tickAll(3 * ELECTION_TICKS);
    assert.equal(network.leader(), leader);
    assert.equal(network.status(follower).leader, leader, `${follower} follows ${leader} again`);
    assert.equal(network.status(leader).term, term);
  });
});
