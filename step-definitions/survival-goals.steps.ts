import { Then, When } from '@cucumber/cucumber';
import { expect } from 'chai';
import { goalRebalance } from '../support/goal-rebalance-scenario';
import type { PhantomWorld } from '../support/world';

// Glossary section: Regions: rebalancing within survival goals
// Capability: regions
// Needs first: a store across regions and its tables, from "Given a store across regions, 3 nodes in each region, one per zone, with these one-way latencies:" and "Given these tables, with their survival goals:".
// Tables' survival goals and home regions are kept by the placement service, like the shard map, so every rebalance plans within them: when nodes join or drain, a table's voters move only inside the regions its goal allows, and its leader stays in its home region. Check the result with "Then every table's voters meet its survival goal".

// ---- nodes joining and leaving ------------------------------------------------------------------

// One new node joins every region, each in a zone of its own ("us-east-j", ...), named after the nodes already there (node-10, node-11, ...). Waits (at most 20 s) until every member sees them alive. They hold nothing until a rebalance moves data to them.
When('a node joins each region, in a zone of its own', function (this: PhantomWorld) {
  goalRebalance(this).joinEachRegion();
});

// The rebalancer plans over every node (replica counts within 10% of the mean, leaders too) with the survival goals the placement service holds, and the migration executor carries the plan out; waits until every move has finished. Fails if the moves do not finish within the duration.
When('the rebalancer balances the nodes within {duration}', function (this: PhantomWorld, withinMs: number) {
  goalRebalance(this).rebalance([], withinMs);
});

// Like "the rebalancer balances the nodes within 60 seconds", with the node draining: every voter it holds moves to another node inside the table's survival goal. Fails if the node is not in the store or the moves do not finish within the duration.
// Values: a node name of the store, e.g. "node-2".
When('node {string} drains within {duration}', function (this: PhantomWorld, node: string, withinMs: number) {
  goalRebalance(this).rebalance([node], withinMs);
});

// ---- checks ----------------------------------------------------------------------------------

// Instant: each node that joined through "a node joins each region, in a zone of its own" and stands in the region holds at least one table's voter in the placement map. Fails naming the node.
// Needs first: "When a node joins each region, in a zone of its own" and "When the rebalancer balances the nodes within 60 seconds".
// Values: a region of the store, e.g. us-east.
Then('the node that joined {region} holds a voter', function (this: PhantomWorld, region: string) {
  const scenario = goalRebalance(this);
  const node = scenario.joined.find((id) => this.sim.node(id).metadata.region === region);
  expect(node, `no node joined ${region}`).to.not.equal(undefined);
  expect(scenario.votersOn(node!), `${node} (joined ${region}) holds no voter`).to.not.deep.equal([]);
});

// Instant: the node holds no voter of any table in the placement map. Fails naming the tables it still holds.
// Needs first: "When node "node-2" drains within 60 seconds".
// Values: a node name of the store, e.g. "node-2".
Then('node {string} holds no voter', function (this: PhantomWorld, node: string) {
  expect(goalRebalance(this).votersOn(node), `tables ${node} still holds a voter of`).to.deep.equal([]);
});
