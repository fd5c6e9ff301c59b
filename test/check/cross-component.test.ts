/**
 * Cross-component oracles (issue 11 §4): each one is clean on a consistent view and names
 * the shard, node, key, transaction or saga of a planted violation.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  keyPlacementProblems,
  mapConfigDisagreements,
  type GroupConfigView,
  type MapView,
  type ReplicaContents,
  sagaLeftovers,
  transactionLeftovers,
} from '../../src/check';

const map: MapView = {
  epoch: 7,
  shards: [
    { id: 'shard-1', replicas: ['n1', 'n2', 'n3'] },
    { id: 'shard-2', replicas: ['n2', 'n3', 'n4'], learners: ['n5'] },
  ],
};
const groups = new Map<string, GroupConfigView>([
  ['shard-1', { leader: 'n1', config: { voters: ['n3', 'n2', 'n1'], learners: [] }, configCommitted: true }],
  ['shard-2', { leader: 'n4', config: { voters: ['n2', 'n3', 'n4'], learners: ['n5'] }, configCommitted: true }],
]);
const hosts = new Map<string, string[]>([
  ['shard-1', ['n1', 'n2', 'n3']],
  ['shard-2', ['n2', 'n3', 'n4', 'n5']],
]);

describe('the shard map agrees with every Raft group (issue 11 §4)', () => {
  it('is clean when voters, learners and hosts match the map', () => {
    assert.deepEqual(mapConfigDisagreements(map, groups, hosts), []);
  });

  it('names the shard whose voters differ, a pending change, a stray host and a group with no leader', () => {
    const planted = new Map(groups);
    planted.set('shard-1', { leader: 'n1', config: { voters: ['n1', 'n2', 'n4'], learners: [] }, configCommitted: false });
    planted.delete('shard-2');
    const strayHosts = new Map(hosts);
    strayHosts.set('shard-1', ['n1', 'n2', 'n3', 'n6']);
    assert.deepEqual(mapConfigDisagreements(map, planted, strayHosts), [
      "shard-1's latest configuration change (leader n1) is not committed",
      "shard-1: the map (epoch 7) lists replicas n1, n2, n3 but the group's voters are n1, n2, n4",
      "n3 still keeps a replica of shard-1, which neither the map nor the group's configuration includes",
      "n6 still keeps a replica of shard-1, which neither the map nor the group's configuration includes",
      'shard-2 has no leader to report its configuration',
    ]);
  });
});

describe('every key is stored by exactly the replicas the map names (issue 11 §4)', () => {
  /** Keys a… belong to shard-1, the rest to shard-2. */
  const ownerOf = (key: string): string => (key.startsWith('a') ? 'shard-1' : 'shard-2');
  const replica = (node: string, shard: string, keys: string[], incomingKeys: string[] = []): ReplicaContents => ({ node, shard, keys, incomingKeys });
  const clean = (): ReplicaContents[] => [
    ...['n1', 'n2', 'n3'].map((node) => replica(node, 'shard-1', ['a1', 'a2'])),
    ...['n2', 'n3', 'n4', 'n5'].map((node) => replica(node, 'shard-2', ['b1'])),
  ];

  it('is clean when every named replica keeps exactly its shard’s keys', () => {
    assert.deepEqual(keyPlacementProblems(map, ownerOf, clean()), []);
  });

  it('names a key kept in the wrong shard (a move that copied but never dropped)', () => {
    const planted = clean().map((entry) => (entry.node === 'n2' && entry.shard === 'shard-1' ? replica('n2', 'shard-1', ['a1', 'a2', 'b1']) : entry));
    const problems = keyPlacementProblems(map, ownerOf, planted);
    assert.ok(problems.includes('key b1 is stored on n2 in shard-1, but the map (epoch 7) places it in shard-2'), problems.join('\n'));
  });

  it('names a replica missing a key its peers keep, a named node with no replica, a replica the map does not name, and keys left incoming', () => {
    const planted = clean()
      .filter((entry) => !(entry.node === 'n5'))
      .map((entry) => (entry.node === 'n3' && entry.shard === 'shard-1' ? replica('n3', 'shard-1', ['a1'], ['a9']) : entry));
    planted.push(replica('n6', 'shard-2', ['b1']));
    assert.deepEqual(keyPlacementProblems(map, ownerOf, planted), [
      'n3 in shard-1 still holds 1 key(s) copied in for a move that never finished (first: a9)',
      'n6 keeps a replica of shard-2 (1 keys) but the map (epoch 7) does not name it',
      'key a2 of shard-1 is kept by n1, n2 but not by n3',
      'n5 is named for shard-2 by the map (epoch 7) but keeps no replica of it',
    ]);
  });
});

describe('no transaction or saga is left behind (issue 11 §4)', () => {
  it('is clean when replicas hold no transaction (decided records are not leftovers: they are not in the view)', () => {
    assert.deepEqual(transactionLeftovers([{ node: 'n1', shard: 'shard-1', transactions: [] }]), []);
  });

  it('names the shard, node and transaction of a lock or intent left behind', () => {
    const problems = transactionLeftovers([
      { node: 'n1', shard: 'shard-1', transactions: [] },
      { node: 'n2', shard: 'shard-2', transactions: [{ txnId: 't-7', state: 'prepared', locks: [['acct/b', 'exclusive'], ['\u0000scan:t/', 'shared']], writes: [['acct/b', '5']] }] },
    ]);
    assert.deepEqual(problems, ['shard-2 on n2 still holds transaction t-7 (prepared): locks acct/b (exclusive), \\0scan:t/ (shared); write intents acct/b']);
  });

  it('names a saga still running, not one completed, compensated or needing attention', () => {
    const problems = sagaLeftovers([
      { sagaId: 'trip-1', state: 'completed', summary: 'done' },
      { sagaId: 'trip-2', state: 'compensated', summary: 'undone' },
      { sagaId: 'trip-3', state: 'needs-attention', summary: 'hotel refund failed' },
      { sagaId: 'trip-4', state: 'running', summary: 'flight booked, hotel pending' },
    ]);
    assert.deepEqual(problems, ['saga trip-4 is still running: flight booked, hotel pending']);
  });
});
