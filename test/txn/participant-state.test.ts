import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { KvStateMachine, type TxnLogEntry } from '../../src/kv/state-machine';
import type { TxnAccess, TxnApplyResult, TxnCommand } from '../../src/txn/types';

/**
 * The replicated participant state (src/txn/participant-state.ts) through the key-value
 * state machine that hosts it, one applied log entry at a time: locks and intents
 * (strict two-phase locking), votes, decisions and transaction records (presumed abort),
 * idempotence of every command, and snapshots.
 */

class Shard {
  readonly machine = new KvStateMachine();
  private index = 0;
  private sequence = 0;

  apply(command: TxnCommand): TxnApplyResult {
    return this.machine.apply({ txn: command } satisfies TxnLogEntry, ++this.index);
  }

  put(key: string, value: string) {
    return this.machine.apply({ clientId: 'plain', sequence: ++this.sequence, operation: { kind: 'put', key, value } }, ++this.index);
  }

  get state() {
    return this.machine.transactions;
  }
}

let opIndex = 0;
function acquire(txnId: string, key: string, access: TxnAccess, startedAtMs = Number(txnId.replace(/\D/g, '')) || 0): TxnCommand {
  return { kind: 'acquire', txnId, priority: { startedAtMs, txnId }, anchorKey: key, coordinator: 'node-1', opIndex: ++opIndex, key, access };
}
const read = (txnId: string, key: string) => acquire(txnId, key, { kind: 'read' });
const write = (txnId: string, key: string, value: string | null) => acquire(txnId, key, { kind: 'write', value });

describe('Locks and intents (strict two-phase locking)', () => {
  it('shared locks are compatible; an exclusive lock conflicts and names its holders, changing nothing', () => {
    const shard = new Shard();
    assert.deepEqual(shard.apply(read('t1', 'x')), { status: 'granted', value: null });
    assert.deepEqual(shard.apply(read('t2', 'x')), { status: 'granted', value: null });
    const conflict = shard.apply(write('t3', 'x', '1'));
    assert.equal(conflict.status, 'conflict');
    assert.deepEqual(conflict.status === 'conflict' && conflict.holders.map((holder) => holder.txnId), ['t1', 't2']);
    assert.equal(shard.state.transaction('t3'), undefined, 'a refused request leaves no trace');
  });

  it('upgrading a shared lock conflicts with the other readers, not with oneself', () => {
    const shard = new Shard();
    shard.apply(read('t1', 'x'));
    assert.equal(shard.apply(write('t1', 'x', 'a')).status, 'granted');
    const other = new Shard();
    other.apply(read('t1', 'x'));
    other.apply(read('t2', 'x'));
    assert.equal(other.apply(write('t1', 'x', 'a')).status, 'conflict');
  });

  it('intents are visible to their own transaction only, and plain requests on locked keys are refused', () => {
    const shard = new Shard();
    shard.put('x', 'old');
    shard.apply(write('t1', 'x', 'new'));
    assert.deepEqual(shard.apply(read('t1', 'x')), { status: 'granted', value: 'new' });
    assert.equal(shard.machine.read('x'), 'old');
    assert.equal(shard.put('x', 'plain').status, 'locked');
    assert.equal(shard.apply(read('t2', 'x')).status, 'conflict');
  });

  it('append builds a space-separated list on the committed value', () => {
    const shard = new Shard();
    shard.put('l', '1');
    shard.apply(acquire('t1', 'l', { kind: 'append', element: '2' }));
    assert.deepEqual(shard.apply(acquire('t1', 'l', { kind: 'append', element: '3' })), { status: 'granted', value: '1 2 3' });
  });

  it('a duplicated acquire gets the same answer; an older one arriving late is ignored', () => {
    const shard = new Shard();
    const first = write('t1', 'x', 'a');
    const second = write('t1', 'x', 'b');
    shard.apply(first);
    shard.apply(second);
    assert.deepEqual(shard.apply(second), { status: 'granted', value: 'b' });
    assert.deepEqual(shard.apply(first), { status: 'stale' });
    shard.apply({ kind: 'prepare', txnId: 't1', lastOpIndex: 0 });
    shard.apply({ kind: 'resolve', txnId: 't1', outcome: 'committed' });
    assert.equal(shard.machine.read('x'), 'b');
  });
});

describe('Votes, decisions and records', () => {
  it('a writer prepares and commits in phase two; a reader votes read-only and releases at once', () => {
    const shard = new Shard();
    shard.apply(write('t1', 'x', '1'));
    shard.apply(read('t2', 'y'));
    assert.deepEqual(shard.apply({ kind: 'prepare', txnId: 't1', lastOpIndex: 0 }), { status: 'prepared' });
    assert.deepEqual(shard.apply({ kind: 'prepare', txnId: 't2', lastOpIndex: 0 }), { status: 'read-only' });
    assert.equal(shard.state.lockOn('y'), undefined);
    assert.equal(shard.state.transaction('t1')?.state, 'prepared');
    assert.deepEqual(shard.apply({ kind: 'resolve', txnId: 't1', outcome: 'committed' }), { status: 'resolved', outcome: 'committed' });
    assert.equal(shard.machine.read('x'), '1');
    assert.deepEqual(shard.state.transactions(), []);
  });

  it('an abort discards the intents; a late acquire cannot revive the transaction', () => {
    const shard = new Shard();
    const late = write('t1', 'x', 'late');
    shard.apply(write('t1', 'x', '1'));
    shard.apply({ kind: 'resolve', txnId: 't1', outcome: 'aborted', reason: 'rolled back' });
    assert.equal(shard.machine.read('x'), null);
    assert.deepEqual(shard.apply(late), { status: 'finished', outcome: 'aborted', reason: 'rolled back' });
  });

  it('an abort that overtakes every operation fences them off', () => {
    const shard = new Shard();
    shard.apply({ kind: 'resolve', txnId: 't1', outcome: 'aborted', reason: 'prepare timed out' });
    assert.equal(shard.apply(write('t1', 'x', '1')).status, 'finished');
    assert.equal(shard.state.lockOn('x'), undefined);
  });

  it('a participant that has not applied every acknowledged operation votes no', () => {
    const shard = new Shard();
    const first = write('t1', 'x', '1');
    shard.apply(first);
    const refused = shard.apply({ kind: 'prepare', txnId: 't1', lastOpIndex: first.kind === 'acquire' ? first.opIndex + 1 : 0 });
    assert.equal(refused.status, 'refused');
    assert.equal(shard.state.lockOn('x'), undefined);
  });

  it('a participant that holds nothing for the transaction votes no', () => {
    const shard = new Shard();
    assert.deepEqual(shard.apply({ kind: 'prepare', txnId: 't9', lastOpIndex: 0 }), { status: 'refused', reason: 'this shard holds no locks for the transaction' });
  });

  it('a participant asked to refuse votes no and aborts its part; once prepared it cannot refuse', () => {
    const shard = new Shard();
    shard.apply(write('t1', 'x', '1'));
    assert.deepEqual(shard.apply({ kind: 'prepare', txnId: 't1', lastOpIndex: 0, refuse: 'insufficient funds' }), { status: 'refused', reason: 'insufficient funds' });
    assert.equal(shard.state.lockOn('x'), undefined);
    shard.apply(write('t2', 'y', '1'));
    shard.apply({ kind: 'prepare', txnId: 't2', lastOpIndex: 0 });
    assert.deepEqual(shard.apply({ kind: 'prepare', txnId: 't2', lastOpIndex: 0, refuse: 'too late' }), { status: 'prepared' });
  });

  it('the anchor records the commit and commits its own part in the same entry (one phase)', () => {
    const shard = new Shard();
    shard.apply(write('t1', 'x', '1'));
    assert.deepEqual(shard.apply({ kind: 'decide', txnId: 't1', participants: ['shard-1'], lastOpIndex: 0 }), { status: 'committed' });
    assert.equal(shard.machine.read('x'), '1');
    assert.equal(shard.state.record('t1')?.outcome, 'committed');
    assert.deepEqual(shard.apply({ kind: 'decide', txnId: 't1', participants: ['shard-1'], lastOpIndex: 0 }), { status: 'committed' });
    assert.deepEqual(shard.apply({ kind: 'settle', txnId: 't1', reason: 'recovery' }), { status: 'committed' });
  });

  it('presumed abort: settling without a record aborts, and a later decision cannot commit', () => {
    const shard = new Shard();
    shard.apply(write('t1', 'x', '1'));
    assert.deepEqual(shard.apply({ kind: 'settle', txnId: 't1', reason: 'presumed abort' }), { status: 'aborted', reason: 'presumed abort' });
    assert.equal(shard.state.lockOn('x'), undefined);
    assert.deepEqual(shard.apply({ kind: 'decide', txnId: 't1', participants: [], lastOpIndex: 0 }), { status: 'aborted', reason: 'presumed abort' });
    assert.equal(shard.machine.read('x'), null);
  });

  it('a decision for a transaction the anchor never saw is an abort', () => {
    const shard = new Shard();
    assert.equal(shard.apply({ kind: 'decide', txnId: 't1', participants: [], lastOpIndex: 0 }).status, 'aborted');
  });

  it('resolving committed what was aborted here is reported as broken atomicity', () => {
    const shard = new Shard();
    shard.apply({ kind: 'resolve', txnId: 't1', outcome: 'aborted', reason: 'timeout' });
    shard.apply({ kind: 'resolve', txnId: 't1', outcome: 'committed' });
    assert.equal(shard.state.violations.length, 1);
    assert.match(shard.state.violations[0], /t1 ended aborted/);
  });
});

describe('Snapshots of the transactional state', () => {
  const keys = ['a', 'b', 'c'];
  const txnIds = ['t1', 't2', 't3', 't4'];
  const commandArbitrary: fc.Arbitrary<TxnCommand | { put: string }> = fc.oneof(
    fc.record({ txnId: fc.constantFrom(...txnIds), key: fc.constantFrom(...keys), kind: fc.constantFrom('read', 'update', 'write', 'append') }).map(({ txnId, key, kind }) =>
      acquire(txnId, key, kind === 'read' ? { kind: 'read' } : kind === 'update' ? { kind: 'read', forUpdate: true } : kind === 'write' ? { kind: 'write', value: `${txnId}` } : { kind: 'append', element: txnId }),
    ),
    fc.constantFrom(...txnIds).map((txnId): TxnCommand => ({ kind: 'prepare', txnId, lastOpIndex: 0 })),
    fc.record({ txnId: fc.constantFrom(...txnIds), outcome: fc.constantFrom('committed' as const, 'aborted' as const) }).map(({ txnId, outcome }): TxnCommand => ({ kind: 'resolve', txnId, outcome })),
    fc.constantFrom(...txnIds).map((txnId): TxnCommand => ({ kind: 'decide', txnId, participants: ['s'], lastOpIndex: 0 })),
    fc.constantFrom(...txnIds).map((txnId): TxnCommand => ({ kind: 'settle', txnId, reason: 'r' })),
    fc.constantFrom(...keys).map((key) => ({ put: key })),
  );

  it('a replica restored from a snapshot answers every later command as the original does', () => {
    fc.assert(
      fc.property(fc.array(commandArbitrary, { maxLength: 40 }), fc.array(commandArbitrary, { maxLength: 40 }), (before, after) => {
        const original = new Shard();
        const run = (shard: Shard, command: TxnCommand | { put: string }) => ('put' in command ? shard.put(command.put, 'p') : shard.apply(command));
        for (const command of before) run(original, command);
        const copy = new Shard();
        copy.machine.restore(JSON.parse(JSON.stringify(original.machine.snapshot())));
        Object.assign(copy, { index: (original as unknown as { index: number }).index, sequence: (original as unknown as { sequence: number }).sequence });
        assert.equal(copy.machine.digest(), original.machine.digest());
        for (const command of after) assert.deepEqual(run(copy, command), run(original, command));
        assert.equal(copy.machine.digest(), original.machine.digest());
      }),
      { numRuns: 300 },
    );
  });

  it('a shard no transaction ever touched keeps the plain snapshot format', () => {
    const shard = new Shard();
    shard.put('x', '1');
    assert.equal('transactions' in shard.machine.snapshot(), false);
  });
});
