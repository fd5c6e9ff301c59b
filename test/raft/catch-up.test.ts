import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { CatchUpRounds } from '../../src/raft/catch-up';
import type { RaftMessage } from '../../src/raft/types';
import { newNetwork } from './harness';

const ELECTION_TICKS = 10;

describe('catch-up rounds before a learner becomes a voter (thesis §4.2.1)', () => {
  test('thesis §4.2.1 a round replicates what the leader held when it began; one shorter than an election timeout catches the learner up', () => {
    const rounds = new CatchUpRounds(10);
    rounds.observe(0, 100, 0, ELECTION_TICKS); // round 1 begins: the learner must reach 100
    rounds.observe(60, 130, 30, ELECTION_TICKS);
    assert.equal(rounds.status(30, ELECTION_TICKS).state, 'catching-up');
    rounds.observe(100, 140, 40, ELECTION_TICKS); // round 1 took 40 ticks: slow; round 2 must reach 140
    assert.deepEqual(rounds.status(40, ELECTION_TICKS), { state: 'catching-up', slowRounds: 1, maxRounds: 10, lastRoundTicks: 40 });
    rounds.observe(140, 145, 46, ELECTION_TICKS); // round 2 took 6 ticks: the learner is close enough
    assert.deepEqual(rounds.status(46, ELECTION_TICKS), { state: 'caught-up', slowRounds: 0, maxRounds: 10, lastRoundTicks: 6 });
    assert.equal(rounds.isCaughtUp(46, ELECTION_TICKS), true);
  });

  test('thesis §4.2.1 caught up means holding every entry the leader held less than an election timeout ago', () => {
    const rounds = new CatchUpRounds(10);
    rounds.observe(0, 5, 0, ELECTION_TICKS); // round 1 from tick 0 must reach 5
    rounds.observe(5, 8, 3, ELECTION_TICKS); // it did in 3 ticks; round 2 must reach 8
    assert.equal(rounds.isCaughtUp(9, ELECTION_TICKS), true, 'at tick 9 it holds what the leader held at tick 0');
    assert.equal(rounds.isCaughtUp(10, ELECTION_TICKS), false, 'at tick 10 that is an election timeout ago (it fell silent)');
    rounds.observe(8, 8, 11, ELECTION_TICKS); // round 2 ends; nothing outstanding
    assert.equal(rounds.isCaughtUp(11, ELECTION_TICKS), true);
  });

  test('thesis §4.2.1 an idle learner holding every entry is caught up without a round', () => {
    const rounds = new CatchUpRounds(10);
    rounds.observe(7, 7, 0, ELECTION_TICKS);
    assert.equal(rounds.status(0, ELECTION_TICKS).state, 'caught-up');
  });

  test('thesis §4.2.1 after the bounded number of rounds, each longer than an election timeout, catching up is aborted for good', () => {
    const rounds = new CatchUpRounds(3);
    let match = 0;
    let last = 100;
    let tick = 0;
    rounds.observe(match, last, tick, ELECTION_TICKS);
    for (let round = 1; round <= 3; round++) {
      tick += 20;
      match = last;
      last += 50;
      rounds.observe(match, last, tick, ELECTION_TICKS);
      assert.equal(rounds.status(tick, ELECTION_TICKS).slowRounds, round);
    }
    assert.deepEqual(rounds.status(tick, ELECTION_TICKS), { state: 'aborted', slowRounds: 3, maxRounds: 3, lastRoundTicks: 20 });
    // Even a later quick round does not undo the abort.
    rounds.observe(last, last, tick + 1, ELECTION_TICKS);
    assert.equal(rounds.status(tick + 1, ELECTION_TICKS).state, 'aborted');
  });

  test('thesis §4.2.1 a bound on rounds that is not a positive whole number is refused', () => {
    assert.throws(() => new CatchUpRounds(0), /catch-up rounds must be a positive whole number, got 0/);
  });
});

/**
 * Messages to and from `learner` arrive `delayTicks` ticks late (a learner a wide-area
 * round trip away); everything else is instant.
 */
function farLearner(network: ReturnType<typeof newNetwork>, learner: string, delayTicks: number): { tick(): void } {
  let now = 0;
  const delayed: { readonly at: number; readonly message: RaftMessage }[] = [];
  const released = new WeakSet<RaftMessage>();
  network.intercept((message) => {
    if ((message.to !== learner && message.from !== learner) || released.has(message)) return true;
    delayed.push({ at: now + delayTicks, message });
    return false;
  });
  return {
    tick() {
      now++;
      network.tickAll();
      const due = delayed.filter((entry) => entry.at <= now);
      delayed.splice(0, due.length);
      for (const entry of due) released.add(entry.message);
      network.send(due.map((entry) => entry.message));
    },
  };
}

/** A leader n1 taking a proposal every tick, with learner n4 `delayTicks` away each way. */
function underContinuousWrites(delayTicks: number): { network: ReturnType<typeof newNetwork>; step(): void } {
  const network = newNetwork(['n1', 'n2', 'n3'], { learners: ['n4'], electionTicks: ELECTION_TICKS, heartbeatTicks: 1, preVote: true, checkQuorum: true });
  const far = farLearner(network, 'n4', delayTicks);
  network.campaign('n1');
  let value = 0;
  return {
    network,
    step() {
      network.propose('n1', value++);
      far.tick();
    },
  };
}

describe('promotion under continuous writes (thesis §4.2.1)', () => {
  test('thesis §4.2.1 a learner a round trip of 4 ticks away, under a write every tick, is promoted within 3 rounds though it never equals the commit index', () => {
    const { network, step } = underContinuousWrites(2);
    let promotedAt: number | null = null;
    for (let tick = 1; tick <= 30 && promotedAt === null; tick++) {
      step();
      const leader = network.status('n1');
      const learner = leader.progress!.n4;
      assert.ok(learner.matchIndex < leader.commitIndex, `tick ${tick}: the learner (match ${learner.matchIndex}) is behind the commit index ${leader.commitIndex}, so waiting for equality would never promote it`);
      const result = network.proposeConfigChange('n1', { type: 'promote', node: 'n4' });
      if (result.ok) promotedAt = tick;
      else assert.equal(result.reason, 'learner-not-caught-up');
    }
    assert.notEqual(promotedAt, null, 'promoted within 30 ticks (3 election timeouts)');
    for (let tick = 0; tick < 20; tick++) step();
    for (const id of ['n1', 'n2', 'n3', 'n4']) assert.deepEqual(network.status(id).config.voters, ['n1', 'n2', 'n3', 'n4'], `${id} sees n4 as a voter`);
    assert.equal(network.status('n1').role, 'leader', 'the group kept its leader');
  });

  test('thesis §4.2.1 a learner too far away to finish a round within an election timeout is refused, then given up on after the bounded rounds', () => {
    const { network, step } = underContinuousWrites(6);
    const reasons = new Set<string>();
    for (let tick = 1; tick <= 400; tick++) {
      step();
      const result = network.proposeConfigChange('n1', { type: 'promote', node: 'n4' });
      assert.equal(result.ok, false, `tick ${tick}: a learner 12 ticks of round trip away is never promoted`);
      if (!result.ok) reasons.add(result.reason);
    }
    assert.deepEqual([...reasons].sort(), ['learner-catch-up-aborted', 'learner-not-caught-up']);
    const catchUp = network.status('n1').progress!.n4.catchUp!;
    assert.equal(catchUp.state, 'aborted');
    assert.equal(catchUp.slowRounds, 10);
    assert.ok(catchUp.lastRoundTicks! >= ELECTION_TICKS, `the last round took ${catchUp.lastRoundTicks} ticks`);
    assert.deepEqual(network.status('n1').config.learners, ['n4'], 'n4 stays a learner');
  });

  test('thesis §4.2.1 a new leader starts the rounds afresh: it knows nothing of the learner yet', () => {
    const network = newNetwork(['n1', 'n2', 'n3'], { learners: ['n4'], electionTicks: ELECTION_TICKS, heartbeatTicks: 1 });
    network.campaign('n1');
    network.tickAll(3);
    assert.equal(network.status('n1').progress!.n4.catchUp!.state, 'caught-up');
    network.isolate('n1');
    network.isolate('n4');
    network.campaign('n2');
    assert.equal(network.status('n2').role, 'leader');
    assert.equal(network.status('n2').progress!.n4.catchUp!.state, 'catching-up');
    assert.deepEqual(network.proposeConfigChange('n2', { type: 'promote', node: 'n4' }), { ok: false, reason: 'learner-not-caught-up', leaderHint: 'n2' });
  });
});
