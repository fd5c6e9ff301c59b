/**
 * Scenario logic for garbage collection (issue 12 §6): what the shards keep of ended
 * transactions, and the tombstones the regions keep of deleted keys, against a stated
 * bound, with the figures attached to the report.
 */
import { transactionMemoryLeftovers } from '../src/check/leftovers';
import type { TombstoneCounts } from '../src/api/geo-deployment';
import { geo } from './georep-scenario';
import { transactions } from './txn-scenario';
import type { PhantomWorld } from './world';

/**
 * Waits until every shard keeps at most `perClient` transaction records and
 * `perClient` tombstones of ended transactions for each client that ran any. Fails when
 * the workload was too small for the bound to say anything (fewer transactions than
 * the bound allows to keep), and names the shard over the bound.
 */
export function awaitTransactionMemoryBounded(world: PhantomWorld, perClient: number, withinMs: number): void {
  const system = transactions(world).system;
  const clients = system.clientCounts().filter((entry) => entry.begun > 0);
  const begun = clients.reduce((total, entry) => total + entry.begun, 0);
  const bound = perClient * clients.length;
  if (begun <= bound * system.retainedRecords().perShard.length) {
    throw new Error(`In step "${world.currentStep}": only ${begun} transactions ran, too few for a bound of ${bound} per shard to show anything`);
  }
  const overBound = (): string[] => {
    const retained = system.retainedRecords();
    const views = retained.perShard.map((shard) => ({ shard: shard.shardId, records: shard.records, tombstones: shard.tombstones }));
    return [...retained.leaderless.map((shard) => `${shard} has no leader`), ...transactionMemoryLeftovers(views, bound)];
  };
  world.waitUntil(() => overBound().length === 0, withinMs, () => `the shards to forget ended transactions (now over the bound: ${overBound().join('; ')})`);
  const retained = system.retainedRecords();
  world.attachText(
    'transaction memory',
    [`${begun} transactions by ${clients.length} clients; bound ${bound} records and ${bound} tombstones per shard`, ...retained.perShard.map((shard) => `${shard.shardId}: ${shard.records} records, ${shard.tombstones} tombstones`)].join('\n'),
  );
}

/** Tombstones (deleted last-writer-wins keys) each region holds now, whatever serves the region. */
export function tombstonesByRegion(world: PhantomWorld): Map<string, number> {
  return new Map([...tombstoneCounts(world)].map(([region, counts]) => [region, counts.kept]));
}

function tombstoneCounts(world: PhantomWorld): Map<string, TombstoneCounts> {
  const cluster = geo(world);
  const counts = new Map<string, TombstoneCounts>();
  for (const region of cluster.regions) {
    const servers = cluster.servers(region);
    if (servers.tombstones === undefined) throw new Error(`In step "${world.currentStep}": regions deployed as ${cluster.deployment.description} do not count tombstones`);
    const found = servers.tombstones();
    if (found === undefined) throw new Error(`In step "${world.currentStep}": ${region} is down`);
    counts.set(region, found);
  }
  return counts;
}

/** Waits until no region holds more than `most` tombstones; attaches how many each collected. */
export function awaitTombstonesAtMost(world: PhantomWorld, most: number, withinMs: number): void {
  const describe = (): string => [...tombstonesByRegion(world)].map(([region, count]) => `${region} keeps ${count}`).join(', ');
  world.sim.runUntil(() => [...tombstonesByRegion(world).values()].every((count) => count <= most), { withinMs, waitingFor: () => `every region to keep at most ${most} tombstones (now ${describe()})`, pollMs: 10 });
  world.attachText('tombstones', [...tombstoneCounts(world)].map(([region, counts]) => `${region}: keeps ${counts.kept}, collected ${counts.collected}, refused ${counts.staleRefused} stale states`).join('\n'));
}

/** How many tombstones each region collected so far. */
export function tombstonesCollectedByRegion(world: PhantomWorld): Map<string, number> {
  return new Map([...tombstoneCounts(world)].map(([region, counts]) => [region, counts.collected]));
}

interface Interrupted {
  readonly txnId: string;
  readonly anchorShard: string;
}

function interrupted(world: PhantomWorld, client: string): Interrupted {
  const found = world.remembered.get(`gc:interrupted:${client}`) as Interrupted | undefined;
  if (found === undefined) throw new Error(`In step "${world.currentStep}": no transaction of client "${client}" was decided while a shard was cut off`);
  return found;
}

/**
 * Once the client's next transaction is decided, the replicas of the account's shard that
 * hold no other account's shard (a majority of it, or the step fails) are split from every
 * other server: they keep a quorum of their own, but can reach neither the coordinator nor
 * the record, so that shard stays prepared, in doubt, until the network heals.
 */
export function cutShardAfterDecision(world: PhantomWorld, account: string, client: string): void {
  const scenario = transactions(world);
  const database = world.cluster.database;
  const shardId = scenario.shardOf(account);
  const coordinator = scenario.coordinatorFor(client);
  const replicasOf = (id: string): readonly string[] => database.shardMap.shards.find((shard) => shard.id === id)!.replicas;
  const others = new Set(scenario.accountNames().filter((name) => scenario.shardOf(name) !== shardId).flatMap((name) => replicasOf(scenario.shardOf(name))));
  const island = replicasOf(shardId).filter((node) => !others.has(node) && node !== coordinator);
  if (island.length * 2 <= replicasOf(shardId).length) {
    const shared = replicasOf(shardId).filter((node) => !island.includes(node));
    throw new Error(`In step "${world.currentStep}": ${account}'s ${shardId} can only be cut off with a majority of its replicas on nodes that hold no other account's shard (and do not coordinate ${client}), but ${shared.join(', ')} of its ${replicasOf(shardId).join(', ')} do; start a store whose shards share no node, e.g. "Given a running cluster of 9 nodes storing data in 3 shards with 3 replicas each"`);
  }
  const hooks = database.txnSettings.hooks;
  const previous = hooks.coordinatorPoint;
  let fired = false;
  hooks.coordinatorPoint = (point, detail) => {
    if (fired || point !== 'after-decision' || !detail.txnId.startsWith(`${client}.`)) return previous?.(point, detail) ?? 'continue';
    fired = true;
    world.remembered.set(`gc:interrupted:${client}`, { txnId: detail.txnId, anchorShard: detail.anchorShard } satisfies Interrupted);
    world.sim.network.partition([island]); // everyone else, clients included, forms the other side
    return previous?.(point, detail) ?? 'continue';
  };
}

/** Whether the anchor still has the interrupted transaction's record. */
export function interruptedRecord(world: PhantomWorld, client: string): string | undefined {
  const { txnId, anchorShard } = interrupted(world, client);
  return transactions(world).system.leaderState(anchorShard)?.record(txnId)?.outcome;
}

/** Waits until no shard's leader keeps a record or tombstone of the interrupted transaction, and each has forgotten it. */
export function awaitInterruptedForgotten(world: PhantomWorld, client: string, withinMs: number): void {
  const { txnId } = interrupted(world, client);
  const system = transactions(world).system;
  const remaining = (): string[] =>
    world.cluster.database.shardIds().filter((shardId) => {
      const state = system.leaderState(shardId);
      return state === undefined || state.record(txnId) !== undefined || state.finishedOutcome(txnId) !== undefined || state.transaction(txnId) !== undefined;
    });
  world.waitUntil(() => remaining().length === 0, withinMs, () => `every shard to forget ${txnId} (still kept, or no leader, on ${remaining().join(', ')}; a shard forgets it only after a later transaction of client ${client} reached it)`);
}
