import { Then } from '@cucumber/cucumber';
import { sweepSeeds } from '../support/seed-sweep';
import type { PhantomWorld } from '../support/world';

// Glossary section: Seed sweeps
// Capability: simulation
// Needs first: nothing; the doc string holds a whole scenario, which starts its own cluster for every seed.

// Waits until every seed ran (each seed's own steps bound their waits). Seed sweeps: runs the steps in the doc string once for every seed of the range (at most 1000 per step), each seed in a fresh simulation with the same final oracles and clean-up checks as a scenario, and fails listing every failing seed with its first error lines and its replay command (PHANTOM_SEED=<seed> with this scenario's file and line; with PHANTOM_SEED set, only that seed runs, with full attachments). The doc string holds one step per line, starting with Given, When, Then, And or But; a table's rows follow their step. Example: "Then every seed from 1 to 50 passes these steps:" followed by a doc string with "Given a running cluster of 5 nodes storing data in 3 shards with 3 replicas each" and the rest of a chaos scenario.
Then('every seed from {int} to {int} passes these steps:', function (this: PhantomWorld, first: number, last: number, steps: string) {
  sweepSeeds(this, first, last, steps);
});
