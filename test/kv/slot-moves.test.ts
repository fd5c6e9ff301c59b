import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { KvStateMachine } from '../../src/kv/state-machine';
import { slotForKey } from '../../src/sharding/slots';
import { scanLockKey } from '../../src/txn/types';

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

  it("a range a query's scan lock covers is not released (busy) until the query lets go; a scan of other slots does not hold it", () => {
    // src/txn/participant-state.ts `lockIn`: a query that read the source must find its rows there until it ends, or a
    // write to them on the new shard could reach it half (features/queries/slot-moves-under-load.feature).
    const source = new KvStateMachine();
    const scan = (txnId: string, slots: { start: number; endExclusive: number }[], index: number) =>
      source.apply({ txn: { kind: 'acquire', txnId, priority: { startedAtMs: 0, txnId }, anchorKey: `query/${txnId}`, coordinator: 'q1', opIndex: 1, key: scanLockKey('t/orders/', slots), access: { kind: 'scan' } } }, index);
    scan('q.a1', [{ start: slot + 1, endExclusive: slot + 5 }], 1);
    scan('q.a2', [{ start: 0, endExclusive: slot + 1 }], 2);
    const busy = source.apply({ slots: { kind: 'release', range } }, 3);
    assert.equal(busy.status, 'busy');
    assert.match((busy as { reason: string }).reason, /a scan by q\.a2/);
    assert.equal(source.serves(key), true);
    source.apply({ txn: { kind: 'resolve', txnId: 'q.a2', outcome: 'committed', reason: 'read-only query finished' } }, 4);
    assert.deepEqual(source.apply({ slots: { kind: 'release', range } }, 5), { status: 'ok' }, 'the scan of other slots (q.a1) does not hold the range');
    assert.equal(source.serves(key), false);
  });

  it('a transaction may not lock a key whose slot is not served here: it ends aborted', () => {
    const source = new KvStateMachine();
    source.apply({ slots: { kind: 'release', range } }, 1);
    const result = source.apply({ txn: { kind: 'acquire', txnId: 't1', priority: { startedAtMs: 0, txnId: 't1' }, anchorKey: key, coordinator: 'n1', opIndex: 1, key, access: { kind: 'read' } } }, 2);
    assert.equal(result.status, 'finished');
  });

  /**
   * Draining (src/kv/slot-fence.ts `drain`, src/rebalance/executor.ts
   * RELEASE_TRIES_BEFORE_DRAIN): a release refused while locks are held may ask the source
   * to take no new locks in the range, so that overlapping queries cannot starve it. Vitess
   * stops new transactions on a source before its cut-over for the same reason.
   */
  describe('a release that asks to drain', () => {
    const acquire = (txnId: string, lockKey: string, access: { kind: 'scan' } | { kind: 'write'; value: string }, opIndex = 1) => ({
      txn: { kind: 'acquire' as const, txnId, priority: { startedAtMs: 0, txnId }, anchorKey: `query/${txnId}`, coordinator: 'q1', opIndex, key: lockKey, access },
    });
    const everySlotScan = scanLockKey('t/orders/');
    function drainingSource(): KvStateMachine {
      const source = new KvStateMachine();
      assert.equal(source.apply(acquire('q.a1', everySlotScan, { kind: 'scan' }), 1).status, 'granted');
      assert.equal(source.apply({ slots: { kind: 'release', range, drain: true } }, 2).status, 'busy');
      return source;
    }

    it('refuses new locks in the range, a scan of every slot included, and serves plain requests', () => {
      const source = drainingSource();
      const scan = source.apply(acquire('q.a2', everySlotScan, { kind: 'scan' }), 3);
      assert.equal(scan.status, 'finished');
      assert.match((scan as { reason: string }).reason, /t\/orders\/\* \(a scan\) is in slots moving to another shard/);
      assert.equal(source.apply(acquire('t.1', key, { kind: 'write', value: 'x' }), 4).status, 'finished');
      assert.equal(source.apply(acquire('q.a3', scanLockKey('t/orders/', [{ start: slot + 1, endExclusive: slot + 2 }]), { kind: 'scan' }), 5).status, 'granted', 'a scan of other slots is not held off');
      assert.equal(put(source, 'c@shard-1', 1, 'blue').status, 'ok');
      assert.equal(source.serves(key), true);
    });

    it('answers a holder that asks again, and lets go once the holders are gone', () => {
      const source = drainingSource();
      assert.equal(source.apply(acquire('q.a1', everySlotScan, { kind: 'scan' }, 2), 3).status, 'granted');
      source.apply({ txn: { kind: 'resolve', txnId: 'q.a1', outcome: 'committed', reason: 'read-only query finished' } }, 4);
      assert.deepEqual(source.apply({ slots: { kind: 'release', range } }, 5), { status: 'ok' });
      assert.equal(source.serves(key), false);
    });

    it('a release without drain leaves new locks alone (the executor asks politely first)', () => {
      const source = new KvStateMachine();
      source.apply(acquire('q.a1', everySlotScan, { kind: 'scan' }), 1);
      assert.equal(source.apply({ slots: { kind: 'release', range } }, 2).status, 'busy');
      assert.equal(source.apply(acquire('q.a2', everySlotScan, { kind: 'scan' }), 3).status, 'granted');
    });

    it('a reclaim (a rolled-back move) ends the drain, and a snapshot carries it', () => {
      const source = drainingSource();
      const copy = new KvStateMachine();
      copy.restore(JSON.parse(JSON.stringify(source.snapshot())));
      assert.equal(copy.apply(acquire('q.a2', everySlotScan, { kind: 'scan' }), 10).status, 'finished', 'the restored copy drains too');
      copy.apply({ slots: { kind: 'reclaim', range } }, 11);
      assert.equal(copy.apply(acquire('q.a3', everySlotScan, { kind: 'scan' }), 12).status, 'granted');
    });
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
