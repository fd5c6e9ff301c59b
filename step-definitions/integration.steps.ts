import { Then, When } from '@cucumber/cucumber';
import { expect } from 'chai';
import { integration } from '../support/integration-scenario';
import type { PhantomWorld } from '../support/world';

// Glossary section: Integration
// Capability: integration
// Needs first: a store with a placement group, started by "Given a running cluster of 5 nodes storing data in 3 shards with 3 replicas each that snapshot every 50 writes"; for the bank, "Given 10 bank accounts holding 100 each, spread over every shard" and "Given 4 tellers transferring money between them and auditing the total"; for the key-value clients, "Given 3 clients keep reading and writing 5 keys".
// The components working together: transactions, the rebalancer, Raft groups and clients under node joins, rolling restarts and leader churn. Every scenario with a store also ends with the cross-component oracles (the map agrees with every group, every key where the map says, no transaction left behind), and the report shows node states, leaders per shard and operation latency over virtual time.

// The tellers transfer money for the duration; one second in, the given number of new nodes join one after the other (node-6, node-7, … after node-5), and the rebalancer plans a replica rebalance (within 10 %) and carries it out while the tellers go on. Then the tellers stop and their last transactions finish, and the moves finish (each at most 60 s). Attaches the plan, the bank's counts and the migration progress. Example: "When the tellers transfer money for 20 seconds while 2 nodes join and the rebalancer moves replicas onto them".
When('the tellers transfer money for {duration} while {int} node(s) join(s) and the rebalancer moves replicas onto them', function (this: PhantomWorld, durationMs: number, nodes: number) {
  if (nodes < 1) throw new Error(`In step "${this.currentStep}": at least 1 node must join, got ${nodes}`);
  integration(this).bankWhileNodesJoin(durationMs, nodes);
});

// Instant: reads the committed placement map. Every node that joined in "the tellers transfer money … while … nodes join" is a voter of at least one shard that holds a bank account; fails naming each joined node that is not, with the shards it holds.
Then('every node that joined holds a replica of a shard with bank accounts', function (this: PhantomWorld) {
  const scenario = integration(this);
  expect(scenario.joined, 'nodes that joined').to.not.be.empty;
  const problems = scenario.joinedNodesWithoutAccounts();
  expect(problems, `joined nodes without accounts:\n${problems.join('\n')}`).to.deep.equal([]);
});

// Every server node, in name order, crashes, stays down for the duration, and restarts; the next one goes down only once it has caught up (every shard it holds has a stable leader it follows, and it has applied up to that leader's commit index; at most 20 s each). The clients keep working throughout, then stop with a final read of every key. Example: "When every node restarts in turn, each down for 5 seconds".
When('every node restarts in turn, each down for {duration}', function (this: PhantomWorld, downMs: number) {
  integration(this).rollingRestart(downMs);
});

// Instant: reads the client history of the run. Availability of a simulated minute of the run (from the first step of the run to its end; the last minute may be shorter): the share of the key-value clients' time not spent waiting on a read or write that then failed or ended unknown (time, not operation counts: a closed-loop client stuck on an unavailable shard issues nothing else). Compare-and-sets and transactions are not counted (a compare that did not match, or a transaction aborted by a conflict, is an answer). Every minute must reach the percentage; attaches the table per minute. Needs a run first ("every node restarts in turn, …", "the tellers transfer money …", "a rebalance runs while …"). Example: "Then in every simulated minute of the run the clients were served at least 95% of the time".
Then('in every simulated minute of the run the clients were served at least {percentage} of the time', function (this: PhantomWorld, share: number) {
  const scenario = integration(this);
  this.attachText('availability per simulated minute', scenario.availabilityTable());
  const minutes = scenario.availability();
  expect(minutes, 'minutes of the run').to.not.be.empty;
  for (const minute of minutes) {
    expect(minute.share, `availability in minute ${minute.minute} (${(minute.lostMs / 1000).toFixed(2)} client-seconds unserved over ${minute.clients} clients, ${minute.failed} reads and writes failed)`).to.be.at.least(share);
  }
});

// The rebalancer plans a replica rebalance (within 10 %) and carries it out; meanwhile, every period, the leader of a shard picked from the scenario's seed crashes and restarts half a period later. After the duration the moves finish (at most 60 s) and the clients stop with a final read of every key. Attaches the plan and the migration progress. Example: "When a rebalance runs while a shard's leader crashes every 2 seconds for 20 seconds".
When("a rebalance runs while a shard's leader crashes every {duration} for {duration}", function (this: PhantomWorld, everyMs: number, durationMs: number) {
  if (everyMs <= 0 || everyMs > durationMs) throw new Error(`In step "${this.currentStep}": the period must be positive and at most the duration`);
  const crashes = integration(this).churnDuringRebalance(durationMs, everyMs);
  this.attachText('leader churn', `${crashes} leaders crashed and restarted`);
});
