/**
 * The georeplication module of a region's shard state machine (src/georep/region-shard-state.ts):
 * exactly-once application of another region's stream by origin and sequence number (the
 * receive cursor, like TCP's cumulative acknowledgement, RFC 793 §3.3), client retries
 * answered from the first apply (Raft thesis §6.3), HLC stamps that never go backwards
 * across leaders (Kulkarni et al. 2014 §3), the retention limit (Cassandra's hint window)
 * and the snapshot (Raft §7). Each test names the planted bug it catches.
 */
import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import { lwwWrite, pnAdd, EMPTY_PN_COUNTER } from '../../src/georep';
import { type GeoCommand, GeoShardState, geoShardFaults, type GeoUpdateCommand, type GeoUpdateResult } from '../../src/georep/region-shard-state';
import type { ChangeEntry } from '../../src/georep/replication-stream';

function shard(retainedChangesMax = 1_000): GeoShardState {
  return new GeoShardState({ region: 'eu-west', peers: ['us-east', 'ap-south'], merkleFanout: 16, merkleDepth: 2, retainedChangesMax });
}

function change(seq: number, key: string, amount: number): ChangeEntry {
  return { seq, keyspace: 'likes', key, state: pnAdd(EMPTY_PN_COUNTER, 'us-east', amount * seq), timestamp: { wallMs: 1_000 + seq, logical: 0 } };
}

function increment(request: number, amount: number, wallMs = 5_000): GeoUpdateCommand {
  return { kind: 'update', keyspace: 'likes', key: 'post', strategy: 'pn-counter', operation: { kind: 'increment', amount }, timestamp: { wallMs, logical: 0 }, client: { id: 'eu-west-client', request } };
}

afterEach(() => {
  geoShardFaults.skipDedupe = false;
});

describe('geo shard state: another region\'s stream', () => {
  it('applies changes in order, skips those at or below the cursor, refuses a gap (planted: dedupe off)', () => {
    const state = shard();
    state.apply({ kind: 'apply-changes', origin: 'us-east', entries: [change(1, 'a', 1), change(2, 'b', 1)] });
    // The same batch proposed again (a retransmission, or a new leader's proposal) and one change past a gap.
    state.apply({ kind: 'apply-changes', origin: 'us-east', entries: [change(1, 'a', 1), change(2, 'b', 1), change(3, 'c', 1)] });
    state.apply({ kind: 'apply-changes', origin: 'us-east', entries: [change(5, 'e', 1)] });
    assert.equal(state.appliedFrom('us-east'), 3, 'the cursor stops before the gap');
    assert.equal(state.appliedCountFrom('us-east'), 3, 'each change took effect once');
    assert.equal(state.store.stateOf('likes/e'), undefined, 'the change past the gap waits for the ones before it');
  });

  it('the dedupe check is what keeps the count exact (the planted bug shows in the count)', () => {
    geoShardFaults.skipDedupe = true;
    const state = shard();
    state.apply({ kind: 'apply-changes', origin: 'us-east', entries: [change(1, 'a', 1)] });
    state.apply({ kind: 'apply-changes', origin: 'us-east', entries: [change(1, 'a', 1)] });
    assert.notEqual(state.appliedCountFrom('us-east'), state.appliedFrom('us-east'), 'with dedupe off, a change takes effect twice');
  });

  it('a reset skips to the origin\'s new start, counts what it skipped, and flags a repair until one completes after it', () => {
    const state = shard();
    state.apply({ kind: 'apply-changes', origin: 'us-east', entries: [change(1, 'a', 1)] });
    state.apply({ kind: 'apply-changes', origin: 'us-east', entries: [change(10, 'j', 1)], resetFrom: 10 });
    assert.equal(state.appliedFrom('us-east'), 10);
    assert.equal(state.skippedFrom('us-east'), 8);
    assert.equal(state.appliedCountFrom('us-east'), state.appliedFrom('us-east') - state.skippedFrom('us-east'));
    assert.equal(state.needsRepairFrom('us-east'), true);
    state.apply({ kind: 'repaired', origin: 'us-east', resets: 0 });
    assert.equal(state.needsRepairFrom('us-east'), true, 'a repair begun before the reset does not count');
    state.apply({ kind: 'repaired', origin: 'us-east', resets: 1 });
    assert.equal(state.needsRepairFrom('us-east'), false);
  });
});

describe('geo shard state: local updates', () => {
  it('answers a client\'s retry from the first apply instead of applying it again (Raft thesis §6.3)', () => {
    const state = shard();
    const first = state.apply(increment(7, 3)) as GeoUpdateResult;
    const retry = state.apply(increment(7, 3, 6_000)) as GeoUpdateResult;
    assert.equal(first.status, 'ok');
    assert.equal(retry.status === 'ok' && retry.duplicate, true);
    assert.deepEqual(retry.status === 'ok' && retry.timestamp, first.status === 'ok' && first.timestamp, 'the retry gets the first answer');
    assert.equal(state.lastSeq, 1, 'one change streamed, not two');
    const counter = state.store.stateOf('likes/post');
    assert.deepEqual(counter?.kind === 'pn-counter' && counter.increments, { 'eu-west': 3 });
  });

  it('stamps after the highest timestamp held, whatever the proposing leader\'s clock says', () => {
    const state = shard();
    state.apply({ kind: 'apply-changes', origin: 'us-east', entries: [{ seq: 1, keyspace: 'profiles', key: 'x', state: lwwWrite({ wallMs: 9_000, logical: 4 }, 'us-east', 'v'), timestamp: { wallMs: 9_000, logical: 4 } }] });
    const update: GeoCommand = { kind: 'update', keyspace: 'profiles', key: 'x', strategy: 'lww', operation: { kind: 'put', value: 'w' }, timestamp: { wallMs: 8_000, logical: 0 }, client: { id: 'c', request: 1 } };
    const result = state.apply(update) as GeoUpdateResult;
    assert.deepEqual(result.status === 'ok' && result.timestamp, { wallMs: 9_000, logical: 5 });
    const value = state.store.stateOf('profiles/x');
    assert.equal(value?.kind === 'lww' && value.value, 'w', 'the later write wins');
  });

  it('refuses an operation the keyspace\'s strategy does not have, without changing anything', () => {
    const state = shard();
    const result = state.apply({ ...increment(1, 1), strategy: 'or-set' }) as GeoUpdateResult;
    assert.equal(result.status, 'refused');
    assert.equal(state.lastSeq, 0);
  });

  it('gives a destination\'s backlog up past the retention limit, and trims what every destination acknowledged', () => {
    const state = shard(3);
    for (let request = 1; request <= 5; request++) state.apply(increment(request, 1));
    state.apply({ kind: 'acked', destination: 'ap-south', seq: 5 });
    assert.equal(state.resetFor('us-east'), 5, 'us-east fell 4 behind with a limit of 3: it will repair instead');
    assert.equal(state.resetFor('ap-south'), undefined, 'ap-south acknowledged past its reset');
    assert.equal(state.retainedChanges, 1, 'only the change made after the give-up is kept');
    state.apply({ kind: 'acked', destination: 'us-east', seq: 5 });
    assert.equal(state.resetFor('us-east'), undefined, 'the reset was acknowledged');
    assert.equal(state.retainedChanges, 0, 'every destination acknowledged everything');
  });
});

describe('geo shard state: snapshot (Raft §7)', () => {
  it('restores to the same state, which goes on exactly as the original', () => {
    const original = shard(2);
    original.apply({ kind: 'apply-changes', origin: 'us-east', entries: [change(1, 'a', 1)] });
    for (let request = 1; request <= 4; request++) original.apply(increment(request, request));
    original.apply({ kind: 'acked', destination: 'ap-south', seq: 3 });
    const copy = shard(2);
    copy.restore(JSON.parse(JSON.stringify(original.snapshot())));
    assert.equal(copy.digest(), original.digest());
    for (const state of [original, copy]) {
      state.apply(increment(2, 2));
      state.apply(increment(9, 1));
      state.apply({ kind: 'apply-changes', origin: 'us-east', entries: [change(1, 'a', 1), change(2, 'b', 1)] });
    }
    assert.equal(copy.digest(), original.digest());
    assert.equal(copy.store.tree.rootHex(), original.store.tree.rootHex());
  });
});
