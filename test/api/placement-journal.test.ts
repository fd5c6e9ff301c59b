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
import { placementGroupId } from '../../src/placement/state-machine';
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
