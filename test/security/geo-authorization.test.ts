// Georeplication requests carry their user, and the serving region judges them against its
// replicated role table (etcd's RBAC: read and write permissions on a key range, checked
// where the request is applied, every refusal answered with the reason; CockroachDB's
// GRANT of SELECT / INSERT privileges). Both deployments: one node per region, whose copy of
// the table is on the replica's disk, and regions of many nodes, whose copy is in every
// shard's replicated state machine and changes only through the region's Raft log.
import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { ReplicatedRegions } from '../../src/api/geo-regions';
import { GeoSecurity } from '../../src/api/geo-security';
import { type AuthCommand, credentialProof, principal, type Principal, RoleTable } from '../../src/auth';
import type { ClientResult } from '../../src/georep/client';
import { forbiddenGeoEntry, judgeGeoRequest } from '../../src/georep/geo-authorization';
import type { GeoOperation } from '../../src/georep/strategies';
import { geoLogEntryCheck, geoMessageCheck } from '../../src/georep/wire';
import { problemOf } from '../../src/runtime/wire-check';
import { threeRegionCluster } from '../georep/harness';

const everyKey = { kind: 'prefix', prefix: '' } as const;
const profiles = { kind: 'georep', keyspace: 'profiles' } as const;

function cluster(seed: number, replicated: boolean) {
  const { sim, geo } = threeRegionCluster(seed, {
    ...(replicated ? { deployment: new ReplicatedRegions({ nodesPerRegion: 3, shardsPerRegion: 2 }) } : {}),
  });
  geo.defineKeyspace('profiles', 'lww');
  geo.awaitReady();
  const security = new GeoSecurity(geo);
  const run = (by: Principal | undefined, command: AuthCommand): void => {
    const operation = security.change(by, command);
    sim.runUntil(() => operation.done, { withinMs: 5_000, waitingFor: operation.description });
    assert.equal(operation.result?.ok, true, `${operation.description}: ${operation.result?.ok === false ? operation.result.reason : ''}`);
  };
  for (const user of ['root', 'alice', 'carol', 'bob']) run(undefined, { kind: 'add-user', user, proof: credentialProof(user, `pw-${user}`) });
  run(undefined, { kind: 'put-role', role: 'root', grants: [{ keyspace: everyKey, permission: 'admin' }, { keyspace: profiles, permission: 'admin' }] });
  run(undefined, { kind: 'put-role', role: 'editor', grants: [{ keyspace: profiles, permission: 'read-write' }] });
  run(undefined, { kind: 'put-role', role: 'viewer', grants: [{ keyspace: profiles, permission: 'read-only' }] });
  run(undefined, { kind: 'grant-role', user: 'root', role: 'root' });
  run(undefined, { kind: 'grant-role', user: 'alice', role: 'editor' });
  run(undefined, { kind: 'grant-role', user: 'carol', role: 'viewer' });
  run(undefined, { kind: 'enable' });
  const as = (user: string): Principal => principal(user, `pw-${user}`);
  const request = (region: string, who: Principal | undefined, key: string, operation?: GeoOperation): ClientResult => {
    const handle = geo.submit(region, { keyspace: 'profiles', key, operation, ...(who ? { principal: who } : {}) });
    sim.runUntil(() => handle.done, { withinMs: 15_000, waitingFor: `the answer in ${region}` });
    return handle.result!;
  };
  return { sim, geo, security, run, as, request };
}

for (const replicated of [false, true]) {
  const deployment = replicated ? 'regions of 3 nodes, 2 shards' : 'one node per region';

  describe(`Georeplication requests are judged by the serving region (${deployment}; etcd RBAC, CockroachDB GRANT)`, () => {
    it('lets a read-write user write everywhere, refuses a read-only one with user, operation and missing permission, changes nothing, audits it', () => {
      const { sim, geo, as, request } = cluster(replicated ? 41 : 31, replicated);
      assert.equal(request('us-east', as('alice'), 'ann', { kind: 'put', value: 'v1' }).ok, true);
      geo.awaitValue('profiles/ann', 'v1', geo.regions, 2_000);
      const refused = request('eu-west', as('carol'), 'ann', { kind: 'put', value: 'v2' });
      assert.equal(refused.ok, false);
      assert.equal(refused.ok === false && refused.error, 'user "carol" may not write georeplicated keyspace "profiles": missing read-write on georeplicated keyspace "profiles"');
      sim.runFor(1_000);
      for (const region of geo.regions) assert.equal(geo.renderAt(region, 'profiles/ann'), 'v1', `${region} after the refused write`);
      const entry = geo.audit.entries.find((each) => each.refusal.user === 'carol');
      assert.ok(entry, `the refusal is in the audit log:\n${geo.audit.render()}`);
      assert.match(entry.request, /georeplicated put of "profiles\/ann"/);
      assert.ok(entry.node.startsWith('eu-west'), `refused by a server of eu-west, not ${entry.node}`);
      const read = request('ap-south', as('carol'), 'ann');
      assert.equal(read.ok && read.value.kind === 'lww' && read.value.value, 'v1');
    });

    it('refuses a user without a grant on the keyspace, an anonymous request and a wrong password, even for reads', () => {
      const { geo, as, request } = cluster(replicated ? 42 : 32, replicated);
      const bob = request('us-east', as('bob'), 'ann');
      assert.equal(bob.ok === false && bob.error, 'user "bob" may not read georeplicated keyspace "profiles": missing read-only on georeplicated keyspace "profiles"');
      const anonymous = request('us-east', undefined, 'ann', { kind: 'put', value: 'x' });
      assert.match(anonymous.ok === false ? anonymous.error : '', /user "\(anonymous\)" may not write .*missing credentials/);
      const guessed = request('us-east', principal('alice', 'guessed'), 'ann', { kind: 'put', value: 'x' });
      assert.match(guessed.ok === false ? guessed.error : '', /missing a valid user name and password/);
      assert.equal(geo.audit.entries.length, 3, geo.audit.render());
      for (const region of geo.regions) assert.equal(geo.renderAt(region, 'profiles/ann'), '(absent)');
    });

    it('refuses every request made after a revocation is done, in every region', () => {
      const { geo, as, run, request } = cluster(replicated ? 43 : 33, replicated);
      assert.equal(request('us-east', as('alice'), 'ann', { kind: 'put', value: 'v1' }).ok, true);
      run(as('root'), { kind: 'revoke-role', user: 'alice', role: 'editor' });
      for (const region of geo.regions) {
        const after = request(region, as('alice'), 'ann', { kind: 'put', value: `after-${region}` });
        assert.match(after.ok === false ? after.error : 'accepted', /user "alice" may not write .*missing read-write/, region);
      }
    });

    it('keeps the role table through a crash of the region (replicated state, not memory)', () => {
      const { sim, geo, as, request } = cluster(replicated ? 44 : 34, replicated);
      geo.failRegion('us-east');
      sim.runFor(200);
      geo.recoverRegion('us-east');
      geo.awaitReady();
      sim.runFor(replicated ? 1_000 : 10);
      const refused = request('us-east', as('carol'), 'ann', { kind: 'put', value: 'v2' });
      assert.match(refused.ok === false ? refused.error : 'accepted', /user "carol" may not write/);
      assert.equal(request('us-east', as('alice'), 'ann', { kind: 'put', value: 'v3' }).ok, true);
    });
  });
}

describe('A region of many nodes judges a client update at its log position (etcd: permissions checked in the apply stage)', () => {
  const table = new RoleTable();
  const apply = (version: number, command: AuthCommand): void => assert.equal(table.apply({ version, command }).ok, true);
  apply(1, { kind: 'add-user', user: 'root', proof: credentialProof('root', 'pw') });
  apply(2, { kind: 'add-user', user: 'alice', proof: credentialProof('alice', 'pw') });
  apply(3, { kind: 'put-role', role: 'root', grants: [{ keyspace: everyKey, permission: 'admin' }] });
  apply(4, { kind: 'put-role', role: 'editor', grants: [{ keyspace: profiles, permission: 'read-write' }] });
  apply(5, { kind: 'grant-role', user: 'root', role: 'root' });
  apply(6, { kind: 'grant-role', user: 'alice', role: 'editor' });
  const update = { kind: 'update', keyspace: 'profiles', principal: principal('alice', 'pw') } as const;

  it('lets every entry through while authentication is off, then judges updates only', () => {
    assert.equal(forbiddenGeoEntry(table, update), undefined);
    assert.equal(table.apply({ version: 7, command: { kind: 'enable' } }).ok, true);
    assert.equal(forbiddenGeoEntry(table, update), undefined);
    assert.equal(forbiddenGeoEntry(table, { ...update, keyspace: 'payroll' })?.refusal.missing, 'read-write on georeplicated keyspace "payroll"');
    // Replication from other regions is node-to-node traffic: never judged by a user's roles.
    assert.equal(forbiddenGeoEntry(table, { kind: 'apply-changes' }), undefined);
  });

  it('refuses an update whose entry follows the revocation', () => {
    assert.equal(table.apply({ version: 8, by: principal('root', 'pw'), command: { kind: 'revoke-role', user: 'alice', role: 'editor' } }).ok, true);
    assert.equal(forbiddenGeoEntry(table, update)?.refusal.text, 'user "alice" may not write georeplicated keyspace "profiles": missing read-write on georeplicated keyspace "profiles"');
    assert.equal(judgeGeoRequest(table, principal('alice', 'pw'), 'profiles', 'read').allowed, false);
  });

  it('does not let a grant on every key of the store reach a georeplicated keyspace', () => {
    assert.equal(judgeGeoRequest(table, principal('root', 'pw'), 'profiles', 'write').allowed, false);
  });
});

describe('The message boundary takes a georeplication request and update entry with their user, and nothing malformed', () => {
  const request = { type: 'geo.request', id: 1, keyspace: 'profiles', key: 'ann', operation: { kind: 'put', value: 'v' }, session: {} };
  const entry = { geo: { kind: 'update', keyspace: 'profiles', key: 'ann', strategy: 'lww', operation: { kind: 'put', value: 'v' }, timestamp: { wallMs: 1, logical: 0 }, client: { id: 'us-east-client', request: 1 } } };

  it('accepts a request and an entry with or without a user', () => {
    for (const principalField of [{}, { principal: principal('alice', 'pw') }]) {
      assert.equal(problemOf(geoMessageCheck, { ...request, ...principalField }, 'message'), undefined);
      assert.equal(problemOf(geoLogEntryCheck, { geo: { ...entry.geo, ...principalField } }, 'entry'), undefined);
    }
  });

  it('drops a malformed user', () => {
    for (const bad of [{ user: '' , proof: 'x' }, { user: 'alice' }, { user: 7, proof: 'x' }, 'alice']) {
      assert.ok(problemOf(geoMessageCheck, { ...request, principal: bad }, 'message'), JSON.stringify(bad));
      assert.ok(problemOf(geoLogEntryCheck, { geo: { ...entry.geo, principal: bad } }, 'entry'), JSON.stringify(bad));
    }
  });
});
