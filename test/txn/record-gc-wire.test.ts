import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { serverWireRules } from '../../src/api/wire-rules';
import { BoundaryCounters, MessageBoundary } from '../../src/runtime/message-boundary';
import { txnClientRequestCheck, txnCommandCheck, txnShardResponseCheck } from '../../src/txn/wire';

/**
 * The message boundary (src/runtime/message-boundary.ts) for what garbage collection of
 * transaction records added (issue 12 §6): the `forget` log entry, the probe a collector
 * sends a participant's leader, its answer, the "forgotten" and "collected" results, and
 * the acknowledged mark a client's requests carry. A new kind without a shape would be
 * dropped as malformed.
 */

function gate(admitted: readonly string[]) {
  const counters = new BoundaryCounters();
  return { counters, boundary: new MessageBoundary('node-1', { rules: serverWireRules(), admitted: (from) => admitted.includes(from), counters, trace: () => undefined }) };
}

describe('Message boundary: garbage collection of transaction records', () => {
  it('passes a probe from a peer server, and refuses it from a client', () => {
    const { boundary, counters } = gate(['node-2']);
    const probe = { type: 'txn.shard-request', requestId: 'gc/1', shardId: 'shard-1', command: { kind: 'probe', txnId: 'c1.4' } };
    assert.equal(boundary.accept('node-2', probe), true);
    assert.equal(boundary.accept('client:c1', probe), false);
    assert.equal(counters.total, 1);
  });

  it('checks the forget entry and the marks on commands', () => {
    assert.equal(txnCommandCheck({ kind: 'forget', client: 'c1', through: 7, confirmed: ['c1.6'] }, 'entry'), undefined);
    assert.notEqual(txnCommandCheck({ kind: 'forget', client: 'c1', through: -1, confirmed: [] }, 'entry'), undefined);
    assert.notEqual(txnCommandCheck({ kind: 'forget', client: '', through: 1, confirmed: [] }, 'entry'), undefined);
    assert.equal(txnCommandCheck({ kind: 'resolve', txnId: 'c1.2', outcome: 'committed', settled: 1 }, 'entry'), undefined);
    assert.equal(txnCommandCheck({ kind: 'settle', txnId: 'c1.2', reason: 'in doubt' }, 'entry'), undefined);
    assert.notEqual(txnCommandCheck({ kind: 'probe', txnId: 'c1.2' }, 'entry'), undefined, 'a probe is never a log entry');
  });

  it('checks the answers and the client mark', () => {
    const answer = (result: object) => txnShardResponseCheck({ requestId: 'gc/1', reply: { status: 'applied', result } }, 'response');
    assert.equal(answer({ status: 'probe', ended: true }), undefined);
    assert.equal(answer({ status: 'forgotten', reason: 'forgotten' }), undefined);
    assert.equal(answer({ status: 'collected', through: 3, records: 1, tombstones: 2 }), undefined);
    assert.notEqual(answer({ status: 'probe', ended: 'yes' }), undefined);
    const request = { txnId: 'c1.3', sequence: 1, priority: { startedAtMs: 0, txnId: 'c1.3' }, anchorKey: null, call: { kind: 'commit' }, settled: 2 };
    assert.equal(txnClientRequestCheck(request, 'request'), undefined);
    assert.notEqual(txnClientRequestCheck({ ...request, settled: 1.5 }, 'request'), undefined);
  });
});
