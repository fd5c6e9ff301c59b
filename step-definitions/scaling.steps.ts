import { After, DataTable, Given, Then, When } from '@cucumber/cucumber';
import { expect } from 'chai';
import { PolicyError } from '../src/scaling';
import { existingScaling, SAMPLE_INTERVAL_MS, scalingOf, WINDOW_SAMPLES } from '../support/scaling-scenario';
import { policyFromTable } from '../support/scaling-policy-table';
import type { PhantomWorld } from '../support/world';

/** A Then-step that reads the autoscaler waits at most this long for the readings and the decision it needs. */

// Glossary section: Elastic scaling
// Capability: scaling
// Needs first: "Given a scaling policy:" and then "Given a service of N nodes that each process M operations per second" (a modelled service whose nodes the autoscaler adds and drains; it is not yet the sharded store).
// The autoscaler follows the Kubernetes Horizontal Pod Autoscaler: proposals, tolerance, stabilization windows, rate policies, missing and joining nodes.
const DECISION_BOUND_MS = 60_000;

// Sets the autoscaling policy. Must come before "a service of N nodes …". Table rows (field | value), all optional:
// min nodes, max nodes, replication factor, cpu target ("75%"), memory target ("60%"), requests per second target,
// tolerance ("0.1"), scale-up window / scale-down window ("300 s"), scale-up rate / scale-down rate
// ("4 nodes per 60 s, 10% per 60 s"), scale-up select / scale-down select (Max, Min or Disabled),
// evaluation interval ("15 s"), scheduled minimum ("6 nodes from 60 s until 180 s").
// Omitted fields take HPA's defaults (tolerance 0.1, scale-down window 300 s, …); min nodes defaults to the replication factor.
// Example: Given a scaling policy: | cpu target | 75% | | max nodes | 100 |
// Needs first: nothing; it must come before "a service of N nodes ...".
// Columns: a two-column table without a header, field | value; fields (all optional): min nodes, max nodes, replication factor, cpu target, memory target, requests per second target, tolerance, scale-up window, scale-down window, scale-up rate, scale-down rate, scale-up select, scale-down select, evaluation interval, scheduled minimum.
// | cpu target        | 75%                            |
// | max nodes         | 100                            |
// | scale-down rate   | 4 nodes per 60 s, 10% per 60 s |
// | scale-down select | Max                            |
Given('a scaling policy:', function (this: PhantomWorld, table: DataTable) {
  scalingOf(this).setPolicy(policyFromTable(table.rowsHash()));
});

// Tries to set a policy that may be refused; the refusal is kept for "Then the policy is refused …". Same table as "a scaling policy:".
// Needs first: nothing.
// Columns: the same field | value rows as "a scaling policy:".
// | min nodes | 5 |
// | max nodes | 3 |
When('an operator submits this scaling policy:', function (this: PhantomWorld, table: DataTable) {
  this.attempt(() => scalingOf(this).setPolicy(policyFromTable(table.rowsHash())));
});

// The refusal names the policy field and says what is wrong; the quoted text must appear in the message.
// Must follow "an operator submits this scaling policy:". Example: Then the policy is refused naming "minNodes" because "is greater than maxNodes (3)"
// Instant: reads the refusal the previous step kept.
Then('the policy is refused naming {string} because {string}', function (this: PhantomWorld, field: string, because: string) {
  const error = this.takeError();
  expect(error, 'the policy was accepted').to.be.instanceOf(PolicyError);
  expect((error as PolicyError).field, error!.message).to.equal(field);
  expect(error!.message).to.contain(because);
});

// Starts the service with N nodes, each able to process the given operations per second (100% cpu), and the
// autoscaler's sampling (every 5 s, averaged over 3 samples) and evaluation loops. Needs "a scaling policy:" first.
// Example: Given a service of 4 nodes that each process 1000 operations per second
Given('a service of {int} nodes that each process {int} operations per second', function (this: PhantomWorld, count: number, capacity: number) {
  scalingOf(this).start(count, capacity);
});

// Marks the last N nodes of the service as still joining (not serving yet). Needs the service started.
// Example: Given 1 of the nodes is still joining
Given('{int} of the nodes is/are still joining', function (this: PhantomWorld, count: number) {
  scalingOf(this).markJoining(count);
});

// From now on, the first N nodes give the monitor no readings (their samples are missing); they keep serving.
// Needs the service started. Example: Given 1 of the nodes reports no readings
Given('{int} of the nodes report(s) no readings', function (this: PhantomWorld, count: number) {
  const scaling = scalingOf(this);
  const silent = new Set(scaling.nodeIds.slice(0, count));
  const real = scaling.activity.bind(scaling);
  this.sandbox.stub(scaling, 'activity').callsFake((id: string) => (silent.has(id) ? undefined : real(id)));
});

// Sets the client load so that each ready, reporting node processes the given percentage of its capacity now.
// Example: When the reporting nodes run at 200% cpu
When('the reporting nodes run at {int}% cpu', function (this: PhantomWorld, cpu: number) {
  const scaling = scalingOf(this);
  const ready = scaling.nodes().filter((node) => node.ready).length;
  scaling.demandOpsPerSecond = (cpu / 100) * scaling.capacityOpsPerSecond * ready;
});

// Sets the total client load in operations per second, spread over the serving nodes. Example: When the client load is 3000 operations per second
When('the client load is {int} operations per second', function (this: PhantomWorld, load: number) {
  scalingOf(this).demandOpsPerSecond = load;
});

// Sets the client load and lets the given time pass. Example: When the client load is 500 operations per second for 30 seconds
When('the client load is {int} operations per second for {duration}', function (this: PhantomWorld, load: number, durationMs: number) {
  scalingOf(this).demandOpsPerSecond = load;
  this.sim.runFor(durationMs);
});

// Switches the client load between two values, the first one first, every period for the given time (an oscillating load).
// Example: When the client load alternates between 3000 and 1000 operations per second every 60 seconds for 20 minutes
When(
  'the client load alternates between {int} and {int} operations per second every {duration} for {duration}',
  function (this: PhantomWorld, low: number, high: number, periodMs: number, totalMs: number) {
    const scaling = scalingOf(this);
    for (let elapsedMs = 0, index = 0; elapsedMs < totalMs; elapsedMs += periodMs, index++) {
      scaling.demandOpsPerSecond = index % 2 === 0 ? low : high;
      this.sim.runFor(Math.min(periodMs, totalMs - elapsedMs));
    }
  },
);

// The first decision made with a full window of readings proposes this many nodes (before stabilization and rate limits).
// Waits up to 60 s of virtual time for it. Example: Then the autoscaler proposes 8 nodes
Then('the autoscaler proposes {int} nodes', function (this: PhantomWorld, expected: number) {
  const scaling = scalingOf(this);
  const fromMs = this.sim.nowMs + SAMPLE_INTERVAL_MS * WINDOW_SAMPLES;
  const first = () => scaling.decisions.find((decision) => decision.atMs >= fromMs && decision.proposals.length > 0);
  this.waitUntil(() => first() !== undefined, DECISION_BOUND_MS, 'an autoscaler decision with a full window of readings');
  const decision = first()!;
  expect(decision.proposedNodes, `decision at ${decision.atMs / 1000} s: ${decision.proposals.map((proposal) => `${proposal.metric} ${proposal.reason}`).join('; ')}`).to.equal(expected);
});

// Waits until the service counts exactly this many nodes (joining and draining ones included), within the bound.
// Example: Then the service has 6 nodes within 2 minutes
Then('the service has {int} nodes within {duration}', function (this: PhantomWorld, expected: number, withinMs: number) {
  const scaling = scalingOf(this);
  this.waitUntil(() => scaling.nodeIds.length === expected, withinMs, `the service to have ${expected} nodes (it has ${scaling.nodeIds.length})`);
});

// Lets the given time pass and checks that the node count never changed from this number.
// Example: Then the service keeps 8 nodes for 3 minutes
// Waits exactly the given time (at most that long), checking the count throughout.
Then('the service keeps {int} nodes for {duration}', function (this: PhantomWorld, expected: number, durationMs: number) {
  const scaling = scalingOf(this);
  expect(scaling.nodeIds.length, 'nodes at the start').to.equal(expected);
  const endMs = this.sim.nowMs + durationMs;
  this.sim.runUntil(() => scaling.nodeIds.length !== expected || this.sim.nowMs >= endMs, { withinMs: durationMs + 1, waitingFor: 'the period to end', pollMs: 1000 });
  expect(scaling.nodeIds.length, `nodes at ${this.sim.nowMs / 1000} s`).to.equal(expected);
});

// The node counts the autoscaler decided, in order, begin with this comma-separated list (the start count first).
// Example: Then the node counts decided began 80, 72, 64, 57
// Instant: reads the decision log so far.
Then('the node counts decided began {string}', function (this: PhantomWorld, list: string) {
  const expected = list.split(',').map((part) => Number(part.trim()));
  const scaling = scalingOf(this);
  const changes = scaling.decisions.filter((decision) => decision.action !== 'none');
  const counts = [changes[0]?.currentNodes, ...changes.map((decision) => decision.desiredNodes)].slice(0, expected.length);
  expect(counts).to.deep.equal(expected);
});

// No window of the given length ever saw more than N nodes removed (net of nodes added in it).
// Example: Then no 60 seconds saw more than 4 nodes removed
// Instant: reads the decision log so far.
Then('no {duration} saw more than {int} nodes removed', function (this: PhantomWorld, periodMs: number, allowed: number) {
  const changes = scalingOf(this).decisions.filter((decision) => decision.action !== 'none');
  for (const end of changes.filter((decision) => decision.action === 'scale-in')) {
    const net = changes.filter((decision) => decision.atMs <= end.atMs && decision.atMs > end.atMs - periodMs).reduce((sum, decision) => sum + decision.currentNodes - decision.desiredNodes, 0);
    expect(net, `nodes removed in the ${periodMs / 1000} s ending at ${end.atMs / 1000} s`).to.be.at.most(allowed);
  }
});

// Every node that scale-in stopped was serving nothing when it stopped, and the count never went below the replication factor.
// Example: Then every node removed was drained first
// Instant: reads the record of stopped nodes so far.
Then('every node removed was drained first', function (this: PhantomWorld) {
  const scaling = scalingOf(this);
  expect(scaling.stopped.length, 'no node was removed').to.be.greaterThan(0);
  for (const stop of scaling.stopped) expect(stop.servingShare, `${stop.id} at ${stop.atMs / 1000} s`).to.equal(0);
  const least = Math.min(...scaling.nodeCounts.map((point) => point.nodes));
  expect(least, 'fewest nodes').to.be.at.least(scaling.policy!.replicationFactor);
});

// Counts the autoscaler's decisions that changed the node count. Example: Then the autoscaler changed the node count at most 1 time
// Instant: reads the decision log so far.
Then('the autoscaler changed the node count at most {int} time(s)', function (this: PhantomWorld, allowed: number) {
  const changes = scalingOf(this).decisions.filter((decision) => decision.action !== 'none');
  expect(changes.length, `changes: ${changes.map((decision) => `${decision.atMs / 1000} s ${decision.currentNodes}→${decision.desiredNodes}`).join(', ')}`).to.be.at.most(allowed);
});

// The opposite bound: the autoscaler changed the node count at least this many times (to show a policy that flaps).
// Example: Then the autoscaler changed the node count at least 6 times
// Instant: reads the decision log so far.
Then('the autoscaler changed the node count at least {int} time(s)', function (this: PhantomWorld, least: number) {
  const changes = scalingOf(this).decisions.filter((decision) => decision.action !== 'none');
  expect(changes.length, `changes: ${changes.map((decision) => `${decision.atMs / 1000} s ${decision.currentNodes}→${decision.desiredNodes}`).join(', ')}`).to.be.at.least(least);
});

// The decision log, the cluster resource table and the resource picture go into the report.
After(function (this: PhantomWorld) {
  existingScaling(this)?.attachReport();
});
