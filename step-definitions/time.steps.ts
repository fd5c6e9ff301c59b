import { Given, When } from '@cucumber/cucumber';
import type { PhantomWorld } from '../support/world';

// Fixes the scenario's seed (PHANTOM_SEED still wins, so a failing row can be replayed).
Given('the simulation seed is {int}', function (this: PhantomWorld, seed: number) {
  this.useSeed(seed);
});

// Lets virtual time advance: messages are delivered and timers fire as they would.
When('{duration} pass(es)', function (this: PhantomWorld, durationMs: number) {
  this.sim.runFor(durationMs);
});
