// Membership changes are admin operations (etcd's RBAC: `member add/remove` need the root
// role once auth is enabled). The shard's leader judges each request against its replicated
// role table, whichever API it came through; the migration executor acts as a cluster
// component (an admitted member), not as a user.
import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { ClusterSecurity } from '../../src/api/security';
import { CLUSTER_COMPONENT } from '../../src/api/database';
import { credentialProof, principal } from '../../src/auth';
import type { AuthCommand } from '../../src/auth';
import { startStore } from '../txn/fixture';

function storeWithAuthentication(seed: number) {
  const store = startStore(seed);
  const security = new ClusterSecurity(store.sim, store.cluster.database);
  const root = principal('root', 'pw');
  const run = (by: typeof root | undefined, command: AuthCommand): void => {
    const operation = security.change(by, command);
    store.sim.runUntil(() => operation.done, { withinMs: 5_000, waitingFor: operation.description });
    assert.equal(operation.result?.ok, true, `${operation.description}: ${operation.result?.ok === false ? operation.result.reason : ''}`);
  };
  run(undefined, { kind: 'add-user', user: 'root', proof: credentialProof('root', 'pw') });
  run(undefined, { kind: 'add-user', user: 'alice', proof: credentialProof('alice', 'pw') });
  run(undefined, { kind: 'put-role', role: 'root', grants: [{ keyspace: { kind: 'prefix', prefix: '' }, permission: 'admin' }] });
  run(undefined, { kind: 'put-role', role: 'writer', grants: [{ keyspace: { kind: 'prefix', prefix: '' }, permission: 'read-write' }] });
  run(undefined, { kind: 'grant-role', user: 'root', role: 'root' });
  run(undefined, { kind: 'grant-role', user: 'alice', role: 'writer' });
  run(undefined, { kind: 'enable' });
  const database = store.cluster.database;
  const shard = database.shardIds()[0];
  const follower = database.replicaNodes(shard).find((node) => node !== database.leaderOf(shard))!;
  return { store, database, security, shard, follower, root };
}

describe('Membership changes are authorized by the shard leader (etcd RBAC: member changes need root)', () => {
  it('refuses a change that names no user, names the missing credentials, audits it, and changes nothing', () => {
    const { database, shard, follower } = storeWithAuthentication(11);
    const before = database.replicaNodes(shard);
    const result = database.changeMembership(shard, { type: 'remove', node: follower });
    assert.equal(result.ok, false);
    assert.equal(result.ok === false && result.reason, 'forbidden');
    assert.match(result.ok === false && 'text' in result ? result.text : '', /user "\(anonymous\)" may not perform the membership change "remove node-\d+" of shard-\d+: missing credentials/);
    assert.equal(database.audit.entries.length, 1, 'the refusal is in the audit log');
    assert.deepEqual(database.replicaNodes(shard), before);
  });

  it('refuses a user without the admin role, and lets an admin and the cluster itself through', () => {
    const { store, database, security, shard, follower, root } = storeWithAuthentication(12);
    const refused = security.changeMembership(principal('alice', 'pw'), shard, { type: 'remove', node: follower });
    assert.equal(refused.ok === false && refused.reason, 'forbidden');
    assert.match(refused.ok === false && 'text' in refused ? refused.text : '', /user "alice" may not perform .*missing admin on every key/);
    const byAdmin = security.changeMembership(root, shard, { type: 'remove', node: follower });
    assert.equal(byAdmin.ok, true, JSON.stringify(byAdmin));
    store.sim.runFor(1_000);
    const leader = database.leaderOf(shard)!;
    const byCluster = database.changeMembership(shard, { type: 'add-learner', node: follower }, CLUSTER_COMPONENT);
    assert.equal(byCluster.ok, true, JSON.stringify(byCluster));
    assert.equal(database.leaderOf(shard), leader);
  });
});
