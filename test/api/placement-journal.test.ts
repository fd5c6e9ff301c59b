/*
 * When the placement journal read by the mover is known to hold every committed step
 * (PlacementGroup.journalIsCurrent). The journal comes from the freshest running placement
 * replica; when the replicas that applied more are paused or crashed, it may lack a move in
 * flight, and replica GC would take that move's learner for a stray (rebalancing seed 7654).
 * GC acts only on a current journal (src/rebalance/executor.ts).
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { PhantomCluster } from '../../src/api';
import { type JournalRecord, placementGroupId } from '../../src/placement/state-machine';
import { startStore as startFixture } from './store-fixture';

const startStore = (seed: number) => startFixture(seed, { alsoUntil: (cluster) => cluster.database.placement.journalIsCurrent() });

function placementStatus(cluster: PhantomCluster, node: string) {
  return cluster.database.raftOn(node)?.group(placementGroupId)?.status();
}

describe('the placement journal is current only while a replica that applied the leader\'s commit index runs', () => {
  test('an idle placement group (its last entry a leader\'s no-op, which the state machine never sees) has a current journal', () => {
    const { sim, cluster } = startStore(1);
    const placement = cluster.database.placement;
    const leader = placement.leader()!;
    // A new placement term: its no-op is the last entry, and no command follows it.
    const voters = placementStatus(cluster, leader)!.config.voters;
    const other = voters.find((node) => node !== leader)!;
    cluster.database.raftOn(leader)!.group(placementGroupId)!.transferLeadership(other);
    sim.runUntil(() => placement.leader() === other, { withinMs: 5000, waitingFor: `${other} to lead the placement group` });
    sim.runFor(2000);
    assert.ok((placement.freshestMachine()?.lastAppliedIndex ?? 0) < placementStatus(cluster, other)!.commitIndex, 'the state machine saw the no-op');
    assert.equal(placement.journalIsCurrent(), true);
  });

  test('a step the leader counts as committed but no running replica has applied yet leaves the journal not current', () => {
    const { sim, cluster } = startStore(3);
    const placement = cluster.database.placement;
    const leader = placement.leader()!;
    const voters = placementStatus(cluster, leader)!.config.voters;
    // Journal steps proposed back to back: while the leader's fsync of the newest is in
    // flight, an acknowledgement that commits an older one moves its commit index at once,
    // and the leader applies only once the fsync completes.
    const indexOf = new Map<number, string>();
    const answered = new Set<string>();
    for (let i = 0; i < 40; i++) {
      sim.scheduler.schedule(i * 0.2, () => {
        const moveId = `move-probe-${i}`;
        const record = { moveId, move: { kind: 'transfer-leader', shard: 'shard-1', to: leader, reason: 'probe' }, step: 'planned', startedAtMs: sim.nowMs, updatedAtMs: sim.nowMs, bytes: 0 } as unknown as JournalRecord;
        placement.propose({ kind: 'journal', record, expectedStep: null }, () => answered.add(moveId));
        indexOf.set(placementStatus(cluster, leader)!.lastIndex, moveId);
      });
    }
    const appliedMax = () => Math.max(...voters.map((node) => placementStatus(cluster, node)?.appliedIndex ?? 0));
    const committedNotApplied = (): string | undefined => {
      const commit = placementStatus(cluster, leader)!.commitIndex;
      for (let index = appliedMax() + 1; index <= commit; index++) if (indexOf.has(index)) return indexOf.get(index);
      return undefined;
    };
    sim.runUntil(() => committedNotApplied() !== undefined, { withinMs: 1000, waitingFor: 'a moment when the leader counts a step committed that no running replica applied' });
    const moveId = committedNotApplied()!;
    assert.equal(placement.leader(), leader, 'the leader kept its role');
    assert.ok(placement.journal().every((entry) => entry.moveId !== moveId), `the journal read already holds ${moveId}`);
    assert.equal(placement.journalIsCurrent(), false, `a journal without the committed ${moveId} (no running replica applied the leader's commit index) counted as current`);
    sim.runUntil(() => answered.has(moveId), { withinMs: 1000, waitingFor: `${moveId} to be applied` });
    assert.ok(placement.journal().some((entry) => entry.moveId === moveId), `the applied ${moveId} is in the journal`);
  });

  test('a leader just elected, before it commits an entry of its term, does not make a journal current that lacks its predecessor\'s last step', () => {
    for (const seed of [1, 2, 3]) {
      const { sim, cluster } = startStore(seed);
      const placement = cluster.database.placement;
      const leader = placement.leader()!;
      const record = { moveId: 'move-last', move: { kind: 'transfer-leader', shard: 'shard-1', to: leader, reason: 'probe' }, step: 'planned', startedAtMs: sim.nowMs, updatedAtMs: sim.nowMs, bytes: 0 } as unknown as JournalRecord;
      placement.propose({ kind: 'journal', record, expectedStep: null }, () => undefined);
      const index = placementStatus(cluster, leader)!.lastIndex;
      // The leader crashes as soon as it counts the step committed: the followers hold it in
      // their logs but have not heard it is committed, so none has applied it.
      sim.runUntil(() => placementStatus(cluster, leader)!.commitIndex >= index, { withinMs: 1000, waitingFor: 'the step to commit' });
      sim.node(leader).crash();
      const holds = () => placement.journal().some((entry) => entry.moveId === 'move-last');
      let staleButCurrentAtMs: number | undefined;
      sim.runUntil(() => {
        if (placement.journalIsCurrent() && !holds()) staleButCurrentAtMs ??= sim.nowMs;
        return placement.journalIsCurrent() && holds();
      }, { withinMs: 10_000, waitingFor: 'a current journal under a new leader' });
      assert.equal(staleButCurrentAtMs, undefined, `seed ${seed}: at ${staleButCurrentAtMs?.toFixed(2)} ms, under ${placement.leader()}, a journal without the step ${leader} committed counted as current`);
    }
  });

  test('with every placement replica but the leader down there is no current journal', () => {
    const { sim, cluster } = startStore(2);
    const placement = cluster.database.placement;
    const leader = placement.leader()!;
    const others = placementStatus(cluster, leader)!.config.voters.filter((node) => node !== leader);
    assert.ok(others.length >= 2, 'the placement group has at least 3 voters');
    for (const node of others) sim.node(node).crash();
    sim.runFor(50);
    assert.equal(placement.leader(), leader, 'the leader still holds its role');
    assert.equal(placement.journalIsCurrent(), false, `a journal read with ${others.length} of the placement voters down counted as current`);
  });
});
