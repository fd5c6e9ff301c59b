import { Given, When } from '@cucumber/cucumber';
import type { PhantomWorld } from '../support/world';

// Glossary section: Time
// Capability: simulation
// Needs first: nothing. Virtual time: a scenario of minutes runs in milliseconds, and the same seed replays the same run.

// Fixes the scenario's seed (PHANTOM_SEED still wins, so a failing row can be replayed).
// Needs first: nothing, and it must come before any step that starts a node.
Given('the simulation seed is {int}', function (this: PhantomWorld, seed: number) {
  this.useSeed(seed);
});

// Lets virtual time advance: messages are delivered and timers fire as they would.
When('{duration} pass(es)', function (this: PhantomWorld, durationMs: number) {
  this.sim.runFor(durationMs);
});
