import { DataTable, Given, Then, When } from '@cucumber/cucumber';
import { expect } from 'chai';
import type { PhantomWorld } from '../support/world';

// Power loss: the process stops at once; only what it had synced to disk survives.
When('{node} crashes', function (this: PhantomWorld, node: string) {
  this.node(node).crash();
});

// A node that is already down when the scenario's action starts.
Given('{node} has crashed', function (this: PhantomWorld, node: string) {
  this.node(node).crash();
});

// The node's process starts again from what its disk kept.
When('{node} restarts', function (this: PhantomWorld, node: string) {
  this.node(node).restart();
});

// The process freezes (a long GC pause, SIGSTOP): it hears nothing and does nothing.
When('{node} is paused', function (this: PhantomWorld, node: string) {
  this.node(node).pause();
});

// The frozen process carries on; what arrived meanwhile is delivered now.
When('{node} is resumed', function (this: PhantomWorld, node: string) {
  this.node(node).resume();
});

// Cuts the node off from every other node, both ways.
When('{node} is cut off from the others', function (this: PhantomWorld, node: string) {
  this.node(node);
  this.sim.network.isolate(node);
});

// Splits the network into groups (one row per group; column "nodes"); nodes in different groups cannot talk.
When('the network is split into these groups:', function (this: PhantomWorld, table: DataTable) {
  const groups = table.hashes().map((row) => row.nodes.split(/, | and /).map((id) => this.node(id).id));
  this.sim.network.partition(groups);
});

// Messages from the first node to the second are lost; the other direction still works.
When('messages from {node} to {node} are lost', function (this: PhantomWorld, from: string, to: string) {
  this.sim.network.cutOneWay(this.node(from).id, this.node(to).id);
});

// Removes every partition and cut.
When('the network heals', function (this: PhantomWorld) {
  this.sim.network.heal();
});

// Every message is lost with this probability, independently.
Given('{percentage} of messages are lost', function (this: PhantomWorld, probability: number) {
  this.sim.network.setFaults({ lossProbability: probability });
});

// Every message is delivered twice with this probability.
Given('{percentage} of messages are duplicated', function (this: PhantomWorld, probability: number) {
  this.sim.network.setFaults({ duplicateProbability: probability });
});

// One-way message latency, drawn uniformly between the two bounds for each message.
Given('network latency between {duration} and {duration}', function (this: PhantomWorld, minMs: number, maxMs: number) {
  this.sim.network.setDefaultLatency({ kind: 'uniform', minMs, maxMs });
});

// Sets a node's clock ahead of true time.
When("{node}'s clock jumps {duration} ahead", function (this: PhantomWorld, node: string, offsetMs: number) {
  this.node(node).setClock(offsetMs);
});

// Sets a node's clock behind true time.
When("{node}'s clock falls {duration} behind", function (this: PhantomWorld, node: string, offsetMs: number) {
  this.node(node).setClock(-offsetMs);
});

// An operator asks for a fault on a node; a refusal is kept for the next step to check.
When('an operator tries to {word} {node}', function (this: PhantomWorld, action: string, node: string) {
  const target = this.node(node);
  const actions: Record<string, () => void> = {
    pause: () => target.pause(),
    resume: () => target.resume(),
    crash: () => target.crash(),
  };
  const act = actions[action];
  if (!act) throw new Error(`In step "${this.currentStep}": cannot ${action} a node. Accepted: ${Object.keys(actions).join(', ')}`);
  this.attempt(act);
});

// The operator's last request was refused with this explanation.
Then('the operator is told {string}', function (this: PhantomWorld, message: string) {
  const error = this.takeError();
  expect(error?.message ?? 'no refusal at all').to.equal(message);
});
