import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { defaultTxnTuning } from '../../src/txn/settings';
import { startStore } from './fixture';

/**
 * Recovery of an abandoned transaction while its shard keeps changing leaders
 * (src/txn/README.md, "Recovery: nobody blocks while the record's shard has a quorum").
 *
 * Found by bank soak seed 2145: under a fault every second, shard-1 changed leaders every
 * 1.5-2 s, and each new leader started the abandonment clock afresh, so a lock whose
 * coordinator had gone lived 10.8 s and every audit (which reads every account) died
 * against it. Ages are now kept on every replica from when it applied the transaction.
 */
describe('Transaction recovery under leader churn', () => {
  it('an abandoned lock is released within the abandonment bound even when leaders change faster than it', () => {
    const store = startStore(31);
    const [a, b] = store.keysOnDistinctShards(2);
    store.seed({ [a]: '100', [b]: '50' });
    const coordinator = store.bystander([a, b]);
    const shard = store.txns.shardOf(a);
    const txn = store.txns.client('c1').begin({ coordinator });
    const wrote = txn.write(a, '70');
    store.sim.runUntil(() => wrote.done, { withinMs: 2_000, waitingFor: 'the write' });
    assert.equal(wrote.outcome, 'ok');
    store.sim.node(coordinator).crash();
    const abandonedAtMs = store.sim.nowMs;
    const holds = (): boolean => store.txns.replicaStates(shard).some(({ node, state }) => store.sim.node(node).state === 'running' && state.transactions().some((open) => open.txnId === txn.id));
    assert.ok(holds(), `${shard} holds ${txn.id}'s lock before recovery`);
    // Leadership moves every 1,500 ms, half the abandonment bound, round the shard's replicas.
    const churnMs = defaultTxnTuning.abandonedAfterMs / 2;
    const replicas = store.cluster.database.shardMap.shards.find((entry) => entry.id === shard)!.replicas;
    let turn = 0;
    const churn = (): void => {
      const leader = store.cluster.database.leaderOf(shard);
      const next = replicas.filter((node) => node !== leader)[turn++ % (replicas.length - 1)];
      store.cluster.database.transferLeadership(shard, next);
      if (store.sim.nowMs - abandonedAtMs < 12_000) store.sim.scheduler.schedule(churnMs, churn);
    };
    store.sim.scheduler.schedule(churnMs / 2, churn);
    // Bound: the abandonment age plus one churn period (a replica that applied the lock late
    // may lead next) plus a scan and the settle round.
    const boundMs = defaultTxnTuning.abandonedAfterMs + churnMs + 500;
    store.sim.runUntil(() => !holds(), { withinMs: boundMs, waitingFor: `${shard} to release ${txn.id}'s abandoned lock while its leader changes every ${churnMs} ms` });
    assert.ok(turn >= 2, `leadership changed ${turn} times before the release`);
    assert.ok(store.txns.recoveries.some((event) => event.txnId === txn.id && event.outcome === 'aborted'), `recovery aborted ${txn.id}`);
    store.sim.runFor(12_000);
    assert.deepEqual(store.readAll([a, b]), ['100', '50']);
  });
});
