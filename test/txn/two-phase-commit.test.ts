import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Transaction } from '../../src/txn/client';
import { startStore, transfer } from './fixture';

/**
 * Two-phase commit across shard Raft groups, in the simulator: the happy paths and fast
 * paths, then each failure the protocol must survive (design: src/txn/README.md).
 */

/** Accounts a = 100 and b = 50 on two different shards, and a coordinator node that hosts neither. */
function twoAccounts(seed: number): { store: ReturnType<typeof startStore>; a: string; b: string; coordinator: string } {
  const store = startStore(seed);
  const [a, b] = store.keysOnDistinctShards(2);
  store.seed({ [a]: '100', [b]: '50' });
  return { store, a, b, coordinator: store.bystander([a, b]) };
}

describe('Two-phase commit: happy paths and fast paths', () => {
  it('commits atomically across three shards; the shard that was only read skips phase two', () => {
    const store = startStore(11);
    const [a, b, c] = store.keysOnDistinctShards(3);
    store.seed({ [a]: '100', [b]: '50', [c]: '7' });
    const txn = store.txns.client('c1').begin();
    txn.read(c);
    transfer(txn, a, b, 30);
    store.settle(txn);
    assert.equal(txn.outcome, 'committed', txn.reason);
    assert.deepEqual(store.readAll([a, b, c]), ['70', '80', '7']);
    const phaseTwo = store.events.find((event) => event.kind === 'phase-two' && event.txnId === txn.id);
    const decision = store.events.find((event) => event.kind === 'decision' && event.txnId === txn.id);
    assert.ok(decision?.kind === 'decision');
    assert.deepEqual(phaseTwo?.kind === 'phase-two' && phaseTwo.shards, [store.txns.shardOf(a), store.txns.shardOf(b)].filter((shard) => shard !== decision.anchorShard));
    store.sim.runFor(200);
    assert.equal(store.txns.allResolved(), true, store.txns.statusLine());
    for (const shardId of store.cluster.database.shardIds()) {
      const digests = store.txns.replicaStates(shardId).map(({ node }) => store.cluster.database.kvOn(node)?.machine(shardId)?.digest());
      assert.equal(new Set(digests).size, 1, `replicas of ${shardId} disagree`);
    }
  });

  it('a transaction on one shard commits in one phase: no prepare round, one decision', () => {
    const store = startStore(12);
    const [a, b] = store.keysOnOneShard(2);
    store.seed({ [a]: '10', [b]: '0' });
    const txn = store.settle(transfer(store.txns.client('c1').begin(), a, b, 4));
    assert.equal(txn.outcome, 'committed');
    assert.equal(store.events.filter((event) => event.kind === 'prepare' && event.txnId === txn.id).length, 0);
    assert.equal(store.events.filter((event) => event.kind === 'phase-two' && event.txnId === txn.id).length, 0);
    assert.deepEqual(store.readAll([a, b]), ['6', '4']);
  });

  it('a rollback leaves nothing written and nothing locked', () => {
    const store = startStore(13);
    const [a, b] = store.keysOnDistinctShards(2);
    store.seed({ [a]: '1', [b]: '2' });
    const txn = store.txns.client('c1').begin();
    txn.write(a, 'x');
    txn.write(b, 'y');
    store.settle(txn.rollback());
    assert.equal(txn.outcome, 'aborted');
    assert.equal(txn.reason, 'rolled back by the client');
    store.sim.runFor(100);
    assert.equal(store.txns.allResolved(), true);
    assert.deepEqual(store.readAll([a, b]), ['1', '2']);
  });
});

describe('Two-phase commit: failures', () => {
  it('a participant that votes no aborts the transaction everywhere, with its reason', () => {
    const store = startStore(21);
    const [a, b] = store.keysOnDistinctShards(2);
    store.seed({ [a]: '100', [b]: '50' });
    const refusing = store.txns.shardOf(b);
    store.cluster.database.txnSettings.hooks.participantVote = (shardId) => (shardId === refusing ? { refuse: 'the account is frozen' } : undefined);
    const txn = store.txns.client('c1').begin({ coordinator: store.bystander([a, b]) });
    txn.write(a, 'changed');
    txn.write(b, 'changed');
    store.settle(txn.commit());
    assert.equal(txn.outcome, 'aborted');
    assert.match(txn.reason!, /voted no: the account is frozen/);
    store.cluster.database.txnSettings.hooks.participantVote = undefined;
    store.sim.runFor(200);
    assert.equal(store.txns.allResolved(), true, store.txns.statusLine());
    assert.deepEqual(store.readAll([a, b]), ['100', '50']);
  });

  it('a vote that does not arrive in time aborts the transaction; the silent participant is cleaned up later', () => {
    const { store, a, b, coordinator } = twoAccounts(26);
    const txn = store.txns.client('c1').begin({ coordinator });
    const wrote = [txn.write(a, '70'), txn.write(b, '80')];
    store.sim.runUntil(() => wrote.every((operation) => operation.done), { withinMs: 2_000, waitingFor: 'the writes' });
    const replicas = store.cluster.database.shardMap.shards.find((shard) => shard.id === store.txns.shardOf(b))!.replicas;
    for (const replica of replicas) store.sim.network.cutOneWay(replica, coordinator);
    store.settle(txn.commit());
    assert.equal(txn.outcome, 'aborted');
    assert.match(txn.reason!, /did not vote within 1000 ms/);
    store.sim.network.heal();
    store.sim.runUntil(() => store.txns.allResolved(), { withinMs: 5_000, waitingFor: 'the silent participant to release its locks' });
    assert.deepEqual(store.readAll([a, b]), ['100', '50']);
  });

  it('locks and intents survive a participant leader crash before prepare', () => {
    const { store, a, b, coordinator } = twoAccounts(22);
    const txn = store.txns.client('c1').begin({ coordinator });
    const wrote = [txn.write(a, '70'), txn.write(b, '80')];
    store.sim.runUntil(() => wrote.every((operation) => operation.done), { withinMs: 2_000, waitingFor: 'the writes' });
    const leader = store.cluster.database.leaderOf(store.txns.shardOf(b))!;
    assert.notEqual(leader, coordinator);
    store.sim.node(leader).crash();
    store.settle(txn.commit());
    assert.equal(txn.outcome, 'committed', txn.reason);
    assert.deepEqual(store.readAll([a, b]), ['70', '80']);
  });

  it('the coordinator crashes after every vote: the outcome is unknown, recovery aborts, and the client learns it', () => {
    const { store, a, b, coordinator } = twoAccounts(23);
    store.cluster.database.txnSettings.hooks.coordinatorPoint = (point, detail) => {
      if (point !== 'after-votes' || detail.node !== coordinator) return 'continue';
      store.sim.scheduler.schedule(0, () => store.sim.node(coordinator).crash());
      return 'halt';
    };
    const txn = transfer(store.txns.client('c1').begin({ coordinator }), a, b, 30);
    store.sim.runUntil(() => txn.outcome !== 'pending', { withinMs: 5_000, waitingFor: 'the commit to end or become unknown' });
    assert.equal(txn.outcome, 'unknown');
    store.sim.runUntil(() => store.txns.allResolved(), { withinMs: 2_000, waitingFor: 'recovery' });
    assert.ok(store.txns.recoveries.some((event) => event.txnId === txn.id && event.outcome === 'aborted'));
    store.cluster.database.txnSettings.hooks.coordinatorPoint = undefined;
    store.sim.node(coordinator).start();
    store.settle(txn);
    assert.equal(txn.outcome, 'aborted');
    assert.match(txn.reason!, /presumed abort/);
    assert.deepEqual(store.readAll([a, b]), ['100', '50']);
  });

  it('the coordinator crashes after the decision: recovery commits every participant from the record', () => {
    const store = startStore(24);
    const [a, b, c] = store.keysOnDistinctShards(3);
    store.seed({ [a]: '100', [b]: '50', [c]: '0' });
    const coordinator = store.bystander([a, b, c]);
    store.cluster.database.txnSettings.hooks.coordinatorPoint = (point, detail) => {
      if (point !== 'after-decision' || detail.node !== coordinator) return 'continue';
      store.sim.scheduler.schedule(0, () => store.sim.node(coordinator).crash());
      return 'halt';
    };
    const txn = store.txns.client('c1').begin({ coordinator });
    txn.write(a, '90');
    txn.write(b, '55');
    txn.write(c, '5');
    txn.commit();
    store.sim.runUntil(() => store.txns.allResolved() && txn.outcome !== 'pending', { withinMs: 3_000, waitingFor: 'recovery' });
    assert.ok(store.txns.recoveries.filter((event) => event.txnId === txn.id && event.outcome === 'committed').length >= 2);
    store.settle(txn);
    assert.equal(txn.outcome, 'committed');
    assert.deepEqual(store.readAll([a, b, c], [coordinator]), ['90', '55', '5']);
  });

  it('a partition between the coordinator and a participant during phase two is healed by recovery', () => {
    const { store, a, b, coordinator } = twoAccounts(25);
    let cutShard: string | undefined;
    store.cluster.database.txnSettings.hooks.coordinatorPoint = (point, detail) => {
      if (point !== 'after-decision' || detail.node !== coordinator) return 'continue';
      cutShard = detail.participants.find((shard) => shard !== detail.anchorShard)!;
      const replicas = store.cluster.database.shardMap.shards.find((shard) => shard.id === cutShard)!.replicas;
      for (const replica of replicas) if (replica !== coordinator) store.sim.network.cutOneWay(coordinator, replica);
      return 'continue';
    };
    const txn = store.settle(transfer(store.txns.client('c1').begin({ coordinator }), a, b, 30));
    assert.equal(txn.outcome, 'committed');
    store.sim.runUntil(() => store.txns.allResolved(), { withinMs: 2_000, waitingFor: 'recovery of the cut-off participant' });
    assert.ok(store.txns.recoveries.some((event) => event.txnId === txn.id && event.shardId === cutShard && event.outcome === 'committed'));
    assert.deepEqual(store.readAll([a, b], [coordinator]), ['70', '80']);
  });
});

describe('Two-phase commit: conflicts (wait-die)', () => {
  it('a younger transaction meeting an older one\'s lock dies; the older commits', () => {
    const store = startStore(31);
    const [a, b] = store.keysOnDistinctShards(2);
    store.seed({ [a]: '100', [b]: '50' });
    const older = store.txns.client('c1').begin();
    const locked = older.write(a, '90');
    store.sim.runUntil(() => locked.done, { withinMs: 2_000, waitingFor: 'the older lock' });
    const younger = store.settle(transfer(store.txns.client('c2').begin(), a, b, 10));
    assert.equal(younger.outcome, 'aborted');
    assert.match(younger.reason!, /wait-die: .* is locked by the older transaction c1\.1/);
    store.settle(older.commit());
    assert.equal(older.outcome, 'committed');
  });

  it('an older transaction waits for a younger one and then sees its write', () => {
    const store = startStore(32);
    const [a, b] = store.keysOnDistinctShards(2);
    store.seed({ [a]: '100', [b]: '50' });
    const older = store.txns.client('c1').begin();
    store.sim.runFor(5);
    const younger = store.txns.client('c2').begin();
    const locked = younger.write(a, '60');
    store.sim.runUntil(() => locked.done, { withinMs: 2_000, waitingFor: 'the younger lock' });
    const read = older.read(a);
    store.sim.runFor(30);
    assert.equal(read.done, false, 'the older transaction waits');
    younger.commit();
    store.settle(younger);
    store.sim.runUntil(() => read.done, { withinMs: 1_000, waitingFor: 'the waiting read' });
    assert.equal(read.value, '60');
    assert.ok(store.events.some((event) => event.kind === 'lock-wait' && event.txnId === older.id));
    assert.equal(store.settle(older.commit()).outcome, 'committed');
  });

  it('concurrent transfers keep the total and leave no lock behind', () => {
    const store = startStore(33);
    const accounts = [...store.keysOnDistinctShards(3), ...store.keysOnDistinctShards(3, 'savings')];
    store.seed(Object.fromEntries(accounts.map((key) => [key, '100'])));
    const random = store.sim.random.stream('test');
    const finals: Transaction[] = [];
    let running = 0;
    // A transfer that dies under wait-die is retried, after an exponential back-off, with
    // its original age, so it grows older than every newcomer and eventually wins.
    const attempt = (client: string, from: string, to: string, amount: number, failures: number, retryOf?: Transaction): void => {
      const txn = transfer(store.txns.client(client).begin(retryOf ? { retryOf } : {}), from, to, amount);
      txn.onSettled(() => {
        if (txn.outcome === 'aborted' && failures < 30) {
          const ceilingMs = Math.min(400, 10 * 2 ** failures);
          store.sim.scheduler.schedule(ceilingMs / 2 + random.int(ceilingMs / 2), () => attempt(client, from, to, amount, failures + 1, txn));
          return;
        }
        finals.push(txn);
        running--;
      });
    };
    for (let client = 0; client < 8; client++) {
      for (let round = 0; round < 5; round++) {
        running++;
        store.sim.scheduler.schedule(round * 40 + random.int(20), () => {
          const from = random.pick(accounts);
          const to = random.pick(accounts.filter((key) => key !== from));
          attempt(`c${client}`, from, to, 1 + random.int(20), 0);
        });
      }
    }
    store.sim.runUntil(() => running === 0, { withinMs: 30_000, waitingFor: 'every transfer' });
    const committed = finals.filter((txn) => txn.outcome === 'committed').length;
    assert.equal(committed, 40, `only ${committed} of 40 transfers committed`);
    const balances = store.readAll(accounts).map(Number);
    assert.equal(balances.reduce((sum, value) => sum + value, 0), 600);
    store.sim.runFor(100);
    assert.equal(store.txns.allResolved(), true, store.txns.statusLine());
    assert.deepEqual(store.txns.violations(), []);
  });
});

describe('Two-phase commit: what a caller hands the client', () => {
  it('refuses a key, value or element that is not text, naming the transaction and the field (its messages carry them as they are)', () => {
    const store = startStore(12);
    const txn = store.txns.client('c1').begin();
    let ran = 0;
    const sneaky = Object.defineProperty({}, 'length', { get: () => ran++ }) as unknown as string;
    assert.throws(() => txn.write(sneaky, '1'), new RegExp(`transaction ${txn.id.replace(/\./g, '\\.')}: write's key must be text, got object`));
    assert.throws(() => txn.write('a', 7 as unknown as string), /write's value must be text, got number/);
    assert.throws(() => txn.read(sneaky), /read's key must be text/);
    assert.throws(() => txn.append('a', 7 as unknown as string), /append's element must be text, got number/);
    assert.equal(ran, 0, 'nothing of the caller\'s object was read');
    txn.delete('a');
    assert.equal(txn.outcome, 'pending', 'a delete (a null value) is a write');
  });
});
