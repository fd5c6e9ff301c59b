import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import type { Row } from '../../src/query';
import { queryGcFaults } from '../../src/txn/participant-state';
import { queryAttemptNumber } from '../../src/txn/txn-id';
import { scanLockKey, type TxnCommand } from '../../src/txn/types';
import { load, queryCluster, runQuery } from './fixture';
import { tableT } from './generators';
import { ShardReplica } from '../txn/shard-replica';

/**
 * Garbage collection of query attempts (src/txn/participant-state.ts, "query horizon";
 * src/query/client.ts, settledQueries; README "Garbage collection", issue 12 §6). A
 * released attempt leaves a tombstone so that a late lock request cannot take a scan lock
 * nobody will release; once the query client says every query up to n has finished, the
 * attempts of those queries can never ask again, and a per-client horizon (Ongaro's thesis
 * §6.3: the state machine discards the session entries below the client's lowest
 * unanswered number) replaces their tombstones and answers anything late without creating
 * state.
 */


function scan(txnId: string, settled: number): TxnCommand {
  return { kind: 'acquire', txnId, priority: { startedAtMs: 1, txnId }, anchorKey: `query/${txnId}`, coordinator: 'query-client:qc', opIndex: 1, key: scanLockKey('t/orders/'), access: { kind: 'scan' }, settled };
}

function release(txnId: string, settled: number, outcome: 'committed' | 'aborted' = 'aborted'): TxnCommand {
  return { kind: 'resolve', txnId, outcome, reason: 'query attempt released', settled };
}

function write(txnId: string): TxnCommand {
  return { kind: 'acquire', txnId, priority: { startedAtMs: 2, txnId }, anchorKey: 't/orders/{i1}/i1', coordinator: 'c', opIndex: 1, key: 't/orders/{i1}/i1', access: { kind: 'write', value: 'new' } };
}

afterEach(() => {
  queryGcFaults.forgetHeldAttempts = false;
});

describe('query attempts: their tombstones go once the query client has finished the query', () => {
  it('reads the query client, query and attempt from an attempt id, and nothing from other ids', () => {
    assert.deepEqual(queryAttemptNumber('reports.q12.a3'), { client: 'reports', query: 12, attempt: 3 });
    assert.deepEqual(queryAttemptNumber('a.b.q1.a1'), { client: 'a.b', query: 1, attempt: 1 });
    for (const other of ['c1.7', 'reports.q12', 'reports.q0.a1', 'reports.q1.a']) assert.equal(queryAttemptNumber(other), undefined, other);
  });

  it('keeps an abandoned attempt\'s tombstone while its query runs, and drops every attempt of the query with its final release', () => {
    const shard = new ShardReplica();
    assert.equal(shard.apply(scan('qc.q1.a1', 0)).status, 'granted');
    shard.apply(release('qc.q1.a1', 0));
    assert.deepEqual(shard.state.endedQueryAttempts(), ['qc.q1.a1'], 'the query is still running: a late lock request of a1 must be answered from the tombstone');
    assert.equal((shard.apply(scan('qc.q1.a1', 0)) as { status: string }).status, 'finished', 'a late lock request of the abandoned attempt takes no lock');
    assert.equal(shard.apply(scan('qc.q1.a2', 0)).status, 'granted');
    shard.apply(release('qc.q1.a2', 1, 'committed'));
    assert.deepEqual(shard.state.endedQueryAttempts(), [], 'the final release carries its own query: every attempt of query 1 is forgotten');
    assert.equal(shard.state.queryHorizonOf('qc'), 1);
    assert.equal(shard.state.isEmpty, false, 'the horizon answers for them');
  });

  it('a late lock request or release of a forgotten attempt creates nothing and locks nothing', () => {
    const shard = new ShardReplica();
    shard.apply(scan('qc.q1.a1', 0));
    shard.apply(release('qc.q1.a1', 1, 'committed'));
    const late = shard.apply(scan('qc.q1.a1', 0)) as { status: string; outcome?: string };
    assert.deepEqual([late.status, late.outcome], ['finished', 'aborted']);
    assert.equal(shard.state.transactions().length, 0);
    assert.equal((shard.apply(write('w1')) as { status: string }).status, 'granted', 'no scan lock stands in the writer\'s way');
    shard.apply(release('qc.q1.a1', 1));
    assert.deepEqual(shard.state.endedQueryAttempts(), []);
  });

  it('an acquire\'s mark never covers its own query, and a transaction id is never taken for a query attempt', () => {
    const shard = new ShardReplica();
    shard.apply(scan('qc.q3.a1', 7));
    assert.equal(shard.state.queryHorizonOf('qc'), 2, 'query 3 runs: the horizon stops below it');
    assert.equal(shard.state.transactions().length, 1, 'the attempt holds its lock');
  });

  it('never passes an attempt that still holds its scan lock here (planted: forget held attempts)', () => {
    for (const planted of [false, true]) {
      queryGcFaults.forgetHeldAttempts = planted;
      const shard = new ShardReplica();
      shard.apply(scan('qc.q1.a1', 0)); // its release is still on its way
      shard.apply(scan('qc.q2.a1', 0));
      shard.apply(release('qc.q2.a1', 2, 'committed')); // the client thinks query 1 is over (it timed out)
      shard.apply(release('qc.q1.a1', 2));
      const writer = shard.apply(write('w1')) as { status: string };
      if (planted) {
        assert.equal(writer.status, 'conflict', 'planted: the release of a forgotten attempt was ignored, its scan lock stays');
        continue;
      }
      assert.equal(writer.status, 'granted', 'the release of query 1 arrived before its horizon passed it, and let go of the lock');
      assert.equal(shard.state.queryHorizonOf('qc'), 2);
      assert.deepEqual(shard.state.endedQueryAttempts(), []);
    }
  });

  it('the query horizon travels in the snapshot (Raft §7)', () => {
    const shard = new ShardReplica();
    shard.apply(scan('qc.q4.a1', 3));
    shard.apply(release('qc.q4.a1', 4, 'committed'));
    const copy = new ShardReplica(2);
    copy.machine.restore(JSON.parse(JSON.stringify(shard.machine.snapshot())));
    assert.equal(copy.state.queryHorizonOf('qc'), 4);
    assert.equal((copy.apply(scan('qc.q4.a1', 0)) as { status: string }).status, 'finished');
    assert.equal(copy.state.transactions().length, 0);
  });
});

describe('query attempts through the cluster', { timeout: 120_000 }, () => {
  it('after 12 queries no shard keeps a tombstone of any attempt, and each shard\'s horizon is the last query', () => {
    const { sim, cluster, engine } = queryCluster({ seed: 31, shards: 3 });
    engine.createTable(tableT);
    const rows: Row[] = Array.from({ length: 60 }, (_, index) => [index + 1, index % 5, index, 'a', true]);
    load(sim, engine, tableT, rows);
    for (let query = 1; query <= 12; query++) assert.equal(runQuery(sim, engine, 'SELECT COUNT(*) FROM t').error, undefined);
    sim.runFor(1_000); // the releases arrive
    const database = cluster.database;
    for (const shardId of database.shardIds()) {
      const state = database.kvOn(database.leaderOf(shardId)!)!.machine(shardId)!.transactions;
      assert.deepEqual(state.endedQueryAttempts(), [], `${shardId} keeps tombstones of query attempts`);
      assert.equal(state.queryHorizonOf('queries'), 12, `${shardId}'s query horizon`);
    }
  });
});
