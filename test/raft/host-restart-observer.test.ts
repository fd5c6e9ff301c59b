/*
 * What the safety checker learns when a Raft host restarts (src/runtime/raft-host.ts).
 *
 * The host reports a Ready to its observer once the Ready's fsync completed. But a node's
 * disk is shared by all its groups, so another group's fsync can make this group's
 * written-but-unreported entries durable; a crash then leaves them on disk, the restarted
 * core loads them, and the next Ready appends after them. Raft allows this (§5.2: a node
 * may hold more than it acknowledged). The checker must be told what the restarted node
 * loaded, or it sees a gap that is not there. Found by the Raft KV soak, seed 1559: node-2
 * resumed from a pause, wrote entry 519, crashed 0.1 ms later within its fsync window,
 * restarted with 519 on disk, and appended 520.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { RaftSafetyChecker } from '../../src/raft/safety-checker';
import type { Entry, RaftMessage } from '../../src/raft/types';
import { DEFAULT_RAFT_TUNING, RaftGroupHost, type RaftObserver, type ReplicatedStateMachine } from '../../src/runtime/raft-host';
import { SimDisk } from '../../src/sim/disk';
import { ManualNodeEnv } from './manual-node-env';

/** Replica n1 (of n1, n2, n3) on one disk across restarts, fsyncs run by hand, observed by a real checker. */
class RestartingReplica {
  readonly disk = new SimDisk();
  readonly checker = new RaftSafetyChecker();
  private readonly manual = new ManualNodeEnv();
  host: RaftGroupHost;

  constructor() {
    this.host = this.startHost();
  }

  private startHost(): RaftGroupHost {
    const env = this.manual.env(this.disk);
    const machine: ReplicatedStateMachine = { apply: () => undefined, snapshot: () => null, restore: () => undefined };
    const checker = this.checker;
    const observer: RaftObserver = {
      onStart: (node) => checker.onStepDown(node),
      onRestore: (node, restored) => checker.onPersist(node, restored),
      onLeader: (node, term) => checker.onLeader(node, term),
      onStepDown: (node) => checker.onStepDown(node),
      onPersist: (node, ready) => checker.onPersist(node, ready),
      onSnapshot: (node, snapshot) => checker.onSnapshot(node, snapshot),
      onApply: (node, entry) => checker.onApply(node, entry),
    };
    return new RaftGroupHost(env, 'g', { voters: ['n1', 'n2', 'n3'], learners: [] }, machine, { ...DEFAULT_RAFT_TUNING, fsyncLatencyMs: 0.5 }, observer, () => undefined);
  }

  /** Runs the timers due within `ms` (fsync completions among them). */
  advance(ms: number): void {
    this.manual.advance(ms);
  }

  /** Power loss: pending timers (the fsync in flight) vanish, unsynced writes are lost; then a new process starts. */
  crashAndRestart(): void {
    this.manual.dropTimers();
    this.disk.crash();
    this.host = this.startHost();
  }
}

const entry = (index: number): Entry => ({ index, term: 3, kind: 'normal', data: `e${index}` });
const append = (prevLogIndex: number, entries: Entry[]): RaftMessage => ({
  type: 'raft.append', from: 'n2', to: 'n1', term: 3, prevLogIndex, prevLogTerm: prevLogIndex === 0 ? 0 : 3, entries, leaderCommitIndex: 0,
});

describe('Raft host restart and the safety checker (§5.2, Figure 3)', () => {
  test('entries another group\'s fsync made durable before a crash are reported on restart, so the next append is no gap', () => {
    const replica = new RestartingReplica();
    replica.host.step(append(0, [entry(1), entry(2)]));
    replica.advance(10);
    replica.host.step(append(2, [entry(3)]));
    // Entry 3 is written, its fsync in flight; another group on the node syncs the shared disk.
    replica.disk.sync();
    replica.crashAndRestart();
    replica.host.step(append(3, [entry(4), entry(5)]));
    replica.advance(10);
    assert.equal(replica.checker.firstViolation, null, String(replica.checker.firstViolation));
  });

  test('a crash inside the fsync window with nothing else syncing loses the unreported entry, and the checker agrees', () => {
    const replica = new RestartingReplica();
    replica.host.step(append(0, [entry(1), entry(2)]));
    replica.advance(10);
    replica.host.step(append(2, [entry(3)]));
    replica.crashAndRestart();
    replica.host.step(append(2, [entry(3), entry(4)]));
    replica.advance(10);
    assert.equal(replica.checker.firstViolation, null, String(replica.checker.firstViolation));
  });
});
