import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { slotForKey } from '../../src/sharding/slots';
import type { TxnAccess, TxnCommand } from '../../src/txn/types';
import { ShardReplica } from './shard-replica';

/**
 * Garbage collection of transaction records and tombstones in the replicated participant
 * state (src/txn/participant-state.ts, `forget`; README "Transactions", issue 12 §6).
 * Rules covered: a record or tombstone goes only up to the client's acknowledged mark
 * (Ongaro's thesis §6.3, the session table's low-water mark), never past a transaction the
 * shard still holds, and a committed record only once every participant confirmed it
 * applied the commit; afterwards nothing about a forgotten transaction can create a lock,
 * a record or a different outcome (CockroachDB: a removed transaction record can never be
 * re-created).
 */


let opIndex = 0;
function acquire(txnId: string, key: string, access: TxnAccess, settled?: number): TxnCommand {
  return { kind: 'acquire', txnId, priority: { startedAtMs: 0, txnId }, anchorKey: key, coordinator: 'node-1', opIndex: ++opIndex, key, access, ...(settled === undefined ? {} : { settled }) };
}
const write = (txnId: string, key: string, value: string, settled?: number) => acquire(txnId, key, { kind: 'write', value }, settled);

/** A transaction of client `c` committed on this shard as its anchor, with another participant. */
function commitHere(shard: ShardReplica, txnId: string, key: string, settled?: number): void {
  shard.apply(write(txnId, key, txnId, settled));
  assert.deepEqual(shard.apply({ kind: 'decide', txnId, participants: ['shard-0', 'shard-1'], lastOpIndex: opIndex }), { status: 'committed' });
}

describe('Forgetting ended transactions (the client mark and the horizon)', () => {
  it('nothing is forgotten past the client mark the shard learnt, whatever the forget asks', () => {
    const shard = new ShardReplica();
    commitHere(shard, 'c.1', 'x');
    commitHere(shard, 'c.2', 'y', 1);
    const result = shard.apply({ kind: 'forget', client: 'c', through: 2, confirmed: ['c.1', 'c.2'] });
    assert.deepEqual(result, { status: 'collected', through: 1, records: 1, tombstones: 1 });
    assert.equal(shard.state.record('c.1'), undefined);
    assert.equal(shard.state.record('c.2')?.outcome, 'committed', 'c.2 is above the mark: its client may still ask');
  });

  it('a committed record is kept until every participant confirmed it applied the commit', () => {
    const shard = new ShardReplica();
    commitHere(shard, 'c.1', 'x');
    commitHere(shard, 'c.2', 'y');
    shard.apply(write('c.3', 'z', '3', 2));
    const early = shard.apply({ kind: 'forget', client: 'c', through: 2, confirmed: ['c.2'] });
    assert.deepEqual(early, { status: 'collected', through: 0, records: 0, tombstones: 0 }, 'c.1 unconfirmed holds back everything from it on');
    assert.equal(shard.state.recordCount, 2);
    const later = shard.apply({ kind: 'forget', client: 'c', through: 2, confirmed: ['c.1', 'c.2'] });
    assert.deepEqual(later, { status: 'collected', through: 2, records: 2, tombstones: 2 });
  });

  it('an aborted record needs no confirmation: presumed abort answers the same', () => {
    const shard = new ShardReplica();
    shard.apply({ kind: 'settle', txnId: 'c.1', reason: 'coordinator gone' });
    shard.apply(write('c.2', 'y', '2', 1));
    assert.deepEqual(shard.apply({ kind: 'forget', client: 'c', through: 1, confirmed: [] }), { status: 'collected', through: 1, records: 1, tombstones: 1 });
  });

  it('a transaction still held here is never forgotten, nor anything of its client after it', () => {
    const shard = new ShardReplica();
    shard.apply(write('c.1', 'x', '1'));
    commitHere(shard, 'c.2', 'y');
    shard.apply(write('c.3', 'z', '3', 2)); // the mark says c.1 and c.2 are settled, but c.1 is still held here
    assert.equal(shard.apply({ kind: 'forget', client: 'c', through: 2, confirmed: ['c.2'] }).status, 'collected');
    assert.equal(shard.state.horizonOf('c'), 0);
    assert.ok(shard.state.transaction('c.1') !== undefined && shard.state.record('c.2') !== undefined);
    assert.deepEqual(shard.state.forgetCandidates(), [], 'nothing can go while c.1 is held');
  });

  it('a mark never covers the transaction that carries it', () => {
    const shard = new ShardReplica();
    shard.apply(write('c.4', 'x', '4', 9));
    shard.apply({ kind: 'resolve', txnId: 'c.4', outcome: 'aborted' });
    assert.deepEqual(shard.state.forgetCandidates(), []);
  });
});

describe('After forgetting: late and duplicated messages', () => {
  function forgottenCommit(): ShardReplica {
    const shard = new ShardReplica();
    commitHere(shard, 'c.1', 'x');
    shard.apply(write('c.2', 'y', '2', 1));
    shard.apply({ kind: 'prepare', txnId: 'c.2', lastOpIndex: opIndex });
    shard.apply({ kind: 'resolve', txnId: 'c.2', outcome: 'committed' });
    assert.deepEqual(shard.apply({ kind: 'forget', client: 'c', through: 1, confirmed: ['c.1'] }), { status: 'collected', through: 1, records: 1, tombstones: 1 });
    return shard;
  }

  it('a late duplicate operation takes no lock and writes no intent', () => {
    const shard = forgottenCommit();
    const late = shard.apply(write('c.1', 'x', 'late'));
    assert.equal(late.status, 'finished');
    assert.equal(shard.state.transaction('c.1'), undefined);
    assert.equal(shard.state.lockOn('x'), undefined);
    assert.equal(shard.machine.read('x'), 'c.1', 'the committed value stays');
  });

  it('a late prepare is refused and leaves nothing; a late resolve changes nothing and is no violation', () => {
    const shard = forgottenCommit();
    assert.equal(shard.apply({ kind: 'prepare', txnId: 'c.1', lastOpIndex: 1 }).status, 'refused');
    assert.deepEqual(shard.apply({ kind: 'resolve', txnId: 'c.1', outcome: 'aborted' }), { status: 'resolved', outcome: 'aborted' });
    assert.equal(shard.state.finishedOutcome('c.1'), undefined);
    assert.deepEqual(shard.state.violations, []);
    assert.equal(shard.machine.read('x'), 'c.1');
  });

  it('a late decide or status question is told "forgotten": no record is re-created and no outcome guessed', () => {
    const shard = forgottenCommit();
    assert.equal(shard.apply({ kind: 'decide', txnId: 'c.1', participants: ['shard-0'], lastOpIndex: 1 }).status, 'forgotten');
    assert.equal(shard.apply({ kind: 'settle', txnId: 'c.1', reason: 'client asks' }).status, 'forgotten');
    assert.equal(shard.state.record('c.1'), undefined);
    assert.equal(shard.state.recordCount, 0);
  });

  it('a recovering holder is told "forgotten" too, never a guessed outcome, and nothing is recorded', () => {
    const shard = forgottenCommit();
    const answer = shard.apply({ kind: 'settle', txnId: 'c.1', reason: 'in doubt' });
    assert.equal(answer.status, 'forgotten');
    assert.equal(shard.state.recordCount, 0);
  });

  it('the horizon survives a snapshot: a restored replica refuses the same late messages', () => {
    const shard = forgottenCommit();
    const restored = new ShardReplica(100);
    restored.machine.restore(JSON.parse(JSON.stringify(shard.machine.snapshot())));
    assert.equal(restored.state.horizonOf('c'), 1);
    assert.equal(restored.apply(write('c.1', 'x', 'late')).status, 'finished');
    assert.equal(restored.apply({ kind: 'decide', txnId: 'c.1', participants: ['shard-0'], lastOpIndex: 1 }).status, 'forgotten');
    assert.equal(restored.state.lockOn('x'), undefined);
    assert.deepEqual(restored.machine.snapshot(), restored.machine.snapshot());
  });

  it('a transaction above the horizon of the same client is untouched', () => {
    const shard = forgottenCommit();
    assert.deepEqual(shard.apply(write('c.3', 'z', '3', 2)), { status: 'granted', value: '3' });
  });
});

/**
 * The holder's side of a forgotten record (src/txn/recovery.ts, `ifHeld`). Bank soak seed
 * 2009: shard-3 held teller-2.55 prepared and asked the anchor; the commit reached shard-3,
 * the client acknowledged it, the anchor forgot the record, and only then did the question
 * arrive. Answered "aborted", shard-3 applied an abort after its commit.
 */
describe('A holder told "forgotten" aborts only what it still holds', () => {
  function preparedParticipant(): ShardReplica {
    const shard = new ShardReplica();
    shard.apply(write('c.1', 'x', 'new'));
    assert.equal(shard.apply({ kind: 'prepare', txnId: 'c.1', lastOpIndex: opIndex }).status, 'prepared');
    return shard;
  }
  const presumedAbort: TxnCommand = { kind: 'resolve', txnId: 'c.1', outcome: 'aborted', reason: 'presumed abort: the record was forgotten', ifHeld: true };

  it('a question overtaken by the commit changes nothing: the commit stands and no violation is recorded', () => {
    const shard = preparedParticipant();
    shard.apply({ kind: 'resolve', txnId: 'c.1', outcome: 'committed' });
    assert.deepEqual(shard.apply(presumedAbort), { status: 'resolved', outcome: 'committed' });
    assert.equal(shard.machine.read('x'), 'new');
    assert.deepEqual(shard.state.violations, []);
  });

  it('a transaction still held when the answer is applied is aborted and its locks released', () => {
    const shard = preparedParticipant();
    assert.deepEqual(shard.apply(presumedAbort), { status: 'resolved', outcome: 'aborted' });
    assert.equal(shard.state.transaction('c.1'), undefined);
    assert.equal(shard.state.lockOn('x'), undefined);
    assert.equal(shard.machine.read('x'), null);
  });

  it('a recorded outcome that contradicts an end is still a violation (only a presumed one is conditional)', () => {
    const shard = preparedParticipant();
    shard.apply({ kind: 'resolve', txnId: 'c.1', outcome: 'committed' });
    shard.apply({ kind: 'resolve', txnId: 'c.1', outcome: 'aborted', reason: 'recovered from the record at shard-0' });
    assert.match(shard.state.violations.join('\n'), /c\.1 ended committed here .* later resolved aborted/);
  });
});

/**
 * A slot move carries the source's horizons with its records (src/kv/slot-module.ts
 * `acquire`, `carriedHorizons` in participant-state.ts). A record anchored on a moved key
 * that the source had already forgotten travels nowhere; without the horizon, the new
 * owner of the anchor key would presume an abort for a transaction every participant
 * committed.
 */
describe('Forgotten records and slot moves', () => {
  function moved(): { source: ShardReplica; target: ShardReplica } {
    const source = forgottenAt('x');
    const slot = slotForKey('x');
    const range = { start: slot, endExclusive: slot + 1 };
    source.applySlots({ kind: 'release', range });
    const exported = source.machine.exportSlots(range);
    const target = new ShardReplica(100);
    target.applySlots({ kind: 'acquire', range, upserts: exported.entries, deletes: [], sessions: exported.sessions, records: exported.records, horizons: exported.horizons });
    return { source, target };
  }
  function forgottenAt(key: string): ShardReplica {
    const shard = new ShardReplica();
    commitHere(shard, 'm.1', key);
    commitHere(shard, 'm.2', 'other', 1);
    assert.deepEqual(shard.apply({ kind: 'forget', client: 'm', through: 1, confirmed: ['m.1'] }), { status: 'collected', through: 1, records: 1, tombstones: 1 });
    return shard;
  }

  it('the new owner of the anchor key answers a late holder "forgotten", not a presumed abort, and records nothing', () => {
    const { target } = moved();
    assert.equal(target.apply({ kind: 'settle', txnId: 'm.1', reason: 'in doubt' }).status, 'forgotten');
    assert.equal(target.apply({ kind: 'decide', txnId: 'm.1', participants: ['shard-0', 'shard-1'], lastOpIndex: 1 }).status, 'forgotten');
    assert.equal(target.state.record('m.1'), undefined);
  });

  it('a transaction the new owner knows of, or one above the carried horizon, is answered as usual', () => {
    const { target } = moved();
    assert.deepEqual(target.apply({ kind: 'settle', txnId: 'm.2', reason: 'in doubt' }), { status: 'committed' });
    assert.equal(target.apply({ kind: 'settle', txnId: 'm.3', reason: 'in doubt' }).status, 'aborted');
  });

  it('the carried horizon survives a snapshot, and goes once the shard\'s own horizon covers it', () => {
    const { target } = moved();
    const restored = new ShardReplica(200);
    restored.machine.restore(JSON.parse(JSON.stringify(target.machine.snapshot())));
    assert.equal(restored.apply({ kind: 'settle', txnId: 'm.1', reason: 'in doubt' }).status, 'forgotten');
    assert.deepEqual(restored.machine.snapshot().transactions?.carriedHorizons, [['m', 1]]);
    restored.apply(write('m.3', 'z', '3', 2));
    restored.apply({ kind: 'resolve', txnId: 'm.3', outcome: 'aborted' });
    restored.apply(write('m.4', 'z', '4', 3));
    assert.equal(restored.apply({ kind: 'forget', client: 'm', through: 3, confirmed: ['m.2'] }).status, 'collected');
    assert.equal(restored.machine.snapshot().transactions?.carriedHorizons, undefined);
  });
});

describe('The leftover oracle for transaction memory (src/check/leftovers.ts)', () => {
  it('names each shard over the bound, records and tombstones separately', async () => {
    const { transactionMemoryLeftovers } = await import('../../src/check/leftovers');
    assert.deepEqual(transactionMemoryLeftovers([{ shard: 'shard-1', records: 3, tombstones: 4 }], 4), []);
    assert.deepEqual(transactionMemoryLeftovers([{ shard: 'shard-1', records: 5, tombstones: 9 }, { shard: 'shard-2', records: 0, tombstones: 0 }], 4), [
      'shard-1 keeps 5 transaction records (bound 4)',
      'shard-1 keeps 9 tombstones of ended transactions (bound 4)',
    ]);
  });
});
