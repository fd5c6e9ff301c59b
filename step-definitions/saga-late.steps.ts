import { Given, Then } from '@cucumber/cucumber';
import { sagaLateCommands } from '../support/saga-late-commands';
import type { PhantomWorld } from '../support/world';

// Glossary section: Sagas over the store: late commands
// Capability: transactions
// Needs first: the services, set up by "Given trip-booking services that keep their state in the store, with these stocks:", then "And 3 saga orchestrators, one of them active".
// Commands of a saga step that arrive at their service long after the orchestrator gave up on the step (their answers never came in time). Whatever the trip's log says happened must be what the services hold once those commands have arrived: a copy of an action arriving after its trip was undone takes nothing.

// Needs the services set up. From the first attempt of the step (by the first trip that reaches it) until an orchestrator gives up on the step, every command any orchestrator sends to the service arrives this much later than usual; commands sent afterwards (a cancellation, a request to settle the step) travel as usual. Check the outcome with "once the late commands have arrived, within ... nothing is half-done".
// Values: service: flights, hotels, cars or payments; step: reserve seat, reserve room, rent car or charge card (the step must be one the service does).
// Example: Given the commands for step "rent car" reach the "cars" service 20 s late until an orchestrator gives up on the step
Given('the commands for step {string} reach the {string} service {duration} late until an orchestrator gives up on the step', function (this: PhantomWorld, step: string, service: string, lateMs: number) {
  sagaLateCommands(this).delayUntilGivenUp(service, step, lateMs);
});

// Needs the services set up, and comes before the orchestrators start. A trip's step that fails without an answer from its service is not cancelled: the orchestrator first asks the service to settle the step's last command for good (if it applied, the step completed after all; if not, it never will), and then undoes only the steps before it.
// Example: Given trips settle a step that got no answer by asking its service to settle it, instead of cancelling it
Given('trips settle a step that got no answer by asking its service to settle it, instead of cancelling it', function (this: PhantomWorld) {
  sagaLateCommands(this).settleFailedStepsByFence();
});

// Needs first: "Given the commands for step ... reach the ... service ... late" and the trips that run into it.
// Waits (at most the given time) until a trip has reached the step, every command made late by "the commands for step ... reach the ... service ... late" has arrived and every transaction ended (the trips finished), then reads the services' state from the store as "within ... every trip completed or was compensated, and nothing is half-done" does: a compensated trip holds no booking, a completed one all four, no stock moved twice.
Then('once the late commands have arrived, within {duration} nothing is half-done', function (this: PhantomWorld, withinMs: number) {
  sagaLateCommands(this).assertWholeAfterLateArrivals(withinMs);
});
