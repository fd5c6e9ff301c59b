import { DataTable, Given, Then, When } from '@cucumber/cucumber';
import { expect } from 'chai';
import type { OPERATOR_ACTIONS } from '../support/parameters';
import type { PhantomWorld } from '../support/world';

type OperatorAction = (typeof OPERATOR_ACTIONS)[number];

// Glossary section: Faults
// Capability: simulation
// Needs first: the nodes they act on, started by "Given a running cluster of 3 nodes", "Given a replicated group of 3 nodes", "Given a running cluster of 5 nodes storing data in 3 shards with 3 replicas each" or "Given an elastic cluster of ..." (whose server nodes are node-1, node-2, ...). A node that was never started fails naming the known nodes.
// Crashes, pauses, partitions, message loss and clock jumps, on nodes named node-1, node-2, ...

// ---- nodes ---------------------------------------------------------------------------------

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

// ---- the network ---------------------------------------------------------------------------
// Needs first: the nodes named, started by a cluster, group or store step. The message loss, duplication and latency steps need nothing first and may come before the nodes start.

// Splits the network into groups, one row per group; nodes in different groups cannot talk. Nodes named in no row (clients among them) form one more group together: they reach each other and no node of any row. Lasts until "the network heals".
// Columns: nodes (required): the group's nodes, separated by ", " and " and ", e.g. "node-1, node-2 and node-3".
// | nodes                     |
// | node-1, node-2 and node-3 |
// | node-4 and node-5         |
When('the network is split into these groups:', function (this: PhantomWorld, table: DataTable) {
  const groups = table.hashes().map((row, index) => {
    if (!row.nodes) throw new Error(`In step "${this.currentStep}", row ${index + 1}: the column "nodes" is missing or empty; accepted: nodes separated by ", " and " and "`);
    return row.nodes.split(/, and |, | and /).map((id) => this.node(id.trim()).id);
  });
  this.sim.network.partition(groups);
});

// Messages from the first node to the second are lost from now on, those already on their way included; the other
// direction still works. Ends with "the network heals". To make a node unheard by all, one such step per other node.
// Example: When messages from node-5 to node-1 are lost
When('messages from {node} to {node} are lost', function (this: PhantomWorld, from: string, to: string) {
  this.sim.network.cutOneWay(this.node(from).id, this.node(to).id);
});

// Removes every partition and cut.
When('the network heals', function (this: PhantomWorld) {
  this.sim.network.heal();
});

// Every message is lost with this probability, independently, from now on.
// Needs first: nothing.
Given('{percentage} of messages are lost', function (this: PhantomWorld, probability: number) {
  this.sim.network.setFaults({ lossProbability: probability });
});

// Every message is delivered twice with this probability, from now on.
// Needs first: nothing.
Given('{percentage} of messages are duplicated', function (this: PhantomWorld, probability: number) {
  this.sim.network.setFaults({ duplicateProbability: probability });
});

// One-way message latency, drawn uniformly between the two bounds for each message.
// Needs first: nothing.
Given('network latency between {duration} and {duration}', function (this: PhantomWorld, minMs: number, maxMs: number) {
  this.sim.network.setDefaultLatency({ kind: 'uniform', minMs, maxMs });
});

// ---- clocks and operators --------------------------------------------------------------------

// Sets a node's clock ahead of true time.
When("{node}'s clock jumps {duration} ahead", function (this: PhantomWorld, node: string, offsetMs: number) {
  this.node(node).setClock(offsetMs);
});

// Sets a node's clock behind true time.
When("{node}'s clock falls {duration} behind", function (this: PhantomWorld, node: string, offsetMs: number) {
  this.node(node).setClock(-offsetMs);
});

// An operator asks for a fault on a node; a refusal (the node's state does not allow it) is kept for "the operator is told" to check. A restart always succeeds: it crashes a running node first.
When('an operator tries to {operator action} {node}', function (this: PhantomWorld, action: OperatorAction, node: string) {
  const target = this.node(node);
  const actions: Record<OperatorAction, () => void> = {
    pause: () => target.pause(),
    resume: () => target.resume(),
    crash: () => target.crash(),
    restart: () => target.restart(),
  };
  this.attempt(actions[action]);
});

// Instant: the operator's last request was refused with exactly this explanation ("no refusal at all" if it was not refused).
// Needs first: "When an operator tries to pause node-2" (or resume, crash, restart).
// Values: "node node-2 cannot pause: it is paused" (or crashed, stopped); "node node-2 cannot resume: it is running" (or crashed, stopped); "node node-2 is not running (it is crashed)" (or stopped) for a crash of a node that is down.
Then('the operator is told {string}', function (this: PhantomWorld, message: string) {
  const error = this.takeError();
  expect(error?.message ?? 'no refusal at all').to.equal(message);
});
