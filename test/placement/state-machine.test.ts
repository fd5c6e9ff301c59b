import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { PlacementStateMachine } from '../../src/placement/state-machine';
import { moveReplica, planShards } from '../../src/sharding/shard-map';

/**
 * The placement state machine (docs/ARCHITECTURE.md, "Replicated state and the placement
 * service"): map changes are compare-and-set on the epoch, every change is in the history,
 * and a snapshot carries map, history and move journal.
 */
const initial = planShards({ nodes: ['n1', 'n2', 'n3', 'n4'], shardCount: 4, replicationFactor: 3 });

function bootstrapped(): PlacementStateMachine {
  const machine = new PlacementStateMachine();
  machine.restore(PlacementStateMachine.bootstrapSnapshot(initial, 0, 1));
  return machine;
}

describe('placement state machine', () => {
  it('applies a map change stated against the current epoch and records it in the history', () => {
    const machine = bootstrapped();
    const newcomer = initial.shards[0].replicas.includes('n4') ? 'n9' : 'n4';
    const next = moveReplica(initial, 'shard-1', initial.shards[0].replicas[0], newcomer);
    const result = machine.apply({ placement: { kind: 'change-map', expectedEpoch: 1, shards: next.shards, reason: 'test move', atMs: 42 } }, 2);
    assert.deepEqual(result, { status: 'ok', epoch: 2 });
    assert.equal(machine.map.epoch, 2);
    assert.deepEqual(machine.history.map((change) => [change.epoch, change.reason, change.atMs]), [[1, 'bootstrap: the first placement of the shards', 0], [2, 'test move', 42]]);
  });

  it('refuses a change stated against an older epoch and changes nothing (two movers cannot both win)', () => {
    const machine = bootstrapped();
    machine.apply({ placement: { kind: 'change-map', expectedEpoch: 1, shards: initial.shards, reason: 'first', atMs: 1 } }, 2);
    const stale = machine.apply({ placement: { kind: 'change-map', expectedEpoch: 1, shards: initial.shards, reason: 'second', atMs: 2 } }, 3);
    assert.deepEqual(stale, { status: 'stale-epoch', currentEpoch: 2 });
    assert.equal(machine.history.length, 2);
  });

  it('refuses a map that leaves a slot unowned, naming it', () => {
    const machine = bootstrapped();
    assert.throws(
      () => machine.apply({ placement: { kind: 'change-map', expectedEpoch: 1, shards: initial.shards.slice(1), reason: 'drop a shard', atMs: 1 } }, 2),
      /slot 0 is owned by no shard/,
    );
  });

  it('journal steps advance only from the step the writer read, and end in the finished list', () => {
    const machine = bootstrapped();
    const record = { moveId: 'm1', move: {}, step: 'planned', startedAtMs: 5, updatedAtMs: 5, bytes: 0 };
    assert.equal(machine.apply({ placement: { kind: 'journal', record, expectedStep: null } }, 2).status, 'ok');
    assert.deepEqual(machine.apply({ placement: { kind: 'journal', record: { ...record, step: 'x' }, expectedStep: null } }, 3), { status: 'stale-step', currentStep: 'planned' });
    machine.apply({ placement: { kind: 'journal', record: { ...record, step: 'learner-added', bytes: 100 }, expectedStep: 'planned' } }, 4);
    machine.apply({ placement: { kind: 'journal-end', moveId: 'm1', outcome: 'done', atMs: 9 } }, 5);
    assert.deepEqual(machine.journal, []);
    assert.deepEqual(machine.finished, [{ moveId: 'm1', outcome: 'done', startedAtMs: 5, endedAtMs: 9, bytes: 100 }]);
  });

  it('a snapshot restores map, history, journal and finished moves exactly', () => {
    const machine = bootstrapped();
    machine.apply({ placement: { kind: 'journal', record: { moveId: 'm1', move: { kind: 'x' }, step: 'planned', startedAtMs: 1, updatedAtMs: 1, bytes: 0 }, expectedStep: null } }, 2);
    machine.apply({ placement: { kind: 'change-map', expectedEpoch: 1, shards: initial.shards, reason: 'r', atMs: 3 } }, 3);
    const copy = new PlacementStateMachine();
    copy.restore(JSON.parse(JSON.stringify(machine.snapshot())));
    assert.deepEqual(copy.snapshot(), machine.snapshot());
    assert.throws(() => copy.apply({ placement: { kind: 'journal-end', moveId: 'm1', outcome: 'done', atMs: 4 } }, 3), /must strictly increase/);
  });
});
