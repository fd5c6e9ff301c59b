import { DataTable, Given, Then, When } from '@cucumber/cucumber';
import { expect } from 'chai';
import type { FaultKind } from '../src/sim';
import { sagaStore } from '../support/saga-store-scenario';
import type { PhantomWorld } from '../support/world';

// Glossary section: Sagas over the store
// Capability: transactions
// Needs first: the services, set up by "Given trip-booking services that keep their state in the store, with these stocks:" (it starts the default store, 5 nodes and 3 shards of 3 replicas, when none runs), then "And 3 saga orchestrators, one of them active".
// Trip-booking sagas whose services (flights, hotels, cars, payments) keep their state in the sharded store and whose log is replicated in it. A trip reserves a seat, a room and a car, then charges 100 to the card; a step that fails for good (no stock left, or no answer after 4 attempts of 1 s) cancels itself and undoes every step before it.

// ---- set-up ------------------------------------------------------------------------------------
// Needs first: nothing (starts the default store if none runs).

// Sets up the four trip services, each an inventory in the store with the stock given (flights: seats, hotels: rooms, cars: cars, payments: credit, 100 per trip), written in one transaction. Waits (at most 15 s) for the stocks to be written.
// Columns: service (required): flights, hotels, cars or payments, each once (all four are needed); stock (required): a whole number, 0 or more.
// | service  | stock |
// | flights  | 4     |
// | hotels   | 10    |
// | cars     | 10    |
// | payments | 300   |
Given('trip-booking services that keep their state in the store, with these stocks:', function (this: PhantomWorld, table: DataTable) {
  sagaStore(this).openServices(table.hashes() as { service: string; stock: string }[]);
});

// Starts the saga orchestrators on nodes of their own, one active by a lease in the store and the others standing by to take over, and waits (at most 5 s) until one holds the lease. The count must be 3 (the deployment's size); another count fails saying so.
// Needs first: "Given trip-booking services that keep their state in the store, with these stocks:".
Given('{int} saga orchestrators, one of them active', function (this: PhantomWorld, count: number) {
  sagaStore(this).startOrchestrators(count);
});

// ---- faults planned before the trips ------------------------------------------------------------

// When the first trip reaches the step, the leaders of the shards that hold the service's keys for that trip (its stock, the trip's booking and the step's idempotency record; at most two nodes) crash; they restart 1 s later, so the shards elect new leaders while the step runs.
// Values: service: flights, hotels, cars or payments; step: reserve seat, reserve room, rent car or charge card.
Given('the leaders of the {string} service\'s shards crash when a trip reaches step {string}', function (this: PhantomWorld, service: string, step: string) {
  sagaStore(this).crashServiceLeadersAtStep(service, step);
});

// When the first trip reaches the step, the node of the active orchestrator crashes and stays down; a standby orchestrator must take over.
// Values: step: reserve seat, reserve room, rent car or charge card.
Given('the active orchestrator crashes when a trip reaches step {string}', function (this: PhantomWorld, step: string) {
  sagaStore(this).crashActiveOrchestratorAtStep(step);
});

// When the first trip reaches the step, and for the given time: the active orchestrator still reaches every service but no node of the store, and the other orchestrators reach the store but not the named service. A standby takes over and, unable to reach the service, fails the step for good; the old orchestrator must drive nothing it could not write to the log. Then every link heals.
// Values: step: reserve seat, reserve room, rent car or charge card; service: flights, hotels, cars or payments.
Given('a split brain for {duration} when a trip reaches step {string}: the active orchestrator reaches the services but not the store, and the others reach the store but not the {string} service', function (this: PhantomWorld, durationMs: number, step: string, service: string) {
  sagaStore(this).splitBrainAtStep(step, service, durationMs);
});

// Needs the services set up, and comes before the orchestrators start. Every trip's step sends its service this command instead of the one the service does ("reserve"), as a saga written against another version of the service would; the step's compensation is unchanged.
// Values: step: reserve seat, reserve room, rent car or charge card; command: any name, including one the service does not have.
// Example: Given the trips' step "rent car" sends its service the command "constructor"
Given('the trips\' step {string} sends its service the command {string}', function (this: PhantomWorld, step: string, command: string) {
  sagaStore(this).callStepByCommand(step, command);
});

// ---- trips ---------------------------------------------------------------------------------------

// Starts this many trips at once on the active orchestrator and waits (at most 5 s) until each start is in the replicated saga log; the trips then run on while later steps wait.
When('{int} trip(s) is/are booked at once', function (this: PhantomWorld, count: number) {
  sagaStore(this).bookTrips(count);
});

// Starts the trips as above, then runs random faults for the given time over the store's nodes, the orchestrators and the services (at most 2 nodes down at once), then heals every fault. The faults are audited: each kind asked for must have happened.
When('{int} trips are booked at once, then {duration} of random {faults} pass', function (this: PhantomWorld, count: number, durationMs: number, faults: FaultKind[]) {
  sagaStore(this).bookTripsUnderFaults(count, durationMs, faults);
});

// ---- outcomes ------------------------------------------------------------------------------------

/** Waits (at most `withinMs` of virtual time) until every trip's replicated log says it finished; fails naming each trip's state. */
function awaitTripsFinished(world: PhantomWorld, withinMs: number, before: string): void {
  const scenario = sagaStore(world);
  world.waitUntil(() => scenario.allFinished(), withinMs, () => `every trip to finish before checking ${before} (now ${scenario.describe()})`);
}

// Waits (at most the given time) until every trip's replicated log says it finished and no transaction holds locks, then reads the services' state from the store: a completed trip holds all four bookings, a compensated one holds none, no stock moved twice (stock = initial minus reserved units), each booking was committed with its idempotency record, and no trip is running or needs a person. The same check runs at the end of every scenario that booked trips.
Then('within {duration} every trip completed or was compensated, and nothing is half-done', function (this: PhantomWorld, withinMs: number) {
  const report = sagaStore(this).assertSettledAndWhole(withinMs);
  this.attachText('sagas over the store', `${report.completed} completed, ${report.compensated} compensated; ${report.undone} applied steps undone, ${report.voided} actions cancelled before they applied\n${sagaStore(this).describe()}`);
});

// Waits (at most 60 simulated seconds) until every trip's replicated log says it finished, then counts the trips it says completed and those it says were compensated.
Then('{int} trip(s) completed and {int} was/were compensated', function (this: PhantomWorld, completed: number, compensated: number) {
  const scenario = sagaStore(this);
  awaitTripsFinished(this, 60_000, 'how many completed');
  expect(scenario.countIn('completed'), `trips completed\n${scenario.describe()}`).to.equal(completed);
  expect(scenario.countIn('compensated'), `trips compensated\n${scenario.describe()}`).to.equal(compensated);
});

// Needs trips booked over the store ("When 2 trips are booked at once", say), usually after "Given the trips' step ... sends its service the command ...".
// Values: a step of the trip saga ("reserve seat", "reserve room", "charge card", "rent car"); any reason text.
// Waits (at most 30 simulated seconds) until every trip's replicated log says it finished, then checks that every trip booked ended compensated, its log naming the step as the one that failed and the reason exactly as given (the service's answer, or the orchestrator's own words for a timeout); a failure names each trip's log.
// Example: Then every trip was compensated because step "rent car" failed with "cars has no command constructor"
Then('every trip was compensated because step {string} failed with {string}', function (this: PhantomWorld, step: string, reason: string) {
  const scenario = sagaStore(this);
  expect(scenario.sagaIds, 'trips booked').to.not.be.empty;
  awaitTripsFinished(this, 30_000, `why step "${step}" failed`);
  for (const sagaId of scenario.sagaIds) {
    const status = scenario.system.status(sagaId);
    expect(status?.state, `${sagaId}'s state\n${scenario.describe()}`).to.equal('compensated');
    expect(status!.problems.find((problem) => problem.phase === 'action'), `${sagaId}'s failed step\n${scenario.describe()}`).to.include({ step, reason });
  }
});

// Waits (at most 30 simulated seconds) until every trip's replicated log says it finished, then checks that every shard whose leader crashed (the shards holding the service's keys for the first trip to reach the step) has a leader now, elected after the crash.
Then('the {string} service\'s shards elected new leaders during the trips', function (this: PhantomWorld, service: string) {
  const scenario = sagaStore(this);
  awaitTripsFinished(this, 30_000, `the leaders of ${service}'s shards`);
  const crash = scenario.crashes.find((planned) => planned.what.includes(`${service}'s shards`));
  expect(crash, `a crash of ${service}'s shard leaders (planned crashes: ${scenario.crashes.map((planned) => planned.what).join('; ') || 'none happened'})`).to.not.equal(undefined);
  const { reelected, not } = scenario.shardsReelectedAfter(crash!);
  expect(not, `shards of ${service} with no leader elected after the crash at ${crash!.atMs.toFixed(1)} ms (re-elected: ${reelected.join(', ') || 'none'})`).to.deep.equal([]);
});

// Waits (at most 30 simulated seconds) until every trip's replicated log says it finished, then checks the record: after the planned crash of the active orchestrator, another orchestrator took the lease within the given time and resumed the trips that had not finished.
Then('another orchestrator took over within {duration} and resumed the unfinished trips', function (this: PhantomWorld, withinMs: number) {
  const scenario = sagaStore(this);
  awaitTripsFinished(this, 30_000, 'the takeover');
  const crash = scenario.crashes.find((planned) => planned.what.startsWith('the active orchestrator'));
  expect(crash, 'the planned crash of the active orchestrator happened').to.not.equal(undefined);
  const takeover = scenario.takeovers.find((taken) => taken.atMs > crash!.atMs && !crash!.nodes.includes(taken.node));
  expect(takeover, `a takeover after the crash at ${crash!.atMs.toFixed(1)} ms (takeovers: ${JSON.stringify(scenario.takeovers)})`).to.not.equal(undefined);
  expect(takeover!.atMs - crash!.atMs, `ms from the crash to ${takeover!.node}'s takeover`).to.be.at.most(withinMs);
  expect(scenario.adoptedAfter(crash!.atMs), `trips ${takeover!.node} resumed`).to.be.greaterThan(0);
  this.attachText('takeover', `${crash!.what} at ${crash!.atMs.toFixed(1)} ms; ${takeover!.node} took the lease at epoch ${takeover!.epoch}, ${(takeover!.atMs - crash!.atMs).toFixed(1)} ms later, and resumed ${scenario.adoptedAfter(crash!.atMs)} unfinished trip(s)`);
});
