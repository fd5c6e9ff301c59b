/*
 * Rolling back a slot move whose target group has no leader (src/rebalance/executor.ts).
 *
 * A slot move copies the range into the target (`ingest`: the keys are held apart and the
 * target's fence marks the slots incoming). If the target then stays leaderless past the
 * rollback limit, the move rolls back, and rolling back means telling the target to
 * `abandon` the copy. Found by the rebalancing soak, seed 7420: the executor ended the move
 * as rolled back while the target still had no leader, so the target kept the copied key
 * and the incoming fence for good. A target that exists must abandon before the move ends;
 * only a split's new group that never reached the map has nothing to undo (replica GC
 * deletes it). CockroachDB's range merge and split rollback follow the same rule: the
 * transaction that undoes a step must commit on the range it touched.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { SlotCommand } from '../../src/kv/slot-module';
import type { JournalRecord } from '../../src/placement/state-machine';
import { MigrationExecutor } from '../../src/rebalance/executor';
import type { GroupView, MigrationPorts } from '../../src/rebalance/ports';
import type { ShardMap } from '../../src/sharding/shard-map';
import { SimDisk } from '../../src/sim/disk';
import { ManualNodeEnv } from '../raft/manual-node-env';

/** A placement group, two data groups and a clock, all in memory; `leaderless` groups answer nothing. */
class FakeCluster {
  /** The executor's clock and timers, run by hand. */
  private readonly manual = new ManualNodeEnv();
  private readonly timers = this.manual.env(new SimDisk()).timers;
  readonly journal: JournalRecord[] = [];
  readonly ended: { moveId: string; outcome: string }[] = [];
  readonly slotCommands: { shard: string; command: SlotCommand }[] = [];
  readonly leaderless = new Set<string>();
  /** The journal read may lack committed steps (the placement replicas that applied them are down). */
  staleJournal = false;
  /** Groups whose release answers busy (a lock is held in the range). */
  readonly busy = new Set<string>();
  readonly configChanges: { shard: string; change: unknown }[] = [];
  /** Learners in each group's committed configuration. */
  readonly learners = new Map<string, string[]>();
  /** Voters in each group's committed configuration (n1, n2 and n3 unless set). */
  readonly voters = new Map<string, string[]>();
  /** Replicas the executor deleted, as node/shard. */
  readonly deleted: string[] = [];
  /** What the leader has heard of each member lately (progress.recentActive); unset: nothing known. */
  readonly heard = new Map<string, boolean>();
  /** What the leader knows each member holds (progress.matchIndex; the commit index is 10). */
  readonly matches = new Map<string, number>();
  /** Leadership transfers asked, as shard → node. */
  readonly transfers: string[] = [];
  map: ShardMap = {
    epoch: 1,
    shards: [
      { id: 'shard-1', slots: [{ start: 0, endExclusive: 512 }], replicas: ['n1', 'n2', 'n3'], preferredLeader: 'n1' },
      { id: 'shard-3', slots: [{ start: 512, endExclusive: 1024 }], replicas: ['n1', 'n2', 'n3'], preferredLeader: 'n2' },
    ],
  };

  ports(): MigrationPorts {
    const view = (shard: string): GroupView | undefined => this.leaderless.has(shard) ? undefined
      : { leader: 'n1', config: { voters: this.voters.get(shard) ?? ['n1', 'n2', 'n3'], learners: this.learners.get(shard) ?? [] }, configCommitted: true, commitIndex: 10, progress: Object.fromEntries([...new Set([...this.heard.keys(), ...this.matches.keys()])].map((node) => [node, { recentActive: this.heard.get(node) ?? false, matchIndex: this.matches.get(node) ?? 0 }])) as GroupView['progress'] };
    return {
      nowMs: () => this.manual.nowMs,
      schedule: (delayMs, callback) => { this.timers.setTimer(delayMs, callback); },
      map: () => this.map,
      journal: () => this.journal,
      journalIsCurrent: () => !this.staleJournal,
      writeJournal: (record, expectedStep, _edit, _reason, done) => {
        const index = this.journal.findIndex((entry) => entry.moveId === record.moveId);
        if ((index < 0 ? null : this.journal[index].step) !== expectedStep) return done(false);
        if (index < 0) this.journal.push(record); else this.journal[index] = record;
        done(true);
      },
      endJournal: (moveId, outcome, done) => {
        this.journal.splice(this.journal.findIndex((entry) => entry.moveId === moveId), 1);
        this.ended.push({ moveId, outcome });
        done(true);
      },
      group: view,
      proposeConfigChange: (shard, change) => { this.configChanges.push({ shard, change }); },
      transferLeadership: (shard, to) => { this.transfers.push(`${shard} → ${to}`); },
      openEmptyReplica: () => undefined,
      deleteReplica: (node, shard) => {
        this.deleted.push(`${node}/${shard}`);
        return true;
      },
      hostsOf: (shard) => this.map.shards.some((entry) => entry.id === shard) ? ['n1', 'n2', 'n3'] : [],
      isUp: () => true,
      replicaBytes: () => 0,
      createGroup: () => undefined,
      proposeSlots: (shard, command, done) => {
        if (this.leaderless.has(shard)) return done(undefined);
        this.slotCommands.push({ shard, command });
        if (command.kind === 'release' && this.busy.has(shard)) return done({ status: 'busy', reason: 'a transaction holds t/orders/* (a scan by q.a1)' });
        done({ status: 'ok' });
      },
      readSlots: (shard, _range, done) => {
        if (this.leaderless.has(shard)) return done(undefined);
        done({ entries: [['key-2', 'v']], sessions: [], records: [], horizons: [], bytes: 6 });
      },
    };
  }

  runFor(ms: number): void {
    this.manual.advance(ms);
  }

  /** Runs until the move's journal step is `step`; bounded. */
  runUntilStep(moveId: string, step: string): void {
    for (let i = 0; i < 1000 && this.journal.find((entry) => entry.moveId === moveId)?.step !== step; i++) this.runFor(10);
    assert.equal(this.journal.find((entry) => entry.moveId === moveId)?.step, step, `${moveId} reached "${step}"`);
  }
}

describe('a slot move rolled back while its target has no leader (executor; CockroachDB range-move rollback)', () => {
  test('the move ends only after the target has abandoned the copy, once it has a leader again', () => {
    const cluster = new FakeCluster();
    const executor = new MigrationExecutor(cluster.ports());
    const [moveId] = executor.submit([{ kind: 'move-slots', from: 'shard-1', to: 'shard-3', range: { start: 465, endExclusive: 466 }, reason: 'test' }]);
    cluster.runUntilStep(moveId, 'copied');
    assert.ok(cluster.slotCommands.some((entry) => entry.shard === 'shard-3' && entry.command.kind === 'ingest'), 'the copy reached shard-3');

    // Before the source can release the range (it has no leader either), the target loses
    // its leader for longer than the rollback limit; the source then recovers.
    cluster.leaderless.add('shard-1');
    cluster.leaderless.add('shard-3');
    cluster.runFor(executor.options.rollbackAfterMs + 1_000);
    cluster.leaderless.delete('shard-1');
    cluster.runFor(10_000);
    assert.deepEqual(cluster.ended, [], 'the move ended while shard-3 could not abandon the copied keys');
    assert.equal(cluster.journal.find((entry) => entry.moveId === moveId)?.step, 'rolling-back');

    cluster.leaderless.delete('shard-3');
    cluster.runFor(5_000);
    assert.deepEqual(cluster.ended, [{ moveId, outcome: 'rolled-back' }]);
    const abandon = cluster.slotCommands.findIndex((entry) => entry.shard === 'shard-3' && entry.command.kind === 'abandon');
    assert.ok(abandon >= 0, 'shard-3 was told to abandon the copy');
    const reclaim = cluster.slotCommands.findIndex((entry) => entry.shard === 'shard-1' && entry.command.kind === 'reclaim');
    assert.ok(reclaim >= 0 && reclaim < abandon, 'the source took the range back (ending any drain) before the move ended');
    assert.ok(!cluster.slotCommands.some((entry) => entry.shard === 'shard-1' && entry.command.kind === 'release'), 'the source never released the range');
  });

  test('a split whose new group never reached the map rolls back without waiting for it', () => {
    const cluster = new FakeCluster();
    const executor = new MigrationExecutor(cluster.ports());
    cluster.leaderless.add('shard-9');
    const [moveId] = executor.submit([{ kind: 'split', shard: 'shard-1', newShard: 'shard-9', ranges: [{ start: 0, endExclusive: 256 }], replicas: ['n1', 'n2', 'n3'], reason: 'test' }]);
    cluster.runFor(executor.options.rollbackAfterMs + 10_000);
    assert.deepEqual(cluster.ended, [{ moveId, outcome: 'rolled-back' }]);
  });
});

describe('a release held off by locks (executor RELEASE_TRIES_BEFORE_DRAIN; Vitess stops new transactions before a cut-over)', () => {
  test('asks politely five times, then asks the source to drain the range, and the move goes on once it lets go', () => {
    const cluster = new FakeCluster();
    const executor = new MigrationExecutor(cluster.ports());
    cluster.busy.add('shard-1');
    const [moveId] = executor.submit([{ kind: 'move-slots', from: 'shard-1', to: 'shard-3', range: { start: 465, endExclusive: 466 }, reason: 'test' }]);
    cluster.runUntilStep(moveId, 'copied');
    cluster.runFor(2_000);
    const releases = cluster.slotCommands.filter((entry) => entry.command.kind === 'release').map((entry) => (entry.command as { drain?: boolean }).drain === true);
    assert.ok(releases.length > 6, `only ${releases.length} release tries in 2 s`);
    assert.deepEqual(releases.slice(0, 6), [false, false, false, false, false, true], 'the first five tries do not drain; the sixth does');
    assert.ok(releases.slice(5).every(Boolean), 'once draining, every try asks to drain');
    cluster.busy.delete('shard-1');
    cluster.runFor(5_000);
    assert.deepEqual(cluster.ended, [{ moveId, outcome: 'done' }]);
  });
});

describe('a learner the map does not name is removed (the placement map is authoritative)', () => {
  test('the add-learner of a rolled-back move, committed late, is undone', () => {
    const cluster = new FakeCluster();
    const executor = new MigrationExecutor(cluster.ports());
    cluster.learners.set('shard-1', ['n4']);
    executor.submit([{ kind: 'transfer-leader', shard: 'shard-1', from: 'n1', to: 'n2', reason: 'starts the executor' }]);
    cluster.runFor(2_000);
    const changes = cluster.configChanges.filter((entry) => entry.shard === 'shard-1').map((entry) => entry.change);
    assert.ok(changes.length > 0, 'the stray learner n4 of shard-1 was never removed');
    for (const change of changes) assert.deepEqual(change, { type: 'remove', node: 'n4' });
  });

  test('nothing is removed while the journal read may lack committed steps: the learner may be a move\'s in flight', () => {
    const cluster = new FakeCluster();
    const executor = new MigrationExecutor(cluster.ports());
    cluster.learners.set('shard-1', ['n4']);
    cluster.staleJournal = true;
    executor.submit([{ kind: 'transfer-leader', shard: 'shard-1', from: 'n1', to: 'n2', reason: 'starts the executor' }]);
    cluster.runFor(2_000);
    assert.deepEqual(cluster.configChanges.filter((entry) => entry.shard === 'shard-1'), [], 'a learner was removed on a journal that may be stale');
    cluster.staleJournal = false;
    cluster.runFor(2_000);
    assert.ok(cluster.configChanges.some((entry) => JSON.stringify(entry.change) === JSON.stringify({ type: 'remove', node: 'n4' })), 'the stray learner was not removed once the journal was current');
  });

  test('on a journal that may be stale the executor does nothing at all: it neither admits nor drives a move', () => {
    const cluster = new FakeCluster();
    const executor = new MigrationExecutor(cluster.ports());
    cluster.staleJournal = true;
    const [moveId] = executor.submit([{ kind: 'move-replica', shard: 'shard-1', from: 'n3', to: 'n4', reason: 'waits for a current journal' }]);
    cluster.runFor(2_000);
    assert.deepEqual({ journal: cluster.journal.length, changes: cluster.configChanges.length }, { journal: 0, changes: 0 });
    cluster.staleJournal = false;
    cluster.learners.set('shard-1', ['n4']);
    cluster.runUntilStep(moveId, 'learner-added');
  });

  test('the learner of a replica move in flight stays', () => {
    const cluster = new FakeCluster();
    const executor = new MigrationExecutor(cluster.ports());
    cluster.learners.set('shard-1', ['n4']);
    executor.submit([{ kind: 'move-replica', shard: 'shard-1', from: 'n3', to: 'n4', reason: 'in flight' }]);
    cluster.runFor(2_000);
    assert.equal(cluster.journal[0]?.step, 'learner-added', 'the move is still in flight');
    assert.ok(!cluster.configChanges.some((entry) => JSON.stringify(entry.change) === JSON.stringify({ type: 'remove', node: 'n4' })), 'the joining learner n4 was removed');
  });

  test('a move whose learner left the configuration behind its back rolls back instead of waiting for it for good', () => {
    // Rebalancing soak, seed 7654: replica GC read the journal from the one running placement
    // replica, which had not applied this move yet (the two that had were paused or crashed),
    // took n4 for a stray learner and removed it; the move then waited at learner-added forever.
    const cluster = new FakeCluster();
    const executor = new MigrationExecutor(cluster.ports());
    const [moveId] = executor.submit([{ kind: 'move-replica', shard: 'shard-1', from: 'n3', to: 'n4', reason: 'removed behind its back' }]);
    cluster.learners.set('shard-1', ['n4']);
    cluster.runUntilStep(moveId, 'learner-added');
    cluster.learners.set('shard-1', []);
    cluster.runFor(2_000);
    assert.deepEqual(cluster.ended, [{ moveId, outcome: 'rolled-back' }]);
  });
});

/** A move of shard-1 from `from` to n4, its journal record put at `step` directly. */
function moveAt(step: 'promoted' | 'leader-moved' | 'removed' | 'rolled-back', from = 'n3'): { cluster: FakeCluster; moveId: string } {
  const cluster = new FakeCluster();
  const executor = new MigrationExecutor(cluster.ports());
  const [moveId] = executor.submit([{ kind: 'move-replica', shard: 'shard-1', from, to: 'n4', reason: 'test' }]);
  for (let i = 0; i < 100 && !cluster.journal.some((entry) => entry.moveId === moveId); i++) cluster.runFor(10);
  const record = cluster.journal.find((entry) => entry.moveId === moveId);
  assert.ok(record !== undefined, `${moveId} was journaled`);
  cluster.journal[cluster.journal.indexOf(record)] = { ...record, step };
  return { cluster, moveId };
}

describe('a finished replica move deletes only a copy the configuration no longer names (CockroachDB replicaGCQueue)', () => {

  test("at 'removed', a source the configuration names again keeps its replica, and the move ends", () => {
    const { cluster, moveId } = moveAt('removed');
    cluster.voters.set('shard-1', ['n1', 'n2', 'n3', 'n4']); // n3 is a voter again (added back, or the journal lags the group)
    cluster.runFor(2_000);
    assert.deepEqual(cluster.deleted, [], 'the move deleted the replica of a voter');
    assert.deepEqual(cluster.ended, [{ moveId, outcome: 'done' }]);
  });

  test("at 'rolled-back', a target the configuration names keeps its replica", () => {
    const { cluster, moveId } = moveAt('rolled-back');
    cluster.learners.set('shard-1', ['n4']);
    cluster.runFor(2_000);
    assert.ok(!cluster.deleted.includes('n4/shard-1'), 'the rollback deleted the replica of a learner the group names');
    assert.deepEqual(cluster.ended, [{ moveId, outcome: 'rolled-back' }]);
    // Not named (n4 hosts nothing replica GC would see here): the rollback deletes it.
    const other = moveAt('rolled-back');
    other.cluster.runFor(2_000);
    assert.deepEqual(other.cluster.deleted, ['n4/shard-1']);
  });
});

describe('leadership leaves the old copy for a voter the leader hears (executor heardVoter; Raft thesis §3.10 transfer needs a target that can win)', () => {
  /**
   * The leadership transfers asked for a move of shard-1 off its leader n1 to n4 (voters n1-n4),
   * its journal record put at `step` directly, when the leader hears the voters as in `heard`.
   */
  function transfersAsked(step: 'promoted' | 'leader-moved', heard: Readonly<Record<string, boolean>>): string[] {
    const { cluster } = moveAt(step, 'n1');
    cluster.voters.set('shard-1', ['n1', 'n2', 'n3', 'n4']);
    for (const [node, isHeard] of Object.entries(heard)) cluster.heard.set(node, isHeard);
    cluster.runFor(100);
    assert.ok(cluster.transfers.length > 0, 'a transfer was asked');
    return [...new Set(cluster.transfers)];
  }

  test('the target, when the leader hears it', () => {
    assert.deepEqual(transfersAsked('promoted', { n2: true, n3: true, n4: true }), ['shard-1 → n4']);
  });

  test('the target, if it is up, when no voter looks heard (the leader\'s quorum check has just cleared the marks)', () => {
    assert.deepEqual(transfersAsked('promoted', { n2: false, n3: false, n4: false }), ['shard-1 → n4']);
  });

  test('another voter the leader hears, when the target runs but is not heard (it could never win the election)', () => {
    assert.deepEqual(transfersAsked('promoted', { n2: false, n3: true, n4: false }), ['shard-1 → n3']);
  });

  test('once the target is promoted and the old copy still leads at leader-moved, another voter the leader hears too', () => {
    assert.deepEqual(transfersAsked('leader-moved', { n2: false, n3: true, n4: false }), ['shard-1 → n3']);
  });
});

describe('a learner that runs but is not heard while it lacks entries is as good as down (executor learnerHeard; Raft thesis §4.2.1 "if the new server is unavailable")', () => {
  /** A move of shard-1 from n3 to n4, at learner-added, with n4 in the configuration as a learner. */
  function learnerMove(): { cluster: FakeCluster; moveId: string } {
    const cluster = new FakeCluster();
    const executor = new MigrationExecutor(cluster.ports());
    const [moveId] = executor.submit([{ kind: 'move-replica', shard: 'shard-1', from: 'n3', to: 'n4', reason: 'test' }]);
    cluster.learners.set('shard-1', ['n4']);
    cluster.runUntilStep(moveId, 'learner-added');
    return { cluster, moveId };
  }

  test('rolls back once the learner lacking entries has not been heard for the rollback limit (3 s)', () => {
    const { cluster, moveId } = learnerMove();
    cluster.heard.set('n4', false);
    cluster.matches.set('n4', 4);
    cluster.runFor(2_500);
    assert.equal(cluster.journal.find((entry) => entry.moveId === moveId)?.step, 'learner-added', 'not yet: 2.5 s unheard');
    cluster.runFor(1_000);
    assert.ok(['rolling-back', undefined].includes(cluster.journal.find((entry) => entry.moveId === moveId)?.step), 'rolling back after 3 s unheard');
  });

  test('waits while the learner is heard now and then, however slowly it catches up', () => {
    const { cluster, moveId } = learnerMove();
    cluster.matches.set('n4', 4);
    for (let second = 0; second < 10; second++) {
      cluster.heard.set('n4', false);
      cluster.runFor(900);
      cluster.heard.set('n4', true);
      cluster.runFor(100);
    }
    assert.equal(cluster.journal.find((entry) => entry.moveId === moveId)?.step, 'learner-added');
  });

  test('waits for an unheard learner that holds every committed entry (a quiesced group marks every peer inactive)', () => {
    const { cluster, moveId } = learnerMove();
    cluster.heard.set('n4', false);
    cluster.matches.set('n4', 10);
    cluster.runFor(10_000);
    assert.equal(cluster.journal.find((entry) => entry.moveId === moveId)?.step, 'learner-added');
  });
});
