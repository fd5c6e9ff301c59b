import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { covers, decide, type Grant, principal, RoleTable, type AuthCommand, type Principal } from '../../src/auth';
import { KvStateMachine } from '../../src/kv/state-machine';

/** Applies auth commands in order, numbered from the table's next version. */
function applyAll(table: RoleTable, by: Principal | undefined, commands: readonly AuthCommand[]) {
  return commands.map((command) => table.apply({ version: table.version + 1, ...(by ? { by } : {}), command }));
}

const root = principal('root', 'pw-root');
const alice = principal('alice', 'pw-alice');

/** A table with root (admin on every key) and alice (read-write on accounts/), authentication on. */
function bootstrapped(): RoleTable {
  const table = new RoleTable();
  const results = applyAll(table, undefined, [
    { kind: 'put-role', role: 'root', grants: [{ keyspace: { kind: 'prefix', prefix: '' }, permission: 'admin' }] },
    { kind: 'put-role', role: 'teller', grants: [{ keyspace: { kind: 'prefix', prefix: 'accounts/' }, permission: 'read-write' }] },
    { kind: 'add-user', user: 'root', proof: root.proof },
    { kind: 'add-user', user: 'alice', proof: alice.proof },
    { kind: 'grant-role', user: 'root', role: 'root' },
    { kind: 'grant-role', user: 'alice', role: 'teller' },
    { kind: 'enable' },
  ]);
  assert.ok(results.every((result) => result.ok), JSON.stringify(results));
  return table;
}

describe('Role table (etcd auth: users, roles, permissions on key ranges, auth enable)', () => {
  it('allows everything while authentication is off, even anonymous writes', () => {
    const table = new RoleTable();
    assert.equal(table.authorize(undefined, 'write', { kind: 'key', key: 'x' }).allowed, true);
  });

  it('refuses to enable authentication without a user who holds admin over every key (etcd: root user first)', () => {
    const table = new RoleTable();
    const [result] = applyAll(table, undefined, [{ kind: 'enable' }]);
    assert.equal(result.ok, false);
    assert.equal(table.enabled, false);
  });

  it('names the user, the operation and the missing permission in a refusal', () => {
    const decision = bootstrapped().authorize(alice, 'write', { kind: 'key', key: 'payroll/march' });
    assert.equal(decision.allowed, false);
    if (decision.allowed) return;
    assert.equal(decision.refusal.text, 'user "alice" may not write key "payroll/march": missing read-write on key "payroll/march"');
  });

  it('refuses an unknown user and a wrong password alike, and an anonymous request', () => {
    const table = bootstrapped();
    for (const who of [principal('mallory', 'x'), principal('alice', 'guessed'), undefined]) {
      const decision = table.authorize(who, 'read', { kind: 'key', key: 'accounts/a' });
      assert.equal(decision.allowed, false, `${who?.user ?? 'anonymous'} should be refused`);
    }
  });

  it('lets only admins change the table once authentication is on, and judges the signer at apply time', () => {
    const table = bootstrapped();
    const [byAlice] = applyAll(table, alice, [{ kind: 'add-user', user: 'mallory', proof: 'p' }]);
    assert.equal(byAlice.ok, false);
    assert.match(byAlice.ok ? '' : byAlice.reason, /user "alice" may not perform .*add user mallory.*missing admin on every key/);
    const [byRoot] = applyAll(table, root, [{ kind: 'add-user', user: 'mallory', proof: 'p' }]);
    assert.equal(byRoot.ok, true);
  });

  it('applies a version once: a retry of the latest is answered from the table, a gap is refused', () => {
    const table = bootstrapped();
    const entry = { version: table.version + 1, by: root, command: { kind: 'revoke-role', user: 'alice', role: 'teller' } as AuthCommand };
    assert.deepEqual(table.apply(entry), { ok: true });
    assert.deepEqual(table.apply(entry), { ok: true }, 'the retry gets the same answer');
    assert.deepEqual(table.rolesOf('alice'), []);
    const gap = table.apply({ version: table.version + 2, by: root, command: { kind: 'disable' } });
    assert.equal(gap.ok, false);
    assert.equal(table.enabled, true);
  });

  it('never leaves the cluster without an admin', () => {
    const table = bootstrapped();
    const [result] = applyAll(table, root, [{ kind: 'revoke-role', user: 'root', role: 'root' }]);
    assert.equal(result.ok, false);
    assert.deepEqual(table.rolesOf('root'), ['root']);
  });

  it('round-trips through a snapshot with the same decisions', () => {
    const table = bootstrapped();
    const copy = new RoleTable();
    copy.restore(JSON.parse(JSON.stringify(table.snapshot())));
    assert.deepEqual(copy.snapshot(), table.snapshot());
    assert.equal(copy.authorize(alice, 'write', { kind: 'key', key: 'accounts/a' }).allowed, true);
  });
});

describe('Keyspaces (README "Security": prefixes, tables under table/<name>/, georeplicated keyspaces)', () => {
  const table = (name: string): Grant => ({ keyspace: { kind: 'table', table: name }, permission: 'read-only' });

  it('a table grant covers its rows and the table, not another table whose name starts the same', () => {
    assert.equal(covers(table('orders').keyspace, { kind: 'key', key: 'table/orders/1' }), true);
    assert.equal(covers(table('orders').keyspace, { kind: 'key', key: 'table/orders-archive/1' }), false);
    assert.equal(covers(table('orders').keyspace, { kind: 'table', table: 'orders' }), true);
    assert.equal(covers(table('orders').keyspace, { kind: 'table', table: 'customers' }), false);
  });

  it('a prefix grant covers a table only when it covers all of its rows', () => {
    assert.equal(covers({ kind: 'prefix', prefix: 'table/' }, { kind: 'table', table: 'orders' }), true);
    assert.equal(covers({ kind: 'prefix', prefix: 'table/ord' }, { kind: 'table', table: 'orders' }), true);
    assert.equal(covers({ kind: 'prefix', prefix: 'table/orders/1' }, { kind: 'table', table: 'orders' }), false);
  });

  it('a georeplicated keyspace is covered only by a grant on that keyspace', () => {
    assert.equal(covers({ kind: 'georep', keyspace: 'carts' }, { kind: 'georep', keyspace: 'carts' }), true);
    assert.equal(covers({ kind: 'prefix', prefix: '' }, { kind: 'georep', keyspace: 'carts' }), false);
  });

  it('the query layer hook: a query over a forbidden table is refused with the missing permission', () => {
    const decision = decide('dan', [table('orders')], 'read', { kind: 'table', table: 'customers' });
    assert.equal(decision.allowed, false);
    if (!decision.allowed) assert.equal(decision.refusal.text, 'user "dan" may not read table "customers": missing read-only on table "customers"');
    assert.equal(decide('dan', [table('orders')], 'read', { kind: 'table', table: 'orders' }).allowed, true);
    assert.equal(decide('dan', [table('orders')], 'write', { kind: 'table', table: 'orders' }).allowed, false);
  });

  it('a grant allows a key exactly when its keyspace covers the key and its permission the access (property)', () => {
    const permission = fc.constantFrom('read-only' as const, 'read-write' as const, 'admin' as const);
    const access = fc.constantFrom('read' as const, 'write' as const);
    fc.assert(
      fc.property(fc.string({ maxLength: 4 }), fc.string({ maxLength: 6 }), permission, access, (prefix, key, perm, what) => {
        const allowed = decide('u', [{ keyspace: { kind: 'prefix', prefix }, permission: perm }], what, { kind: 'key', key }).allowed;
        const expected = key.startsWith(prefix) && (what === 'read' || perm !== 'read-only');
        assert.equal(allowed, expected);
      }),
      { numRuns: 500 },
    );
  });
});

describe('Revocation bound: a request is judged at its own log position', () => {
  /** A shard's state machine with the bootstrapped table, as the log would build it. */
  function shard(): KvStateMachine {
    const machine = new KvStateMachine();
    const table = bootstrapped();
    machine.restore({ ...machine.snapshot(), auth: table.snapshot(), lastAppliedIndex: 10 });
    return machine;
  }

  it('a write committed before the revocation applies; one committed after it is refused and changes nothing', () => {
    const machine = shard();
    const before = machine.apply({ clientId: 'c', sequence: 1, operation: { kind: 'put', key: 'accounts/a', value: '1' }, principal: alice }, 11);
    assert.equal(before.status, 'ok');
    const revoke = machine.apply({ auth: { version: machine.auth.version + 1, by: root, command: { kind: 'revoke-role', user: 'alice', role: 'teller' } } }, 12);
    assert.deepEqual(revoke, { ok: true });
    const { entries, sessions } = machine.snapshot();
    const after = machine.apply({ clientId: 'c', sequence: 2, operation: { kind: 'put', key: 'accounts/a', value: '2' }, principal: alice }, 13);
    assert.equal(after.status, 'forbidden');
    assert.equal(machine.read('accounts/a'), '1');
    assert.deepEqual(machine.snapshot().entries, entries, 'no key changed');
    assert.deepEqual(machine.snapshot().sessions, sessions, 'the refused command was not recorded in the session');
  });

  it('a transaction lock asked for after the revocation is refused and takes no lock', () => {
    const machine = shard();
    machine.apply({ auth: { version: machine.auth.version + 1, by: root, command: { kind: 'revoke-role', user: 'alice', role: 'teller' } } }, 11);
    const priority = { startedAtMs: 0, txnId: 't1' };
    const result = machine.apply({ txn: { kind: 'acquire', txnId: 't1', priority, anchorKey: 'accounts/a', coordinator: 'n1', opIndex: 1, key: 'accounts/a', access: { kind: 'write', value: 'x' }, principal: alice } }, 12);
    assert.equal(result.status, 'forbidden');
    assert.equal(machine.transactions.lockOn('accounts/a'), undefined);
  });

  it('a retry of a write applied before the revocation is answered from its session, not judged again', () => {
    const machine = shard();
    const command = { clientId: 'c', sequence: 1, operation: { kind: 'put' as const, key: 'accounts/a', value: '1' }, principal: alice };
    machine.apply(command, 11);
    machine.apply({ auth: { version: machine.auth.version + 1, by: root, command: { kind: 'revoke-role', user: 'alice', role: 'teller' } } }, 12);
    const retry = machine.apply(command, 13);
    assert.equal(retry.status, 'ok');
    assert.equal(retry.status === 'ok' && retry.duplicate, true);
  });
});
