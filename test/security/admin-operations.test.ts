// Admin operations beyond membership and users: requesting a move, split or merge, starting
// a rebalance, and changing the scaling policy need the admin role once authentication is
// on (etcd's RBAC reserves cluster operations to the root role; CockroachDB's "Authorization"
// docs reserve cluster settings and zone configurations to the admin role). The scaling
// policy is replicated state of the placement group, as Kubernetes keeps the
// HorizontalPodAutoscaler object in etcd and the controller reads the stored object at every
// sync ("Horizontal Pod Autoscaling: How does it work?").
import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { migrationPorts } from '../../src/api/migration-ports';
import { PlacementAdmin } from '../../src/api/placement-admin';
import { ClusterSecurity } from '../../src/api/security';
import { type AuthCommand, credentialProof, principal } from '../../src/auth';
import { ScalingPolicyRegister } from '../../src/placement/scaling-policy';
import { PlacementStateMachine } from '../../src/placement/state-machine';
import { MigrationExecutor } from '../../src/rebalance/executor';
import type { Move } from '../../src/rebalance/types';
import { Autoscaler, ResourceMonitor, resolvePolicy, type ScalingPolicySpec } from '../../src/scaling';
import { rangesFromSlots, slotsOf } from '../../src/sharding/slots';
import { startStore } from '../txn/fixture';

const everyKey = { kind: 'prefix', prefix: '' } as const;
const spec = (minNodes: number): ScalingPolicySpec => ({ minNodes, maxNodes: 6, replicationFactor: 3, metrics: [{ metric: 'cpu', averageValue: 0.5 }], evaluationIntervalMs: 5_000 });

function securedStore(seed: number) {
  const store = startStore(seed, { nodes: 4, shards: 2 });
  const { sim } = store;
  const database = store.cluster.database;
  const security = new ClusterSecurity(sim, database);
  const run = (command: AuthCommand, by?: ReturnType<typeof principal>): void => {
    const operation = security.change(by, command);
    sim.runUntil(() => operation.done, { withinMs: 5_000, waitingFor: operation.description });
    assert.equal(operation.result?.ok, true, operation.description);
  };
  run({ kind: 'add-user', user: 'root', proof: credentialProof('root', 'pw') });
  run({ kind: 'add-user', user: 'alice', proof: credentialProof('alice', 'pw') });
  run({ kind: 'put-role', role: 'root', grants: [{ keyspace: everyKey, permission: 'admin' }] });
  run({ kind: 'put-role', role: 'writer', grants: [{ keyspace: everyKey, permission: 'read-write' }] });
  run({ kind: 'grant-role', user: 'root', role: 'root' });
  run({ kind: 'grant-role', user: 'alice', role: 'writer' });
  run({ kind: 'enable' });
  const executor = new MigrationExecutor(migrationPorts(sim, database));
  const admin = new PlacementAdmin(sim, security, database.placement, () => executor);
  const shard = database.shardMap.shards[0];
  const slots = [...slotsOf(shard.slots)];
  const split: Move = { kind: 'split', shard: shard.id, newShard: `${shard.id}-split`, ranges: rangesFromSlots(slots.slice(slots.length / 2)), replicas: [...shard.replicas], reason: 'test' };
  return { sim, database, security, admin, executor, split, run, alice: principal('alice', 'pw'), root: principal('root', 'pw') };
}

describe('Placement requests need the admin role (etcd RBAC root-only cluster operations; CockroachDB admin role)', () => {
  it('refuses a split to a non-admin before anything is submitted, names user, operation and permission, audits it', () => {
    const { sim, database, security, admin, executor, split, alice } = securedStore(21);
    const epoch = database.shardMap.epoch;
    const outcome = admin.requestMoves(alice, [split]);
    assert.equal(outcome.ok, false);
    assert.equal(outcome.ok === false && outcome.text, `user "alice" may not perform the placement request "split ${split.kind === 'split' ? split.shard : ''} into ${split.kind === 'split' ? split.newShard : ''}": missing admin on every key`);
    assert.equal(executor.idle, true, 'nothing was submitted');
    sim.runFor(2_000);
    assert.equal(database.shardMap.epoch, epoch, 'the map did not change');
    assert.equal(security.audit.entries.length, 1, security.audit.render());
    assert.equal(security.audit.entries[0].refusal.user, 'alice');
  });

  it('refuses a rebalance to a non-admin and an anonymous operator; lets an admin split', () => {
    const { sim, database, security, admin, executor, split, alice, root } = securedStore(22);
    const input = () => ({ map: database.shardMap, nodes: database.shardMap.shards.flatMap((shard) => shard.replicas).filter((node, index, all) => all.indexOf(node) === index).map((id) => ({ id, zone: id, alive: true, draining: false })), policy: { measure: 'replicas' as const, threshold: 0.1, replicationFactor: 3 } });
    const byAlice = admin.startRebalance(alice, input);
    assert.match(byAlice.ok === false ? byAlice.text : '', /^user "alice" may not perform the rebalance: missing admin on every key$/);
    const anonymous = admin.requestMoves(undefined, [split]);
    assert.match(anonymous.ok === false ? anonymous.text : '', /^user "\(anonymous\)" may not perform .*missing credentials/);
    assert.equal(security.audit.entries.length, 2);
    const epoch = database.shardMap.epoch;
    const byRoot = admin.requestMoves(root, [split]);
    assert.equal(byRoot.ok, true);
    sim.runUntil(() => executor.idle, { withinMs: 30_000, waitingFor: 'the split' });
    assert.ok(database.shardMap.epoch > epoch, 'the admin split changed the map');
    assert.ok(database.shardMap.shards.some((shard) => shard.id === (split.kind === 'split' ? split.newShard : '')));
  });
});

describe('The scaling policy is replicated state of the placement group, changed by admins only (HPA object kept in etcd)', () => {
  it('refuses a non-admin, commits an admin change through the placement log, and refuses an invalid policy naming the field', () => {
    const { sim, database, admin, security, alice, root } = securedStore(23);
    const refused = admin.changeScalingPolicy(alice, spec(4));
    assert.equal(refused.done, true);
    assert.equal(refused.outcome?.ok === false && refused.outcome.text, 'user "alice" may not perform the scaling policy change: missing admin on every key');
    sim.runFor(500);
    assert.equal(admin.committedPolicy(), undefined, 'nothing committed');
    assert.equal(security.audit.entries.length, 1);
    const accepted = admin.changeScalingPolicy(root, spec(4));
    sim.runUntil(() => accepted.done, { withinMs: 5_000, waitingFor: 'the policy change' });
    assert.deepEqual(accepted.outcome, { ok: true, version: 1 });
    assert.equal(admin.committedPolicy()?.policy.minNodes, 4);
    assert.equal(admin.committedPolicy()?.changedBy, 'root');
    sim.runFor(500);
    // Every placement replica applied it from the log (not a facade's memory).
    for (const node of database.placement.nodes) assert.equal(database.placement.freshestMachine()?.scalingPolicy?.version, 1, node);
    const invalid = admin.changeScalingPolicy(root, { ...spec(4), minNodes: 9 });
    assert.match(invalid.outcome?.ok === false ? invalid.outcome.text : '', /scaling policy: minNodes \(9\) is greater than maxNodes \(6\)/);
    assert.equal(admin.committedPolicy()?.version, 1);
  });

  it('applies a change only on the version it was made from, and never an invalid policy (compare-and-set, validated at apply)', () => {
    const register = new ScalingPolicyRegister();
    const policy = resolvePolicy(spec(3));
    assert.deepEqual(register.apply({ kind: 'scaling-policy', expectedVersion: 0, policy, by: 'root', atMs: 1 }), { status: 'ok', version: 1 });
    assert.deepEqual(register.apply({ kind: 'scaling-policy', expectedVersion: 0, policy, by: 'root', atMs: 2 }), { status: 'stale-policy', currentVersion: 1 });
    const result = register.apply({ kind: 'scaling-policy', expectedVersion: 1, policy: { ...policy, minNodes: 0 }, by: 'root', atMs: 3 });
    assert.equal(result.status, 'invalid-policy');
    assert.equal(register.version, 1);
  });

  it('keeps the committed policy in the placement snapshot', () => {
    const machine = new PlacementStateMachine();
    machine.restore(PlacementStateMachine.bootstrapSnapshot({ epoch: 0, shards: [] } as never, 0, 1));
    machine.apply({ placement: { kind: 'scaling-policy', expectedVersion: 0, policy: resolvePolicy(spec(4)), by: 'root', atMs: 5 } }, 2);
    const copy = new PlacementStateMachine();
    copy.restore(JSON.parse(JSON.stringify(machine.snapshot())));
    assert.equal(copy.scalingPolicy?.policy.minNodes, 4);
    assert.equal(copy.scalingPolicy?.version, 1);
  });

  it('the autoscaler evaluates with the committed policy once there is one', () => {
    let committed: ReturnType<typeof resolvePolicy> | undefined;
    const timers = { setTimer: () => 0 as never, cancelTimer: () => undefined };
    const nodes = [{ id: 'n1', ready: true }, { id: 'n2', ready: true }, { id: 'n3', ready: true }];
    const scaled: number[] = [];
    const actuator = { nodes: () => nodes, busy: () => false, scaleOut: (count: number) => scaled.push(count), scaleIn: (count: number) => scaled.push(-count) };
    const autoscaler = new Autoscaler(resolvePolicy(spec(3)), { clock: { nowMs: () => 60_000 }, timers, monitor: new ResourceMonitor({ intervalMs: 5_000, windowSamples: 3 }), activity: { activity: () => undefined }, actuator, committedPolicy: () => committed }, 5_000);
    assert.equal(autoscaler.evaluateNow().desiredNodes, 3);
    committed = resolvePolicy(spec(4));
    assert.equal(autoscaler.policy.minNodes, 4);
    assert.equal(autoscaler.evaluateNow().desiredNodes, 4);
    assert.deepEqual(scaled, [1]);
  });
});
