import { PhantomCluster } from '../../src/api';
import type { NodeId } from '../../src/runtime/ports';
import { Simulation } from '../../src/sim';
import type { Transaction } from '../../src/txn/client';
import type { TxnEvent } from '../../src/txn/settings';
import { TransactionSystem } from '../../src/api/transaction-system';

/** A started store with transactions: 5 nodes, 3 shards of 3 replicas unless told otherwise. */
export interface TxnFixture {
  readonly sim: Simulation;
  readonly cluster: PhantomCluster;
  readonly txns: TransactionSystem;
  readonly events: TxnEvent[];
  /** Keys named `prefix-n`, each on a different shard (as many as asked for, up to the shard count). */
  keysOnDistinctShards(count: number, prefix?: string): string[];
  /** Keys on one shard. */
  keysOnOneShard(count: number, prefix?: string): string[];
  /** Runs virtual time until the transaction is settled (or `untilUnknown`: until it is no longer pending). */
  settle(txn: Transaction, withinMs?: number): Transaction;
  /** Commits the writes in one transaction and waits for it. */
  seed(values: Record<string, string>): void;
  /** Reads the keys in one transaction; fails unless it commits. */
  /** Reads in one transaction, coordinated by a running node not in `avoid` (a node the test crashed or cut off). */
  readAll(keys: readonly string[], avoid?: readonly string[]): (string | null)[];
  /** A server node leading none of the given keys' shards and, if possible, holding none of them. */
  bystander(keys: readonly string[]): NodeId;
}

export function startStore(seed: number, options: { nodes?: number; shards?: number } = {}): TxnFixture {
  const nodes = options.nodes ?? 5;
  const shards = options.shards ?? 3;
  const sim = new Simulation({ seed });
  const cluster = new PhantomCluster(sim, { clusterName: 'txn', joinToken: 'txn' });
  for (let index = 1; index <= nodes; index++) cluster.addNode(`node-${index}`, { seeds: index === 1 ? [] : ['node-1'] });
  sim.runUntil(() => cluster.liveMembers().length === nodes && cluster.agreement(), { withinMs: 10_000, waitingFor: 'the nodes to join' });
  const database = cluster.database;
  database.create({ shards, replicationFactor: 3 });
  sim.runUntil(() => database.shardIds().every((shard) => database.hasStableLeader(shard)), { withinMs: 5_000, waitingFor: 'a leader per shard' });
  const txns = new TransactionSystem(sim, database);
  const events: TxnEvent[] = [];
  database.txnSettings.hooks.onEvent = (event) => events.push(event);
  let checker = 0;
  const fixture: TxnFixture = {
    sim,
    cluster,
    txns,
    events,
    keysOnDistinctShards(count, prefix = 'account') {
      const keys: string[] = [];
      const used = new Set<string>();
      for (let index = 1; keys.length < count && index < 10_000; index++) {
        const key = `${prefix}-${index}`;
        const shard = txns.shardOf(key);
        if (used.has(shard)) continue;
        used.add(shard);
        keys.push(key);
      }
      if (keys.length < count) throw new Error(`only ${keys.length} shards for ${count} keys`);
      return keys;
    },
    keysOnOneShard(count, prefix = 'account') {
      const target = txns.shardOf(`${prefix}-1`);
      const keys: string[] = [];
      for (let index = 1; keys.length < count; index++) if (txns.shardOf(`${prefix}-${index}`) === target) keys.push(`${prefix}-${index}`);
      return keys;
    },
    settle(txn, withinMs = 10_000) {
      sim.runUntil(() => txn.settled, { withinMs, waitingFor: `transaction ${txn.id} to commit or abort` });
      return txn;
    },
    seed(values) {
      const txn = txns.client('seeder').begin();
      for (const [key, value] of Object.entries(values)) txn.write(key, value);
      fixture.settle(txn.commit());
      if (txn.outcome !== 'committed') throw new Error(`seeding failed: ${txn.reason}`);
    },
    readAll(keys, avoid = []) {
      // Through a running coordinator the test did not crash or cut off.
      const running = txns.serverNodes().filter((node) => sim.node(node).state === 'running' && !avoid.includes(node));
      const txn = txns.client(`checker-${++checker}`).begin({ coordinator: running[checker % running.length] });
      const reads = keys.map((key) => txn.read(key));
      fixture.settle(txn.commit());
      if (txn.outcome !== 'committed') throw new Error(`reading ${keys.join(', ')} failed: ${txn.reason}`);
      return reads.map((read) => read.value);
    },
    bystander(keys) {
      const shardsOf = new Set(keys.map((key) => txns.shardOf(key)));
      const servers = txns.serverNodes();
      const leaders = new Set([...shardsOf].map((shard) => database.leaderOf(shard)));
      const holders = new Set(database.shardMap.shards.filter((shard) => shardsOf.has(shard.id)).flatMap((shard) => shard.replicas));
      return servers.find((node) => !holders.has(node)) ?? servers.find((node) => !leaders.has(node)) ?? servers[0];
    },
  };
  return fixture;
}

/** A transfer: reads both keys for update, then writes both and commits (nothing if a read failed). */
export function transfer(txn: Transaction, from: string, to: string, amount: number): Transaction {
  const source = txn.read(from, { forUpdate: true });
  const target = txn.read(to, { forUpdate: true });
  source.onComplete(() =>
    target.onComplete(() => {
      if (source.outcome !== 'ok' || target.outcome !== 'ok') return;
      txn.write(from, String(Number(source.value) - amount));
      txn.write(to, String(Number(target.value) + amount));
      txn.commit();
    }),
  );
  return txn;
}
