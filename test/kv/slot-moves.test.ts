import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { KvStateMachine } from '../../src/kv/state-machine';
import { slotForKey } from '../../src/sharding/slots';

/**
 * Slot moves at the state machine (issue 8 §4; Vitess's copy / catch-up / cut-over with a
 * deny list): the source refuses a range from its release on, the target serves it only
 * once acquired, sessions travel so a retry is answered and not applied twice, and a
 * range with transaction locks is not released.
 */
const key = 'colour';
const slot = slotForKey(key);
const range = { start: slot, endExclusive: slot + 1 };

function put(machine: KvStateMachine, clientId: string, sequence: number, value: string) {
  return machine.apply({ clientId, sequence, operation: { kind: 'put', key, value } }, machine.lastAppliedIndex + 1);
}

describe('slot moves in the KV state machine', () => {
  it('the source refuses a released slot (moved) and serves every other key', () => {
    const source = new KvStateMachine();
    put(source, 'c@shard-1', 1, 'blue');
    assert.deepEqual(source.apply({ slots: { kind: 'release', range } }, source.lastAppliedIndex + 1), { status: 'ok' });
    assert.deepEqual(put(source, 'c@shard-1', 2, 'red'), { status: 'moved', key });
    assert.equal(source.serves(key), false);
    assert.equal(source.serves('other-key-' + (slot + 1)), slotForKey('other-key-' + (slot + 1)) !== slot);
  });

  it('the target holds a copied slot apart until it acquires it with the writes made during the copy', () => {
    const target = new KvStateMachine();
    target.apply({ slots: { kind: 'ingest', range, entries: [[key, 'blue']] } }, 1);
    assert.equal(target.serves(key), false);
    assert.equal(target.read(key), null);
    target.apply({ slots: { kind: 'acquire', range, upserts: [[key, 'red']], deletes: [], sessions: [], records: [] } }, 2);
    assert.equal(target.serves(key), true);
    assert.equal(target.read(key), 'red');
  });

  it('a retry of a write the source applied is answered from the session the target received, not applied again', () => {
    const source = new KvStateMachine();
    put(source, 'c@shard-1', 1, 'blue');
    source.apply({ slots: { kind: 'release', range } }, source.lastAppliedIndex + 1);
    const exported = source.exportSlots(range);
    const target = new KvStateMachine();
    target.apply({ slots: { kind: 'acquire', range, upserts: exported.entries, deletes: [], sessions: exported.sessions, records: exported.records } }, 1);
    put(target, 'd@shard-2', 1, 'green');
    const retry = put(target, 'c@shard-1', 1, 'blue');
    assert.equal(retry.status === 'ok' && retry.duplicate, true);
    assert.equal(target.read(key), 'green');
  });

  it('a range in which a transaction holds a lock is not released (busy), and nothing changes', () => {
    const source = new KvStateMachine();
    source.apply({ txn: { kind: 'acquire', txnId: 't1', priority: { startedAtMs: 0, txnId: 't1' }, anchorKey: key, coordinator: 'n1', opIndex: 1, key, access: { kind: 'write', value: 'x' } } }, 1);
    const result = source.apply({ slots: { kind: 'release', range } }, 2);
    assert.equal(result.status, 'busy');
    assert.equal(source.serves(key), true);
  });

  it('a transaction may not lock a key whose slot is not served here: it ends aborted', () => {
    const source = new KvStateMachine();
    source.apply({ slots: { kind: 'release', range } }, 1);
    const result = source.apply({ txn: { kind: 'acquire', txnId: 't1', priority: { startedAtMs: 0, txnId: 't1' }, anchorKey: key, coordinator: 'n1', opIndex: 1, key, access: { kind: 'read' } } }, 2);
    assert.equal(result.status, 'finished');
  });

  it('fence and incoming keys survive a snapshot', () => {
    const machine = new KvStateMachine();
    machine.apply({ slots: { kind: 'ingest', range, entries: [[key, 'blue']] } }, 1);
    const copy = new KvStateMachine();
    copy.restore(JSON.parse(JSON.stringify(machine.snapshot())));
    assert.equal(copy.digest(), machine.digest());
    assert.equal(copy.serves(key), false);
  });
});
