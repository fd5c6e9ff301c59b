import { Then } from '@cucumber/cucumber';
import { expect } from 'chai';
import type { PhantomWorld } from '../support/world';

// Glossary section: Coalesced heartbeats
// Capability: consensus
// Needs first: a running store ("Given a running cluster of 3 nodes storing data in 6 shards with 3 replicas each") and traffic to it.
// A node ticks every Raft group it hosts on one timer, and the heartbeats it sends a peer for all the groups it leads leave on the same ticks, as one message; the answers come back as one (CockroachDB's coalesced heartbeats).

// Reads the network's counters for the whole run so far: of the messages that carried heartbeats or their answers, the share that carried one group's alone (a round a leader starts between ticks, for a read or a wake-up, goes alone). Instant. Example: Then at most 50% of the heartbeat messages carried a single group's heartbeat
Then('at most {percentage} of the heartbeat messages carried a single group\'s heartbeat', function (this: PhantomWorld, percentage: number) {
  const sent = (type: string): number => this.sim.network.typeCounters.get(type)?.sent ?? 0;
  const single = sent('raft.heartbeat') + sent('raft.heartbeat-response');
  const coalesced = sent('raft.heartbeats');
  const report = `${single} messages carried one group's heartbeat or answer, ${coalesced} carried many groups' together`;
  this.attachText('heartbeat messages', report);
  expect(single + coalesced, `heartbeat messages in the run (${report})`).to.be.greaterThan(0);
  expect(single / (single + coalesced), `share of heartbeat messages that carried a single group's (${report})`).to.be.at.most(percentage);
});
