import { Then, When } from '@cucumber/cucumber';
import { expect } from 'chai';
import type { FaultKind } from '../src/sim';
import { sagaChaos } from '../support/saga-chaos-scenario';
import type { PhantomWorld } from '../support/world';

// Glossary section: Sagas under chaos
// Capability: transactions
// Needs first: the saga, defined by "Given a trip-booking saga of these steps:" (no cluster or store is needed).
// Many trip bookings at once while a random fault schedule hurts the orchestrator and the services; the saga soak sweeps these steps over 1,000 seeds.

// Starts that many sagas (1 to 1000) at random times over the duration while a random fault schedule drawn from the seed crashes, pauses and cuts off the orchestrator and the services and loses, duplicates and delays their messages; a booking that finds the orchestrator down starts once it is back. Then every fault is healed. Example: "When 40 trips are booked over 20 seconds under random crashes, pauses, partitions, message loss and duplicated messages".
When('{int} trips are booked over {duration} under random {faults}', function (this: PhantomWorld, count: number, durationMs: number, faults: FaultKind[]) {
  sagaChaos(this).bookUnderFaults(count, durationMs, faults);
});

/** How long the Then-steps that judge ended sagas wait for every booking to end, whichever of them runs first. */
const SAGAS_END_WAIT_MS = 30_000;

// Waits (at most the given time) until every booking has started and every saga has ended: completed, compensated or needing attention. Fails naming the sagas still running. Needs first: "When 40 trips are booked over 20 seconds under random ...". Example: "Then within 30 seconds every trip booking has ended".
Then('within {duration} every trip booking has ended', function (this: PhantomWorld, withinMs: number) {
  sagaChaos(this).awaitFinished(withinMs);
});

// Waits (at most 30 simulated seconds) until every booking has ended, so it does not depend on "Then within 30 seconds every trip booking has ended" running first; then, for every saga and step, the step's effect stands at its service (its action applied, its compensation not) exactly when the saga's log says the step completed and was not undone; no command was applied twice. A command applied whose answer was lost, while the log says it failed, fails this step naming the saga, step and service. Needs first: "When 40 trips are booked over 20 seconds under random ...". Example: "Then what every service applied matches how each saga ended".
Then('what every service applied matches how each saga ended', function (this: PhantomWorld) {
  sagaChaos(this).awaitEnded(SAGAS_END_WAIT_MS);
  const problems = sagaChaos(this).mismatches();
  expect(problems, `services and saga logs disagree:\n${problems.slice(0, 10).join('\n')}`).to.deep.equal([]);
});

// Waits (at most 30 simulated seconds) until every booking has ended; then a floor on sagas that completed every step during the faults, so that a run where nothing completed fails (how many complete depends on the fault schedule: a step's attempts give up while its service is cut off). Needs first: "When 40 trips are booked over 20 seconds under random ...". Example: "Then at least 1 of the trips was booked completely".
Then('at least {int} of the trips was/were booked completely', function (this: PhantomWorld, least: number) {
  sagaChaos(this).awaitEnded(SAGAS_END_WAIT_MS);
  const counts = sagaChaos(this).counts();
  expect(counts.completed, `completed sagas (${JSON.stringify(counts)})`).to.be.at.least(least);
});

// Waits (at most the given time): one more trip, booked now that every fault has healed, completes every step. Needs first: "When 40 trips are booked over 20 seconds under random ...". Example: "Then a trip booked after healing completes within 10 seconds".
Then('a trip booked after healing completes within {duration}', function (this: PhantomWorld, withinMs: number) {
  sagaChaos(this).bookOneAfterHealing(withinMs);
});

// Waits (at most the given time) until every booking has ended and the orchestrator runs; then the orchestrator must
// remember no request or fence: an attempt's requests are forgotten once it settles, answered or timed out, so a
// service that stops answering cannot grow the orchestrator's memory with each retry. Fails naming how many requests it
// still remembers. Needs first: "When 40 trips are booked over 20 seconds under random ...".
// Values: any duration (the bookings' own step waits 30 seconds).
// Example: Then within 30 seconds the orchestrator remembers no request of a saga that ended
Then('within {duration} the orchestrator remembers no request of a saga that ended', function (this: PhantomWorld, withinMs: number) {
  sagaChaos(this).assertNoRequestRemembered(withinMs);
});
