import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { KvStateMachine, type TxnLogEntry } from '../../src/kv/state-machine';
import { scanLockKey, type TxnApplyResult, type TxnCommand } from '../../src/txn/types';

/**
 * Scan locks (src/txn/participant-state.ts): a query's shared lock over every key with a
 * prefix, the coarse granule of multiple-granularity locking (Gray, Lorie, Putzolu and
 * Traiger, 1976, "Granularity of locks"). A scan lock and an exclusive key lock under its
 * prefix exclude each other both ways; shared locks and other prefixes do not conflict.
 */

class Shard {
  readonly machine = new KvStateMachine();
  private index = 0;
  private sequence = 0;

  apply(command: TxnCommand): TxnApplyResult {
    return this.machine.apply({ txn: command } satisfies TxnLogEntry, ++this.index);
  }

  /** A plain write, each from a client of its own (a refused write opens no session). */
  put(key: string, value: string) {
    return this.machine.apply({ clientId: `plain-${++this.sequence}`, sequence: 1, operation: { kind: 'put', key, value } }, ++this.index);
  }
}

const priority = (txnId: string, startedAtMs: number) => ({ startedAtMs, txnId });

function scan(txnId: string, prefix: string, opIndex = 1): TxnCommand {
  return { kind: 'acquire', txnId, priority: priority(txnId, 1), anchorKey: 'a', coordinator: 'q', opIndex, key: scanLockKey(prefix), access: { kind: 'scan' } };
}

function write(txnId: string, key: string, opIndex = 1): TxnCommand {
  return { kind: 'acquire', txnId, priority: priority(txnId, 2), anchorKey: key, coordinator: 'c', opIndex, key, access: { kind: 'write', value: 'new' } };
}

describe('scan locks', () => {
  it('a scan lock is refused while a key under its prefix is locked for writing, and names the writer', () => {
    const shard = new Shard();
    assert.equal((shard.apply(write('w', 't/orders/{i1}/i1')) as { status: string }).status, 'granted');
    const result = shard.apply(scan('q', 't/orders/'));
    assert.equal(result.status, 'conflict');
    assert.deepEqual((result as { holders: readonly { txnId: string }[] }).holders.map((holder) => holder.txnId), ['w']);
  });

  it('a write under a scanned prefix is refused, naming the query, until the query resolves', () => {
    const shard = new Shard();
    assert.equal(shard.apply(scan('q', 't/orders/')).status, 'granted');
    const refused = shard.apply(write('w', 't/orders/{i1}/i1'));
    assert.equal(refused.status, 'conflict');
    assert.deepEqual((refused as { holders: readonly { txnId: string }[] }).holders.map((holder) => holder.txnId), ['q']);
    assert.ok(shard.machine.transactions.holdsScan('q', scanLockKey('t/orders/')));
    shard.apply({ kind: 'resolve', txnId: 'q', outcome: 'committed' });
    assert.ok(!shard.machine.transactions.holdsScan('q', scanLockKey('t/orders/')));
    assert.equal(shard.apply(write('w', 't/orders/{i1}/i1', 2)).status, 'granted');
  });

  it('plain writes under a scanned prefix are refused as locked; plain reads and other prefixes are not', () => {
    const shard = new Shard();
    shard.apply(scan('q', 't/orders/'));
    assert.equal(shard.put('t/orders/{i1}/i1', 'x').status, 'locked');
    assert.equal(shard.put('t/customers/{i1}/i1', 'x').status, 'ok');
    assert.equal(shard.machine.transactions.lockOn('t/orders/{i2}/i2'), 'shared');
    assert.equal(shard.machine.transactions.lockOn('t/ordersx'), undefined);
  });

  it('scans share with scans and with readers', () => {
    const shard = new Shard();
    assert.equal(shard.apply(scan('q1', 't/orders/')).status, 'granted');
    assert.equal(shard.apply(scan('q2', 't/orders/')).status, 'granted');
    const read: TxnCommand = { kind: 'acquire', txnId: 'r', priority: priority('r', 3), anchorKey: 'k', coordinator: 'c', opIndex: 1, key: 't/orders/{i1}/i1', access: { kind: 'read' } };
    assert.equal(shard.apply(read).status, 'granted');
  });

  it('a read-only query releases its scan locks when it votes, and a late duplicate cannot take them again', () => {
    const shard = new Shard();
    shard.apply(scan('q', 't/orders/'));
    assert.equal(shard.apply({ kind: 'prepare', txnId: 'q', lastOpIndex: 1 }).status, 'read-only');
    assert.equal(shard.apply(scan('q', 't/orders/')).status, 'finished');
    assert.equal(shard.machine.transactions.lockOn('t/orders/{i1}/i1'), undefined);
  });

  it('survives a snapshot: the restored replica still refuses the write', () => {
    const shard = new Shard();
    shard.apply(scan('q', 't/orders/'));
    const copy = new KvStateMachine();
    copy.restore(JSON.parse(JSON.stringify(shard.machine.snapshot())));
    assert.ok(copy.transactions.holdsScan('q', scanLockKey('t/orders/')));
    assert.equal(copy.transactions.conflictsFor('w', 't/orders/{i1}/i1', 'exclusive')[0]?.txnId, 'q');
    assert.equal(copy.digest(), shard.machine.digest());
  });
});
