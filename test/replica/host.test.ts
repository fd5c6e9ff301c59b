/**
 * The replicated state machine as a composition of modules (issue 11 §5; Raft thesis §5.1
 * for applying committed entries in index order): the host dispatches each entry to the
 * module owning its kind, keeps the applied index, and assembles and restores the
 * snapshot from the modules' parts, all or nothing.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { StateMachineHost } from '../../src/replica/host';
import type { StateMachineModule } from '../../src/replica/module';
import { ShardStateMachine } from '../../src/replica/shard-state-machine';
import type { TxnLogEntry } from '../../src/txn/participant-module';

/** A module counting its entries `{ [name]: count }` under the snapshot field `name`. */
class Counter implements StateMachineModule<Record<string, number>, number> {
  total = 0;
  constructor(readonly name: string) {}
  get kind(): string {
    return this.name;
  }
  validate(entry: Record<string, number>): void {
    if (!Number.isInteger(entry[this.name])) throw new TypeError(`${this.name}: count must be an integer`);
  }
  apply(entry: Record<string, number>): number {
    this.total += entry[this.name];
    return this.total;
  }
  snapshotPart(): object {
    return this.total === 0 ? {} : { [this.name]: this.total };
  }
  parsePart(snapshot: Readonly<Record<string, unknown>>): number {
    const value = snapshot[this.name] ?? 0;
    if (!Number.isInteger(value)) throw new TypeError(`${this.name}: bad snapshot part`);
    return value as number;
  }
  loadPart(part: number): void {
    this.total = part;
  }
}

function composed() {
  const left = new Counter('left');
  const right = new Counter('right');
  return { left, right, host: new StateMachineHost('test.v1', [left, right]) };
}

describe('state machine host (composition of modules)', () => {
  it('dispatches each entry to the module owning its kind only', () => {
    const { left, right, host } = composed();
    assert.equal(host.apply({ left: 2 }, 1), 2);
    assert.equal(host.apply({ right: 5 }, 3), 5);
    assert.equal(host.apply({ left: 1 }, 4), 3);
    assert.deepEqual([left.total, right.total, host.lastAppliedIndex], [3, 5, 4]);
  });

  it('refuses an entry no module owns, one two modules claim, a malformed entry and a non-increasing index, changing nothing', () => {
    const { left, right, host } = composed();
    host.apply({ left: 1 }, 1);
    assert.throws(() => host.apply({ nobody: 1 }, 2), /no module owns the entry \{"nobody":1\} \(test.v1\)/);
    assert.throws(() => host.apply({ left: 1, right: 1 }, 2), /modules left and right both claim/);
    assert.throws(() => host.apply({ left: 0.5 }, 2), /left: count must be an integer/);
    assert.throws(() => host.apply({ left: 1 }, 1), /strictly increase/);
    assert.deepEqual([left.total, right.total, host.lastAppliedIndex], [1, 0, 1]);
  });

  it('refuses two modules of one kind', () => {
    assert.throws(() => new StateMachineHost('test.v1', [new Counter('x'), new Counter('x')]), /two modules of test.v1 own entries of kind x/);
  });

  it('assembles the snapshot from the parts in module order and restores it elsewhere', () => {
    const { host } = composed();
    host.apply({ right: 4 }, 1);
    host.apply({ left: 7 }, 2);
    const snapshot = host.snapshot();
    assert.equal(JSON.stringify(snapshot), '{"format":"test.v1","lastAppliedIndex":2,"left":7,"right":4}');
    const copy = composed();
    copy.host.restore(JSON.parse(JSON.stringify(snapshot)));
    assert.equal(copy.host.digest(), host.digest());
    assert.deepEqual([copy.left.total, copy.right.total, copy.host.lastAppliedIndex], [7, 4, 2]);
  });

  it('a snapshot with one bad part leaves every module alone', () => {
    const { left, right, host } = composed();
    host.apply({ left: 1 }, 1);
    host.apply({ right: 1 }, 2);
    assert.throws(() => host.restore({ format: 'test.v1', lastAppliedIndex: 9, left: 5, right: 'x' }), /right: bad snapshot part/);
    assert.throws(() => host.restore({ format: 'other', lastAppliedIndex: 9 }), /not a test.v1 snapshot/);
    assert.deepEqual([left.total, right.total, host.lastAppliedIndex], [1, 1, 2]);
  });
});

/** The shard's composition: KV, transaction participant, roles and slot fence. */
describe('shard state machine (KV, transactions, roles, slots as modules)', () => {
  const put = (clientId: string, sequence: number, key: string, value: string) => ({ clientId, sequence, operation: { kind: 'put' as const, key, value } });
  const acquire = (txnId: string, key: string, opIndex: number): TxnLogEntry => ({
    txn: { kind: 'acquire', txnId, priority: { startedAtMs: 0, txnId }, anchorKey: key, coordinator: 'n1', opIndex, key, access: { kind: 'write', value: 'v' } },
  });

  it('each kind reaches its own module: a KV write, a transaction lock, a role change, a slot release', () => {
    const machine = new ShardStateMachine();
    assert.equal(machine.apply(put('c', 1, 'a', '1'), 1).status, 'ok');
    assert.equal(machine.apply(acquire('t1', 'b', 1), 2).status, 'granted');
    assert.deepEqual(machine.apply({ auth: { version: 1, command: { kind: 'add-user', user: 'u', proof: 'p' } } }, 3), { ok: true });
    assert.equal(machine.transactions.lockOn('b'), 'exclusive');
    assert.deepEqual(machine.auth.userNames(), ['u']);
    assert.equal(machine.read('a'), '1');
    const snapshot = machine.snapshot();
    assert.deepEqual(Object.keys(snapshot), ['format', 'lastAppliedIndex', 'entries', 'sessions', 'transactions', 'auth']);
  });

  it('the composition wires one module to another: a locked key refuses a KV write, a released slot refuses KV and lock requests', () => {
    const machine = new ShardStateMachine();
    machine.apply(acquire('t1', 'k', 1), 1);
    assert.deepEqual(machine.apply(put('c', 1, 'k', 'x'), 2), { status: 'locked', key: 'k', mode: 'exclusive' });
    machine.apply({ txn: { kind: 'resolve', txnId: 't1', outcome: 'aborted' } }, 3);
    const all = { start: 0, endExclusive: 16384 };
    assert.deepEqual(machine.apply({ slots: { kind: 'release', range: all } }, 4), { status: 'ok' });
    assert.deepEqual(machine.apply(put('c', 1, 'k', 'x'), 5), { status: 'moved', key: 'k' });
    assert.equal(machine.apply(acquire('t2', 'k', 1), 6).status, 'finished');
    assert.equal(machine.read('k'), null);
  });

  it('a snapshot whose slots part is malformed restores nothing, though the KV and transaction parts were good', () => {
    const machine = new ShardStateMachine();
    machine.apply(put('c', 1, 'a', '1'), 1);
    machine.apply(acquire('t1', 'b', 1), 2);
    const before = machine.digest();
    const other = new ShardStateMachine();
    other.apply(put('d', 1, 'z', '9'), 1);
    const bad = { ...other.snapshot(), lastAppliedIndex: 7, slots: { released: ['x'], incoming: [], incomingEntries: [] } };
    assert.throws(() => machine.restore(bad), /bad slots in snapshot/);
    assert.equal(machine.digest(), before);
    assert.equal(machine.read('a'), '1');
    assert.equal(machine.read('z'), null);
    assert.equal(machine.lastAppliedIndex, 2);
    assert.equal(machine.transactions.lockOn('b'), 'exclusive');
  });

  it('a malformed auth part restores nothing either', () => {
    const machine = new ShardStateMachine();
    machine.apply(put('c', 1, 'a', '1'), 1);
    const before = machine.digest();
    assert.throws(() => machine.restore({ format: 'phantomdb.kv.v1', lastAppliedIndex: 3, entries: [], sessions: [], auth: { format: 'nope' } }), /not a phantomdb.auth.v1 snapshot/);
    assert.equal(machine.digest(), before);
  });
});
