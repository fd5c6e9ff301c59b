import { After, DataTable, Given, Then, When } from '@cucumber/cucumber';
import { expect } from 'chai';
import { PolicyError, type ScalingDecision } from '../src/scaling';
import { elasticOf, existingElastic } from '../support/elastic-scenario';
import { kvStore } from '../support/kv-scenario';
import { existingScaling, SAMPLE_INTERVAL_MS, scalingOf, WINDOW_SAMPLES } from '../support/scaling-scenario';
import { policyFromTable } from '../support/scaling-policy-table';
import type { PhantomWorld } from '../support/world';

/** A Then-step that reads the autoscaler waits at most this long for the readings and the decision it needs. */

// Glossary section: Elastic scaling
// Capability: scaling
// Needs first: "Given a scaling policy:" and then either "Given a service of N nodes that each process M operations per second" (a modelled service: fast scenarios of the HPA algorithm) or "Given an elastic cluster of N nodes that each serve M requests per second, holding S shards of K keys" (the real sharded store: nodes join with the join token, the rebalancer moves data, scale-in drains before it stops a node).
// The autoscaler follows the Kubernetes Horizontal Pod Autoscaler: proposals, tolerance, stabilization windows, rate policies, missing and joining nodes.
const DECISION_BOUND_MS = 60_000;

// Sets the autoscaling policy. Must come before "a service of N nodes …". Table rows (field | value), all optional:
// min nodes, max nodes, replication factor, cpu target ("75%"), memory target ("60%"), requests per second target,
// tolerance ("0.1"), scale-up window / scale-down window ("300 s"), scale-up rate / scale-down rate
// ("4 nodes per 60 s, 10% per 60 s"), scale-up select / scale-down select (Max, Min or Disabled),
// evaluation interval ("15 s"), scheduled minimum ("6 nodes from 60 s until 180 s").
// Omitted fields take HPA's defaults (tolerance 0.1, scale-down window 300 s, …); min nodes defaults to the replication factor.
// At least one target (cpu, memory or requests per second) is required: a policy without one is refused, naming "metrics".
// Example: Given a scaling policy: | cpu target | 75% | | max nodes | 100 |
// Needs first: nothing; it must come before "a service of N nodes ...".
// Columns: a two-column table without a header, field | value; fields (each optional, but at least one target): min nodes, max nodes, replication factor, cpu target, memory target, requests per second target, tolerance, scale-up window, scale-down window, scale-up rate, scale-down rate, scale-up select, scale-down select, evaluation interval, scheduled minimum.
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
// Values: the field as the policy spells it, not as the table row does: minNodes (min nodes), maxNodes (max nodes),
// tolerance, evaluationIntervalMs (evaluation interval), metrics (no target given), metrics[0].averageValue (the
// first target), scaleUp.stabilizationWindowSeconds / scaleDown.… (the windows), scaleUp.selectPolicy,
// scaleUp.policies[0].value (the rates), scheduledMinimums[0].minNodes (scheduled minimum).
// Needs first: "When an operator submits this scaling policy:".
// Instant: reads the refusal the previous step kept.
Then('the policy is refused naming {string} because {string}', function (this: PhantomWorld, field: string, because: string) {
  const error = this.takeError();
  expect(error, 'the policy was accepted').to.be.instanceOf(PolicyError);
  expect((error as PolicyError).field, `the refusal names the policy field "${(error as PolicyError).field}" (${error!.message})`).to.equal(field);
  expect(error!.message).to.contain(because);
});

// Needs first: "Given a scaling policy:"; give it before "Given a service of N nodes that each process M operations per second".
// Sets the size of the service's data set, stored once (each byte is held by as many nodes as the replication factor), spread
// evenly over the nodes; 1 GB unless this step says otherwise. A node being drained hands its data to the others at 50 MB
// per second, so the more data, the longer a drain lasts (16 GB over 8 nodes: 2 GB each, 40 s per drain).
// Example: Given the service stores 16 GB of data
Given('the service stores {int} GB of data', function (this: PhantomWorld, gigabytes: number) {
  scalingOf(this).storeData(gigabytes * 1_000_000_000);
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

// Needs first: "Given a service of N nodes that each process M operations per second".
// From now on no node gives the autoscaler a reading of this metric (the others are read as before), so the autoscaler
// cannot compute that metric's proposal. HPA then skips a scale-down the other metrics suggest.
// Values: {word} is cpu, memory or disk.
// Example: Given no node reports memory readings
Given('no node reports {word} readings', function (this: PhantomWorld, metric: string) {
  const names = ['cpu', 'memory', 'disk'];
  if (!names.includes(metric)) throw new Error(`In step "${this.currentStep}": the metric is one of ${names.join(', ')}, not "${metric}"`);
  const monitor = scalingOf(this).monitor;
  const real = monitor.readings.bind(monitor);
  this.sandbox.stub(monitor, 'readings').callsFake((nowMs: number, nodes: readonly { id: string; ready: boolean }[]) =>
    real(nowMs, nodes).map((reading) => ({ ...reading, values: Object.fromEntries(Object.entries(reading.values).filter(([name]) => name !== metric)) })),
  );
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
  scalingOf(this).loadSetAtMs = this.sim.nowMs;
});

// Sets the client load and lets the given time pass. Example: When the client load is 500 operations per second for 30 seconds
When('the client load is {int} operations per second for {duration}', function (this: PhantomWorld, load: number, durationMs: number) {
  scalingOf(this).demandOpsPerSecond = load;
  this.sim.runFor(durationMs);
  scalingOf(this).loadSetAtMs = this.sim.nowMs;
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
    scaling.loadSetAtMs = this.sim.nowMs;
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

// Checks that the node count stayed at this number for the given time from the end of the last "When the client load ..." step (the service's start if none), as the record of node counts shows.
// Example: Then the service keeps 8 nodes for 3 minutes
// Waits (at most the given time) until that period has ended, stopping early at the first change of the count.
Then('the service keeps {int} nodes for {duration}', function (this: PhantomWorld, expected: number, durationMs: number) {
  assertNodeCountBound(this, durationMs, (nodes) => nodes === expected, `other than ${expected}`);
});

// Checks that the node count never went above this number for the given time from the end of the last "When the client
// load ..." step (the service's start if none), as the record of node counts shows: a bound that holds however the count
// moves within it. Values: a whole number of nodes, any duration.
// Example: Then the service never has more than 5 nodes for 3 minutes
// Waits (at most the given time) until that period has ended, stopping early at the first count above the bound.
Then('the service never has more than {int} nodes for {duration}', function (this: PhantomWorld, most: number, durationMs: number) {
  assertNodeCountBound(this, durationMs, (nodes) => nodes <= most, `more than ${most}`);
});

// Checks that the node count never went below this number for the given time from the end of the last "When the client
// load ..." step (the service's start if none), as the record of node counts shows. Values: a whole number of nodes, any
// duration.
// Example: Then the service never has fewer than 6 nodes for 3 minutes
// Waits (at most the given time) until that period has ended, stopping early at the first count below the bound.
Then('the service never has fewer than {int} nodes for {duration}', function (this: PhantomWorld, least: number, durationMs: number) {
  assertNodeCountBound(this, durationMs, (nodes) => nodes >= least, `fewer than ${least}`);
});

/** The node count stays within `within` over the period from the last load change, as "the service keeps ..." reads it. */
function assertNodeCountBound(world: PhantomWorld, durationMs: number, within: (nodes: number) => boolean, outside: string): void {
  const scaling = scalingOf(world);
  const startMs = scaling.loadSetAtMs;
  const endMs = startMs + durationMs;
  if (world.sim.nowMs < endMs) world.sim.runUntil(() => !within(scaling.nodeIds.length) || world.sim.nowMs >= endMs, { withinMs: endMs - world.sim.nowMs, waitingFor: 'the period to end', pollMs: 1000 });
  const seconds = (ms: number): string => `${ms / 1000} s`;
  const atStart = scaling.nodeCountAt(startMs);
  if (atStart === undefined) throw new Error(`no node count was recorded by ${seconds(startMs)}: start the service first ("Given a service of ... nodes ...")`);
  const first = within(atStart) ? scaling.nodeCounts.find((point) => point.atMs > startMs && point.atMs <= endMs && !within(point.nodes)) : { atMs: startMs, nodes: atStart };
  expect(first === undefined ? undefined : `${first.nodes} nodes at ${seconds(first.atMs)}`, `the first node count ${outside} from ${seconds(startMs)} to ${seconds(endMs)}`).to.equal(undefined);
}

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
// Waits (at most 8 simulated minutes) until scale-in has removed a node and no node is draining; then reads the record of stopped nodes so far.
Then('every node removed was drained first', function (this: PhantomWorld) {
  const scaling = scalingOf(this);
  this.waitUntil(() => scaling.stopped.length > 0 && !scaling.busy(), 8 * 60_000, () => `scale-in to remove a node and finish draining (${scaling.stopped.length} removed, ${scaling.busy() ? 'some draining now' : 'none draining now'}, ${scaling.nodeIds.length} nodes)`);
  expect(scaling.stopped.length, 'no node was removed').to.be.greaterThan(0);
  for (const stop of scaling.stopped) expect(stop.servingShare, `${stop.id} at ${stop.atMs / 1000} s`).to.equal(0);
  const least = Math.min(...scaling.nodeCounts.map((point) => point.nodes));
  expect(least, 'fewest nodes').to.be.at.least(scaling.policy!.replicationFactor);
});

// Counts the autoscaler's decisions that changed the node count. Example: Then the autoscaler changed the node count at most 1 time
// Instant: reads the decision log so far.
Then('the autoscaler changed the node count at most {int} time(s)', function (this: PhantomWorld, allowed: number) {
  const changes = decisionsOf(this).filter((decision) => decision.action !== 'none');
  expect(changes.length, `changes: ${changes.map((decision) => `${decision.atMs / 1000} s ${decision.currentNodes}→${decision.desiredNodes}`).join(', ')}`).to.be.at.most(allowed);
});

// The opposite bound: the autoscaler changed the node count at least this many times (to show a policy that flaps).
// Example: Then the autoscaler changed the node count at least 6 times
// Instant: reads the decision log so far.
Then('the autoscaler changed the node count at least {int} time(s)', function (this: PhantomWorld, least: number) {
  const changes = decisionsOf(this).filter((decision) => decision.action !== 'none');
  expect(changes.length, `changes: ${changes.map((decision) => `${decision.atMs / 1000} s ${decision.currentNodes}→${decision.desiredNodes}`).join(', ')}`).to.be.at.least(least);
});

// The decision log, the cluster resource table and the resource picture go into the report.
After(function (this: PhantomWorld) {
  existingScaling(this)?.attachReport();
});

// ---- the real cluster: scale-out with the join token, rebalancing, drained scale-in ----------------------------------

/** Decisions of the autoscaler the scenario started: on the real cluster if one runs, else on the modelled service. */
function decisionsOf(world: PhantomWorld): readonly ScalingDecision[] {
  return existingElastic(world)?.decisions ?? scalingOf(world).decisions;
}

// Starts node-1 … node-N, a store of S shards (replicas: the policy's replication factor) holding K keys, and the
// autoscaler on the real cluster: every 5 s the monitor samples each node (cpu = client requests handled against
// the node's capacity, memory and disk = data held plus Raft log bytes, requests per second), readings average
// 3 samples, and a node that is down gives none. New nodes join with the cluster's join token, the rebalancer gives
// them shards, and scale-in drains nodes before it stops them. A node serves the given requests per second; more
// than that queue and wait. No clients work yet. Needs "a scaling policy:" first.
// Example: Given an elastic cluster of 3 nodes that each serve 50 requests per second, holding 6 shards of 60 keys
Given('an elastic cluster of {int} nodes that each serve {int} requests per second, holding {int} shards of {int} keys', function (this: PhantomWorld, nodes: number, requestsPerSecond: number, shards: number, keys: number) {
  const policy = scalingOf(this).policy;
  if (!policy) throw new Error('a scaling policy must be given before the elastic cluster starts ("Given a scaling policy:")');
  elasticOf(this).start(policy, nodes, requestsPerSecond, shards, keys);
});

// Sets how many clients work on the elastic cluster's keys (reads, writes and compare-and-sets, each client one
// operation at a time with 10–40 ms between them); 0 stops them. Does not wait. Needs the elastic cluster.
// One client makes at most about 13 requests per second (6 clients on 3 nodes of 50 requests per second ran them at
// about 61% cpu), and fewer once the cluster is busy: each waits for its answer before the next request (12 clients
// on that cluster made about 100 requests per second, 68% cpu). So to push the cluster past a cpu target, use
// clients × 13 well above nodes × capacity × target, or a lower target.
// Example: When 5 clients work on the cluster
When('{int} client(s) work(s) on the cluster', function (this: PhantomWorld, clients: number) {
  elasticOf(this).load.setActiveClients(clients);
});

// The same, then lets the given virtual time pass. Example: When 1 client works on the cluster for 1 minute
When('{int} client(s) work(s) on the cluster for {duration}', function (this: PhantomWorld, clients: number, durationMs: number) {
  elasticOf(this).load.setActiveClients(clients);
  this.sim.runFor(durationMs);
});

// Switches the number of clients between two values, the first one first, every period for the given time.
// Example: When the clients alternate between 3 and 1 every 60 seconds for 10 minutes
When('the clients alternate between {int} and {int} every {duration} for {duration}', function (this: PhantomWorld, first: number, second: number, periodMs: number, totalMs: number) {
  const load = elasticOf(this).load;
  for (let elapsedMs = 0, index = 0; elapsedMs < totalMs; elapsedMs += periodMs, index++) {
    load.setActiveClients(index % 2 === 0 ? first : second);
    this.sim.runFor(Math.min(periodMs, totalMs - elapsedMs));
  }
});

// Asks the elastic cluster to drain and remove N nodes at once, as an operator would; the scale-in rules decide how
// many it really drains now (never below the replication factor, never a set of nodes holding a majority of a
// shard's voters). Does not wait. Example: When an operator asks the cluster to shrink by 3 nodes
When('an operator asks the cluster to shrink by {int} node(s)', function (this: PhantomWorld, count: number) {
  elasticOf(this).cluster.scaleIn(count);
});

// Crashes every node that is being drained right now (at least one must be). Example: When the nodes being drained crash
When('the nodes being drained crash', function (this: PhantomWorld) {
  const draining = elasticOf(this).cluster.idsIn('draining').filter((id) => this.cluster.node(id).isUp);
  if (draining.length === 0) throw new Error('no node is being drained, so none can crash');
  for (const id of draining) this.cluster.node(id).crash();
  this.remembered.set('crashed while draining', draining);
});

// Restarts the nodes crashed by "the nodes being drained crash". Example: When the crashed nodes restart
When('the crashed nodes restart', function (this: PhantomWorld) {
  const crashed = this.remembered.get('crashed while draining') as string[] | undefined;
  if (!crashed) throw new Error('no node crashed while draining in this scenario');
  for (const id of crashed) this.cluster.node(id).start();
});

// Waits until exactly N server nodes count toward capacity (joining and draining ones included, stopped ones not).
// Waits at most the given time. Example: Then the cluster has 8 server nodes within 3 minutes
Then('the cluster has {int} server nodes within {duration}', function (this: PhantomWorld, expected: number, withinMs: number) {
  elasticOf(this).awaitServerNodes(expected, withinMs);
});

// Lets the given time pass and checks the server node count never changed from N.
// Waits exactly the given time (at most that long). Example: Then the cluster keeps 5 server nodes for 1 minute
Then('the cluster keeps {int} server nodes for {duration}', function (this: PhantomWorld, expected: number, durationMs: number) {
  const elastic = elasticOf(this);
  expect(elastic.cluster.liveIds().length, 'server nodes at the start').to.equal(expected);
  const endMs = this.sim.nowMs + durationMs;
  this.sim.runUntil(() => elastic.cluster.liveIds().length !== expected || this.sim.nowMs >= endMs, { withinMs: durationMs + 1, waitingFor: 'the period to end', pollMs: 250 });
  expect(elastic.cluster.liveIds().length, `server nodes at ${(this.sim.nowMs / 1000).toFixed(1)} s`).to.equal(expected);
});

// Waits until every server node serves (none joining or draining), nothing is moving, and each holds its share of
// the replicas (the rebalancer finds nothing to move: replica counts within 10% of the mean, rounded to whole replicas).
// Waits at most the given time. Example: Then the shards are spread over every server node within 2 minutes
Then('the shards are spread over every server node within {duration}', function (this: PhantomWorld, withinMs: number) {
  elasticOf(this).awaitSpread(withinMs);
});

// Needs first: "Given an elastic cluster of ..." and enough clients to push it past its cpu target ("When 12 clients work on the cluster").
// The event that ends the first phase of a scale-out: waits until at least N server nodes count toward capacity
// (joining and draining ones included). N must be above the node count the cluster started with (the step
// refuses at once otherwise: the cluster would not have grown). Fails naming the count reached when the bound passes.
// Example: When the cluster has grown to at least 6 server nodes within 2 minutes
// Waits at most the given time.
When('the cluster has grown to at least {int} server nodes within {duration}', function (this: PhantomWorld, least: number, withinMs: number) {
  const elastic = elasticOf(this);
  if (least <= elastic.startingServerNodes()) throw new Error(`the cluster started with ${elastic.startingServerNodes()} server nodes, so growing to at least ${least} would not be growth: name a count above it`);
  elastic.awaitAtLeastServerNodes(least, withinMs);
});

// Needs first: "Given an elastic cluster of ...", usually right after "When the cluster has grown to at least N server nodes within ...".
// The event that ends a scale-out: waits until every server node serves (none joining or draining), nothing
// is moving and each holds its share of the replicas and at least one (the condition of "Then the shards are spread over
// every server node within ..."). Fails naming the replicas per node when the bound passes.
// Example: When the shards have spread over every server node within 3 minutes
// Waits at most the given time.
When('the shards have spread over every server node within {duration}', function (this: PhantomWorld, withinMs: number) {
  elasticOf(this).awaitSpread(withinMs);
});

// Needs first: "Given an elastic cluster of ..." that has grown, and the load dropped ("When 2 clients work on the cluster").
// The event that ends a scale-in: waits until exactly N server nodes count toward capacity (joining and draining ones
// included, stopped ones not). N must be below the most server nodes the cluster has had so far (the step refuses at
// once otherwise: the cluster would not have shrunk). Fails naming each node and its state when the bound passes.
// Example: When the cluster has shrunk to 3 server nodes within 8 minutes
// Waits at most the given time.
When('the cluster has shrunk to {int} server nodes within {duration}', function (this: PhantomWorld, expected: number, withinMs: number) {
  const elastic = elasticOf(this);
  if (expected >= elastic.mostServerNodes()) throw new Error(`the cluster has had at most ${elastic.mostServerNodes()} server nodes, so coming to ${expected} would not be a shrink: name a count below it`);
  elastic.awaitServerNodes(expected, withinMs);
});

// Waits until the given latency percentile of the client operations that ended in the last window rises above the
// bound (the cluster is overloaded). Waits at most the given time.
// Values: the percentile is p50, p95 or p99.
// Example: Then the p99 latency over the last 10 seconds rises above 100 ms within 1 minute
Then('the {word} latency over the last {duration} rises above {int} ms within {duration}', function (this: PhantomWorld, percentile: string, windowMs: number, boundMs: number, withinMs: number) {
  const elastic = elasticOf(this);
  const which = latencyPercentileName(percentile);
  elastic.waitFor(() => (elastic.latencyPercentile(which, windowMs) ?? 0) > boundMs, withinMs, () => `the ${which} latency to rise above ${boundMs} ms (it is ${elastic.latencyPercentile(which, windowMs)?.toFixed(1) ?? 'unknown'} ms)`);
});

// Waits until the given latency percentile of the client operations that ended in the last window falls below the
// bound. Waits at most the given time.
// Values: the percentile is p50, p95 or p99.
// Example: Then the p99 latency over the last 10 seconds falls below 60 ms within 2 minutes
Then('the {word} latency over the last {duration} falls below {int} ms within {duration}', function (this: PhantomWorld, percentile: string, windowMs: number, boundMs: number, withinMs: number) {
  const elastic = elasticOf(this);
  const which = latencyPercentileName(percentile);
  elastic.waitFor(() => { const value = elastic.latencyPercentile(which, windowMs); return value !== undefined && value < boundMs; }, withinMs, () => `the ${which} latency to fall below ${boundMs} ms (it is ${elastic.latencyPercentile(which, windowMs)?.toFixed(1) ?? 'unknown'} ms)`);
});

// At least one node was removed, and every node scale-in stopped held nothing when it stopped (no replica on its
// disk, none named by the placement map); no shard ever had a majority of its voters down and the cluster never
// went below the replication factor. Waits (at most 8 simulated minutes) until scale-in has stopped a node and no node
// is draining; then reads what the watchers and the disks recorded so far.
// Example: Then every node removed held nothing when it stopped
Then('every node removed held nothing when it stopped', function (this: PhantomWorld) {
  const elastic = elasticOf(this);
  elastic.waitFor(() => elastic.cluster.stops.length > 0 && !elastic.cluster.busy(), 8 * 60_000, () => `scale-in to stop a node and finish draining (${elastic.cluster.stops.length} stopped, draining now: ${elastic.cluster.idsIn('draining').join(', ') || 'none'})`);
  expect(elastic.cluster.stops.length, 'no node was removed').to.be.greaterThan(0);
  expect(elastic.stopProblems(), 'nodes stopped while holding data').to.deep.equal([]);
  expect(elastic.quorumViolation, 'a shard without a quorum of running voters').to.equal(undefined);
  expect(elastic.replicationViolation, 'the replication factor').to.equal(undefined);
});

// Every shard keeps a leader and takes a new write within the bound (a fresh client writes one key of every shard).
// Waits at most the given time per shard. Example: Then every shard still takes writes within 10 seconds
Then('every shard still takes writes within {duration}', function (this: PhantomWorld, withinMs: number) {
  kvStore(this).assertProgress(withinMs);
});

// Needs the elastic cluster ("Given an elastic cluster of ..."). Every shard has as many voters as the policy's replication
// factor, all on running nodes, and no learner: the replicas of a node that is down were made again elsewhere.
// Example: Then every shard has its replication factor on running nodes within 1 minute
// Waits at most the given time.
Then('every shard has its replication factor on running nodes within {duration}', function (this: PhantomWorld, withinMs: number) {
  const elastic = elasticOf(this);
  const replicationFactor = elastic.cluster.options.replicationFactor;
  const database = this.cluster.database;
  const short = () => database.shardMap.shards.filter((shard) => shard.replicas.length !== replicationFactor || (shard.learners ?? []).length > 0 || shard.replicas.some((node) => this.cluster.node(node).state !== 'running'));
  elastic.waitFor(() => short().length === 0, withinMs, () => `every shard to keep ${replicationFactor} voters on running nodes (${short().map((shard) => `${shard.id}: ${shard.replicas.map((node) => `${node} ${this.cluster.node(node).state}`).join(', ')}${(shard.learners ?? []).length > 0 ? `; learners ${shard.learners!.join(', ')}` : ''}`).join('; ')})`);
});

function latencyPercentileName(text: string): 'p50' | 'p95' | 'p99' {
  if (text === 'p50' || text === 'p95' || text === 'p99') return text;
  throw new Error(`unknown latency percentile "${text}"; accepted: p50, p95, p99`);
}

// The real-cluster part's decision log, resource table, pictures and scale-in record go into the report.
After(function (this: PhantomWorld) {
  existingElastic(this)?.attachReport();
});
