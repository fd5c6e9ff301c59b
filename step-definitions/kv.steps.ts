import { Given, Then, When } from '@cucumber/cucumber';
import { expect } from 'chai';
import type { PhantomWorld } from '../support/world';
import { kvStore } from '../support/kv-scenario';

// Glossary section: Key-value store
// Capability: kv
// Needs first: a store, started by "Given a running cluster of 5 nodes storing data in 3 shards with 3 replicas each". The client steps and the workload step start the default store (5 nodes, 3 shards of 3 replicas each; on a running cluster, its nodes) when none runs.
// A sharded, replicated key-value store: clients write and read keys, shards have leaders, random faults test its safety.

// Starts node-1 … node-N (those not running yet), creates the store with the given shards and replication, and waits (at most 5 s) until every shard has a leader.
// Needs first: nothing.
Given(
  'a running cluster of {int} nodes storing data in {int} shard(s) with {int} replicas each',
  function (this: PhantomWorld, nodes: number, shards: number, replicas: number) {
    kvStore(this).start(nodes, shards, replicas);
  },
);

// Waits until every shard has a leader that a majority of its replicas follow. Leaders may still move afterwards (leader balancing): to check their spread, use "within {duration} no node leads more than {int} shard(s)".
Then('within {duration} every shard has a leader', function (this: PhantomWorld, withinMs: number) {
  kvStore(this).waitForLeaders(withinMs);
});

// Instant: counts, per node, the shards it leads now; no node may lead more than the given number. Leader balancing moves leaders for a few seconds after a store starts or a leader fails: to wait for it, use the "within" form.
Then('no node leads more than {int} shard(s)', function (this: PhantomWorld, most: number) {
  const counts = kvStore(this).leaderCounts();
  this.attachText('shard leaders per node', [...counts].map(([node, count]) => `${node}: ${count}`).join('\n'));
  expect(Math.max(...counts.values()), `shards led by the busiest node (${describeLeaderCounts(counts)})`).to.be.at.most(most);
});

// Waits until every shard has a leader and no node leads more than the given number of shards (leader balancing has spread them).
Then('within {duration} no node leads more than {int} shard(s)', function (this: PhantomWorld, withinMs: number, most: number) {
  const scenario = kvStore(this);
  const database = this.cluster.database;
  const balanced = (): boolean => database.shardIds().every((shard) => database.hasStableLeader(shard)) && Math.max(...scenario.leaderCounts().values()) <= most;
  this.waitUntil(balanced, withinMs, () => `no node to lead more than ${most} shard(s) (now ${describeLeaderCounts(scenario.leaderCounts())})`);
  this.attachText('shard leaders per node', describeLeaderCounts(scenario.leaderCounts()));
});

function describeLeaderCounts(counts: ReadonlyMap<string, number>): string {
  return [...counts].map(([node, count]) => `${node} leads ${count}`).join(', ');
}

// ---- clients -------------------------------------------------------------------------------
// Needs first: nothing (starts the default store if none runs).

// A client writes a value to a key and waits (at most 15 s, retries included) for the answer, which must be a success. Client names are yours to choose.
When('client {string} writes {string} to {string}', function (this: PhantomWorld, client: string, value: string, key: string) {
  kvStore(this).ensureStore();
  const operation = kvStore(this).await(this.cluster.database.client(client).put(key, value), `client ${client} to write ${key}`);
  expect(operation.outcome, `the write of ${key} by ${client}: ${operation.reason ?? ''}`).to.equal('ok');
});

// A client sets a key from one value to another if it holds the first (compare-and-set), and waits (at most 15 s) for the answer; "client ... is told it succeeded" checks it.
// Values: the expected value "nothing" means the key was never written.
When('client {string} changes {string} from {string} to {string}', function (this: PhantomWorld, client: string, key: string, expected: string, value: string) {
  kvStore(this).ensureStore();
  const operation = this.cluster.database.client(client).cas(key, expected === 'nothing' ? null : expected, value);
  kvStore(this).await(operation, `client ${client} to change ${key}`);
});

// Waits (at most 15 s, retries included) for a read of the key by the client, and checks the value.
// Values: "nothing" for a key never written.
Then('client {string} reads {string} from {string}', function (this: PhantomWorld, client: string, expected: string, key: string) {
  kvStore(this).ensureStore();
  const operation = kvStore(this).await(this.cluster.database.client(client).get(key), `client ${client} to read ${key}`);
  expect(operation.outcome, operation.reason).to.equal('ok');
  const value = operation.result?.kind === 'get' ? operation.result.value : undefined;
  expect(value ?? 'nothing').to.equal(expected);
});

// Instant: the client's last operation succeeded (the operation steps already waited for its answer).
// Needs first: an operation of that client, e.g. "When client "alice" changes "lock" from "nothing" to "alice"".
Then('client {string} is told it succeeded', function (this: PhantomWorld, client: string) {
  const operation = kvStore(this).lastOperation(client);
  expect(operation.outcome, `${operation.reason ?? ''}`).to.equal('ok');
});

// Instant: the client had to send its last request more than once (a retry or a redirect).
// Needs first: an operation of that client.
Then("client {string}'s last request was sent more than once", function (this: PhantomWorld, client: string) {
  expect(kvStore(this).lastOperation(client).attempts).to.be.greaterThan(1);
});

// Instant: the client's last operation was redirected by a replica that knew the leader had changed.
// Needs first: "When leadership of the shard holding "colour" moves to another node" and an operation of that client.
Then('client {string} was redirected to the new leader', function (this: PhantomWorld, client: string) {
  expect(kvStore(this).lastOperation(client).redirects, 'redirects followed').to.be.greaterThan(0);
});

// Leadership of the shard that holds the key moves to another of its replicas; waits (at most 3 s) until it has.
When('leadership of the shard holding {string} moves to another node', function (this: PhantomWorld, key: string) {
  kvStore(this).moveLeadership(key);
});

// The shard map changes (the shard holding the key gets a new preferred leader), so clients' maps go stale.
When('the shard map changes for the shard holding {string}', function (this: PhantomWorld, key: string) {
  kvStore(this).changeShardMap(key);
});

// Instant: the client now routes by the current shard map.
// Needs first: "When the shard map changes for the shard holding "colour"" and an operation of that client.
Then('client {string} has refreshed its shard map', function (this: PhantomWorld, client: string) {
  expect(this.cluster.database.client(client).shardMapEpoch).to.equal(this.cluster.database.shardMap.epoch);
});

// Replies from every server to the client are lost for a while; the client's retries keep going.
When('replies to client {string} are lost for the next {duration}', function (this: PhantomWorld, client: string, durationMs: number) {
  kvStore(this).loseRepliesTo(client, durationMs);
});

// ---- random faults and oracles -------------------------------------------------------------------
// Needs first: a store, then "Given 3 clients reading, writing and comparing-and-setting 4 keys" and "When a random fault schedule runs for ...".

// Clients doing reads, writes and compare-and-sets on a few keys, until the fault schedule ends.
// Needs first: nothing (starts the default store if none runs).
Given('{int} clients reading, writing and comparing-and-setting {int} keys', function (this: PhantomWorld, clients: number, keys: number) {
  kvStore(this).ensureStore();
  kvStore(this).startWorkload(clients, keys);
});

// Injects random faults of the given kinds for the duration, then heals everything and stops the clients.
When('a random fault schedule runs for {duration} with {faults}', function (this: PhantomWorld, durationMs: number, faults: string[]) {
  kvStore(this).runNemesis(durationMs, faults);
});

// Instant: every client's history so far, checked key by key, has a linearizable order. The After hook checks the whole history again.
Then('every client history is linearizable', function (this: PhantomWorld) {
  kvStore(this).assertLinearizable();
});

// Instant: each acknowledged write is still visible, or overwritten by a later one (judged by the final reads the fault schedule step made after healing).
Then('no acknowledged write was lost', function (this: PhantomWorld) {
  kvStore(this).assertNoLostWrites();
});

// Instant: the Raft safety checkers watched every group for the whole run and recorded no violation (election safety, log matching, leader completeness, state machine safety). A violation does not stop the run: it is recorded, this step lists every one, and the After hook fails the scenario with them even if no step checks.
Then('the consensus safety checker saw no violation', function (this: PhantomWorld) {
  const violations = this.cluster.database.safetyViolations;
  if (violations.length > 0) throw new Error(`the consensus safety checker recorded ${violations.length} violation(s):\n${violations.map((violation) => `- ${violation.message}`).join('\n')}`);
});

// Needs first: a store that has run for a while, e.g. "Given a running cluster of 5 nodes storing data in 3 shards with 3 replicas each that snapshot every 20 writes", clients ("And 12 clients keep reading and writing 24 keys") and replica moves ("When random moves run for 40 seconds under random pauses").
// Instant: reads the state at the end of the run. For every group, how many of its log's entries the Raft safety checker still keeps whole (content, for Log Matching): from where the checker's window starts up to the group's last index. The window's floor is the lowest index any replica of the group could still report (its oldest log entry after its latest snapshot, the replicas of down nodes included); a replica removed by a finished move no longer holds it down, and a replica that has not snapshotted yet holds it at index 1. The checker lets entries go only once at least 256 of them can (then all of those at once, so that forgetting costs O(1) an entry), so its window may start up to 255 entries below the floor: a group whose replicas all snapshotted at index 150 still keeps everything from index 1, and a bound below about 300 says little. The window therefore depends on how often replicas snapshot and on whether any replica is behind, not on the run's length alone. Attaches "safety checker window": per group, where its window starts and the group's last index. Example: Then the consensus safety checker keeps at most 600 entries of any group
Then('the consensus safety checker keeps at most {int} entries of any group', function (this: PhantomWorld, most: number) {
  const database = this.cluster.database;
  const rows = [...database.safetyCheckers].map(([group, checker]) => {
    let lastIndex = 0;
    for (const node of this.sim.nodeIds) lastIndex = Math.max(lastIndex, database.replica(group, node)?.status().lastIndex ?? 0);
    return { group, kept: Math.max(0, lastIndex - checker.retainedFrom + 1), retainedFrom: checker.retainedFrom, lastIndex };
  });
  this.attachText('safety checker window', rows.map((row) => `${row.group}: ${row.kept} entries kept (from index ${row.retainedFrom} to ${row.lastIndex})`).join('\n'));
  const over = rows.filter((row) => row.kept > most);
  expect(over.map((row) => `${row.group}: ${row.kept} entries kept, from index ${row.retainedFrom} to ${row.lastIndex}`), `groups whose checker keeps more than ${most} entries`).to.deep.equal([]);
});

// After healing, a new write to every shard succeeds within the bound.
Then('within {duration} every shard accepts a new write', function (this: PhantomWorld, withinMs: number) {
  kvStore(this).assertProgress(withinMs);
});

// Instant: the operations clients completed during the run, by outcome, must include at least this many successes.
Then('the clients completed at least {int} operations', function (this: PhantomWorld, least: number) {
  const counts = kvStore(this).workloadCounts();
  this.attachText('client operations', JSON.stringify(counts, null, 2));
  expect(counts.ok).to.be.at.least(least);
});
