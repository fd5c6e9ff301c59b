import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { RaftNode } from '../../src/raft/raft-node';
import { timingForRoundTrip, type TimingRule } from '../../src/raft/timing';
import type { RaftMessage } from '../../src/raft/types';
import { newNetwork } from './harness';

/** The single-region tuning (src/runtime/raft-host.ts): 10 ms ticks, 150 ms election timeout, 30 ms heartbeat. */
const rule: TimingRule = { tickMs: 10, floor: { electionTicks: 15, heartbeatTicks: 3 }, electionRoundTrips: 10, heartbeatRoundTrips: 1 };

describe('timing derived from the voters\' round trip (Raft §5.6: broadcastTime ≪ electionTimeout ≪ MTBF)', () => {
  test('§5.6 voters inside one region keep the single-region tuning (the floor)', () => {
    assert.deepEqual(timingForRoundTrip(0, rule), { electionTicks: 15, heartbeatTicks: 3 });
    assert.deepEqual(timingForRoundTrip(2, rule), { electionTicks: 15, heartbeatTicks: 3 });
  });

  test('§5.6 and etcd\'s tuning guide: election timeout ten round trips, heartbeat about one, in whole ticks rounded up', () => {
    // us-west and eu-west, 45 ms apart one way: a 90 ms round trip.
    assert.deepEqual(timingForRoundTrip(90, rule), { electionTicks: 90, heartbeatTicks: 9 });
    // 40 ms (us-east and us-west): 400 ms and 40 ms.
    assert.deepEqual(timingForRoundTrip(40, rule), { electionTicks: 40, heartbeatTicks: 4 });
    // 91 ms rounds up to the next tick.
    assert.deepEqual(timingForRoundTrip(91, rule), { electionTicks: 91, heartbeatTicks: 10 });
  });

  test('§5.6 the election timeout stays above three heartbeat intervals, so one lost heartbeat starts no election', () => {
    const timing = timingForRoundTrip(100, { ...rule, electionRoundTrips: 2, heartbeatRoundTrips: 1 });
    assert.deepEqual(timing, { electionTicks: 31, heartbeatTicks: 10 });
  });

  test('a round trip that is not a finite number of ms >= 0 is refused, naming the value', () => {
    assert.throws(() => timingForRoundTrip(-1, rule), /round trip must be a finite number of ms >= 0, got -1/);
    assert.throws(() => timingForRoundTrip(Number.NaN, rule), /got NaN/);
    assert.throws(() => timingForRoundTrip(10, { ...rule, floor: { electionTicks: 3, heartbeatTicks: 3 } }), /heartbeatTicks \(3\) < electionTicks \(3\)/);
  });

  test('§5.2 a retimed follower draws its election timeout from the new range [T, 2T)', () => {
    for (const draw of [0, 0.5, 0.999]) {
      const node = new RaftNode({ id: 'n1', peers: ['n1', 'n2', 'n3'], electionTicks: 15, heartbeatTicks: 3, random: () => draw, preVote: true, checkQuorum: true });
      node.retime({ electionTicks: 90, heartbeatTicks: 9 });
      assert.deepEqual(node.timing, { electionTicks: 90, heartbeatTicks: 9 });
      const expected = 90 + Math.floor(draw * 90);
      let ticks = 0;
      while (node.currentRole === 'follower' && ticks < 500) {
        node.tick();
        ticks++;
      }
      assert.equal(ticks, expected, `draw ${draw}: campaigns after ${expected} ticks`);
      assert.equal(node.currentRole, 'pre-candidate');
    }
  });

  test('§5.6 a retimed leader heartbeats at the new interval and keeps its lease with pre-vote and check-quorum', () => {
    const network = newNetwork(['n1', 'n2', 'n3'], { electionTicks: 10, heartbeatTicks: 1, preVote: true, checkQuorum: true });
    network.campaign('n1');
    for (const id of ['n1', 'n2', 'n3']) network.raft(id).retime({ electionTicks: 40, heartbeatTicks: 4 });
    network.resetCounts();
    network.tickAll(40);
    assert.equal(network.count('raft.heartbeat'), 2 * 10, 'one heartbeat per 4 ticks to each of two followers');
    assert.equal(network.status('n1').role, 'leader', 'check-quorum keeps the leader: its followers answer');
    // The vote lease follows the new timeout: 30 ticks after the leader went silent is not yet
    // an election timeout, so a follower ignores a pre-vote from the other one.
    network.isolate('n1');
    network.tickAll(30);
    assert.equal(network.leader(), 'n1');
    network.tickAll(60);
    const leader = network.leader();
    assert.ok(leader === 'n2' || leader === 'n3', `a new leader after 90 more ticks, got ${leader}`);
    assert.equal(network.status('n1').role, 'follower', 'check-quorum made n1 step down without its quorum');
  });

  test('retiming to an election timeout not above the heartbeat interval is refused', () => {
    const node = new RaftNode({ id: 'n1', peers: ['n1'], electionTicks: 15, heartbeatTicks: 3, random: () => 0, preVote: true, checkQuorum: true });
    assert.throws(() => node.retime({ electionTicks: 4, heartbeatTicks: 4 }), /electionTicks \(4\) must exceed heartbeatTicks \(4\)/);
  });
});

/** Runs every message in flight between live nodes (each Ready's messages after its advance) until none is left. */
function exchange(nodes: Map<string, RaftNode>, pending: RaftMessage[]): void {
  for (let delivered = 0; pending.length > 0; delivered++) {
    assert.ok(delivered < 1_000, 'the nodes kept talking');
    const message = pending.shift()!;
    const target = nodes.get(message.to);
    if (target === undefined) continue;
    target.step(message);
    while (target.hasReady()) {
      const ready = target.ready();
      pending.push(...ready.messages);
      target.advance(ready);
    }
  }
}

function outbox(node: RaftNode): RaftMessage[] {
  const messages: RaftMessage[] = [];
  while (node.hasReady()) {
    const ready = node.ready();
    messages.push(...ready.messages);
    node.advance(ready);
  }
  return messages;
}

describe('pre-vote collisions (thesis §9.6) do not split the vote', () => {
  test('thesis §9.6 two followers whose timers fire together: of the two pre-candidates only the lower id goes on, and it wins in one round', () => {
    // n3 (the old leader) is gone; n1 and n2 campaign at the same moment, so each one's
    // pre-vote request reaches the other while that one is a pre-candidate too.
    const nodes = new Map(['n1', 'n2'].map((id) => [id, new RaftNode({ id, peers: ['n1', 'n2', 'n3'], electionTicks: 10, heartbeatTicks: 1, random: () => 0, preVote: true, checkQuorum: true })]));
    const requests: RaftMessage[] = [];
    for (const node of nodes.values()) {
      node.campaign();
      requests.push(...outbox(node));
    }
    assert.deepEqual([...nodes.values()].map((node) => node.currentRole), ['pre-candidate', 'pre-candidate']);
    exchange(nodes, requests);
    assert.equal(nodes.get('n1')!.currentRole, 'leader', 'n1 won the only real election');
    assert.equal(nodes.get('n1')!.currentTerm, 1, 'in the first term asked for: no split vote, no second round');
    assert.equal(nodes.get('n2')!.knownLeader, 'n1');
  });

  test('thesis §9.6 a pre-candidate still grants a rival whose log is more up to date, whatever their ids', () => {
    const restored = { hardState: { term: 1, votedFor: null, commitIndex: 0 }, entries: [{ term: 1, index: 1, kind: 'noop' as const }] };
    // Both in term 1, so both ask for term 2; only n2 holds an entry.
    const n1 = new RaftNode({ id: 'n1', peers: ['n1', 'n2', 'n3'], electionTicks: 10, heartbeatTicks: 1, random: () => 0, preVote: true, checkQuorum: true }, { hardState: { term: 1, votedFor: null, commitIndex: 0 }, entries: [] });
    const n2 = new RaftNode({ id: 'n2', peers: ['n1', 'n2', 'n3'], electionTicks: 10, heartbeatTicks: 1, random: () => 0, preVote: true, checkQuorum: true }, restored);
    n1.campaign();
    n2.campaign();
    outbox(n1);
    const fromN2 = outbox(n2).filter((message) => message.to === 'n1');
    n1.step(fromN2[0]);
    const answer = outbox(n1).find((message) => message.to === 'n2');
    assert.equal(answer?.type, 'raft.pre-vote-response');
    assert.equal((answer as { granted: boolean }).granted, true, 'n2 holds an entry n1 lacks: n1 grants though its id is lower');
  });
});

describe('heartbeats aligned to the host\'s ticks (CockroachDB coalesced heartbeats: one message per node pair per tick)', () => {
  for (const firstHostTick of [1, 2, 3]) {
    test(`a leader heartbeats on the host ticks that are multiples of its interval, whenever it was elected (host ticks from ${firstHostTick})`, () => {
      const network = newNetwork(['n1', 'n2', 'n3'], { electionTicks: 10, heartbeatTicks: 3, preVote: true, checkQuorum: true });
      network.campaign('n1');
      const heartbeatTicks: number[] = [];
      for (let hostTick = firstHostTick; hostTick < firstHostTick + 15; hostTick++) {
        network.resetCounts();
        network.tickAllAt(hostTick);
        if (network.count('raft.heartbeat') > 0) heartbeatTicks.push(hostTick);
      }
      const expected = Array.from({ length: 15 }, (_, offset) => firstHostTick + offset).filter((tick) => tick % 3 === 0);
      assert.deepEqual(heartbeatTicks, expected);
      assert.equal(network.status('n1').role, 'leader');
    });
  }

  test('§5.2 two heartbeats are never more than an interval apart, before and after a retiming', () => {
    const network = newNetwork(['n1', 'n2', 'n3'], { electionTicks: 10, heartbeatTicks: 3, preVote: true, checkQuorum: true });
    network.campaign('n1');
    let hostTick = 0;
    let lastHeartbeat = 0;
    const gaps: number[] = [];
    const run = (ticks: number): void => {
      for (let tick = 0; tick < ticks; tick++) {
        network.resetCounts();
        network.tickAllAt(++hostTick);
        if (network.count('raft.heartbeat') > 0) {
          if (lastHeartbeat > 0) gaps.push(hostTick - lastHeartbeat);
          lastHeartbeat = hostTick;
        }
      }
    };
    run(20);
    const before = gaps.splice(0);
    for (const id of ['n1', 'n2', 'n3']) network.raft(id).retime({ electionTicks: 20, heartbeatTicks: 4 });
    run(20);
    assert.ok(before.length >= 5 && gaps.length >= 4, `${before.length} gaps before the retiming, ${gaps.length} after`);
    assert.ok(Math.max(...before) <= 3, `gaps between heartbeats at an interval of 3: ${before.join(', ')}`);
    assert.ok(Math.max(...gaps) <= 4, `gaps between heartbeats at an interval of 4 (the first one spans the retiming): ${gaps.join(', ')}`);
  });
});
