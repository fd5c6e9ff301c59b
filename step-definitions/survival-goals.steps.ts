import { Then, When } from '@cucumber/cucumber';
import { expect } from 'chai';
import { SURVIVAL_GOALS, type SurvivalGoal } from '../src/placement/survival';
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

// ---- changing a table's goal -------------------------------------------------------------------

// The placement service commits the table's new survival goal (its home region stays), then the rebalancer plans over every node within the goals the service holds and the migration executor carries the plan out; waits until every move has finished. A goal the regions cannot meet fails the step, naming the table and the goal.
// Values: survival goal: zone or region.
When('table {string} changes its survival goal to {word} within {duration}', function (this: PhantomWorld, table: string, goal: string, withinMs: number) {
  goalRebalance(this).changeGoal(table, { goal: surviveGoal(goal, this.currentStep) }, withinMs);
});

// The placement service commits the table's new survival goal (its home region stays); nothing moves yet: the next rebalance plans within it. Waits (at most 5 s) for the commit. A goal the regions cannot meet fails the step, naming the table and the goal.
// Values: survival goal: zone or region.
When('table {string} is given the survival goal {word}', function (this: PhantomWorld, table: string, goal: string) {
  goalRebalance(this).requestGoal(table, { goal: surviveGoal(goal, this.currentStep) });
});

// Asks the placement service for the table's new survival goal, expecting that it may be refused; the refusal is kept for "the change is refused because". Nothing moves.
// Values: survival goal: zone or region.
When('table {string} is asked to change its survival goal to {word}', function (this: PhantomWorld, table: string, goal: string) {
  this.attempt(() => goalRebalance(this).requestGoal(table, { goal: surviveGoal(goal, this.currentStep) }));
});

// Asks the placement service for the table's new home region, expecting that it may be refused; the refusal is kept for "the change is refused because". Nothing moves.
When('table {string} is asked to move its home region to {region}', function (this: PhantomWorld, table: string, region: string) {
  this.attempt(() => goalRebalance(this).requestGoal(table, { homeRegion: region }));
});

// Instant: the request of "table "carts" is asked to change its survival goal to region" (or "... to move its home region to ...") was refused with an error containing the text.
// Needs first: "When table "carts" is asked to change its survival goal to region".
Then('the change is refused because {string}', function (this: PhantomWorld, expected: string) {
  const error = this.takeError();
  expect(error, 'the change was committed, but a refusal was expected').to.not.equal(undefined);
  expect(error!.message).to.contain(expected);
});

// An operator hands the table's leadership to its voter in the region (a leadership transfer); waits (at most 5 s) until that voter leads. The table's preferred leader stays in its home region, so leadership goes back there: check with "within 10 seconds every table's leader is in its home region". Fails if the table has no voter in the region.
When("an operator hands table {string}'s leadership to its voter in {region}", function (this: PhantomWorld, table: string, region: string) {
  goalRebalance(this).handLeadership(table, region);
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

function surviveGoal(text: string, step: string | undefined): SurvivalGoal {
  if (!SURVIVAL_GOALS.includes(text as SurvivalGoal)) throw new Error(`In step "${step}": the survival goal must be one of ${SURVIVAL_GOALS.join(', ')}, got ${JSON.stringify(text)}`);
  return text as SurvivalGoal;
}
