/**
 * The message boundary of a region's server node when regions are sharded Raft stores
 * (src/api/geo-regions.ts regionServerRules; shapes in src/georep/wire.ts): the new
 * `geo.not-leader` message, the stream and anti-entropy messages that name a shard, and
 * the georeplication entries in a shard's Raft log (FoundationDB / TigerBeetle: never trust
 * a message; a malformed entry in the log would stop every replica at the same index).
 * Each check is shown failing with its rule taken away.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { regionServerRules } from '../../src/api/geo-regions';
import { serverWireRules } from '../../src/api/wire-rules';
import { geoRegionClientRules } from '../../src/georep/wire';
import { BoundaryCounters, MessageBoundary, type WireRule } from '../../src/runtime/message-boundary';

const REGION_OF: Record<string, string> = { 'us-east-1': 'us-east', 'us-east-2': 'us-east', 'eu-west-1': 'eu-west', 'eu-west-2': 'eu-west' };

function boundary(rules: ReadonlyMap<string, WireRule> = regionServerRules((node) => REGION_OF[node])) {
  const counters = new BoundaryCounters();
  const gate = new MessageBoundary('us-east-1', { rules, admitted: (from) => from in REGION_OF, counters });
  return { gate, counters };
}

const notLeader = (region: string, leaderHint: unknown = 'eu-west-2') => ({ type: 'geo.not-leader', region, shard: 'shard-1', leaderHint });

const update = {
  kind: 'update',
  keyspace: 'profiles',
  key: 'ann',
  strategy: 'lww',
  operation: { kind: 'put', value: 'v1' },
  timestamp: { wallMs: 1_000, logical: 0 },
  client: { id: 'us-east-client', request: 1 },
};

const append = (data: unknown, from = 'us-east-2') => ({
  type: 'raft.append',
  groupId: 'shard-1',
  message: { type: 'raft.append', from, to: 'us-east-1', term: 2, prevLogIndex: 0, prevLogTerm: 0, entries: [{ term: 2, index: 1, kind: 'normal', data }], leaderCommitIndex: 0 },
});

describe('region server boundary: georeplication between regions of many nodes', () => {
  it('passes "not the leader" from a node of another region that names its own region, and drops it otherwise', () => {
    const { gate, counters } = boundary();
    assert.equal(gate.accept('eu-west-1', notLeader('eu-west')), true);
    assert.equal(gate.accept('eu-west-1', notLeader('eu-west', null)), true, 'a node that knows no leader says so');
    assert.equal(gate.accept('eu-west-1', notLeader('ap-south')), false, 'a region it is not in');
    assert.equal(gate.accept('eu-west-1', notLeader('eu-west', 7)), false, 'a hint that is not a node');
    assert.equal(gate.accept('rogue', notLeader('eu-west')), false, 'a process never admitted');
    assert.equal(counters.byReason('impersonation'), 1);
    assert.equal(counters.byReason('malformed'), 1);
    assert.equal(counters.byReason('not-admitted'), 1);
  });

  it('passes a stream batch and an acknowledgement that name their shard', () => {
    const { gate, counters } = boundary();
    assert.equal(gate.accept('eu-west-1', { type: 'geo.changes', origin: 'eu-west', timestamp: { wallMs: 1, logical: 0 }, entries: [], shard: 'shard-2' }), true);
    assert.equal(gate.accept('eu-west-1', { type: 'geo.ack', region: 'eu-west', appliedSeq: 4, shard: 'shard-2' }), true);
    assert.equal(gate.accept('eu-west-1', { type: 'geo.ack', region: 'eu-west', appliedSeq: 4, shard: 2 }), false);
    assert.equal(counters.byReason('malformed'), 1);
  });

  it('passes georeplication entries in a shard log between the region\'s nodes, and drops malformed ones', () => {
    const { gate, counters } = boundary();
    assert.equal(gate.accept('us-east-2', append({ geo: update })), true);
    assert.equal(gate.accept('us-east-2', append({ geo: { kind: 'acked', destination: 'eu-west', seq: 3 } })), true);
    assert.equal(gate.accept('us-east-2', append({ geo: { kind: 'apply-changes', origin: 'eu-west', entries: [], resetFrom: 5 } })), true);
    assert.equal(gate.accept('us-east-2', append({ geo: { ...update, client: undefined } })), false, 'an update without its client cannot be deduplicated');
    assert.equal(gate.accept('us-east-2', append({ geo: { kind: 'forget-everything' } })), false, 'an unknown kind');
    assert.equal(gate.accept('us-east-2', append({ clientId: 'c', sequence: 1, operation: { kind: 'put', key: 'k', value: 'v' } })), true, 'plain key-value commands still pass');
    assert.equal(counters.byReason('malformed'), 2);
  });

  it('drops a Raft message from a node of another region (every region names its shards the same)', () => {
    const { gate, counters } = boundary();
    assert.equal(gate.accept('eu-west-1', append({ geo: update }, 'eu-west-1')), false);
    assert.equal(counters.byReason('impersonation'), 1);
  });

  it('without the rule, the store\'s own boundary drops every georeplication entry (it would never reach a follower)', () => {
    const { gate, counters } = boundary(serverWireRules());
    assert.equal(gate.accept('us-east-2', append({ geo: update })), false);
    assert.equal(counters.byReason('malformed'), 1);
  });

  it('a region\'s client hears answers, with a redirect, only from its own region\'s nodes', () => {
    const { gate, counters } = boundary(geoRegionClientRules(new Set(['us-east-1', 'us-east-2'])));
    const redirect = { type: 'geo.response', id: 3, ok: false, region: 'us-east', error: 'us-east-2 does not lead shard-1', redirect: 'us-east-1' };
    assert.equal(gate.accept('us-east-2', redirect), true);
    assert.equal(gate.accept('eu-west-1', redirect), false);
    assert.equal(counters.byReason('impersonation'), 1);
  });
});
