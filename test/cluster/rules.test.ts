/**
 * Pure rules of the membership protocol, tested without a network: SWIM §4.2 precedence,
 * §4.1 dissemination bounds, Lifeguard suspicion timeouts, and the seed's admission rules.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BroadcastQueue } from '../../src/cluster/broadcast-queue';
import { decideAdmission } from '../../src/cluster/join-admission';
import type { JoinRequest } from '../../src/cluster/messages';
import { DEFAULT_MEMBERSHIP_TUNING, resolveTuning, retransmitLimit, suspicionMinimumMs, suspicionTimeoutMs } from '../../src/cluster/options';
import { supersedes } from '../../src/cluster/precedence';
import type { MemberState, MemberUpdate } from '../../src/cluster/types';

const metadata = { region: 'r', zone: 'z', capacity: 1 };
const update = (memberId: string, state: MemberState, incarnation: number, instanceId = 'i1'): MemberUpdate => ({
  memberId,
  state,
  incarnation,
  instanceId,
  metadata,
});
const at = (state: MemberState, incarnation: number) => ({ state, incarnation });

describe('SWIM §4.2 precedence of membership updates', () => {
  it('alive overrides only with a strictly higher incarnation', () => {
    assert.equal(supersedes(at('alive', 2), at('alive', 1)), true);
    assert.equal(supersedes(at('alive', 1), at('alive', 1)), false);
    assert.equal(supersedes(at('alive', 2), at('suspect', 1)), true);
    assert.equal(supersedes(at('alive', 1), at('suspect', 1)), false, 'suspicion at i is refuted only by alive at > i');
    assert.equal(supersedes(at('alive', 3), at('dead', 2)), true, 'a restart above the verdict comes back');
    assert.equal(supersedes(at('alive', 2), at('dead', 2)), false);
    assert.equal(supersedes(at('alive', 3), at('left', 2)), true);
  });

  it('suspect overrides alive at the same incarnation and suspect only at a higher one', () => {
    assert.equal(supersedes(at('suspect', 1), at('alive', 1)), true);
    assert.equal(supersedes(at('suspect', 0), at('alive', 1)), false, 'stale suspicion changes nothing');
    assert.equal(supersedes(at('suspect', 2), at('suspect', 1)), true);
    assert.equal(supersedes(at('suspect', 1), at('suspect', 1)), false);
    assert.equal(supersedes(at('suspect', 5), at('dead', 1)), false, 'only alive can bring back the dead');
  });

  it('dead (confirm) overrides alive and suspect at the same or higher incarnation, never stale', () => {
    assert.equal(supersedes(at('dead', 1), at('alive', 1)), true);
    assert.equal(supersedes(at('dead', 1), at('suspect', 1)), true);
    assert.equal(supersedes(at('dead', 0), at('alive', 1)), false);
    assert.equal(supersedes(at('dead', 1), at('left', 1)), false, 'a goodbye is not turned into a failure');
  });

  it('left overrides alive, suspect and dead at the same or higher incarnation', () => {
    assert.equal(supersedes(at('left', 1), at('alive', 1)), true);
    assert.equal(supersedes(at('left', 1), at('dead', 1)), true);
    assert.equal(supersedes(at('left', 0), at('alive', 1)), false);
  });

  it('anything about an unknown member is news', () => {
    for (const state of ['alive', 'suspect', 'dead', 'left'] as const) assert.equal(supersedes(at(state, 0), undefined), true);
  });
});

describe('SWIM §4.1 dissemination queue', () => {
  it('sends each update at most λ·log(n) times, least-sent first, bounded per message', () => {
    const limit = retransmitLimit(DEFAULT_MEMBERSHIP_TUNING, 10);
    assert.equal(limit, 4 * 2, 'λ = 4, ceil(log10(11)) = 2');
    const queue = new BroadcastQueue();
    for (let index = 0; index < 5; index++) queue.enqueue(update(`m${index}`, 'alive', 0));
    const first = queue.take(3, limit);
    assert.equal(first.length, 3, 'bounded piggyback per message');
    const second = queue.take(3, limit);
    assert.deepEqual(second.slice(0, 2).map((item) => item.memberId).sort(), ['m0', 'm1'], 'the two never-sent updates go first');
    let sends = 0;
    while (queue.pendingCount > 0) sends += queue.take(3, limit).length;
    assert.equal(sends + first.length + second.length, 5 * limit, 'every update is sent exactly `limit` times');
  });

  it('a newer update about a member replaces the queued one', () => {
    const queue = new BroadcastQueue();
    queue.enqueue(update('m1', 'alive', 0));
    queue.enqueue(update('m1', 'suspect', 0));
    assert.equal(queue.pendingCount, 1);
    const sent = queue.take(10, 4);
    assert.deepEqual(sent.map((item) => item.state), ['suspect']);
  });

  it('skips the excluded member, keeping its update for a later message', () => {
    const queue = new BroadcastQueue();
    queue.enqueue(update('m1', 'suspect', 0));
    queue.enqueue(update('m2', 'alive', 0));
    assert.deepEqual(queue.take(10, 4, 'm1').map((item) => item.memberId), ['m2']);
    assert.deepEqual(queue.take(10, 4).map((item) => item.memberId), ['m1', 'm2']);
  });
});

describe('Lifeguard suspicion timeout (Dadgar et al. 2018 §IV-B), scaled by log10(n) as in memberlist', () => {
  const tuning = DEFAULT_MEMBERSHIP_TUNING;
  it('grows with log(cluster size)', () => {
    assert.equal(suspicionMinimumMs(tuning, 10), 4 * 1 * 500);
    assert.equal(suspicionMinimumMs(tuning, 100), 4 * 2 * 500);
    assert.equal(suspicionMinimumMs(tuning, 3), 4 * 1 * 500, 'never below one multiple');
  });
  it('starts at the maximum for a lone suspecter and falls to the minimum with confirmations', () => {
    const minimum = suspicionMinimumMs(tuning, 10);
    assert.equal(suspicionTimeoutMs(tuning, 10, 0), minimum * tuning.suspicionMaxMultiplier);
    assert.ok(suspicionTimeoutMs(tuning, 10, 1) < suspicionTimeoutMs(tuning, 10, 0));
    assert.equal(suspicionTimeoutMs(tuning, 10, tuning.suspicionConfirmationsExpected), minimum);
  });
  it('rejects inconsistent tuning', () => {
    assert.throws(() => resolveTuning({ probeTimeoutMs: 600 }), /shorter than probeIntervalMs/);
    assert.throws(() => resolveTuning({ gossipFanout: -1 }), />= 0/);
  });
});

describe('join admission at the seed (discovery and registration)', () => {
  const credentials = { clusterName: 'phantom', joinToken: 'token' };
  const request = (overrides: Partial<JoinRequest> = {}): JoinRequest => ({
    type: 'join.request',
    clusterName: 'phantom',
    joinToken: 'token',
    instanceId: 'new-process',
    incarnation: 0,
    restarted: false,
    metadata,
    ...overrides,
  });

  it('admits a newcomer at its own incarnation', () => {
    assert.deepEqual(decideAdmission('n1', request(), credentials, undefined), { admitted: true, incarnation: 0 });
  });
  it('rejects a wrong cluster name before looking at the token', () => {
    const decision = decideAdmission('n1', request({ clusterName: 'other', joinToken: 'bad' }), credentials, undefined);
    assert.equal(decision.admitted, false);
    assert.equal(!decision.admitted && decision.reason, 'wrong-cluster');
  });
  it('rejects a wrong token', () => {
    const decision = decideAdmission('n1', request({ joinToken: 'bad' }), credentials, undefined);
    assert.equal(!decision.admitted && decision.reason, 'wrong-token');
  });
  it('rejects a second process with the id of a live member and no disk history', () => {
    const decision = decideAdmission('n1', request(), credentials, update('n1', 'alive', 0, 'old-process'));
    assert.equal(!decision.admitted && decision.reason, 'duplicate-id');
    assert.match(!decision.admitted ? decision.text : '', /already alive/);
  });
  it('admits a restart of a live member: same id, higher incarnation from its disk', () => {
    const decision = decideAdmission('n1', request({ restarted: true, incarnation: 3 }), credentials, update('n1', 'suspect', 2, 'old'));
    assert.deepEqual(decision, { admitted: true, incarnation: 3 });
  });
  it('admits a newcomer reusing a dead id above the dead incarnation', () => {
    assert.deepEqual(decideAdmission('n1', request(), credentials, update('n1', 'dead', 4, 'old')), { admitted: true, incarnation: 5 });
  });
});
