// What a caller hands PhantomDB that goes into messages or Raft entries by reference must be
// plain data (src/util/wire-copy.ts plainInput): PhantomDB's own nodes send what they build by
// reference, and the receivers' checks read fields directly. A getter in a role change, a
// scaling policy, a move, a principal or a proposal would otherwise run on every follower and
// could answer each differently (a review found replicas applying one entry with six different
// user names). Each entry point refuses such input by name, and copies what it takes.
import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { migrationPorts } from '../../src/api/migration-ports';
import { PlacementAdmin } from '../../src/api/placement-admin';
import { ClusterSecurity } from '../../src/api/security';
import { type AuthCommand, credentialProof, principal } from '../../src/auth';
import { MigrationExecutor } from '../../src/rebalance/executor';
import type { Move } from '../../src/rebalance/types';
import type { ScalingPolicySpec } from '../../src/scaling';
import { queryCluster } from '../query/fixture';
import { tableT } from '../query/generators';
import { startStore } from '../txn/fixture';

/** A getter that counts its runs; `value` is what it answers. */
function trap<T>(value: T): { ran: () => number; field: PropertyDescriptor } {
  let runs = 0;
  return { ran: () => runs, field: { enumerable: true, get: () => (runs++, value) } };
}

describe('Plain inputs: what a caller hands PhantomDB is copied, or refused by name', () => {
  it('a role change with a getter is refused before anything is logged; a plain one is copied', () => {
    const { sim, cluster } = startStore(31, { nodes: 3, shards: 1 });
    const security = new ClusterSecurity(sim, cluster.database);
    const { ran, field } = trap('mallory');
    const command = Object.defineProperty({ kind: 'add-user', proof: credentialProof('mallory', 'pw') }, 'user', field) as AuthCommand;
    assert.throws(() => security.change(undefined, command), /^TypeError: the role change\.user is a getter or setter, but the role change must be plain data/);
    assert.equal(ran(), 0);
    const plain = { kind: 'add-user', user: 'ann', proof: credentialProof('ann', 'pw') } as AuthCommand & { user: string };
    const operation = security.change(undefined, plain);
    plain.user = 'changed later';
    sim.runUntil(() => operation.done, { withinMs: 5_000, waitingFor: operation.description });
    assert.equal(operation.result?.ok, true);
    assert.deepEqual(security.freshestTable().userNames(), ['ann'], 'the copy taken at the call was logged, not the object as changed later');
  });

  it('a scaling policy whose metrics list has a function of its own is refused naming it', () => {
    const { sim, cluster } = startStore(32, { nodes: 3, shards: 1 });
    const security = new ClusterSecurity(sim, cluster.database);
    const executor = new MigrationExecutor(migrationPorts(sim, cluster.database));
    const admin = new PlacementAdmin(sim, security, cluster.database.placement, () => executor);
    let ran = 0;
    const metrics = Object.assign([{ metric: 'cpu', averageValue: 0.5 }], { forEach: () => ran++ });
    const spec = { minNodes: 3, maxNodes: 6, replicationFactor: 3, metrics, evaluationIntervalMs: 5_000 } as unknown as ScalingPolicySpec;
    assert.throws(() => admin.changeScalingPolicy(principal('root', 'pw'), spec), /the scaling policy\.metrics is not plain data \(a function, or an object or list with a prototype or fields of its own\)/);
    assert.equal(ran, 0);
  });

  it('a move with a getter is refused before it is journaled', () => {
    const { sim, cluster } = startStore(33, { nodes: 3, shards: 1 });
    const executor = new MigrationExecutor(migrationPorts(sim, cluster.database));
    const { ran, field } = trap('node-2');
    const move = Object.defineProperty({ kind: 'transfer-leader', shard: 'shard-1', reason: 'test' }, 'to', field) as unknown as Move;
    assert.throws(() => executor.submit([move]), /the moves\[0\]\.to is a getter or setter/);
    assert.equal(ran(), 0);
    assert.equal(executor.idle, true);
  });

  it("a retried transaction's priority with a getter is refused when the transaction begins", () => {
    const { txns } = startStore(34, { nodes: 3, shards: 2 });
    const { ran, field } = trap(0);
    const priority = Object.defineProperty({ txnId: 'c1.1' }, 'startedAtMs', field) as { startedAtMs: number; txnId: string };
    assert.throws(() => txns.client('c1').begin({ retryOf: { priority } as never }), /the retried transaction's priority\.startedAtMs is a getter or setter/);
    assert.equal(ran(), 0);
  });

  it("a transaction client's principal, and a role change's admin, with a getter are refused when handed over", () => {
    const { sim, cluster, txns } = startStore(36, { nodes: 3, shards: 2 });
    const { ran, field } = trap('root');
    const sneaky = Object.defineProperty({ proof: 'p' }, 'user', field) as ReturnType<typeof principal>;
    assert.throws(() => txns.client('c1').signIn(sneaky), /the principal\.user is a getter or setter/);
    const security = new ClusterSecurity(sim, cluster.database);
    assert.throws(() => security.change(sneaky, { kind: 'enable' }), /the admin principal\.user is a getter or setter/);
    assert.equal(ran(), 0);
  });

  it("a key-value client's operation or principal with a getter is refused at the call, naming it", () => {
    const { cluster } = startStore(39, { nodes: 3, shards: 1 });
    const client = cluster.database.client('c1');
    const { ran, field } = trap('k');
    const operation = Object.defineProperty({ kind: 'put', value: 'v' }, 'key', field);
    assert.throws(() => client.submit(operation as never), /the operation\.key is a getter or setter/);
    const sneaky = Object.defineProperty({ proof: 'p' }, 'user', field) as ReturnType<typeof principal>;
    assert.throws(() => client.signIn(sneaky), /the principal\.user is a getter or setter/);
    assert.equal(ran(), 0);
  });

  it("a query's principal with a getter is refused when the query starts", () => {
    const { engine } = queryCluster({ seed: 37, shards: 2 });
    engine.createTable(tableT);
    const { ran, field } = trap('ann');
    const sneaky = Object.defineProperty({ proof: 'p' }, 'user', field) as ReturnType<typeof principal>;
    assert.throws(() => engine.query('SELECT COUNT(*) FROM t', { principal: sneaky }), /the query's principal\.user is a getter or setter/);
    assert.ok(ran() <= 1, 'read at most once, by the caller-side authorization, never by a node');
  });

  it("a placement command with a getter is refused before it is proposed", () => {
    const { cluster } = startStore(38, { nodes: 3, shards: 1 });
    const placement = cluster.database.placement;
    const { ran, field } = trap('why');
    const command = Object.defineProperty({ kind: 'change-map', expectedEpoch: cluster.database.shardMap.epoch, shards: cluster.database.shardMap.shards, atMs: 0 }, 'reason', field);
    assert.throws(() => placement.propose(command as never, () => undefined), /the placement command\.reason is a getter or setter/);
    assert.equal(ran(), 0);
  });

  it('a proposal that is not plain data is refused by the Raft host, naming group and node', () => {
    const { sim, cluster } = startStore(35, { nodes: 3, shards: 1 });
    const leader = cluster.database.leaderOf('shard-1')!;
    const { ran, field } = trap('k');
    const data = { clientId: 'c', sequence: 1, operation: Object.defineProperty({ kind: 'put', value: 'v' }, 'key', field) };
    assert.throws(() => cluster.database.replica('shard-1', leader)!.propose(data, () => undefined), new RegExp(`a proposal to shard-1 on ${leader} is not plain data: its data\\.operation\\.key is a getter or setter`));
    assert.equal(ran(), 0);
    sim.runFor(100);
  });
});
