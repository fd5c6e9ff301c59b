import { Then, When } from '@cucumber/cucumber';
import { expect } from 'chai';
import type { PhantomWorld } from '../support/world';
import { consensus } from '../support/consensus-scenario';
import { security } from '../support/security-scenario';

// ---- nodes cannot be impersonated ------------------------------------------------------

// Needs a replicated group with a leader ("a replicated group of 3 nodes" and "the group has a leader").
// A process that was never admitted to the cluster, but knows the protocol, spends 1 second trying to take
// the group over: it asks every replica to vote for it in a far higher term, sends writes of the value as a
// self-made leader (and as the real leader, by forging the sender), tells followers to start elections, and
// asks the leader to lock the key for a transaction and record it committed.
// Example: When a process that was never admitted tries to take over the group and write "stolen" to "balance"
When('a process that was never admitted tries to take over the group and write {string} to {string}', function (this: PhantomWorld, value: string, key: string) {
  security(this).rogueAttack(key, value);
});

// Compares every replica with what it was just before the takeover attempt: the same term, and a state
// machine with the same contents (keys, sessions, transactions). Needs "a process that was never admitted ..." first.
// Example: Then no replica's term or data changed
Then("no replica's term or data changed", function (this: PhantomWorld) {
  security(this).assertNothingChanged();
});

// Every message the intruder sent was dropped by the node that received it, before any protocol saw it, and
// counted there (the counts are attached to the report). Needs "a process that was never admitted ..." first.
// Example: Then every message of the intruder was dropped and counted
Then('every message of the intruder was dropped and counted', function (this: PhantomWorld) {
  security(this).assertRogueDropped();
});

// Needs a replicated group with a leader. The replica leaves the cluster (it says goodbye to the membership),
// but its process keeps running and its replica calls an election every 100 ms for the duration.
// Accepts "the follower" (chosen earlier), "a follower" or a node name.
// Example: When a follower leaves the cluster but keeps calling elections for 3 seconds
When('{group role} leaves the cluster but keeps calling elections for {duration}', function (this: PhantomWorld, role: string, durationMs: number) {
  const node = consensus(this).resolve(role as never);
  security(this).leaveAndKeepCampaigning(node, durationMs);
});

// Needs a replicated group with a leader; typically the replica was removed from the group while cut off, so
// it never learned of its removal. Its replica calls an election every 100 ms for the duration.
// Example: When the follower keeps calling elections for 3 seconds
When('{group role} keeps calling elections for {duration}', function (this: PhantomWorld, role: string, durationMs: number) {
  security(this).keepCampaigning(consensus(this).resolve(role as never), durationMs);
});

// The replicas other than the named one are in the same term as before it started calling elections.
// Example: Then no replica other than the follower raised its term
Then("no replica other than {group role} raised its term", function (this: PhantomWorld, role: string) {
  security(this).assertTermsUnchanged([consensus(this).resolve(role as never)]);
});

// The other nodes dropped the departed node's messages at their boundary and counted them (at least one per
// election it called). Needs "... leaves the cluster but keeps calling elections ..." first.
// Example: Then the departed node's messages were dropped and counted
Then("the departed node's messages were dropped and counted", function (this: PhantomWorld) {
  const dropped = security(this).assertDepartedDropped();
  expect(dropped, `messages from ${security(this).departedNode} dropped at other nodes' boundaries`).to.be.greaterThan(0);
});
