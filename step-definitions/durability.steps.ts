import { Then, When } from '@cucumber/cucumber';
import { consensus } from '../support/consensus-scenario';
import type { PhantomWorld } from '../support/world';

/** Bound for a vote to be asked for and answered once an election has been called. */
const VOTE_BOUND_MS = 1_000;

// Glossary section: Durability
// Capability: consensus
// Needs first: a replicated group, started by "Given a replicated group of 3 nodes" (or "... whose replicas start with these logs:").
// What a replica promised (a vote, an acknowledged entry) must survive its crash.

// ---- durability points: what a replica promised must survive its crash ----------------------

// Comes after "{node} calls an election" for the second node, in a replicated group. Runs the
// simulation until the first node's answer granting its vote to the candidate leaves the
// node (at most 1 second), then crashes the first node at that same instant: only what it
// had synced to disk survives. Fails if no answer leaves within the bound, or if the answer
// did not grant the vote. Both names are nodes of the group (node-1, node-2, ...).
When('{node} crashes right after granting its vote to {node}', function (this: PhantomWorld, voter: string, candidate: string) {
  const scenario = consensus(this);
  const voterNode = this.node(voter);
  this.node(candidate);
  let answered = false;
  const stop = this.sim.trace.subscribe((event) => {
    if (event.kind === 'net.send' && event.node === voter && event.peer === candidate && event.messageType === 'raft.vote-response') answered = true;
  });
  try {
    this.sim.runUntil(() => answered, { withinMs: VOTE_BOUND_MS, waitingFor: `${voter} to answer ${candidate}'s request for its vote`, pollMs: 0 });
  } finally {
    stop();
  }
  const status = scenario.status(voter);
  if (status.votedFor !== candidate) {
    throw new Error(`In step "${this.currentStep}": ${voter} answered ${candidate} without granting its vote (term ${status.term}, voted for ${status.votedFor ?? 'nobody'})`);
  }
  voterNode.crash();
});

// Election Safety (Raft Figure 3), read from the record of every leader the group had over the
// whole scenario: no term had two different leaders. Needs a replicated group; attaches the
// record (term, leader, time). Instant: it reads the recorded history, so it needs no wait and no other Then-step.
Then('no two replicas were ever elected leader in the same term', function (this: PhantomWorld) {
  const elections = this.cluster.database.elections(consensus(this).groupId);
  this.attachText('leaders by term', elections.map((election) => `term ${election.term}: ${election.node} at ${election.atMs.toFixed(1)} ms`).join('\n'));
  const leaderOfTerm = new Map<number, string>();
  for (const election of elections) {
    const other = leaderOfTerm.get(election.term);
    if (other !== undefined && other !== election.node) throw new Error(`two leaders were elected in term ${election.term}: ${other} and ${election.node}`);
    leaderOfTerm.set(election.term, election.node);
  }
});
