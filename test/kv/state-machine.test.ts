import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import type { KvOperation } from '../../src/kv/operation';
import { type KvCommand, KvStateMachine } from '../../src/kv/state-machine';

function command(clientId: string, sequence: number, operation: KvOperation): KvCommand {
  return { clientId, sequence, operation };
}

/** Applies commands at log indexes 1, 2, 3, ... and returns the results. */
function applyAll(machine: KvStateMachine, commands: readonly KvCommand[]) {
  return commands.map((entry) => machine.apply(entry, machine.lastAppliedIndex + 1));
}

describe('KV state machine operations', () => {
  it('get returns null for an absent key and the value after a put', () => {
    const machine = new KvStateMachine();
    const results = applyAll(machine, [
      command('c', 1, { kind: 'get', key: 'x' }),
      command('c', 2, { kind: 'put', key: 'x', value: '1' }),
      command('c', 3, { kind: 'get', key: 'x' }),
    ]);
    assert.deepEqual(
      results.map((result) => (result.status === 'ok' ? result.result : result)),
      [{ kind: 'get', value: null }, { kind: 'put' }, { kind: 'get', value: '1' }],
    );
  });

  it('delete removes the key', () => {
    const machine = new KvStateMachine();
    applyAll(machine, [command('c', 1, { kind: 'put', key: 'x', value: '1' }), command('c', 2, { kind: 'delete', key: 'x' })]);
    assert.equal(machine.read('x'), null);
    assert.equal(machine.keyCount, 0);
  });

  it('cas succeeds on a match (null = absent) and reports the actual value otherwise', () => {
    const machine = new KvStateMachine();
    const [created, mismatch, swapped] = applyAll(machine, [
      command('c', 1, { kind: 'cas', key: 'x', expected: null, value: 'a' }),
      command('c', 2, { kind: 'cas', key: 'x', expected: 'z', value: 'b' }),
      command('c', 3, { kind: 'cas', key: 'x', expected: 'a', value: 'b' }),
    ]);
    assert.deepEqual(created, { status: 'ok', result: { kind: 'cas', ok: true }, duplicate: false });
    assert.deepEqual(mismatch, { status: 'ok', result: { kind: 'cas', ok: false, actual: 'a' }, duplicate: false });
    assert.deepEqual(swapped, { status: 'ok', result: { kind: 'cas', ok: true }, duplicate: false });
    assert.equal(machine.read('x'), 'b');
  });

  it('append concatenates onto "" for an absent key and returns the new value', () => {
    const machine = new KvStateMachine();
    const results = applyAll(machine, [command('c', 1, { kind: 'append', key: 'x', value: 'ab' }), command('c', 2, { kind: 'append', key: 'x', value: 'c' })]);
    assert.deepEqual(results[1], { status: 'ok', result: { kind: 'append', value: 'abc' }, duplicate: false });
  });

  it('asserts that log indexes strictly increase (gaps allowed)', () => {
    const machine = new KvStateMachine();
    machine.apply(command('c', 1, { kind: 'put', key: 'x', value: '1' }), 5);
    assert.throws(() => machine.apply(command('c', 2, { kind: 'put', key: 'x', value: '2' }), 5), /strictly increase/);
    assert.throws(() => machine.apply(command('c', 2, { kind: 'put', key: 'x', value: '2' }), 4), /strictly increase/);
    machine.apply(command('c', 2, { kind: 'put', key: 'x', value: '2' }), 9);
    assert.equal(machine.lastAppliedIndex, 9);
  });

  it('rejects malformed commands before changing anything', () => {
    const machine = new KvStateMachine();
    const bad = { kind: 'put', key: 'x' } as unknown as KvOperation;
    assert.throws(() => machine.apply(command('c', 1, bad), 1), /needs a string value/);
    assert.throws(() => machine.apply(command('c', 0, { kind: 'get', key: 'x' }), 1), /sequence/);
    assert.equal(machine.lastAppliedIndex, 0);
  });
});

describe('Exactly-once client sessions (Raft thesis §6.3)', () => {
  it('a retried (client, sequence) returns the saved response without applying again', () => {
    const machine = new KvStateMachine();
    const append = command('c', 1, { kind: 'append', key: 'x', value: 'a' });
    const first = machine.apply(append, 1);
    const retry = machine.apply(append, 2);
    assert.deepEqual(first, { status: 'ok', result: { kind: 'append', value: 'a' }, duplicate: false });
    assert.deepEqual(retry, { status: 'ok', result: { kind: 'append', value: 'a' }, duplicate: true });
    assert.equal(machine.read('x'), 'a');
  });

  it('a sequence older than the latest is answered stale-request and not applied', () => {
    const machine = new KvStateMachine();
    applyAll(machine, [command('c', 1, { kind: 'append', key: 'x', value: 'a' }), command('c', 2, { kind: 'append', key: 'x', value: 'b' })]);
    const stale = machine.apply(command('c', 1, { kind: 'append', key: 'x', value: 'a' }), 3);
    assert.deepEqual(stale, { status: 'stale-request', latestSequence: 2 });
    assert.equal(machine.read('x'), 'ab');
  });

  it('sessions of different clients are independent', () => {
    const machine = new KvStateMachine();
    const results = applyAll(machine, [command('a', 1, { kind: 'append', key: 'x', value: 'a' }), command('b', 1, { kind: 'append', key: 'x', value: 'b' })]);
    assert.ok(results.every((result) => result.status === 'ok' && !result.duplicate));
    assert.equal(machine.read('x'), 'ab');
  });

  it('evicts the least recently used session beyond the bound; its later sequences get session-expired', () => {
    const machine = new KvStateMachine({ sessionsMax: 2 });
    applyAll(machine, [
      command('a', 1, { kind: 'put', key: 'x', value: '1' }),
      command('b', 1, { kind: 'put', key: 'x', value: '2' }),
      command('a', 2, { kind: 'put', key: 'x', value: '3' }), // a is now more recent than b
      command('c', 1, { kind: 'put', key: 'x', value: '4' }), // evicts b
    ]);
    assert.equal(machine.sessionCount, 2);
    assert.deepEqual(machine.apply(command('b', 2, { kind: 'put', key: 'x', value: '5' }), 5), { status: 'session-expired' });
    assert.equal(machine.read('x'), '4');
    assert.equal(machine.apply(command('a', 3, { kind: 'get', key: 'x' }), 6).status, 'ok');
  });

  it('retries are answered identically by a replica restored from a snapshot', () => {
    const leader = new KvStateMachine();
    const append = command('c', 1, { kind: 'append', key: 'x', value: 'a' });
    leader.apply(append, 1);
    const follower = new KvStateMachine();
    follower.restore(JSON.parse(JSON.stringify(leader.snapshot())));
    assert.deepEqual(follower.apply(append, 2), leader.apply(append, 2));
  });
});

const operationArbitrary: fc.Arbitrary<KvOperation> = (() => {
  const key = fc.constantFrom('a', 'b', 'c');
  const value = fc.constantFrom('', '0', '1', 'xy');
  return fc.oneof(
    fc.record({ kind: fc.constant('get' as const), key }),
    fc.record({ kind: fc.constant('put' as const), key, value }),
    fc.record({ kind: fc.constant('delete' as const), key }),
    fc.record({ kind: fc.constant('cas' as const), key, expected: fc.option(value, { nil: null }), value }),
    fc.record({ kind: fc.constant('append' as const), key, value }),
  );
})();

/** Random commands from three clients, with retries (repeated sequences) mixed in. */
const commandsArbitrary = fc.array(fc.tuple(fc.constantFrom('p', 'q', 'r'), operationArbitrary, fc.boolean()), { maxLength: 60 }).map((steps) => {
  const sequences = new Map<string, number>();
  const commands: KvCommand[] = [];
  for (const [clientId, operation, retry] of steps) {
    const previous = [...commands].reverse().find((entry) => entry.clientId === clientId);
    if (retry && previous !== undefined) {
      commands.push(previous);
      continue;
    }
    const sequence = (sequences.get(clientId) ?? 0) + 1;
    sequences.set(clientId, sequence);
    commands.push({ clientId, sequence, operation });
  }
  return commands;
});

describe('Snapshots and digests', () => {
  it('snapshot → JSON → restore gives an equal machine, whatever was applied', () => {
    fc.assert(
      fc.property(commandsArbitrary, (commands) => {
        const original = new KvStateMachine({ sessionsMax: 2 });
        applyAll(original, commands);
        const copy = new KvStateMachine({ sessionsMax: 2 });
        copy.restore(JSON.parse(JSON.stringify(original.snapshot())));
        assert.deepEqual(copy.snapshot(), original.snapshot());
        assert.equal(copy.digest(), original.digest());
      }),
    );
  });

  it('replicas that apply the same log agree on the digest, and diverge when a write differs', () => {
    fc.assert(
      fc.property(commandsArbitrary, (commands) => {
        const left = new KvStateMachine();
        const right = new KvStateMachine();
        applyAll(left, commands);
        applyAll(right, commands);
        assert.equal(left.digest(), right.digest());
        left.apply(command('z', 1, { kind: 'put', key: 'a', value: 'left' }), left.lastAppliedIndex + 1);
        right.apply(command('z', 1, { kind: 'put', key: 'a', value: 'right' }), right.lastAppliedIndex + 1);
        assert.notEqual(left.digest(), right.digest());
      }),
    );
  });

  it('a restored replica continues exactly like the original', () => {
    fc.assert(
      fc.property(commandsArbitrary, commandsArbitrary, (before, after) => {
        const original = new KvStateMachine({ sessionsMax: 2 });
        applyAll(original, before);
        const copy = new KvStateMachine({ sessionsMax: 2 });
        copy.restore(original.snapshot());
        assert.deepEqual(applyAll(copy, after), applyAll(original, after));
        assert.equal(copy.digest(), original.digest());
      }),
    );
  });

  it('snapshots are plain data: key order does not depend on insertion order', () => {
    const forwards = new KvStateMachine();
    const backwards = new KvStateMachine();
    applyAll(forwards, [command('c', 1, { kind: 'put', key: 'a', value: '1' }), command('d', 1, { kind: 'put', key: 'b', value: '2' })]);
    applyAll(backwards, [command('d', 1, { kind: 'put', key: 'b', value: '2' }), command('c', 1, { kind: 'put', key: 'a', value: '1' })]);
    assert.deepEqual(forwards.snapshot().entries, [['a', '1'], ['b', '2']]);
    assert.deepEqual(backwards.snapshot().entries, forwards.snapshot().entries);
  });

  it('restore rejects malformed snapshots and leaves the state alone', () => {
    const machine = new KvStateMachine();
    machine.apply(command('c', 1, { kind: 'put', key: 'a', value: '1' }), 1);
    const good = machine.snapshot();
    assert.throws(() => machine.restore({ ...good, format: 'other' }), /snapshot/);
    assert.throws(() => machine.restore({ ...good, entries: [['a', 1]] }), /entry/);
    assert.throws(() => machine.restore({ ...good, lastAppliedIndex: 0 }), /after the snapshot index/);
    assert.throws(() => machine.restore({ ...good, sessions: [...good.sessions, ...good.sessions] }), /ordered|twice/);
    assert.equal(machine.read('a'), '1');
    assert.deepEqual(machine.snapshot(), good);
  });
});
