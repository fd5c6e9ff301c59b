import { Then } from '@cucumber/cucumber';
import { expect } from 'chai';
import { quiescence } from '../support/quiescence-scenario';
import type { PhantomWorld } from '../support/world';

// Glossary section: Quiescence
// Capability: consensus
// Needs first: a replicated group, started by "Given a replicated group of 3 nodes".
// Idle Raft groups go quiet: no heartbeats, no election timers, until traffic or a suspicion from cluster membership wakes them.

// Waits until the group is idle and quiet: every running member has committed the leader's whole log and stopped its heartbeat and election timers (CockroachDB range quiescence).
Then('within {duration} the group goes quiet', function (this: PhantomWorld, withinMs: number) {
  const scenario = quiescence(this);
  this.waitUntil(() => scenario.isQuiet(), withinMs, () => `the group to go quiet (still awake: ${scenario.awakeMembers().join(', ') || 'none'})`);
});

// Waits (at most 2 simulated seconds) until the group is quiet, then for exactly the given time (it advances virtual time by that much), and checks that no replica sent a single consensus message meanwhile and that every member is still quiet.
Then('the group stays quiet for {duration}', function (this: PhantomWorld, durationMs: number) {
  const scenario = quiescence(this);
  this.waitUntil(() => scenario.isQuiet(), 2_000, () => `the group to go quiet before it is watched for ${durationMs} ms (still awake: ${scenario.awakeMembers().join(', ') || 'none'})`);
  const sentBefore = scenario.consensusMessagesSent();
  this.sim.runFor(durationMs);
  const sent = scenario.consensusMessagesSent() - sentBefore;
  expect(sent, `consensus messages sent in ${durationMs} ms (${scenario.describe()})`).to.equal(0);
  expect(scenario.isQuiet(), `every member quiet after ${durationMs} ms (${scenario.describe()})`).to.equal(true);
});
