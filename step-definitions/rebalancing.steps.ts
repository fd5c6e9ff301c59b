import { DataTable, Given, Then, When } from '@cucumber/cucumber';
import { expect } from 'chai';
import { rebalancing } from '../support/rebalancing-scenario';
import { transactions } from '../support/txn-scenario';
import type { PhantomWorld } from '../support/world';
import type { FaultKind } from '../src/sim';

// Glossary section: Rebalancing
// Capability: rebalancing
// Needs first: a store with a placement group, started by "Given a running cluster of 5 nodes storing data in 3 shards with 3 replicas each that snapshot every 50 writes" (the first step of this section) or the zoned cluster step under "plans"; checks about moves come after "within {duration} every move has finished".
// Where data lives, moving replicas and slots while clients work, plans, throttling and faults mid-move. Every scenario that moves data ends by comparing the placement map with every group's configuration.

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
// Waits (at most 2 s per key) for the replicas to apply the latest writes.
// Columns: key (required): a key of the store.
// | key   |
// | key-1 |
// | key-2 |
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
  rebalancing(this).waitForHeartbeats(3_000);
  assertPlacementViewMatches(this, node, true);
});

// Like "the placement service's view of ... matches what the node reports" (it waits the same way, at most 3 s, for a new
// store heartbeat from every running node), then checks again every 50 ms of virtual time for the duration.
// Example: Then the placement service's view of node-1 keeps matching what the node reports for 2 seconds
// Waits at most 3 s for the heartbeats, then the duration; fails at the first check where the view differs.
Then("the placement service's view of {node} keeps matching what the node reports for {duration}", function (this: PhantomWorld, node: string, durationMs: number) {
  rebalancing(this).waitForHeartbeats(3_000);
  const endMs = this.sim.nowMs + durationMs;
  assertPlacementViewMatches(this, node, true);
  while (this.sim.nowMs < endMs) {
    this.sim.runFor(Math.min(50, endMs - this.sim.nowMs));
    assertPlacementViewMatches(this, node, false);
  }
});

/** What the placement leader last heard from the node names the shards the map gives it, in its roles (the table is attached once). */
function assertPlacementViewMatches(world: PhantomWorld, node: string, attach: boolean): void {
  const holdings = rebalancing(world).whatNodeHolds(world.node(node).id);
  const at = `at ${Math.round(world.sim.nowMs)} ms`;
  if (attach) world.attachText(`what ${node} holds`, ['SHARD     ROLE IN MAP              REPORTED   KEYS  BYTES', ...holdings.map((row) => `${row.shard.padEnd(9)} ${row.role.padEnd(24)} ${row.reportedRole.padEnd(10)} ${String(row.keys).padStart(4)}  ${row.bytes}`)].join('\n'));
  for (const holding of holdings) {
    const voter = holding.role.startsWith('voter');
    expect(holding.reportedRole, `${node}'s reported role in ${holding.shard} ${at}`).to.be.oneOf(voter ? ['leader', 'follower', 'candidate', 'pre-candidate'] : ['learner']);
  }
  const reported = world.cluster.database.placement.storeReports().find((report) => report.node === node);
  expect(reported, `the placement leader's report of ${node} ${at}`).to.not.equal(undefined);
  const dataGroups = reported!.replicas.map((replica) => replica.group).filter((group) => group !== 'placement').sort();
  expect(dataGroups, `shards ${node} reports holding ${at}`).to.deep.equal(holdings.map((row) => row.shard).sort());
}

// The node a "moves off its leader" step moved the shard's copy from holds a voting copy equal to the leader's (within 2 s).
// Waits (at most 2 s) for the copy to equal the leader's.
Then('the node that led {string} before the move holds a full copy of it', function (this: PhantomWorld, shard: string) {
  assertFullCopy(this, rebalancing(this).movedOffLeader(shard), shard);
});

// The node a "moves off its leader" step moved the shard's copy from keeps nothing of it: the placement map does not name it, and within 2 s no replica is left on its disk.
// Waits (at most 2 s) for the copy to be deleted.
Then('the node that led {string} before the move holds no data of it', function (this: PhantomWorld, shard: string) {
  assertHoldsNothing(this, rebalancing(this).movedOffLeader(shard), shard);
});

function assertHoldsNothing(world: PhantomWorld, node: string, shard: string): void {
  const scenario = rebalancing(world);
  expect(scenario.whatNodeHolds(node).map((row) => row.shard), `shards the map places on ${node}`).not.to.include(shard);
  // A node that was down when its copy was removed deletes it once it is back (replica GC, every 0.5 s).
  const keeps = (): boolean => (world.node(node).disk.get<{ groupId: string }[]>('raft/groups') ?? []).some((spec) => spec.groupId === shard);
  try {
    world.waitUntil(() => !keeps(), 2_000, `${node} to delete its copy of ${shard}`);
  } catch {
    expect(keeps(), `${node}'s disk still keeps a replica of ${shard}`).to.equal(false);
  }
}

// The node is a voter of the shard in the map and in the group, and within 2 s its copy equals the leader's (same keys, values, sessions and applied entries).
// Waits (at most 2 s) for the copy to equal the leader's.
Then('{node} holds a full copy of {string}', function (this: PhantomWorld, node: string, shard: string) {
  assertFullCopy(this, node, shard);
});

function assertFullCopy(world: PhantomWorld, node: string, shard: string): void {
  const database = world.cluster.database;
  expect(rebalancing(world).shard(shard).replicas, `replicas of ${shard} in the map`).to.include(node);
  world.waitUntil(() => {
    const leader = database.leaderOf(shard);
    return leader !== undefined && leader !== node ? database.stateDigest(shard, node) === database.stateDigest(shard, leader) : leader === node;
  }, 2_000, `${node}'s copy of ${shard} to equal its leader's`);
}

// The node's copy of the shard was brought up to date by installing a snapshot from the leader (then the log that followed).
// Instant: reads the record of snapshots the node installed.
Then('{node} caught up on {string} from a snapshot', function (this: PhantomWorld, node: string, shard: string) {
  expect(this.cluster.database.snapshotsInstalled(shard, node), `snapshots ${node} installed for ${shard}`).to.be.at.least(1);
});

// The history of map changes (epoch, virtual time, reason; shown in the report) contains, in this order, a change whose reason contains each row's text (column: change).
// Instant: reads the placement group's committed history.
// Columns: change (required): text that the reason of a map change contains; rows in the order the changes must appear.
// | change                      |
// | joined shard-1 as a learner |
// | removed from shard-1        |
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
// Instant: reads the clients' histories ("the clients stop" waited for them).
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

// The placement service places the key on the named shard. Waits (at most 60 s, the longest move bound of the features) until the mover has no move left, then reads the committed placement map.
Then('{string} lives on {string}', function (this: PhantomWorld, key: string, shard: string) {
  rebalancing(this).waitForMoves(60_000);
  expect(rebalancing(this).whereKeyLives(key).shard, `the shard the placement service names for ${key}`).to.equal(shard);
});

// As above, for the key of a bank account.
// Instant: reads the committed placement map.
Then('account {string} no longer lives where it did', function (this: PhantomWorld, account: string) {
  const scenario = rebalancing(this);
  const key = transactions(this).key(account);
  expect(scenario.whereKeyLives(key).shard, `the shard of account ${account}`).to.not.equal(scenario.originalShardOf(key));
});

// The shard that gave up a slot range had to wait at least once because a transaction held locks on keys in it (it lets go only once they are released).
// Instant: reads the executor's record of the move.
Then('the move waited for the transaction to finish before letting go of the slot', function (this: PhantomWorld) {
  expect(rebalancing(this).progress().releasesDeferred, 'times the source had to wait for locks').to.be.at.least(1);
});

// The shard is gone from the map, and no node's disk keeps a replica of it.
// Instant: reads the map and every node's disk.
Then('{string} no longer exists and no node keeps any of its data', function (this: PhantomWorld, shard: string) {
  const scenario = rebalancing(this);
  expect(scenario.hasShard(shard), `${shard} in the map`).to.equal(false);
  const keeping = this.cluster.nodeIds.filter((node) => (this.node(node).disk.get<{ groupId: string }[]>('raft/groups') ?? []).some((spec) => spec.groupId === shard));
  expect(keeping, `nodes keeping a replica of ${shard}`).to.deep.equal([]);
});

// The shard owns the given number of hash slots in the placement map (of 1024).
// Instant: reads the committed placement map.
Then('{string} owns {int} slots', function (this: PhantomWorld, shard: string, slots: number) {
  expect(rebalancing(this).slotCount(shard), `slots of ${shard}`).to.equal(slots);
});

// ---- plans ---------------------------------------------------------------------------------------------

// Starts node-1 … node-N in the given zones, in turn (node-1 in the first, node-2 in the second, ...), and a store of S shards with R replicas each, no two in one zone; from then on every 50 ms the scenario checks that no shard has two voting replicas in one zone.
Given(
  'a running cluster of {int} nodes in zones {string} storing data in {int} shards with {int} replicas each',
  function (this: PhantomWorld, nodes: number, zones: string, shards: number, replicas: number) {
    const scenario = rebalancing(this);
    scenario.start(nodes, shards, replicas, undefined, zones.split(/,\s*|\s+and\s+/).map((zone) => zone.trim()));
    scenario.watchZones();
  },
);

// A new, empty server node joins in the given zone and is agreed on by every member (at most 10 s).
When('{node} joins in zone {string}', function (this: PhantomWorld, node: string, zone: string) {
  rebalancing(this).addNode(node, zone);
});

// A new, empty server node joins and is agreed on by every member (at most 10 s).
When('{node} joins the cluster', function (this: PhantomWorld, node: string) {
  rebalancing(this).addNode(node);
});

// The nodes are marked for draining: the next plan moves every replica off them. A node that does not exist is refused (check with "the plan is refused because {string}").
When('{nodes} (is)(are) drained', function (this: PhantomWorld, nodes: string[]) {
  this.attempt(() => rebalancing(this).drain(nodes));
});

// Plans a rebalance of the current map by replica count, stopping once every node is within the given percentage of the mean (the plan is shown in the report). Bad input is kept for "the plan is refused because {string}".
When('a rebalance is planned that balances replicas within {int}%', function (this: PhantomWorld, percent: number) {
  if (this.pendingError !== undefined) return; // a refused drain: the plan is not made either
  this.attempt(() => {
    rebalancing(this).plan('replicas', percent / 100);
    this.attachText('rebalancing plan', rebalancing(this).planTable());
  });
});

// The plan (or drain) was refused, with a message containing the text, and the map did not change.
// Instant: reads the refusal the previous step kept.
Then('the plan is refused because {string}', function (this: PhantomWorld, because: string) {
  const error = this.takeError();
  expect(error?.message ?? 'nothing was refused', 'the refusal').to.include(because);
  expect(this.cluster.database.shardMap.epoch, 'the map epoch (nothing may change)').to.equal(1);
});

// The plan's moves, in order (columns: kind, shard, from, to).
// Instant: reads the last plan.
// Columns: kind (required): move-replica, transfer-leader, move-slots, split or merge; shard (required); from (required): a node, or a shard for slot moves; to (required): a node or shard.
// | kind         | shard   | from   | to     |
// | move-replica | shard-2 | node-1 | node-4 |
Then("the plan's moves are:", function (this: PhantomWorld, table: DataTable) {
  const moves = rebalancing(this).plannedMoves.map((move) => {
    if (move.kind === 'move-replica' || move.kind === 'transfer-leader') return { kind: move.kind, shard: move.shard, from: move.from, to: move.to };
    return { kind: move.kind, shard: '', from: '', to: '' };
  });
  expect(moves).to.deep.equal(table.hashes());
});

// The plan moves no more than this many replicas.
// Instant: reads the last plan.
Then('the plan moves at most {int} replicas', function (this: PhantomWorld, most: number) {
  expect(rebalancing(this).plannedMoves.filter((move) => move.kind === 'move-replica').length, 'replica moves in the plan').to.be.at.most(most);
});

// Hands the last plan's moves to the executor, in order. Does not wait.
When('the plan runs', function (this: PhantomWorld) {
  rebalancing(this).runPlan();
});

// Every node that is not draining holds a number of replicas in the range (per the placement map; shown in the report).
// Instant: reads the committed placement map.
Then('every node that is not draining holds between {int} and {int} replicas', function (this: PhantomWorld, least: number, most: number) {
  const scenario = rebalancing(this);
  const counts = scenario.replicaCounts();
  this.attachText('replicas per node', [...counts].map(([node, count]) => `${node}: ${count}`).join('\n'));
  for (const node of scenario.planNodes().filter((entry) => !entry.draining)) {
    expect(counts.get(node.id) ?? 0, `replicas on ${node.id}`).to.be.within(least, most);
  }
});

// The node holds the given range of replicas (per the placement map).
// Instant: reads the committed placement map.
Then('{node} holds between {int} and {int} replicas', function (this: PhantomWorld, node: string, least: number, most: number) {
  expect(rebalancing(this).replicaCounts().get(node) ?? 0, `replicas on ${node}`).to.be.within(least, most);
});

// The node holds no replica of any shard: the map names it nowhere and its disk keeps no data group.
// Instant: reads the map and the node's disk.
Then('{node} holds no replica', function (this: PhantomWorld, node: string) {
  expect(rebalancing(this).replicaCounts().get(node) ?? 0, `replicas the map places on ${node}`).to.equal(0);
  const specs = (this.node(node).disk.get<{ groupId: string }[]>('raft/groups') ?? []).map((spec) => spec.groupId).filter((group) => group !== 'placement');
  expect(specs, `data groups on ${node}'s disk`).to.deep.equal([]);
});

// Sampled every 50 ms since the cluster started (needs the zoned cluster step): no shard ever had two voting replicas in one zone (a replica being replaced by a move and its replacement count as one).
// Instant: reads the samples taken every 50 ms since the cluster started.
Then('no shard ever had two replicas in one zone', function (this: PhantomWorld) {
  expect(rebalancing(this).firstZoneViolation ?? 'none', 'first zone violation').to.equal('none');
});

// ---- throttling ------------------------------------------------------------------------------------------

// Set before the first move: at most K moves in flight at once, and one simulated link of the given bandwidth shared by every snapshot and copy (a transfer waits for the link, then occupies it for its bytes ÷ bandwidth).
Given('moves run at most {int} at a time over a link of {int} bytes per second', function (this: PhantomWorld, moves: number, bytes: number) {
  rebalancing(this).configureExecutor({ maxConcurrentMoves: moves, bandwidthBytesPerSecond: bytes });
});

// The executor never had more than this many moves in flight at once (it did run at least one; shown in the report).
// Waits (at most 60 simulated seconds) until the executor has no move left to run, then reads its record.
Then('at most {int} moves were ever in flight at once', function (this: PhantomWorld, most: number) {
  rebalancing(this).waitForMoves(60_000);
  const progress = rebalancing(this).progress();
  this.attachText('migration progress', rebalancing(this).progressTable());
  expect(progress.concurrentMax, 'moves in flight at once').to.be.within(1, most);
});

// The moves took at least as much simulated time as their bytes need at the link's bandwidth.
// Waits (at most 60 simulated seconds) until the executor has no move left to run, then reads its record of transfers.
Then('the data took at least as long to move as the link allows', function (this: PhantomWorld) {
  const scenario = rebalancing(this);
  scenario.waitForMoves(60_000);
  const progress = scenario.progress();
  const floorMs = (progress.bytesMoved * 1000) / scenario.executor.options.bandwidthBytesPerSecond;
  expect(progress.bytesMoved, 'bytes moved').to.be.greaterThan(0);
  expect(progress.elapsedMs, `simulated time to move ${progress.bytesMoved} bytes`).to.be.at.least(floorMs);
});

// ---- faults mid-move ----------------------------------------------------------------------------------
// Needs a running store ("Given a running cluster of ...") whose placement group has a replica on the node; the group is on node-1, node-2 and node-3 when every node is in one zone.
// Instant: reads the journal of moves in flight as the placement group's replica on the node has applied it, which may lag the group's (a replica cut off from the others keeps the journal it had, and one just healed or restarted needs a few heartbeats, under a second to a few seconds, to catch up: let time pass first, "When 5 seconds pass"); fails when the node runs no placement replica.
// Example: Then the placement group's replica on node-2 lists 1 move in flight
Then('the placement group\'s replica on {node} lists {int} move(s) in flight', function (this: PhantomWorld, node: string, moves: number) {
  const journal = this.cluster.database.placement.journalOn(this.node(node).id);
  expect(journal, `a running placement replica on ${node}`).to.not.equal(undefined);
  expect(journal!.map((record) => `${record.moveId} at ${record.step}`), `moves in flight in the journal of ${node}'s placement replica`).to.have.lengthOf(moves);
});


// Waits (at most 10 s) until the move of the shard to the node has reached the point where the node is a learner (it has joined and is catching up, not yet promoted).
// The next step runs at that moment, but a learner usually catches up and is promoted within a second: a fault that
// must keep it from catching up (its messages lost, say) belongs before the move.
When('{node} has joined {string} as a learner', function (this: PhantomWorld, node: string, shard: string) {
  rebalancing(this).waitForMoveStep(shard, node, 'learner-added', 10_000);
});

// Needs a move of the shard's copy to the node ("the copy of ... held by its leader moves to ..."). Waits (at most
// 10 s) until that move has made the node a voter of the shard (it caught up as a learner and was promoted; the old
// copy may still be there). The next step runs at that very moment, before leadership has left the old copy; the rest
// of the move usually follows within a second.
// Example: When node-5 has become a voter of "shard-1"
When('{node} has become a voter of {string}', function (this: PhantomWorld, node: string, shard: string) {
  rebalancing(this).waitForMoveStep(shard, node, 'promoted', 10_000);
});

// The node a "moves off its leader" step moved the shard's copy from crashes (power loss).
When('the node that led {string} before the move crashes', function (this: PhantomWorld, shard: string) {
  this.node(rebalancing(this).movedOffLeader(shard)).crash();
});

// The node a "moves off its leader" step moved the shard's copy from starts again.
When('the node that led {string} before the move restarts', function (this: PhantomWorld, shard: string) {
  this.node(rebalancing(this).movedOffLeader(shard)).start();
});

// The current leader of the placement group (the service that says where data lives) crashes; the remaining two elect a new one.
When("the placement group's leader crashes", function (this: PhantomWorld) {
  rebalancing(this).crashPlacementLeader();
});

// The placement group's leader that crashed earlier in the scenario starts again.
When("the placement group's old leader restarts", function (this: PhantomWorld) {
  rebalancing(this).restartPlacementLeader();
});

// Needs a running store. The placement group's current leader freezes (its node hears nothing and does nothing) and is cut off from every other node, both ways, so what is sent to it is lost; the other placement replicas elect a new leader. Undo with "the network heals" and "the frozen placement leader resumes". Which node froze is attached to the report ("frozen placement leader"); the steps after it name it "the frozen placement leader".
// Example: When the placement group's leader freezes, cut off from every other node
When("the placement group's leader freezes, cut off from every other node", function (this: PhantomWorld) {
  this.attachText('frozen placement leader', rebalancing(this).freezePlacementLeader());
});

// Needs "the placement group's leader freezes, cut off from every other node" first. The nodes of the placement group other than the frozen leader crash (power loss) and stay down until "the placement group's crashed nodes restart".
// Example: When the placement group's other nodes crash
When("the placement group's other nodes crash", function (this: PhantomWorld) {
  rebalancing(this).crashOtherPlacementNodes();
});

// Needs "the placement group's leader freezes, cut off from every other node" first. The frozen leader's node carries on; it believes it still leads until it notices that no majority answers it.
// Example: When the frozen placement leader resumes
When('the frozen placement leader resumes', function (this: PhantomWorld) {
  this.node(rebalancing(this).frozenLeader).resume();
});

// Needs "the placement group's other nodes crash" first. Those nodes start again from their disks.
// Example: When the placement group's crashed nodes restart
When("the placement group's crashed nodes restart", function (this: PhantomWorld) {
  rebalancing(this).restartCrashedPlacementNodes();
});

// Needs "the placement group's leader freezes, cut off from every other node" (and usually "the frozen placement leader resumes") first.
// Instant: at this moment the frozen leader's placement replica runs and believes it leads the placement group (it has not yet learned that another was elected while it was frozen; "still" means that, not a check over time), and its journal of moves in flight lists exactly this many moves.
// Example: Then the frozen placement leader still believes it leads, and lists 1 move in flight
Then('the frozen placement leader still believes it leads, and lists {int} move(s) in flight', function (this: PhantomWorld, moves: number) {
  const frozen = rebalancing(this).frozenLeader;
  const placement = this.cluster.database.placement;
  expect(placement.leader(), `the placement replica that believes it leads (the frozen one is ${frozen})`).to.equal(frozen);
  const journal = placement.journalOn(frozen)!;
  expect(journal.map((record) => `${record.moveId} at ${record.step}`), `moves in flight in the journal of ${frozen}'s placement replica`).to.have.lengthOf(moves);
});

// Needs "the copy of ... held by its leader moves to ..." first. Waits until the executor is idle, then checks that
// the move that step started was rolled back (its target never became a voter), naming how it ended otherwise, and
// shows the progress.
// Waits at most the given time. Example: Then within 30 seconds the move has been rolled back
Then('within {duration} the move has been rolled back', function (this: PhantomWorld, withinMs: number) {
  const scenario = rebalancing(this);
  scenario.waitForMoves(withinMs);
  this.attachText('migration progress', scenario.progressTable());
  const moves = scenario.outcomesOfLastSubmitted();
  if (moves.length === 0) throw new Error(`In step "${this.currentStep}": no move was started earlier ("the copy of ... held by its leader moves to ...")`);
  for (const move of moves) expect(move.outcome, `how ${move.what} (${move.id}) ended`).to.equal('rolled-back');
});

// ---- chaos ---------------------------------------------------------------------------------------------------

// Needs "{int} clients keep reading and writing {int} keys". For the duration, random faults of the given kinds hit the server nodes while a random move (a replica to another node, or a key's slot to another shard) starts every 0.5–1.5 s; then every fault heals, the moves finish or roll back (at most 60 s), and the clients stop with a final read of every key.
When('random moves run for {duration} under random {faults}', function (this: PhantomWorld, durationMs: number, faults: string[]) {
  rebalancing(this).runChaos(durationMs, faults as FaultKind[]);
});
