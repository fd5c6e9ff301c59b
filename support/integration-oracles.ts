import { Before } from '@cucumber/cucumber';
import { keyPlacementProblems, mapConfigDisagreements, type ParticipantContents, type ReplicaContents, sagaLeftovers, transactionLeftovers } from '../src/check';
import { groupView } from '../src/api/migration-ports';
import type { ShardedDatabase } from '../src/api/database';
import type { GroupView } from '../src/rebalance/ports';
import type { NodeId } from '../src/runtime/ports';
import { shardForKey } from '../src/sharding/shard-map';
import { SagaLog } from '../src/txn/saga/log';
import { directMembershipChanges } from './direct-membership';
import { sagas } from './txn-scenario';
import type { PhantomWorld } from './world';

/**
 * The cross-component oracles of issue 11 §4 (src/check/shard-placement.ts and
 * src/check/leftovers.ts), run as final checks at the end of every scenario whose World
 * has the parts they judge:
 * - a sharded store: the shard map agrees with every Raft group's configuration; every
 *   key is stored by exactly the replicas the map names; no transaction lock, intent or
 *   undecided transaction is left at any replica;
 * - sagas: none is left running.
 * (Georeplication's "every region converges" is the final check of step-definitions/replication.steps.ts.)
 *
 * The store oracles judge a store at rest, so they apply only when the scenario leaves it
 * whole: every node the map names running, no partition, no network-wide loss or
 * duplication. Otherwise the report says why they were not run. They wait up to
 * SETTLE_BOUND_MS of virtual time for moves, elections and recovery to finish, checking
 * every POLL_MS, and fail naming the shard, node, key or transaction.
 */

/** Bound for moves, catch-up and transaction recovery to finish after the last step. */
export const SETTLE_BOUND_MS = 15_000;
const POLL_MS = 100;

Before(function (this: PhantomWorld) {
  registerCrossComponentOracles(this);
});

/** Registers the oracles as a final check of the World (the Before hook does it for every scenario; seed sweeps for every seed). */
export function registerCrossComponentOracles(world: PhantomWorld): void {
  world.addFinalCheck('cross-component oracles (shard map, key placement, transactions left behind, sagas)', () => runOracles(world));
}

function runOracles(world: PhantomWorld): void {
  if (!world.hasSimulation) return;
  if (world.hasCluster && world.cluster.database.shardIds().length > 0) checkStore(world);
  if (world.hasPart('sagas')) settle(world, 'no saga is left running', () => sagaProblems(world));
}

function checkStore(world: PhantomWorld): void {
  const database = world.cluster.database;
  const broken = whyNotWhole(world, database);
  if (broken !== undefined) {
    world.attachText('cross-component oracles of the store not run', `The store is not whole at the end of the scenario: ${broken}.`);
    return;
  }
  const direct = directMembershipChanges(world);
  if (direct.size > 0) {
    world.attachText('cross-component oracles: groups left out', `The scenario changed the membership of ${[...direct].sort().join(', ')} itself, outside the placement service, so the map and key placement oracles leave them out.`);
  }
  settle(world, 'the shard map agrees with every Raft group', () => configProblems(world, database, direct));
  settle(world, 'every key is stored by exactly the replicas the map names', () => placementProblems(world, database, direct));
  settle(world, 'no transaction lock, intent or undecided transaction is left behind', () => transactionLeftovers(participants(world, database)));
}

/** Runs virtual time until `problems` comes back empty, or fails with the last problems. */
function settle(world: PhantomWorld, what: string, problems: () => string[]): void {
  let last = problems();
  if (last.length === 0) return;
  const deadlineMs = world.sim.nowMs + SETTLE_BOUND_MS;
  world.sim.runUntil(() => (last = problems()).length === 0 || world.sim.nowMs >= deadlineMs, { withinMs: SETTLE_BOUND_MS + POLL_MS, waitingFor: what, pollMs: POLL_MS });
  if (last.length > 0) throw new Error(`${what}: not so ${SETTLE_BOUND_MS / 1000} s of virtual time after the last step:\n${last.map((line) => `- ${line}`).join('\n')}`);
}

function whyNotWhole(world: PhantomWorld, database: ShardedDatabase): string | undefined {
  const named = new Set(database.shardMap.shards.flatMap((shard) => [...shard.replicas, ...(shard.learners ?? [])]));
  const down = [...named].filter((node) => !world.sim.hasNode(node) || world.sim.node(node).state !== 'running');
  if (down.length > 0) return `${down.sort().map((node) => `${node} is ${world.sim.hasNode(node) ? world.sim.node(node).state : 'gone'}`).join(', ')}`;
  // A node that left the cluster runs, but its peers drop everything it sends and keep nothing for it.
  const departed = [...named].filter((node) => {
    const phase = world.cluster.member(node)?.phase();
    return phase !== undefined && phase !== 'member';
  });
  if (departed.length > 0) return `${departed.sort().join(', ')} left the cluster but the map still names it`;
  const network = world.sim.network;
  if (network.isPartitioned) return `the network is partitioned (${network.describePartition() ?? 'one-way cuts'})`;
  const faults = network.currentFaults;
  if (faults.lossProbability > 0 || faults.duplicateProbability > 0) return `the network loses ${faults.lossProbability} and duplicates ${faults.duplicateProbability} of messages`;
  return undefined;
}

/** Data groups each node keeps a replica of, from its disk (crashed and stopped nodes too). */
function hostsOnDisk(world: PhantomWorld): Map<string, NodeId[]> {
  const hosts = new Map<string, NodeId[]>();
  for (const node of world.cluster.nodeIds) {
    for (const spec of world.sim.node(node).disk.get<{ groupId: string }[]>('raft/groups') ?? []) {
      if (spec.groupId === 'placement') continue;
      hosts.set(spec.groupId, [...(hosts.get(spec.groupId) ?? []), node]);
    }
  }
  return hosts;
}

/** The map without the groups the scenario manages itself. */
function mapWithout(database: ShardedDatabase, left: ReadonlySet<string>) {
  const map = database.shardMap;
  return { epoch: map.epoch, shards: map.shards.filter((shard) => !left.has(shard.id)) };
}

function configProblems(world: PhantomWorld, database: ShardedDatabase, left: ReadonlySet<string>): string[] {
  const map = mapWithout(database, left);
  const groups = new Map<string, GroupView | undefined>(map.shards.map((shard) => [shard.id, groupView(database, shard.id)]));
  const hosts = new Map([...hostsOnDisk(world)].filter(([shard]) => !left.has(shard)));
  return mapConfigDisagreements(map, groups, hosts);
}

/** Every running node's replicas of data groups, with their state machines. */
function machines(world: PhantomWorld, database: ShardedDatabase) {
  const found = [];
  for (const [shard, nodes] of hostsOnDisk(world)) {
    for (const node of nodes) {
      const machine = database.replica(shard, node) === undefined ? undefined : database.kvOn(node)?.machine(shard);
      if (machine !== undefined) found.push({ node, shard, machine });
    }
  }
  return found;
}

function placementProblems(world: PhantomWorld, database: ShardedDatabase, left: ReadonlySet<string>): string[] {
  const map = database.shardMap;
  const replicas: ReplicaContents[] = machines(world, database).filter(({ shard }) => !left.has(shard)).map(({ node, shard, machine }) => ({
    node,
    shard,
    keys: [...machine.scan('')].map(([key]) => key),
    incomingKeys: (machine.snapshot().slots?.incomingEntries ?? []).map(([key]) => key),
  }));
  return keyPlacementProblems(mapWithout(database, left), (key) => shardForKey(map, key)?.id, replicas);
}

function participants(world: PhantomWorld, database: ShardedDatabase): ParticipantContents[] {
  return machines(world, database).map(({ node, shard, machine }) => ({ node, shard, transactions: machine.snapshot().transactions?.txns ?? [] }));
}

function sagaProblems(world: PhantomWorld): string[] {
  const system = sagas(world).system;
  if (!world.sim.hasNode(system.orchestratorNode)) return [];
  const ids = new SagaLog(world.sim.node(system.orchestratorNode).disk).ids();
  return sagaLeftovers(ids.flatMap((sagaId) => {
    const status = system.status(sagaId);
    return status === undefined ? [] : [{ sagaId, state: status.state, summary: status.summary }];
  }));
}
