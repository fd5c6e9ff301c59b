import { Given, Then, When } from '@cucumber/cucumber';
import { expect } from 'chai';
import { awaitInterruptedForgotten, awaitTombstonesAtMost, awaitTransactionMemoryBounded, cutShardAfterDecision, interruptedRecord, tombstonesByRegion, tombstonesCollectedByRegion } from '../support/garbage-collection-scenario';
import { geo } from '../support/georep-scenario';
import type { PhantomWorld } from '../support/world';

// Glossary section: Garbage collection
// Capability: transactions, replication
// Needs first: for the transaction step, a transaction workload that ran (e.g. "When the bank runs for 30 seconds under random ..."); for the tombstone steps, regions ("Given regions with these one-way latencies:", of one node each or, after "Given each region is a cluster of 3 nodes with 2 shards", of many) and a last-writer-wins keyspace.
// What the system keeps of things that ended: the records and tombstones of ended transactions on each shard, and the tombstones of deleted keys in each region. Each is forgotten once nobody can need it (README, "Garbage collection"); these steps check that what is kept comes back down to a bound. Tombstones are collected in regions of one node and in regions of many nodes (each shard's copies in every region decide together; every node of a shard forgets the same ones).

// ---- transactions ------------------------------------------------------------------------------
// Needs first: transactions that ran, e.g. "When the bank runs for 30 seconds under random partitions, crashes, pauses, message loss, duplicated messages and clock skew".

// Waits until every shard keeps at most N transaction records and N tombstones of ended transactions for each client that ran transactions (N times the number of clients, per shard); fails at once if too few transactions ran for the bound to mean anything. Attaches what each shard keeps.
Then('within {duration} each shard keeps at most {int} ended transaction(s) per client', function (this: PhantomWorld, withinMs: number, perClient: number) {
  awaitTransactionMemoryBounded(this, perClient, withinMs);
});

// ---- tombstones of deleted keys -------------------------------------------------------------------
// Needs first: keys written, e.g. "Given 50 keys of "profiles" were written in us-east and reached every region".

// Deletes the first N keys written by "Given N keys of ... were written in ... and reached every region" ("key-000000" …), one after the other from a client of the region, each acknowledged before the next.
When('a client in {region} deletes the first {int} keys of {string}', function (this: PhantomWorld, region: string, count: number, keyspace: string) {
  for (let index = 0; index < count; index++) geo(this).perform(region, `${keyspace}/key-${String(index).padStart(6, '0')}`, { kind: 'delete' });
});

// Waits exactly the duration, then checks that each named region still keeps at least N tombstones (a region that has seen deletes keeps them while another region has not). In a region of many nodes, what the most up-to-date node of each shard keeps.
Then('after {duration} {region} and {region} still keep at least {int} tombstones', function (this: PhantomWorld, waitMs: number, a: string, b: string, least: number) {
  geo(this).sim.runFor(waitMs);
  const counts = tombstonesByRegion(this);
  for (const region of [a, b]) expect(counts.get(region), `tombstones kept in ${region}`).to.be.at.least(least);
});

// Waits until no region keeps more than N tombstones of deleted keys; attaches how many each region keeps and collected.
Then('within {duration} no region keeps more than {int} tombstones', function (this: PhantomWorld, withinMs: number, most: number) {
  awaitTombstonesAtMost(this, most, withinMs);
});

// Every region really forgot deleted keys: each collected at least this many tombstones so far (so "no region keeps more than 0 tombstones" did not hold only because no delete stayed deleted). In a region of many nodes, what the most up-to-date node of each shard collected.
// Needs first: georeplicated regions with deletes ("Given regions with these one-way latencies:", then deletes from a workload or "When a client in ... deletes ...").
// Waits (at most 5 simulated seconds) until every region has collected at least this many; on a time-out it names how many each region had collected.
Then('every region collected at least {int} tombstone(s)', function (this: PhantomWorld, least: number) {
  const describe = (): string => [...tombstonesCollectedByRegion(this)].map(([region, count]) => `${region} collected ${count}`).join(', ');
  this.sim.runUntil(() => [...tombstonesCollectedByRegion(this).values()].every((count) => count >= least), { withinMs: 5_000, waitingFor: () => `every region to collect at least ${least} tombstones (now ${describe()})`, pollMs: 10 });
  const collected = tombstonesCollectedByRegion(this);
  this.attachText('tombstones collected', [...collected].map(([region, count]) => `${region}: ${count}`).join('\n'));
  for (const [region, count] of collected) expect(count, `tombstones collected in ${region}`).to.be.at.least(least);
});

// ---- a participant that has not applied the outcome ----------------------------------------------
// Needs first: the accounts, opened by "Given these accounts, each on a different shard:"; the Given comes before the transfer it affects.

// Once the client's next transaction is decided, the replicas of the account's shard that hold no other account (a majority of them, or the step fails) are split from every other server until "When the network heals": that shard cannot learn the outcome and stays in doubt.
// The shards must not share nodes: with more accounts than the default store can keep apart, start with
// "Given a running cluster of 9 nodes storing data in 3 shards with 3 replicas each" before the accounts.
Given("the shard holding {string} will be cut off from the other shards once client {string}'s next transaction is decided", function (this: PhantomWorld, account: string, client: string) {
  cutShardAfterDecision(this, account, client);
});

// Waits exactly the duration, then checks that the shard holding the transaction's record still has it, and that it says committed (the interrupted transaction was decided committed before the cut; a record that says aborted, or none, fails the step).
Then("after {duration} the record of client {string}'s interrupted transaction is still kept", function (this: PhantomWorld, waitMs: number, client: string) {
  this.sim.runFor(waitMs);
  expect(interruptedRecord(this, client), `the record of client ${client}'s interrupted transaction`).to.equal('committed');
});

// Waits until no shard keeps anything of the client's interrupted transaction (its record or how it ended there).
// A shard forgets only what the client is known to know: it learns that from the client's next transaction
// there, so after "When the network heals" the same client must run a transaction on the shards involved
// (e.g. "When client "c1" transfers 10 from "bob" to "alice""), or the record stays, rightly.
// Needs first: the interrupted transfer, then "When the network heals", then a later transaction of the same client on the shards it touched.
Then("within {duration} no shard keeps anything of client {string}'s interrupted transaction", function (this: PhantomWorld, withinMs: number, client: string) {
  awaitInterruptedForgotten(this, client, withinMs);
});
