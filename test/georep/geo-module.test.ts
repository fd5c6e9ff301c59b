/**
 * The georeplication module as one module of a shard's replicated state machine (issue 11
 * §5; docs/ARCHITECTURE.md, "Replicated state"): the host dispatches `{ geo }` entries to
 * it by kind beside the key-value, transaction, role and slot modules; it owns the `geo`
 * field of the snapshot; restore is all or nothing across modules (Raft §7: a snapshot
 * replaces the whole state machine).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { GeoModule } from '../../src/georep/geo-module';
import { GeoShardState, type GeoUpdateCommand } from '../../src/georep/region-shard-state';
import { ShardStateMachine } from '../../src/replica/shard-state-machine';

const settings = { region: 'eu-west', peers: ['us-east'], merkleFanout: 16, merkleDepth: 2, retainedChangesMax: 1_000 };

function composed(): { machine: ShardStateMachine; geo: GeoShardState } {
  const geo = new GeoShardState(settings);
  return { machine: new ShardStateMachine({ modules: [new GeoModule(geo)] }), geo };
}

const update = (request: number, value: string): { geo: GeoUpdateCommand } => ({
  geo: { kind: 'update', keyspace: 'profiles', key: 'ann', strategy: 'lww', operation: { kind: 'put', value }, timestamp: { wallMs: 1_000 + request, logical: 0 }, client: { id: 'c1', request } },
});
const put = (sequence: number, key: string, value: string) => ({ clientId: 'kv-client', sequence, operation: { kind: 'put' as const, key, value } });

describe('georeplication module in the shard state machine', () => {
  it('the host sends geo entries to the module and key-value entries to the KV module, in one log', () => {
    const { machine, geo } = composed();
    const result = machine.apply(update(1, 'v1') as never, 1) as { status: string };
    machine.apply(put(1, 'x', '1'), 2);
    assert.equal(result.status, 'ok');
    assert.equal(geo.store.size, 1);
    assert.equal(geo.lastSeq, 1);
    assert.equal(machine.read('x'), '1');
    assert.equal(machine.lastAppliedIndex, 2);
  });

  it('its snapshot part is the geo field, absent while empty; a replica restored from it holds the same state', () => {
    const empty = composed();
    assert.equal('geo' in empty.machine.snapshot(), false);
    const { machine, geo: original } = composed();
    machine.apply(update(1, 'v1') as never, 1);
    machine.apply(put(1, 'x', '1'), 2);
    const snapshot = JSON.parse(JSON.stringify(machine.snapshot()));
    assert.equal(snapshot.format, 'phantomdb.kv.v1');
    assert.equal(snapshot.geo.format, 'phantomdb.geo-shard.v1');
    const copy = composed();
    copy.machine.restore(snapshot);
    assert.equal(copy.machine.digest(), machine.digest());
    assert.equal(copy.geo.digest(), original.digest());
    // A retry of the same client request is answered from the restored state, not applied twice.
    const retry = copy.machine.apply(update(1, 'v1') as never, 3) as { duplicate: boolean };
    assert.equal(retry.duplicate, true);
  });

  it('restore is all or nothing: a bad geo part leaves the key-value data and the geo state as they were', () => {
    const { machine, geo } = composed();
    machine.apply(update(1, 'v1') as never, 1);
    machine.apply(put(1, 'x', '1'), 2);
    const before = machine.digest();
    const other = composed();
    other.machine.apply(put(1, 'x', 'other'), 1);
    other.machine.apply(update(2, 'v2') as never, 2);
    const bad = { ...(other.machine.snapshot() as unknown as Record<string, unknown>), geo: { format: 'phantomdb.geo-shard.v1', keys: 'nope' } };
    assert.throws(() => machine.restore(bad), /needs a list keys/);
    assert.equal(machine.digest(), before);
    assert.equal(machine.read('x'), '1');
    assert.equal(geo.lastSeq, 1);
  });

  it('a restore from a snapshot without a geo field empties the geo state (it replaces the whole machine)', () => {
    const { machine, geo } = composed();
    machine.apply(update(1, 'v1') as never, 1);
    machine.restore(composed().machine.snapshot());
    assert.equal(geo.store.size, 0);
    assert.equal(geo.isEmpty, true);
  });

  it('refuses a malformed geo entry before anything changes, even the applied index', () => {
    const { machine } = composed();
    assert.throws(() => machine.apply({ geo: { kind: 'update', keyspace: '' } } as never, 1), /malformed georeplication entry/);
    assert.equal(machine.lastAppliedIndex, 0);
  });
});
