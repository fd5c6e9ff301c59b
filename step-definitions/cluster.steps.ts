import { DataTable, Given, Then, When } from '@cucumber/cucumber';
import { expect } from 'chai';
import type { NodeMetadata } from '../src/cluster';
import type { PhantomWorld } from '../support/world';

/** Bound for a freshly started cluster to agree on its membership (see README, "Membership bounds"). */
const AGREEMENT_BOUND_MS = 10_000;

function nodeNames(count: number): string[] {
  return Array.from({ length: count }, (_, index) => `node-${index + 1}`);
}

/** Starts nodes that join through the first one, then waits for one agreed view. */
function startCluster(world: PhantomWorld, nodes: { id: string; metadata?: Partial<NodeMetadata> }[]): void {
  const founder = nodes[0].id;
  for (const { id, metadata } of nodes) world.cluster.addNode(id, { seeds: id === founder ? [] : [founder], metadata });
  world.waitUntil(
    () => world.cluster.liveMembers().length === nodes.length && world.cluster.agreement(),
    AGREEMENT_BOUND_MS,
    `all ${nodes.length} nodes to join and agree on the membership`,
  );
}

function metadataFrom(row: Record<string, string>): Partial<NodeMetadata> {
  const metadata: { region?: string; zone?: string; capacity?: number } = {};
  if (row.region) metadata.region = row.region;
  if (row.zone) metadata.zone = row.zone;
  if (row.capacity) {
    metadata.capacity = Number(row.capacity);
    if (!(metadata.capacity > 0)) throw new Error(`capacity must be a positive number, got ${JSON.stringify(row.capacity)}`);
  }
  return metadata;
}

// Glossary section: Cluster membership
// Capability: cluster
// Needs first: a running cluster, started by "Given a running cluster of 3 nodes" (or one of the other "Given a running cluster ..." steps).
// Nodes join through seeds, watch each other (alive, suspect, dead, left) and agree on who is a member. Nodes are named node-1, node-2, ...

// ---- starting a cluster -----------------------------------------------------------------------
// Needs first: nothing ("Given a cluster named ..." must come before the step that starts the nodes).

// Sets the name and join token a node must present to join the cluster (default: "phantom" and "phantom-join-token").
Given('a cluster named {string} with join token {string}', function (this: PhantomWorld, clusterName: string, joinToken: string) {
  if (this.hasCluster) throw new Error('the cluster name and token must be set before any node starts');
  this.credentials = { clusterName, joinToken };
});

// Starts node-1 … node-N; each joins through node-1. Waits (at most 10 s) until all agree on the membership.
Given('a running cluster of {int} nodes', function (this: PhantomWorld, count: number) {
  startCluster(this, nodeNames(count).map((id) => ({ id })));
});

// Starts the named nodes; each joins through the first one. Waits (at most 10 s) until all agree on the membership.
Given('a running cluster of {nodes}', function (this: PhantomWorld, nodes: string[]) {
  startCluster(this, nodes.map((id) => ({ id })));
});

// Starts the nodes of the table; each joins through the first. Waits (at most 10 s) until all agree on the membership.
// Columns: node (required): a node name, e.g. node-1; region (optional): lower case with dashes, default "default"; zone (optional): any name, default "default"; capacity (optional): a number above 0, default 1.
// | node   | region  | zone | capacity |
// | node-1 | us-east | a    | 2        |
// | node-2 | us-east | b    | 1        |
// | node-3 | eu-west | a    | 1        |
Given('a running cluster with these nodes:', function (this: PhantomWorld, table: DataTable) {
  startCluster(this, table.hashes().map((row) => ({ id: row.node, metadata: metadataFrom(row) })));
});

// ---- joining and leaving -----------------------------------------------------------------------

// Starts a node that joins through the given seeds, tried in order; does not wait (follow with "within ... every live node sees node-4 as alive").
When('{node} joins through {nodes}', function (this: PhantomWorld, node: string, seeds: string[]) {
  this.cluster.addNode(node, { seeds });
});

// Starts a node with placement metadata that joins through the seeds; does not wait. The table has no header row: one row per property.
// Columns: first column the property, second its value; region (optional): lower case with dashes; zone (optional): any name; capacity (optional): a number above 0.
// | region   | eu-west |
// | zone     | b       |
// | capacity | 2       |
When('{node} joins through {nodes} with:', function (this: PhantomWorld, node: string, seeds: string[], table: DataTable) {
  this.cluster.addNode(node, { seeds, metadata: metadataFrom(table.rowsHash()) });
});

// Starts a node that presents the given cluster name and join token; does not wait (follow with "Then node-4 is rejected because ..." or a "within" step).
When(
  '{node} tries to join through {node} with cluster name {string} and join token {string}',
  function (this: PhantomWorld, node: string, seed: string, clusterName: string, joinToken: string) {
    this.cluster.addNode(node, { seeds: [seed], credentials: { clusterName, joinToken } });
  },
);

// A different machine, with an empty disk, starts under the name of an existing node; does not wait.
When('a new machine with an empty disk starts as {node}', function (this: PhantomWorld, node: string) {
  this.node(node);
  this.cluster.replaceMachine(node);
});

// Graceful departure: the node says goodbye before it stops; does not wait.
When('{node} leaves the cluster', function (this: PhantomWorld, node: string) {
  const member = this.cluster.member(node);
  if (!member) throw new Error(`${node} is not running, so it cannot leave`);
  member.leave();
});

// Waits (at most 10 s: the join retry budget is 12 attempts of 0.5 s) for the join to be refused, and checks the reason given.
Then('{node} is rejected because {join rejection}', function (this: PhantomWorld, node: string, reason: string) {
  this.node(node);
  this.waitUntil(() => this.cluster.member(node)?.rejection() !== undefined, 10_000, `${node} to be turned away`);
  const rejection = this.cluster.member(node)!.rejection()!;
  this.attachText(`${node} was told`, `${rejection.reason}: ${rejection.message}`);
  expect(rejection.reason, rejection.message).to.equal(reason);
});

// ---- membership views -----------------------------------------------------------------------

// Instant: no live member has the node in its membership list, in any state. Put it after a step that waited, e.g. "Then node-4 is rejected because ...".
Then('no node lists {node} as a member', function (this: PhantomWorld, node: string) {
  const listing = this.cluster.liveMembers().filter((member) => member.id !== node && member.stateOf(node) !== undefined);
  expect(listing.map((member) => member.id), `members that list ${node}`).to.deep.equal([]);
});

// Waits until every other live member holds the node in the given state.
Then('within {duration} every live node sees {node} as {member state}', function (this: PhantomWorld, withinMs: number, node: string, state: string) {
  this.node(node);
  this.waitUntil(() => this.cluster.everyLiveMemberSees(node, state), withinMs, `every live node to see ${node} as ${state}`);
});

// Waits until each of the given nodes holds the node in the given state.
Then('within {duration} {nodes} see {node} as {member state}', function (this: PhantomWorld, withinMs: number, observers: string[], node: string, state: string) {
  observers.forEach((observer) => this.node(observer));
  const allSee = (): boolean => observers.every((observer) => this.cluster.member(observer)?.stateOf(node) === state);
  this.waitUntil(allSee, withinMs, `${observers.join(', ')} to see ${node} as ${state}`);
});

// Waits until at least one other live member suspects the node.
Then('within {duration} some live node suspects {node}', function (this: PhantomWorld, withinMs: number, node: string) {
  this.node(node);
  const suspects = (): boolean => this.cluster.liveMembers().some((member) => member.id !== node && member.stateOf(node) === 'suspect');
  this.waitUntil(suspects, withinMs, `some live node to suspect ${node}`);
});

// Waits until every live member holds the same members in the same states; then compares their whole views once more, so the answer never rests on the kept summaries the wait polls alone.
Then('within {duration} all live nodes agree on the membership', function (this: PhantomWorld, withinMs: number) {
  this.waitUntil(() => this.cluster.agreement(), withinMs, () => `all live nodes to agree on the membership (now: ${this.cluster.disagreements().join('; ')})`);
  expect(this.cluster.disagreements(), 'disagreements between live views once the wait ended').to.deep.equal([]);
});

// Instant: every live member holds the same view at this moment. To wait for it, use "within {duration} all live nodes agree on the membership".
Then('all live nodes agree on the membership', function (this: PhantomWorld) {
  expect(this.cluster.disagreements(), 'disagreements between live views').to.deep.equal([]);
  expect(this.cluster.agreement()).to.equal(true);
});

// Instant: over the whole scenario so far, no member declared a running node dead.
Then('no live node was ever declared dead', function (this: PhantomWorld) {
  const falseDeaths = this.cluster.deaths.filter((death) => death.memberWasRunning);
  expect(falseDeaths.map((d) => `${d.observer} declared ${d.member} dead at ${d.atMs} ms`)).to.deep.equal([]);
});

// Instant: over the whole scenario so far, nobody declared this node dead.
Then('no node ever declared {node} dead', function (this: PhantomWorld, node: string) {
  const deaths = this.cluster.deaths.filter((death) => death.member === node);
  expect(deaths.map((d) => `${d.observer} at ${d.atMs} ms`), `declarations that ${node} is dead`).to.deep.equal([]);
});

// ---- the status report --------------------------------------------------------------------------

/** How long the status-report steps wait for the report to say what they check: the longest bound the membership features give a view to settle (a partition's heal). */
const STATUS_SETTLE_MS = 15_000;

/**
 * Waits (at most STATUS_SETTLE_MS) until `mismatch` finds nothing to report; fails naming
 * what it waited for, the last mismatch and the status report at the time-out.
 */
function awaitStatus(world: PhantomWorld, what: string, mismatch: () => string | undefined): void {
  try {
    world.waitUntil(() => mismatch() === undefined, STATUS_SETTLE_MS, what);
  } catch (error) {
    throw new Error(`In step "${world.currentStep}": waited (at most ${STATUS_SETTLE_MS / 1000} s) for ${what}, but at the time-out ${mismatch()}\n${world.cluster.statusTable()}\n${(error as Error).message}`);
  }
}

// Needs a running cluster ("Given a running cluster of 5 nodes", or nodes started one by one).
// Example: Then the status report lists 4 nodes, 3 of them alive
// Waits (at most 15 simulated seconds) until the status report lists this many nodes, this many of them alive; the report lists every node live members know of (departed ones included). On a time-out it names both counts and shows the report.
Then('the status report lists {int} nodes, {int} of them alive', function (this: PhantomWorld, size: number, alive: number) {
  const counts = (): { listed: number; alive: number } => {
    const status = this.cluster.status();
    return { listed: status.size, alive: status.counts.alive };
  };
  awaitStatus(this, `the status report to list ${size} nodes, ${alive} of them alive`, () => {
    const now = counts();
    return now.listed === size && now.alive === alive ? undefined : `it lists ${now.listed} nodes, ${now.alive} of them alive`;
  });
  expect(counts()).to.deep.equal({ listed: size, alive });
});

// Needs a running cluster ("Given a running cluster of 5 nodes", or nodes started one by one).
// Waits (at most 15 simulated seconds) until the status report agrees with the table, row by row; only the columns given are compared. On a time-out it names the first cell that differs and shows the report.
// Columns: node (required): a node of the report; state (optional): alive, suspect, dead or left; region, zone (optional): as the node was started with, "default" if none; capacity (optional): a number; incarnation (optional): a whole number; observerCount (optional): how many live members list it. Any other column fails naming the accepted ones.
// | node   | state | region  | zone | capacity |
// | node-1 | alive | us-east | a    | 2        |
// | node-3 | dead  | eu-west | a    | 1        |
Then('the status report shows:', function (this: PhantomWorld, table: DataTable) {
  const accepted = ['node', 'state', 'region', 'zone', 'capacity', 'incarnation', 'observerCount'];
  const unknown = table.raw()[0].filter((column) => !accepted.includes(column));
  if (unknown.length > 0) throw new Error(`In step "${this.currentStep}": unknown column(s) ${unknown.join(', ')}. Accepted columns: ${accepted.join(', ')} (node is required)`);
  const firstDifference = (): string | undefined => {
    const status = this.cluster.status();
    for (const row of table.hashes()) {
      const entry = status.nodes.find((candidate) => candidate.id === row.node);
      if (entry === undefined) return `the report has no row for ${row.node}`;
      for (const [column, expected] of Object.entries(row)) {
        const actual = String((entry as unknown as Record<string, unknown>)[column]);
        if (column !== 'node' && actual !== expected) return `${column} of ${row.node} is ${actual}, not ${expected}`;
      }
    }
    return undefined;
  };
  awaitStatus(this, 'the status report to show the table', firstDifference);
  this.attachText('status report', this.cluster.statusTable());
  expect(firstDifference(), 'the first cell of the table the status report differs from').to.equal(undefined);
});

// Remembers a node's incarnation now, for comparison after it restarts.
Given("{node}'s incarnation is noted", function (this: PhantomWorld, node: string) {
  this.remembered.set(`incarnation:${node}`, this.cluster.status().nodes.find((entry) => entry.id === node)!.incarnation);
});

// Waits until every other live member knows the node, alive, under a higher incarnation than the one noted.
Then('within {duration} every live node knows {node} under a higher incarnation than before', function (this: PhantomWorld, withinMs: number, node: string) {
  const before = this.remembered.get(`incarnation:${node}`);
  if (typeof before !== 'number') throw new Error(`In step "${this.currentStep}": no incarnation of ${node} was noted earlier`);
  const newer = (): boolean =>
    this.cluster.liveMembers().every((member) => {
      const view = member.view().members.find((entry) => entry.id === node);
      return member.id === node || (view !== undefined && view.state === 'alive' && view.incarnation > before);
    });
  this.waitUntil(newer, withinMs, `every live node to know ${node} as alive with an incarnation above ${before}`);
});
