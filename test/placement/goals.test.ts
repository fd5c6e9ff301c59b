import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { serverWireRules } from '../../src/api/wire-rules';
import { PlacementStateMachine } from '../../src/placement/state-machine';
import type { TableGoal } from '../../src/placement/survival';
import { placementLogEntryCheck } from '../../src/placement/wire';
import { BoundaryCounters, MessageBoundary } from '../../src/runtime/message-boundary';
import { jsonValue, record } from '../../src/runtime/wire-check';
import { planShards } from '../../src/sharding/shard-map';

/**
 * Tables' survival goals as the placement group's replicated state (issue 11 §1;
 * docs/ARCHITECTURE.md, "Replicated state and the placement service"; CockroachDB keeps
 * zone configurations in replicated system tables): set by committed `set-goal` entries,
 * carried by snapshots, refused whole when malformed, and checked field by field at the
 * message boundary (a malformed entry in the log would stop every replica at one index).
 */
const map = planShards({ nodes: ['n1', 'n2', 'n3', 'n4'], shardCount: 2, replicationFactor: 3 });
const carts: TableGoal = { shard: 'shard-1', locality: { table: 'carts', goal: 'zone', homeRegion: 'us-east', voters: 3 } };
const setGoal = (goal: TableGoal, atMs = 7) => ({ placement: { kind: 'set-goal' as const, goal, reason: 'test', atMs } });

function bootstrapped(goals: readonly TableGoal[] = []): PlacementStateMachine {
  const machine = new PlacementStateMachine();
  machine.restore(PlacementStateMachine.bootstrapSnapshot(map, 0, 1, goals));
  return machine;
}

describe('placement state: tables\' survival goals', () => {
  it('the first map carries the tables\' goals, and a committed entry changes one', () => {
    const machine = bootstrapped([carts]);
    assert.deepEqual(machine.goals, [carts]);
    const moved = { ...carts, locality: { ...carts.locality, homeRegion: 'eu-west' } };
    assert.deepEqual(machine.apply(setGoal(moved), 2), { status: 'ok', epoch: 1 });
    assert.deepEqual(machine.goals, [moved]);
  });

  it('refuses, changing nothing, a malformed goal, an unknown shard, a shard of another table, a table on two shards', () => {
    const machine = bootstrapped([carts]);
    const refusals: [TableGoal, RegExp][] = [
      [{ ...carts, locality: { ...carts.locality, goal: 'planet' as never } }, /table carts: the survival goal must be zone or region, got "planet"/],
      [{ ...carts, locality: { ...carts.locality, voters: 2 } }, /table carts: surviving a failure needs at least 3 voters, got 2/],
      [{ ...carts, locality: { ...carts.locality, homeRegion: '' } }, /table carts: the home region must be a region's name/],
      [{ shard: 'shard-9', locality: carts.locality }, /table carts: there is no shard shard-9 in map epoch 1/],
      [{ shard: 'shard-1', locality: { ...carts.locality, table: 'orders' } }, /shard shard-1 already holds table carts, not orders/],
      [{ shard: 'shard-2', locality: carts.locality }, /table carts is held by shard shard-1, not shard-2/],
    ];
    refusals.forEach(([goal, reason], index) => {
      const result = machine.apply(setGoal(goal), index + 2);
      assert.equal(result.status, 'refused');
      assert.match((result as { reason: string }).reason, reason);
    });
    assert.deepEqual(machine.goals, [carts]);
    assert.equal(machine.lastAppliedIndex, refusals.length + 1);
  });

  it('a snapshot carries the goals; a replica restored from it plans with the same goals', () => {
    const machine = bootstrapped();
    machine.apply(setGoal(carts), 2);
    const copy = new PlacementStateMachine();
    copy.restore(JSON.parse(JSON.stringify(machine.snapshot())));
    assert.deepEqual(copy.goals, [carts]);
    assert.deepEqual(copy.snapshot(), machine.snapshot());
  });

  it('restore refuses a snapshot with a bad goal and keeps its state; bootstrap refuses a goal for no shard', () => {
    const machine = bootstrapped([carts]);
    const bad = { ...machine.snapshot(), goals: [{ shard: 'shard-2', locality: { table: 'x', goal: 'zone', homeRegion: 'us-east', voters: 1 } }] };
    assert.throws(() => machine.restore(bad), /snapshot with a bad goal: table x: surviving a failure needs at least 3 voters/);
    assert.deepEqual(machine.goals, [carts]);
    assert.throws(() => PlacementStateMachine.bootstrapSnapshot(map, 0, 1, [{ ...carts, shard: 'shard-7' }]), /there is no shard shard-7 in the first map/);
  });
});

describe('message boundary: the placement group\'s set-goal entry', () => {
  const append = (data: unknown) => ({
    type: 'raft.append',
    groupId: 'placement',
    message: { type: 'raft.append', from: 'node-2', to: 'node-1', term: 2, prevLogIndex: 0, prevLogTerm: 0, entries: [{ term: 2, index: 1, kind: 'normal', data }], leaderCommitIndex: 0 },
  });
  const gate = () => {
    const counters = new BoundaryCounters();
    return { counters, boundary: new MessageBoundary('node-1', { rules: serverWireRules(), admitted: (from) => from === 'node-2', counters }) };
  };

  it('passes a well-formed goal (fractional virtual time included) and drops malformed ones, naming the field', () => {
    const { boundary, counters } = gate();
    assert.equal(boundary.accept('node-2', append(setGoal(carts, 1234.5))), true);
    for (const goal of [{ ...carts, locality: { ...carts.locality, goal: 'planet' } }, { ...carts, locality: { ...carts.locality, voters: 'three' } }, { shard: '', locality: carts.locality }]) {
      assert.equal(boundary.accept('node-2', append(setGoal(goal as TableGoal))), false, JSON.stringify(goal));
    }
    assert.equal(boundary.accept('node-2', append(setGoal(carts, -1))), false);
    assert.equal(counters.byReason('malformed'), 4);
    assert.match(placementLogEntryCheck(setGoal({ ...carts, locality: { ...carts.locality, goal: 'planet' as never } }), 'entry') ?? '', /entry\.placement\.goal\.locality\.goal/);
  });

  it('with the rule taken away (plain JSON, as before), the malformed goal would pass', () => {
    const malformed = setGoal({ ...carts, locality: { ...carts.locality, goal: 'planet' as never } });
    assert.equal(record({ placement: jsonValue() })(malformed, 'entry'), undefined);
    assert.notEqual(placementLogEntryCheck(malformed, 'entry'), undefined);
  });

  it('other placement commands still pass as plain data (their meaning is the state machine\'s)', () => {
    const { boundary } = gate();
    assert.equal(boundary.accept('node-2', append({ placement: { kind: 'journal-end', moveId: 'm1', outcome: 'done', atMs: 3.5 } })), true);
  });
});
