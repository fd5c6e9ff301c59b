import { DataTable, Given, Then, When } from '@cucumber/cucumber';
import { expect } from 'chai';
import { rebalancing } from '../support/rebalancing-scenario';
import { transactions } from '../support/txn-scenario';
import type { PhantomWorld } from '../support/world';

// ---- the store ------------------------------------------------------------------------------

// Starts node-1 … node-N and a store of S shards with R replicas each (placed evenly, the placement group on three of the nodes); replicas snapshot their state after every W writes, so that a new replica catches up from a snapshot. Waits until every shard has a leader.
Given(
  'a running cluster of {int} nodes storing data in {int} shards with {int} replicas each that snapshot every {int} writes',
  function (this: PhantomWorld, nodes: number, shards: number, replicas: number, writes: number) {
    rebalancing(this).start(nodes, shards, replicas, writes);
  },
);

// Clients doing reads, writes and compare-and-sets on key-1 … key-N until "the clients stop"; each history is checked at the end.
Given('{int} clients keep reading and writing {int} keys', function (this: PhantomWorld, clients: number, keys: number) {
  rebalancing(this).startClients(clients, keys);
});

// Stops the clients, waits for their last operations, then reads every key once more (the lost-write check judges those reads). Needs "{int} clients keep reading and writing {int} keys" before.
When('the clients stop', function (this: PhantomWorld) {
  rebalancing(this).stopClients();
});

// ---- moving data ---------------------------------------------------------------------------------

// Moves the copy of the shard held by its current leader to the node (which must be running): the newcomer joins as a learner, catches up, is promoted, leadership moves off the old replica, which is then removed and its data deleted. Does not wait; see "within {duration} every move has finished".
When('the copy of {string} held by its leader moves to {node}', function (this: PhantomWorld, shard: string, node: string) {
  const scenario = rebalancing(this);
  const from = scenario.leaderReplica(shard);
  scenario.rememberMovedOffLeader(shard, from);
  scenario.submit([{ kind: 'move-replica', shard, from, to: this.node(node).id, reason: `scenario: ${shard} off its leader` }]);
});

// Moves the copy of the shard held by one node to another (see the step above for the steps of a move). Does not wait.
When('the copy of {string} held by {node} moves to {node}', function (this: PhantomWorld, shard: string, from: string, to: string) {
  const scenario = rebalancing(this);
  expect(scenario.shard(shard).replicas, `the replicas of ${shard}`).to.include(from);
  scenario.submit([{ kind: 'move-replica', shard, from, to: this.node(to).id, reason: `scenario: ${shard} from ${from} to ${to}` }]);
});

// Waits until the executor has finished (or rolled back) every move it was given, then shows its progress (moves done, pending, bytes moved, simulated time) in the report.
Then('within {duration} every move has finished', function (this: PhantomWorld, withinMs: number) {
  const scenario = rebalancing(this);
  scenario.waitForMoves(withinMs);
  this.attachText('migration progress', scenario.progressTable());
  const progress = scenario.progress();
  expect(progress.rolledBack, 'moves rolled back').to.equal(0);
  expect(progress.pending + progress.inFlight, 'moves not finished').to.equal(0);
});

// ---- where data lives ---------------------------------------------------------------------------

// For each key of the table (column: key), the placement service names its shard and replicas (shown in the report); the key's current value must be on exactly those nodes. Waits up to 2 s for replicas to apply the latest writes.
Then('each of these keys is held by exactly the replicas the placement service names:', function (this: PhantomWorld, table: DataTable) {
  const scenario = rebalancing(this);
  const keys = table.hashes().map((row) => row.key);
  const locations = keys.map((key) => scenario.whereKeyLives(key));
  this.attachText('where keys live', ['KEY        SLOT  SHARD     EPOCH  REPLICAS', ...locations.map((row) => `${row.key.padEnd(10)} ${String(row.slot).padStart(4)}  ${row.shard.padEnd(8)} ${String(row.epoch).padStart(5)}  ${row.replicas}`)].join('\n'));
  for (const location of locations) {
    let holders: string[] = [];
    const expected = location.replicas;
    try {
      this.waitUntil(() => (holders = scenario.nodesHoldingKey(location.key)).sort().join(', ') === expected, 2_000, `${location.key} to be on ${expected}`);
    } catch {
      expect(holders.join(', '), `nodes holding ${location.key} (placement service says ${location.shard} on ${expected})`).to.equal(expected);
    }
  }
});

// Waits (at most 3 s) for a store heartbeat from every running node, then checks that what the placement service says the node holds (shown in the report) is exactly what the node reported: the same shards, voters as voters and learners as learners.
Then("the placement service's view of {node} matches what the node reports", function (this: PhantomWorld, node: string) {
  const scenario = rebalancing(this);
  scenario.waitForHeartbeats(3_000);
  const holdings = scenario.whatNodeHolds(this.node(node).id);
  this.attachText(`what ${node} holds`, ['SHARD     ROLE IN MAP              REPORTED   KEYS  BYTES', ...holdings.map((row) => `${row.shard.padEnd(9)} ${row.role.padEnd(24)} ${row.reportedRole.padEnd(10)} ${String(row.keys).padStart(4)}  ${row.bytes}`)].join('\n'));
  for (const holding of holdings) {
    const voter = holding.role.startsWith('voter');
    expect(holding.reportedRole, `${node}'s reported role in ${holding.shard}`).to.be.oneOf(voter ? ['leader', 'follower', 'candidate', 'pre-candidate'] : ['learner']);
  }
  const reported = this.cluster.database.placement.storeReports().find((report) => report.node === node)!;
  const dataGroups = reported.replicas.map((replica) => replica.group).filter((group) => group !== 'placement').sort();
  expect(dataGroups, `shards ${node} reports holding`).to.deep.equal(holdings.map((row) => row.shard).sort());
});

// The node a "moves off its leader" step moved the shard's copy from keeps nothing of it: no replica on its disk, and the placement map does not name it.
Then('the node that led {string} before the move holds no data of it', function (this: PhantomWorld, shard: string) {
  assertHoldsNothing(this, rebalancing(this).movedOffLeader(shard), shard);
});

function assertHoldsNothing(world: PhantomWorld, node: string, shard: string): void {
  const scenario = rebalancing(world);
  expect(scenario.whatNodeHolds(node).map((row) => row.shard), `shards the map places on ${node}`).not.to.include(shard);
  const specs = world.node(node).disk.get<{ groupId: string }[]>('raft/groups') ?? [];
  expect(specs.map((spec) => spec.groupId), `replicas on ${node}'s disk`).not.to.include(shard);
}

// The node is a voter of the shard in the map and in the group, and within 2 s its copy equals the leader's (same keys, values, sessions and applied entries).
Then('{node} holds a full copy of {string}', function (this: PhantomWorld, node: string, shard: string) {
  const database = this.cluster.database;
  expect(rebalancing(this).shard(shard).replicas, `replicas of ${shard} in the map`).to.include(node);
  this.waitUntil(() => {
    const leader = database.leaderOf(shard);
    return leader !== undefined && leader !== node ? database.stateDigest(shard, node) === database.stateDigest(shard, leader) : leader === node;
  }, 2_000, `${node}'s copy of ${shard} to equal its leader's`);
});

// The node's copy of the shard was brought up to date by installing a snapshot from the leader (then the log that followed).
Then('{node} caught up on {string} from a snapshot', function (this: PhantomWorld, node: string, shard: string) {
  expect(this.cluster.database.snapshotsInstalled(shard, node), `snapshots ${node} installed for ${shard}`).to.be.at.least(1);
});

// The history of map changes (epoch, virtual time, reason; shown in the report) contains, in this order, a change whose reason contains each row's text (column: change).
Then('the placement history records these changes in order:', function (this: PhantomWorld, table: DataTable) {
  const scenario = rebalancing(this);
  this.attachText('placement history', scenario.historyTable());
  const reasons = this.cluster.database.placement.history().map((change) => change.reason);
  let from = 0;
  for (const { change } of table.hashes()) {
    const found = reasons.findIndex((reason, index) => index >= from && reason.includes(change));
    expect(found, `a map change "${change}" after epoch ${from + 1} in:\n${reasons.join('\n')}`).to.be.at.least(0);
    from = found + 1;
  }
});

// Waits (at most 10 s) for the executor to settle, then compares the placement map with every group's committed configuration and with every node's disk.
Then("the placement map agrees with every group's configuration", function (this: PhantomWorld) {
  rebalancing(this).assertMapAgreesWithGroups(10_000);
});

// The clients' operations that succeeded while data moved (needs "the clients stop" before).
Then('the clients completed at least {int} operations while data moved', function (this: PhantomWorld, least: number) {
  expect(rebalancing(this).workloadCounts.ok, 'operations that succeeded').to.be.at.least(least);
});

// ---- moving slots between shards ------------------------------------------------------------------

// The hash slot of the key moves from the shard that owns it to the named shard: its keys are copied, the writes made during the copy caught up, the map cut over with a new epoch and the source's copies deleted. Does not wait.
When('the slot holding {string} moves to {string}', function (this: PhantomWorld, key: string, shard: string) {
  rebalancing(this).moveSlotOf(key, shard);
});

// As above, for the key of a bank account (needs "these accounts, each on a different shard:" before); the slot goes to the first shard, in name order, that does not hold it.
When('the slot holding account {string} moves to another shard', function (this: PhantomWorld, account: string) {
  rebalancing(this).moveSlotOf(transactions(this).key(account));
});

// Splits the shard: the upper half of its slots goes to a new shard (a new group on the three nodes), one slot range at a time. Does not wait.
When('{string} is split, the upper half of its slots going to a new shard {string} on {nodes}', function (this: PhantomWorld, shard: string, newShard: string, nodes: string[]) {
  rebalancing(this).split(shard, newShard, nodes);
});

// Merges the first shard into the second: every slot of the first moves to the second, then the first shard's group is retired and its copies deleted. Does not wait.
When('{string} merges into {string}', function (this: PhantomWorld, from: string, into: string) {
  rebalancing(this).submit([{ kind: 'merge', from, into, reason: `scenario: merge ${from} into ${into}` }]);
});

// The placement service places the key on the named shard.
Then('{string} lives on {string}', function (this: PhantomWorld, key: string, shard: string) {
  expect(rebalancing(this).whereKeyLives(key).shard, `the shard the placement service names for ${key}`).to.equal(shard);
});

// As above, for the key of a bank account.
Then('account {string} no longer lives where it did', function (this: PhantomWorld, account: string) {
  const scenario = rebalancing(this);
  const key = transactions(this).key(account);
  expect(scenario.whereKeyLives(key).shard, `the shard of account ${account}`).to.not.equal(scenario.originalShardOf(key));
});

// The shard that gave up a slot range had to wait at least once because a transaction held locks on keys in it (it lets go only once they are released).
Then('the move waited for the transaction to finish before letting go of the slot', function (this: PhantomWorld) {
  expect(rebalancing(this).progress().releasesDeferred, 'times the source had to wait for locks').to.be.at.least(1);
});

// The shard is gone from the map, and no node's disk keeps a replica of it.
Then('{string} no longer exists and no node keeps any of its data', function (this: PhantomWorld, shard: string) {
  const scenario = rebalancing(this);
  expect(scenario.hasShard(shard), `${shard} in the map`).to.equal(false);
  const keeping = this.cluster.nodeIds.filter((node) => (this.node(node).disk.get<{ groupId: string }[]>('raft/groups') ?? []).some((spec) => spec.groupId === shard));
  expect(keeping, `nodes keeping a replica of ${shard}`).to.deep.equal([]);
});

// The shard owns the given number of hash slots in the placement map (of 1024).
Then('{string} owns {int} slots', function (this: PhantomWorld, shard: string, slots: number) {
  expect(rebalancing(this).slotCount(shard), `slots of ${shard}`).to.equal(slots);
});
