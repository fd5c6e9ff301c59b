/*
 * Durability points of the Raft host (src/runtime/raft-host.ts), checked against the
 * simulated disk's durable image, which is what a crash leaves. Raft §5.2 and Figure 2
 * ("Rules for Servers": persistent state is updated on stable storage before responding
 * to RPCs); thesis §3.8 and §11.7 (the host must fsync before the messages of a Ready
 * leave). The pure core's tests cannot see this: the host does the syncing.
 *
 * Every message the host lets out is checked at the instant it leaves:
 * - its term is at most the durable term (a node never goes back to an older term);
 * - a granted vote is durable (term and votedFor), or a crash and restart could grant a
 *   second vote in the same term;
 * - a successful append acknowledgement covers only entries that are durable with the
 *   terms it acknowledges, or a leader could count a replica that forgets them.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Entry, HardState, RaftMessage } from '../../src/raft/types';
import { DEFAULT_RAFT_TUNING, RaftGroupHost, type RaftEnvelope, type ReplicatedStateMachine } from '../../src/runtime/raft-host';
import type { NodeId } from '../../src/runtime/ports';
import { SimDisk } from '../../src/sim/disk';
import { ManualNodeEnv } from './manual-node-env';

const GROUP = 'g';
const HARD_STATE_KEY = `raft/${GROUP}/hard-state`;
const LOG_KEY = `raft/${GROUP}/log`;

/** One replica (n1 of n1, n2, n3) on a SimDisk, with timers run by hand. */
class HostUnderTest {
  readonly disk = new SimDisk();
  readonly sent: RaftMessage[] = [];
  /** Broken durability promises, one line each, found as messages left. */
  readonly broken: string[] = [];
  private readonly manual = new ManualNodeEnv();
  readonly host: RaftGroupHost;

  constructor(fsyncLatencyMs: number) {
    const env = this.manual.env(this.disk);
    const machine: ReplicatedStateMachine = { apply: () => undefined, snapshot: () => null, restore: () => undefined };
    this.host = new RaftGroupHost(env, GROUP, { voters: ['n1', 'n2', 'n3'], learners: [] }, machine, { ...DEFAULT_RAFT_TUNING, fsyncLatencyMs }, undefined, (_to: NodeId, envelope: RaftEnvelope) => {
      this.checkPromises(envelope.message);
      this.sent.push(envelope.message);
    });
  }

  /** Runs every timer due within `ms` (the fsync completions among them). */
  advance(ms: number): void {
    this.manual.advance(ms);
  }

  private checkPromises(message: RaftMessage): void {
    const durable = this.disk.durableValue<HardState>(HARD_STATE_KEY) ?? { term: 0, votedFor: null, commitIndex: 0 };
    if (message.term > durable.term) this.broken.push(`${message.type} to ${message.to} carries term ${message.term} but the durable term is ${durable.term}`);
    if (message.type === 'raft.vote-response' && message.granted && (durable.term !== message.term || durable.votedFor !== message.to)) {
      this.broken.push(`a vote for ${message.to} in term ${message.term} left while the disk holds term ${durable.term}, vote ${durable.votedFor}`);
    }
    if (message.type === 'raft.append-response' && message.success) {
      const log = this.disk.durableValue<Entry[]>(LOG_KEY) ?? [];
      const lastDurable = log.length === 0 ? 0 : log[log.length - 1].index;
      if (message.matchIndex > lastDurable) this.broken.push(`an acknowledgement up to index ${message.matchIndex} left while the durable log ends at ${lastDurable}`);
    }
  }
}

const voteRequest = (term: number): RaftMessage => ({ type: 'raft.vote-request', from: 'n2', to: 'n1', term, lastLogIndex: 0, lastLogTerm: 0, leadershipTransfer: false });

const appendWithEntries = (term: number, entries: Entry[]): RaftMessage => ({
  type: 'raft.append',
  from: 'n2',
  to: 'n1',
  term,
  prevLogIndex: 0,
  prevLogTerm: 0,
  entries,
  leaderCommitIndex: 0,
});

for (const fsyncLatencyMs of [DEFAULT_RAFT_TUNING.fsyncLatencyMs, 0]) {
  describe(`Figure 2 durability points of the Raft host (fsync latency ${fsyncLatencyMs} ms)`, () => {
    test('§5.2: a granted vote leaves only once its term and vote are durable (a Ready that carries nothing but the hard state)', () => {
      const replica = new HostUnderTest(fsyncLatencyMs);
      replica.host.step(voteRequest(5));
      replica.advance(10);
      const reply = replica.sent.find((message) => message.type === 'raft.vote-response');
      assert.ok(reply && reply.type === 'raft.vote-response' && reply.granted, `n1 grants n2's vote in term 5 (sent: ${JSON.stringify(replica.sent)})`);
      assert.deepEqual(replica.broken, []);
      replica.disk.crash();
      assert.deepEqual(replica.disk.get<HardState>(HARD_STATE_KEY), { term: 5, votedFor: 'n2', commitIndex: 0 }, 'after a crash the vote is still on disk');
    });

    test('§5.1: a rejection in a newer term leaves only once that term is durable', () => {
      const replica = new HostUnderTest(fsyncLatencyMs);
      replica.host.step(voteRequest(4));
      replica.advance(10);
      replica.host.step({ type: 'raft.vote-request', from: 'n3', to: 'n1', term: 4, lastLogIndex: 0, lastLogTerm: 0, leadershipTransfer: false });
      replica.advance(10);
      const replies = replica.sent.filter((message) => message.type === 'raft.vote-response');
      assert.deepEqual(replies.map((message) => message.type === 'raft.vote-response' && [message.to, message.term, message.granted]), [['n2', 4, true], ['n3', 4, false]], 'one vote per term');
      assert.deepEqual(replica.broken, []);
    });

    test('§5.3: an append acknowledgement leaves only once the entries and the leader\'s term are durable', () => {
      const replica = new HostUnderTest(fsyncLatencyMs);
      const entries: Entry[] = [
        { index: 1, term: 3, kind: 'normal', data: 'a' },
        { index: 2, term: 3, kind: 'normal', data: 'b' },
      ];
      replica.host.step(appendWithEntries(3, entries));
      replica.advance(10);
      const ack = replica.sent.find((message) => message.type === 'raft.append-response');
      assert.ok(ack && ack.type === 'raft.append-response' && ack.success && ack.matchIndex === 2, `n1 acknowledges entries 1-2 (sent: ${JSON.stringify(replica.sent)})`);
      assert.deepEqual(replica.broken, []);
      replica.disk.crash();
      assert.deepEqual(replica.disk.get<Entry[]>(LOG_KEY)?.map((entry) => [entry.index, entry.term]), [[1, 3], [2, 3]], 'after a crash the acknowledged entries are still on disk');
      assert.equal(replica.disk.get<HardState>(HARD_STATE_KEY)?.term, 3);
    });
  });
}
