/*
 * A replica removed from its group and later created again on the same node.
 *
 * Raft's one vote per term (§5.2, Figure 2: currentTerm and votedFor are persistent
 * state) is a promise of the node, not of one copy of its data. Found by the rebalancing
 * soak, seed 7442: node-1 led shard-2 in term 5, was moved away (its replica and data
 * deleted), then moved back; the new empty replica, asked by node-2 (partitioned since
 * term 5, its configuration still naming node-1), granted its vote in term 5, and node-2
 * became a second leader of term 5. Two rules close it:
 *   - the removed replica's term and vote stay on disk as a tombstone, and a replica created
 *     there later starts from them (CockroachDB's range tombstone, TiKV's tombstone state);
 *   - a replica that knows no configuration yet (it has received neither a snapshot nor a
 *     log from a leader) votes for no one: its empty log makes every candidate look up to
 *     date, even one that lacks committed entries (seeds 7179, 7436: Leader Completeness).
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { RaftNode } from '../../src/raft/raft-node';
import type { RaftMessage, VoteRequestMessage } from '../../src/raft/types';
import { DEFAULT_RAFT_TUNING } from '../../src/runtime/raft-host';
import { RaftService } from '../../src/runtime/raft-service';
import { SimDisk } from '../../src/sim/disk';
import { ManualNodeEnv } from './manual-node-env';
import { stepAndCollect } from './harness';

function voteRequest(type: 'raft.vote-request' | 'raft.pre-vote-request', from: string, term: number, lastLogIndex = 0, lastLogTerm = 0): VoteRequestMessage {
  return { type, from, to: 'n1', term, lastLogIndex, lastLogTerm, leadershipTransfer: false };
}

function granted(messages: readonly RaftMessage[]): boolean | undefined {
  const answer = messages.find((message) => message.type === 'raft.vote-response' || message.type === 'raft.pre-vote-response');
  return answer === undefined ? undefined : (answer as { granted: boolean }).granted;
}

/** Node n1 hosting groups through a RaftService, on one disk, with everything it sends recorded. */
class Node1 {
  readonly disk = new SimDisk();
  readonly manual = new ManualNodeEnv();
  readonly service = new RaftService(this.manual.env(this.disk), {
    tuning: DEFAULT_RAFT_TUNING,
    createMachine: () => ({ apply: () => undefined, snapshot: () => null, restore: () => undefined }),
  });

  step(groupId: string, message: RaftMessage): void {
    this.service.onMessage(message.from, { type: message.type, groupId, message } as never);
    this.manual.advance(DEFAULT_RAFT_TUNING.fsyncLatencyMs + 1);
  }

  /** The last vote answer n1 sent to `to`. */
  lastVoteAnswerTo(to: string): boolean | undefined {
    const answers = this.manual.sent
      .filter((sent) => sent.to === to)
      .map((sent) => (sent.message as { message: RaftMessage }).message)
      .filter((message) => message.type === 'raft.vote-response');
    return granted(answers.slice(-1));
  }
}

describe('a replica that knows no configuration does not vote (§5.2, §5.4.1)', () => {
  for (const type of ['raft.vote-request', 'raft.pre-vote-request'] as const) {
    test(`an empty replica being added refuses a ${type === 'raft.vote-request' ? 'vote' : 'pre-vote'} from any candidate`, () => {
      const raft = new RaftNode({ id: 'n1', config: { voters: [], learners: [] }, electionTicks: 10, heartbeatTicks: 1, random: () => 0.5, preVote: true, checkQuorum: true });
      assert.equal(granted(stepAndCollect(raft, voteRequest(type, 'n2', 5))), false);
    });
  }

  test('a bootstrapped replica with an empty log still votes (the group\'s first election)', () => {
    const raft = new RaftNode({ id: 'n1', config: { voters: ['n1', 'n2', 'n3'], learners: [] }, electionTicks: 10, heartbeatTicks: 1, random: () => 0.5, preVote: true, checkQuorum: true });
    assert.equal(granted(stepAndCollect(raft, voteRequest('raft.vote-request', 'n2', 1))), true);
  });
});

describe('a removed replica leaves its term and vote behind (§5.2, Figure 2 persistent state)', () => {
  test('a replica created again after removal refuses a second vote in the term its predecessor voted in', () => {
    const node = new Node1();
    node.service.ensureGroup({ groupId: 'g', bootstrapConfig: { voters: ['n1', 'n2', 'n3'], learners: [] } });
    node.step('g', voteRequest('raft.vote-request', 'n3', 5));
    assert.equal(node.lastVoteAnswerTo('n3'), true, 'n1 votes for n3 in term 5');

    assert.ok(node.service.removeGroup('g'));
    assert.equal(node.disk.get('raft/g/log'), undefined, 'the removed replica\'s log is gone');
    node.service.ensureGroup({ groupId: 'g', bootstrapConfig: { voters: ['n1', 'n2', 'n3'], learners: [] } });
    assert.equal(node.service.group('g')!.status().term, 5, 'the new replica starts in the tombstone\'s term');
    node.step('g', voteRequest('raft.vote-request', 'n2', 5));
    assert.equal(node.lastVoteAnswerTo('n2'), false, 'n1 already voted in term 5');
    node.step('g', voteRequest('raft.vote-request', 'n2', 6));
    assert.equal(node.lastVoteAnswerTo('n2'), true, 'a later term is a new vote');
  });

  test('the tombstone survives a crash, and a replica created after the restart starts in its term', () => {
    const node = new Node1();
    node.service.ensureGroup({ groupId: 'g', bootstrapConfig: { voters: ['n1', 'n2', 'n3'], learners: [] } });
    node.step('g', voteRequest('raft.vote-request', 'n3', 7));
    node.service.removeGroup('g');
    node.disk.crash();
    const restarted = new RaftService(node.manual.env(node.disk), { tuning: DEFAULT_RAFT_TUNING, createMachine: () => ({ apply: () => undefined, snapshot: () => null, restore: () => undefined }) });
    assert.equal(restarted.group('g'), undefined, 'the removal is durable');
    const again = restarted.ensureGroup({ groupId: 'g', bootstrapConfig: { voters: ['n1', 'n2', 'n3'], learners: [] } });
    assert.deepEqual({ term: again.status().term }, { term: 7 });
  });

  test('a removed replica takes no more ticks or messages: it sends nothing after removal', () => {
    const node = new Node1();
    node.service.ensureGroup({ groupId: 'g', bootstrapConfig: { voters: ['n1', 'n2', 'n3'], learners: [] } });
    const host = node.service.group('g')!;
    node.service.removeGroup('g');
    const before = node.manual.sent.length;
    for (let i = 0; i < 100; i++) host.tick();
    host.step(voteRequest('raft.vote-request', 'n2', 9));
    node.manual.advance(10_000);
    assert.equal(node.manual.sent.length, before, 'a removed replica campaigned or answered');
    assert.equal(node.disk.get('raft/g/hard-state'), undefined, 'a removed replica wrote its hard state again');
  });
});

describe('a removed replica tells its observer (the Raft safety checker stops holding its log)', () => {
  test('removeGroup reports the removal once, after which the replica reports nothing', () => {
    const calls: string[] = [];
    const observer = {
      onStart: () => calls.push('start'),
      onLeader: () => calls.push('leader'),
      onStepDown: () => calls.push('step-down'),
      onPersist: () => calls.push('persist'),
      onSnapshot: () => calls.push('snapshot'),
      onApply: () => calls.push('apply'),
      onRemove: (node: string) => calls.push(`remove ${node}`),
    };
    const disk = new SimDisk();
    const manual = new ManualNodeEnv();
    const service = new RaftService(manual.env(disk), {
      tuning: DEFAULT_RAFT_TUNING,
      createMachine: () => ({ apply: () => undefined, snapshot: () => null, restore: () => undefined }),
      observerFor: () => observer,
    });
    service.ensureGroup({ groupId: 'g', bootstrapConfig: { voters: ['n1', 'n2', 'n3'], learners: [] } });
    assert.ok(service.removeGroup('g'));
    assert.equal(calls.filter((call) => call.startsWith('remove')).join(), 'remove n1');
    const after = calls.length;
    manual.advance(10 * DEFAULT_RAFT_TUNING.tickMs * DEFAULT_RAFT_TUNING.electionTicks);
    assert.equal(calls.length, after, `the removed replica reported ${calls.slice(after).join(', ')}`);
  });
});

describe('a replica added back neither votes nor campaigns on a configuration older than its addition (RaftOptions.joinIndex)', () => {
  // Rebalancing soak, seed 7637: node-5's replica of shard-3 was removed at about index 26 and
  // added back at 27; the leader sent it its snapshot of index 20, whose configuration still
  // named node-5 a voter. Before entries 21-27 arrived, node-5 campaigned in that old
  // configuration, node-4's stale replica (log at 16) voted for it, and node-5 led term 8
  // without entries 21-26, committed in term 7 (Leader Completeness, §5.4).
  const oldSnapshot = { index: 20, term: 6, config: { voters: ['n3', 'n4', 'n5'], learners: [] }, data: null };
  function addedBack(joinIndex: number): RaftNode {
    return new RaftNode(
      { id: 'n5', config: { voters: [], learners: [] }, electionTicks: 10, heartbeatTicks: 1, random: () => 0, preVote: true, checkQuorum: true, joinIndex },
      { hardState: { term: 7, votedFor: null, commitIndex: 20 }, entries: [], snapshot: oldSnapshot },
    );
  }
  const staleCandidate = (type: 'raft.pre-vote-request' | 'raft.vote-request'): VoteRequestMessage =>
    ({ type, from: 'n4', to: 'n5', term: 8, lastLogIndex: 20, lastLogTerm: 6, leadershipTransfer: false });

  test('§5.4 below its join index it does not campaign, however long it hears nothing', () => {
    const node = addedBack(27);
    for (let tick = 0; tick < 100; tick++) node.tick();
    assert.equal(node.currentRole, 'follower');
    assert.equal(node.status().term, 7);
  });

  test('§5.4 below its join index it grants neither a pre-vote nor a vote, even to a candidate as up to date as it is', () => {
    const node = addedBack(27);
    assert.equal(granted(stepAndCollect(node, staleCandidate('raft.pre-vote-request'))), false);
    assert.equal(granted(stepAndCollect(node, staleCandidate('raft.vote-request'))), false);
  });

  test('below its join index it drops a heartbeat whose commit index passes its log (meant for the replica removed before it)', () => {
    // Rebalancing soak, seed 7243 (with an earlier form of the mover): the leader removed
    // node-4 and added it back within its term 7, and a heartbeat it had sent the removed
    // replica, with that replica's match index 42, reached the new, empty one.
    const node = addedBack(27);
    const stray = { type: 'raft.heartbeat', from: 'n3', to: 'n5', term: 7, leaderCommitIndex: 26, readSequence: 0 } as RaftMessage;
    assert.doesNotThrow(() => stepAndCollect(node, stray));
    assert.equal(node.status().commitIndex, 20, 'a stray heartbeat moved the commit index');
    stepAndCollect(node, { ...stray, leaderCommitIndex: 20 } as RaftMessage);
    assert.equal(node.status().leader, 'n3', 'a heartbeat within the log is taken');
    assert.throws(() => stepAndCollect(addedBack(0), stray), /commitIndex 26 would pass lastIndex 20/, 'without a join index the same heartbeat still trips the invariant');
  });

  test('without a join index (or once its log reaches it) the same replica campaigns and votes: the rule is what stops it', () => {
    const node = addedBack(0);
    assert.equal(granted(stepAndCollect(node, staleCandidate('raft.pre-vote-request'))), true);
    for (let tick = 0; tick < 100 && node.currentRole === 'follower'; tick++) node.tick();
    assert.notEqual(node.currentRole, 'follower');
    const reached = addedBack(20);
    assert.equal(granted(stepAndCollect(reached, staleCandidate('raft.pre-vote-request'))), true);
  });
});

describe('a replica added by a membership change starts in its leader\'s term (JoiningReplica.joinTerm, §5.1)', () => {
  // The deposed leader of an earlier term may still count this node as the voter it was
  // before it was removed, with that voter's match index: a fresh replica that took its
  // heartbeat would take a commit index past its empty log, and one that took its append
  // would hold entries past the commit index that may never commit, and an old configuration.
  const EMPTY = { voters: [], learners: [] };
  function append(from: string, term: number, lastIndex: number, leaderCommitIndex: number): RaftMessage {
    const entries = Array.from({ length: lastIndex }, (_, position) => ({ term, index: position + 1, kind: 'noop' as const }));
    return { type: 'raft.append', from, to: 'n1', term, prevLogIndex: 0, prevLogTerm: 0, entries, leaderCommitIndex } as RaftMessage;
  }
  function lastAppendAnswerTo(node: Node1, to: string): { term: number; success: boolean } | undefined {
    const answers = node.manual.sent
      .filter((sent) => sent.to === to)
      .map((sent) => (sent.message as { message: RaftMessage }).message)
      .filter((message) => message.type === 'raft.append-response');
    return answers.at(-1) as { term: number; success: boolean } | undefined;
  }

  test('it refuses an append of an earlier term and tells the sender its term; its own leader\'s append it takes', () => {
    const node = new Node1();
    const host = node.service.ensureGroup({ groupId: 'g', bootstrapConfig: EMPTY, joinIndex: 3, joinTerm: 8 });
    assert.equal(host.status().term, 8, 'the new replica starts in the term of the leader that adds it');
    node.step('g', append('n2', 6, 5, 5));
    assert.deepEqual({ lastIndex: host.status().lastIndex, commitIndex: host.status().commitIndex }, { lastIndex: 0, commitIndex: 0 }, 'the deposed leader of term 6 wrote to the new replica');
    assert.equal(lastAppendAnswerTo(node, 'n2')?.term, 8, 'the deposed leader was not told of term 8');
    node.step('g', append('n3', 8, 3, 3));
    assert.deepEqual({ lastIndex: host.status().lastIndex, commitIndex: host.status().commitIndex }, { lastIndex: 3, commitIndex: 3 });
  });

  test('without a join term the same append of term 6 is taken: the rule is what refuses it', () => {
    const node = new Node1();
    const host = node.service.ensureGroup({ groupId: 'g', bootstrapConfig: EMPTY, joinIndex: 3 });
    node.step('g', append('n2', 6, 5, 5));
    assert.equal(host.status().lastIndex, 5);
  });

  test('the join term is kept with the group on disk: after a crash the replica starts in it again', () => {
    const node = new Node1();
    node.service.ensureGroup({ groupId: 'g', bootstrapConfig: EMPTY, joinIndex: 3, joinTerm: 8 });
    node.disk.crash();
    const restarted = new RaftService(node.manual.env(node.disk), { tuning: DEFAULT_RAFT_TUNING, createMachine: () => ({ apply: () => undefined, snapshot: () => null, restore: () => undefined }) });
    assert.equal(restarted.group('g')?.status().term, 8);
  });

  test('a tombstone of a later term wins, with its vote; of an earlier term, its vote does not carry over', () => {
    for (const [tombstoneTerm, joinTerm, expected] of [[9, 8, { term: 9, votedFor: 'n3' }], [7, 8, { term: 8, votedFor: null }]] as const) {
      const node = new Node1();
      node.service.ensureGroup({ groupId: 'g', bootstrapConfig: { voters: ['n1', 'n2', 'n3'], learners: [] } });
      node.step('g', voteRequest('raft.vote-request', 'n3', tombstoneTerm));
      node.service.removeGroup('g');
      const host = node.service.ensureGroup({ groupId: 'g', bootstrapConfig: EMPTY, joinIndex: 3, joinTerm });
      assert.deepEqual({ term: host.status().term, votedFor: host.status().votedFor ?? null }, expected, `tombstone of term ${tombstoneTerm}, join term ${joinTerm}`);
    }
  });
});
