import { Then } from '@cucumber/cucumber';
import { expect } from 'chai';
import type { PhantomWorld } from '../support/world';

// Glossary section: Coalesced heartbeats
// Capability: consensus
// Needs first: a running store of several shards per node ("Given a running cluster of 3 nodes storing data in 6 shards with 3 replicas each") and writes to it ("When 6 users spend 3 seconds doing 0% reads, 100% writes and 0% transactions").
// A node ticks every Raft group it hosts on one timer, and the heartbeats it sends a peer for all the groups it leads leave on the same ticks, as one message; the answers come back as one (CockroachDB's coalesced heartbeats).

// Reads the network's counters for the whole run so far, the store's start and first elections included: of the messages that carried heartbeats or their answers, the share that carried one group's alone. A round a leader starts between ticks goes alone (a new term, a wake-up, and every read's confirmation, so reads raise the share); with one shard per node there is nothing to combine. Attaches "heartbeat messages" with both counts. Fails when no heartbeat was sent at all. Instant. Example: Then at most 50% of the heartbeat messages carried a single group's heartbeat
Then('at most {percentage} of the heartbeat messages carried a single group\'s heartbeat', function (this: PhantomWorld, percentage: number) {
  const sent = (type: string): number => this.sim.network.typeCounters.get(type)?.sent ?? 0;
  const single = sent('raft.heartbeat') + sent('raft.heartbeat-response');
  const coalesced = sent('raft.heartbeats');
  const report = `${single} messages carried one group's heartbeat or answer, ${coalesced} carried many groups' together`;
  this.attachText('heartbeat messages', report);
  expect(single + coalesced, `heartbeat messages in the run (${report})`).to.be.greaterThan(0);
  expect(single / (single + coalesced), `share of heartbeat messages that carried a single group's (${report})`).to.be.at.most(percentage);
});
