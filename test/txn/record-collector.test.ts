import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type TxnFixture, startStore, transfer } from './fixture';

/**
 * Garbage collection of transaction records and tombstones in a running store
 * (src/txn/record-collector.ts; README "Transactions", issue 12 §6): a committed record
 * outlives every participant that has not applied the commit (CockroachDB cleans a
 * record up only once every intent is resolved), and what the shards keep after a
 * workload comes back to a bound of one transaction per client per shard.
 */

/** Two keys on different shards where two replicas of the second's shard host no replica of the first's. */
function separableShards(store: TxnFixture): { anchor: string; other: string; cut: string[] } {
  const replicasOf = (key: string): readonly string[] => store.cluster.database.shardMap.shards.find((shard) => shard.id === store.txns.shardOf(key))!.replicas;
  for (let index = 1; index < 200; index++) {
    const anchor = `account-${index}`;
    for (let other = 1; other < 200; other++) {
      const key = `savings-${other}`;
      if (store.txns.shardOf(key) === store.txns.shardOf(anchor)) continue;
      const only = replicasOf(key).filter((node) => !replicasOf(anchor).includes(node));
      if (only.length >= 2) return { anchor, other: key, cut: only.slice(0, 2) };
    }
  }
  throw new Error('no two shards with separable replicas');
}

describe('Collecting transaction records in a running store', () => {
  it('a committed record is kept while a participant has not applied the commit, and goes once it has', () => {
    const store = startStore(41);
    store.cluster.database.txnSettings.tuning.collectEndedTransactions = true;
    const { anchor, other, cut } = separableShards(store);
    store.seed({ [anchor]: '100', [other]: '50' });
    const coordinator = store.txns.serverNodes().find((node) => !cut.includes(node))!;
    store.cluster.database.txnSettings.hooks.coordinatorPoint = (point, detail) => {
      if (point !== 'after-decision' || detail.node !== coordinator) return 'continue';
      // The other participant loses its quorum before phase two reaches it: it stays prepared.
      store.sim.scheduler.schedule(0, () => cut.forEach((node) => store.sim.node(node).crash()));
      return 'continue';
    };
    const client = store.txns.client('c1');
    const txn = store.settle(transfer(client.begin({ coordinator }), anchor, other, 30));
    assert.equal(txn.outcome, 'committed');
    store.cluster.database.txnSettings.hooks.coordinatorPoint = undefined;
    // The client's next transaction tells the anchor that it knows c1.1's outcome.
    const next = client.begin({ coordinator });
    next.write(anchor, '70');
    assert.equal(store.settle(next.commit()).outcome, 'committed');
    const anchorShard = store.txns.shardOf(anchor);
    store.sim.runFor(3_000);
    assert.equal(store.txns.leaderState(anchorShard)?.record(txn.id)?.outcome, 'committed', `${anchorShard} dropped ${txn.id}'s record while ${store.txns.shardOf(other)} had not applied it`);
    cut.forEach((node) => store.sim.node(node).restart());
    store.sim.runUntil(() => store.txns.allResolved() && store.txns.leaderState(anchorShard)?.record(txn.id) === undefined, { withinMs: 10_000, waitingFor: `${anchorShard} to forget ${txn.id} once every participant applied it` });
    assert.ok(store.txns.leaderState(anchorShard)!.horizonOf('c1') >= 1);
    assert.deepEqual(store.txns.violations(), []);
    assert.deepEqual(store.readAll([anchor, other], cut), ['70', '80']);
  });

  it('after concurrent transfers, the shards keep at most one record and one tombstone per client and shard', () => {
    const store = startStore(43);
    store.cluster.database.txnSettings.tuning.collectEndedTransactions = true;
    const accounts = [...store.keysOnDistinctShards(3), ...store.keysOnDistinctShards(3, 'savings')];
    store.seed(Object.fromEntries(accounts.map((key) => [key, '100'])));
    const random = store.sim.random.stream('test');
    let running = 0;
    let begun = 0;
    const clients = 6;
    for (let client = 0; client < clients; client++) {
      const next = (rounds: number): void => {
        if (rounds === 0) return void running--;
        const from = random.pick(accounts);
        const to = random.pick(accounts.filter((key) => key !== from));
        begun++;
        transfer(store.txns.client(`c${client}`).begin(), from, to, 1 + random.int(20)).onSettled(() => next(rounds - 1));
      };
      running++;
      store.sim.scheduler.schedule(random.int(20), () => next(25));
    }
    store.sim.runUntil(() => running === 0, { withinMs: 60_000, waitingFor: 'every transfer' });
    store.sim.runUntil(() => store.txns.allResolved(), { withinMs: 5_000, waitingFor: 'every lock to be released' });
    store.sim.runFor(2_000);
    const retained = store.txns.retainedRecords();
    const shards = store.cluster.database.shardIds().length;
    const bound = (clients + 1) * shards; // the seeding client counts too
    assert.ok(begun >= 150, `${begun} transactions`);
    assert.ok(retained.records <= bound, `${retained.records} records kept after ${begun} transactions (bound ${bound}): ${JSON.stringify(retained.perShard)}`);
    assert.ok(retained.tombstones <= bound, `${retained.tombstones} tombstones kept after ${begun} transactions (bound ${bound}): ${JSON.stringify(retained.perShard)}`);
    const balances = store.readAll(accounts).map(Number);
    assert.equal(balances.reduce((sum, value) => sum + value, 0), 600);
    assert.deepEqual(store.txns.violations(), []);
  });
});
