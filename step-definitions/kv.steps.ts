import { Given, Then, When } from '@cucumber/cucumber';
import { expect } from 'chai';
import type { PhantomWorld } from '../support/world';
import { kvStore } from '../support/kv-scenario';

// Starts node-1 … node-N, creates the store with the given shards and replication, and waits until every shard has a leader.
Given(
  'a running cluster of {int} nodes storing data in {int} shard(s) with {int} replicas each',
  function (this: PhantomWorld, nodes: number, shards: number, replicas: number) {
    kvStore(this).start(nodes, shards, replicas);
  },
);

// Waits until every shard has a leader that a majority of its replicas follow.
Then('within {duration} every shard has a leader', function (this: PhantomWorld, withinMs: number) {
  kvStore(this).waitForLeaders(withinMs);
});

// Counts, per node, the shards it leads; no node may lead more than the given number.
Then('no node leads more than {int} shard(s)', function (this: PhantomWorld, most: number) {
  const counts = kvStore(this).leaderCounts();
  this.attachText('shard leaders per node', [...counts].map(([node, count]) => `${node}: ${count}`).join('\n'));
  expect(Math.max(...counts.values()), 'shards led by the busiest node').to.be.at.most(most);
});

// A client writes a value to a key and waits (at most 10 s) for the answer.
When('client {string} writes {string} to {string}', function (this: PhantomWorld, client: string, value: string, key: string) {
  const operation = kvStore(this).await(this.cluster.database.client(client).put(key, value), `client ${client} to write ${key}`);
  expect(operation.outcome, `the write of ${key} by ${client}: ${operation.reason ?? ''}`).to.equal('ok');
});

// A client sets a key from one value (or "nothing") to another, and waits for the answer.
When('client {string} changes {string} from {string} to {string}', function (this: PhantomWorld, client: string, key: string, expected: string, value: string) {
  const operation = this.cluster.database.client(client).cas(key, expected === 'nothing' ? null : expected, value);
  kvStore(this).await(operation, `client ${client} to change ${key}`);
});

// A client reads a key and expects the value ("nothing" for a key never written).
Then('client {string} reads {string} from {string}', function (this: PhantomWorld, client: string, expected: string, key: string) {
  const operation = kvStore(this).await(this.cluster.database.client(client).get(key), `client ${client} to read ${key}`);
  expect(operation.outcome, operation.reason).to.equal('ok');
  const value = operation.result?.kind === 'get' ? operation.result.value : undefined;
  expect(value ?? 'nothing').to.equal(expected);
});

// The client's last operation succeeded.
Then('client {string} is told it succeeded', function (this: PhantomWorld, client: string) {
  const operation = kvStore(this).lastOperation(client);
  expect(operation.outcome, `${operation.reason ?? ''}`).to.equal('ok');
});

// The client had to send its last request more than once (a retry or a redirect).
Then("client {string}'s last request was sent more than once", function (this: PhantomWorld, client: string) {
  expect(kvStore(this).lastOperation(client).attempts).to.be.greaterThan(1);
});

// The client's last operation was redirected by a replica that knew the leader had changed.
Then('client {string} was redirected to the new leader', function (this: PhantomWorld, client: string) {
  expect(kvStore(this).lastOperation(client).redirects, 'redirects followed').to.be.greaterThan(0);
});

// Leadership of the shard that holds the key moves to another of its replicas.
When('leadership of the shard holding {string} moves to another node', function (this: PhantomWorld, key: string) {
  kvStore(this).moveLeadership(key);
});

// The shard map changes (the shard holding the key gets a new preferred leader), so clients' maps go stale.
When('the shard map changes for the shard holding {string}', function (this: PhantomWorld, key: string) {
  kvStore(this).changeShardMap(key);
});

// The client now routes by the current shard map.
Then('client {string} has refreshed its shard map', function (this: PhantomWorld, client: string) {
  expect(this.cluster.database.client(client).shardMapEpoch).to.equal(this.cluster.database.shardMap.epoch);
});

// Replies from every server to the client are lost for a while; the client's retries keep going.
When('replies to client {string} are lost for the next {duration}', function (this: PhantomWorld, client: string, durationMs: number) {
  kvStore(this).loseRepliesTo(client, durationMs);
});

// Clients doing reads, writes and compare-and-sets on a few keys, until the scenario stops them.
Given('{int} clients reading, writing and comparing-and-setting {int} keys', function (this: PhantomWorld, clients: number, keys: number) {
  kvStore(this).startWorkload(clients, keys);
});

// Injects random faults of the given kinds for the duration, then heals everything and stops the clients.
When('a random fault schedule runs for {duration} with {faults}', function (this: PhantomWorld, durationMs: number, faults: string[]) {
  kvStore(this).runNemesis(durationMs, faults);
});

// Every client's history, checked key by key, has a linearizable order.
Then('every client history is linearizable', function (this: PhantomWorld) {
  kvStore(this).assertLinearizable();
});

// Each acknowledged write is still visible, or overwritten by a later one.
Then('no acknowledged write was lost', function (this: PhantomWorld) {
  kvStore(this).assertNoLostWrites();
});

// The Raft safety checker watched every group for the whole run and saw no violation.
Then('the consensus safety checker saw no violation', function (this: PhantomWorld) {
  const violation = this.cluster.database.safetyViolation();
  expect(violation?.message ?? 'none').to.equal('none');
});

// After healing, a new write to every shard succeeds within the bound.
Then('within {duration} every shard accepts a new write', function (this: PhantomWorld, withinMs: number) {
  kvStore(this).assertProgress(withinMs);
});

// The operations clients completed during the run, by outcome.
Then('the clients completed at least {int} operations', function (this: PhantomWorld, least: number) {
  const counts = kvStore(this).workloadCounts();
  this.attachText('client operations', JSON.stringify(counts, null, 2));
  expect(counts.ok).to.be.at.least(least);
});
