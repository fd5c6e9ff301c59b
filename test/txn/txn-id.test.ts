/**
 * Transaction ids `<client>.<n>` (src/txn/txn-id.ts): the client and its counter, which let
 * a shard keep one horizon per client (Ongaro's thesis §6.3, the session table).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { queryAttemptNumber, txnNumber } from '../../src/txn/txn-id';

/** The rule written out once more, plainly: what every answer must equal. */
function reference(txnId: string): { client: string; n: number } | undefined {
  const match = /^(.+)\.([1-9]\d{0,14})$/s.exec(txnId);
  return match === null ? undefined : { client: match[1], n: Number(match[2]) };
}

describe('transaction ids', () => {
  it('reads the client and its counter, and nothing from any other id', () => {
    assert.deepEqual(txnNumber('client-1.7'), { client: 'client-1', n: 7 });
    assert.deepEqual(txnNumber('bank.teller-3.120'), { client: 'bank.teller-3', n: 120 });
    for (const malformed of ['client-1', '.7', 'client-1.', 'client-1.07', 'client-1.0', 'client-1.-1', 'client-1.1e3', 'client-1.1234567890123456', 'c.q1.a2']) {
      assert.equal(txnNumber(malformed), undefined, malformed);
    }
    assert.deepEqual(queryAttemptNumber('reports.q3.a2'), { client: 'reports', query: 3, attempt: 2 });
  });

  it('answers the same the first time and every later time, past the cache bound, with answers nobody can change', () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(fc.string(), fc.tuple(fc.string({ minLength: 1 }), fc.integer({ min: 0, max: 2 ** 50 })).map(([client, n]) => `${client}.${n}`)), { minLength: 1, maxLength: 50 }), (ids) => {
        for (const id of [...ids, ...ids]) {
          const answer = txnNumber(id);
          assert.deepEqual(answer, reference(id), id);
          if (answer !== undefined) assert.ok(Object.isFrozen(answer), `the answer for ${id} can be changed`);
        }
      }),
      { numRuns: 300 },
    );
    // More distinct ids than the cache holds: the oldest are parsed again, the same way.
    for (let n = 1; n <= 10_000; n++) assert.equal(txnNumber(`bulk.${n}`)?.n, n);
    assert.deepEqual(txnNumber('bulk.1'), { client: 'bulk', n: 1 });
  });
});
