import { DataTable, Given, Then, When } from '@cucumber/cucumber';
import { expect } from 'chai';
import type { SeededLog } from '../src/api/database';
import { consensus, describeCommitRuleViolation, type GroupRole } from '../support/consensus-scenario';
import { parseLogTerms } from '../support/parameters';
import type { PhantomWorld } from '../support/world';

function nodeNames(count: number): string[] {
  return Array.from({ length: count }, (_, index) => `node-${index + 1}`);
}

/** Reads the table of "a replicated group whose replicas start with these logs:". */
function seededLogs(table: DataTable): Map<string, SeededLog> {
  return new Map(table.hashes().map((row) => {
    const terms = parseLogTerms(row['log terms'] ?? '');
    if (terms === null) throw new Error(`the log terms of ${row.node} must be whole numbers that never decrease, got ${JSON.stringify(row['log terms'])}`);
    return [row.node, { terms, currentTerm: Number(row['current term']) }];
  }));
}

// Glossary section: Consensus
// Capability: consensus
// Needs first: one replicated group, started by "Given a replicated group of 3 nodes" (or "... on node-1, node-2 and node-3"), and for most steps a leader: "Given the group has a leader". Consensus steps talk about exactly one group: do not combine them with a store of several shards.
// One Raft group: elections, log replication, reads, membership changes and leadership transfer. Replicas are named by node or by role ("the leader", "a follower", ...).

// ---- the group -----------------------------------------------------------------------------
// Needs first: nothing (the group steps start the nodes they need); "Given the leader sends at most ..." must come before the group.

// Starts node-1 … node-N (those not yet running) and one replicated group with a replica on each.
Given('a replicated group of {int} nodes', function (this: PhantomWorld, count: number) {
  consensus(this).start(nodeNames(count));
});

// Starts the named nodes (those not yet running) and one replicated group with a replica on each.
Given('a replicated group on {nodes}', function (this: PhantomWorld, nodes: string[]) {
  consensus(this).start(nodes);
});

// A replicated group whose replicas compact their logs into a snapshot after every N applied entries.
Given('a replicated group of {int} nodes that compacts its log every {int} entries', function (this: PhantomWorld, count: number, entries: number) {
  consensus(this).start(nodeNames(count), { snapshotThreshold: entries });
});

// The leader sends followers at most this many log entries per message.
// Needs first: nothing, and it must come before the step that starts the group.
Given('the leader sends at most {int} log entr(y)(ies) per message', function (this: PhantomWorld, entries: number) {
  consensus(this).limitEntriesPerMessage(entries);
});

// One replica per row; each starts from that term and log on its disk (entries of key "seeded", the same at the same index and term on every node), then the group runs.
// Columns: node (required): a node name, e.g. node-1; current term (required): a whole number, at least the last log term; log terms (required): the term of each entry from index 1 on, separated by spaces, never decreasing; empty for an empty log.
// | node   | current term | log terms   |
// | node-1 | 4            | 1 1 1 4     |
// | node-2 | 2            | 1 1 2       |
// | node-3 | 2            | 1 1         |
Given('a replicated group whose replicas start with these logs:', function (this: PhantomWorld, table: DataTable) {
  const logs = seededLogs(table);
  consensus(this).start([...logs.keys()], { seededLogs: logs });
});

// Waits (at most 5 s) until the group has a leader that every replica follows and that leader balancing keeps; notes it for "the leader did not change".
// Needs first: a replicated group.
Given('the group has a leader', function (this: PhantomWorld) {
  consensus(this).establishLeader();
});

// Waits (at most 5 s) for a leader, hands leadership to the node if another one leads, and waits (at most 1 s) until every replica follows it.
// Needs first: a replicated group that includes the node.
Given('the group is led by {node}', function (this: PhantomWorld, node: string) {
  consensus(this).establishLeaderOn(this.node(node).id);
});

// ---- elections -------------------------------------------------------------------------------
// Needs first: a replicated group ("Given a replicated group of 3 nodes").

// The replica starts an election now, as if it had not heard from a leader for an election timeout.
When('{node} calls an election', function (this: PhantomWorld, node: string) {
  this.cluster.database.campaign(consensus(this).groupId, this.node(node).id);
});

// Every replica starts an election at the same virtual instant, each asking for votes as a candidate at once (no pre-vote poll first: pre-candidates polling at once let the lowest id go on alone), so that the vote is likely split.
When('every replica calls an election at the same moment', function (this: PhantomWorld) {
  const scenario = consensus(this);
  for (const node of scenario.members()) this.cluster.database.campaign(scenario.groupId, node, { skipPreVote: true });
});

// Waits until one replica leads and every running replica follows it in its term.
Then('within {duration} the group elects a leader', function (this: PhantomWorld, withinMs: number) {
  const scenario = consensus(this);
  this.waitUntil(() => scenario.everyMemberFollowsLeader(), withinMs, 'the group to elect a leader that every replica follows');
});

/** How long "every replica follows the leader" needs one leader to keep its term, with every replica following it throughout. */
const STABLE_LEADERSHIP_MS = 500;

// Needs a replicated group ("Given a replicated group of 3 nodes").
// Example: Then every replica follows the leader
// Waits (at most 3 simulated seconds: an election, a transfer or a repair settling, then the half second) until the leadership is stable: one leader has kept its term for half a second, with every running replica following it throughout (checked at every event). On a time-out it names the leader and term it last saw and how long they held.
Then('every replica follows the leader', function (this: PhantomWorld) {
  const scenario = consensus(this);
  const termOf = (node: string): number | undefined => this.cluster.database.replica(scenario.groupId, node)?.status().term;
  let held: { leader: string; term: number | undefined; sinceMs: number } | undefined;
  const stable = (): boolean => {
    const leader = scenario.leader();
    if (leader === undefined || !scenario.everyMemberFollowsLeader()) {
      held = undefined;
      return false;
    }
    if (held === undefined || held.leader !== leader || held.term !== termOf(leader)) held = { leader, term: termOf(leader), sinceMs: this.sim.nowMs };
    return this.sim.nowMs - held.sinceMs >= STABLE_LEADERSHIP_MS;
  };
  this.waitUntil(stable, 3_000, () => `one leader, followed by every replica, to keep its term for ${STABLE_LEADERSHIP_MS} ms (${held === undefined ? 'now there is no leader that every replica follows' : `${held.leader} has led in term ${held.term}, followed by every replica, for ${this.sim.nowMs - held.sinceMs} ms`})`);
  this.attachText('replicas', scenario.statusTable());
  expect(scenario.everyMemberFollowsLeader(), `every replica to follow ${held?.leader}`).to.equal(true);
});

// Instant: the first leader was elected in a later term than the first election, so some election had no winner.
// Needs first: an election that has ended, e.g. "Then within 5 seconds the group elects a leader".
Then('at least one election ended without a winner', function (this: PhantomWorld) {
  const elections = this.cluster.database.elections(consensus(this).groupId);
  this.attachText('elections', elections.map((election) => `term ${election.term}: ${election.node} at ${election.atMs.toFixed(1)} ms`).join('\n'));
  const firstTerm = elections[0]?.term ?? 0;
  if (firstTerm <= 1) throw new Error(`the first election (term ${firstTerm}) had a winner, so no vote was split; with this seed (${this.seed}) the replicas' timeouts did not collide`);
});

// Waits until a replica other than the old leader leads, followed by a majority.
// Needs first: a step that made the leader "the old leader": it crashed, was paused, cut off or removed.
Then('within {duration} a new leader is elected', function (this: PhantomWorld, withinMs: number) {
  const scenario = consensus(this);
  const old = scenario.resolve('the old leader');
  this.waitUntil(() => this.cluster.database.hasStableLeader(scenario.groupId) && scenario.leader() !== old, withinMs, `a leader other than ${old}`);
});

// Instant: the replica holds the leader role right now, whether or not its group still follows it. A leader cut off from the others keeps the role until its check-quorum notices, about an election timeout; the others take about as long to elect a new leader, so which comes first depends on the seed. To keep a deposed leader in its role whatever the seed, pause it while the others elect and resume it just before this step: a paused replica's timers do not run, and a leader that is also cut off hears of no later term when it resumes.
// Needs first: a step that made the role known, such as "When the leader is cut off from the others" (for "the old leader").
// Example (with what comes before it): When the leader is cut off from the others / And the old leader is paused / Then within 3 seconds a new leader is elected / When the new leader crashes / And the old leader is resumed / Then the old leader still claims the leader role
// Example: Then the old leader still claims the leader role
Then('{group role} still claims the leader role', function (this: PhantomWorld, role: GroupRole) {
  const scenario = consensus(this);
  const node = scenario.resolve(role);
  expect(scenario.status(node).role, `role of ${node}`).to.equal('leader');
});

/** How long "the new leader was elected in a later term ..." waits for a new leader: above every election bound the features state. */
const NEW_LEADER_WAIT_MS = 3000;

// Needs first: a leader that was crashed, cut off, paused or removed ("the old leader"), as after "When the leader crashes".
// Waits (at most 3 simulated seconds) until a leader other than the old leader leads the group, so it does not depend on
// "Then within 1 second a new leader is elected" running first; then that leader's term must be higher than the term the
// old leader led in. Fails naming both terms.
// Example: Then the new leader was elected in a later term than the old leader
Then('the new leader was elected in a later term than the old leader', function (this: PhantomWorld) {
  const scenario = consensus(this);
  const oldLeader = scenario.resolve('the old leader');
  this.waitUntil(() => { const leader = scenario.leader(); return leader !== undefined && leader !== oldLeader; }, NEW_LEADER_WAIT_MS, () => `a leader other than the old leader ${oldLeader} (leader now: ${scenario.leader() ?? 'none'})`);
  const newLeader = scenario.resolve('the new leader');
  expect(scenario.status(newLeader).term, `term of the new leader ${newLeader} (the old leader ${oldLeader} led in term ${scenario.oldLeaderTerm})`).to.be.above(scenario.oldLeaderTerm);
});

// Waits until the replica no longer considers itself the leader (even if it cannot reach anyone).
Then('within {duration} {group role} steps down', function (this: PhantomWorld, withinMs: number, role: GroupRole) {
  const scenario = consensus(this);
  const node = scenario.resolve(role);
  this.waitUntil(() => scenario.status(node).role !== 'leader', withinMs, `${node} to step down`);
});

// Waits until the first replica knows the second as its leader and is in its term.
Then('within {duration} {group role} follows {group role}', function (this: PhantomWorld, withinMs: number, role: GroupRole, leaderRole: GroupRole) {
  const scenario = consensus(this);
  const node = scenario.resolve(role);
  this.waitUntil(() => scenario.follows(node, leaderRole), withinMs, `${node} to follow ${leaderRole}`);
});

// Instant: the leader noted by "the group has a leader" still leads, in the same term, and no election was won since.
// Needs first: "Given the group has a leader".
Then('the leader did not change', function (this: PhantomWorld) {
  const scenario = consensus(this);
  const before = scenario.leaderAtStart;
  const leader = scenario.leader();
  expect(leader ? `${leader} in term ${scenario.status(leader).term}` : 'no leader').to.equal(`${before.node} in term ${before.term}`);
  expect(scenario.electionsSinceEstablished(), 'elections won since').to.equal(0);
});

// Instant: the follower is still in the term of the leader noted by "the group has a leader" (it never raised its term alone).
// Needs first: "Given the group has a leader" and a step about "a follower".
Then("the follower's term did not grow", function (this: PhantomWorld) {
  const scenario = consensus(this);
  expect(scenario.status(scenario.resolve('the follower')).term).to.equal(scenario.leaderAtStart.term);
});

// Instant: the node leads the group now. To wait for it, use "within {duration} {node} leads the group".
Then('{node} leads the group', function (this: PhantomWorld, node: string) {
  expect(consensus(this).leader()).to.equal(node);
});

// Waits until the node leads the group and every replica follows it.
Then('within {duration} {node} leads the group', function (this: PhantomWorld, withinMs: number, node: string) {
  const scenario = consensus(this);
  this.waitUntil(() => scenario.leader() === node && scenario.everyMemberFollowsLeader(), withinMs, `${node} to lead the group`);
});

// Waits until the node leads the group in the given term.
Then('within {duration} {node} leads the group in term {int}', function (this: PhantomWorld, withinMs: number, node: string, term: number) {
  const scenario = consensus(this);
  this.waitUntil(() => scenario.leader() === node, withinMs, `${node} to lead the group`);
  expect(scenario.status(node).term, `term ${node} leads`).to.equal(term);
});

// Instant: no running replica considers itself the group's leader now.
Then('the group has no leader', function (this: PhantomWorld) {
  const scenario = consensus(this);
  this.attachText('replicas', scenario.statusTable());
  expect(scenario.leader(), 'the leader').to.equal(undefined);
});

// Instant: over the whole scenario so far, the node never became leader of the group.
Then('{node} has never led the group', function (this: PhantomWorld, node: string) {
  const leaders = this.cluster.database.elections(consensus(this).groupId).map((election) => election.node);
  expect(leaders, 'replicas that led the group').to.not.include(node);
});

// ---- faults on replicas named by role --------------------------------------------------------
// Needs first: a replicated group with a leader ("Given the group has a leader").

// The replica's process stops at once; only what it synced to disk survives.
When('{group role} crashes', function (this: PhantomWorld, role: GroupRole) {
  const scenario = consensus(this);
  scenario.crash(scenario.resolveForAction(role));
});

// Every follower of the current leader crashes at the same moment.
When('every follower crashes', function (this: PhantomWorld) {
  consensus(this).crashFollowers();
});

// The followers crashed by "every follower crashes" start again from their disks.
When('the crashed followers restart', function (this: PhantomWorld) {
  consensus(this).restartCrashedFollowers();
});

// The replica's process restarts (crashing first if it is up) from what its disk kept.
When('{group role} restarts', function (this: PhantomWorld, role: GroupRole) {
  const scenario = consensus(this);
  scenario.restart(scenario.resolveForAction(role));
});

// The replica's process freezes: it hears nothing and does nothing until resumed.
When('{group role} is paused', function (this: PhantomWorld, role: GroupRole) {
  const scenario = consensus(this);
  this.node(scenario.resolveForAction(role)).pause();
});

// The frozen replica carries on; what arrived meanwhile is delivered now.
When('{group role} is resumed', function (this: PhantomWorld, role: GroupRole) {
  this.node(consensus(this).resolve(role)).resume();
});

// Cuts the replica off from every other node (clients included), both ways.
When('{group role} is cut off from the others', function (this: PhantomWorld, role: GroupRole) {
  this.sim.network.isolate(consensus(this).resolveForAction(role));
});

// Messages from the leader to one of its followers are lost; the other direction still works.
When('messages from the leader to a follower are lost', function (this: PhantomWorld) {
  const scenario = consensus(this);
  this.sim.network.cutOneWay(scenario.resolve('the leader'), scenario.resolve('a follower'));
});

// Splits the network in two: the leader with one follower on one side, everyone else on the other.
When('the leader and a follower are split from the others', function (this: PhantomWorld) {
  const scenario = consensus(this);
  const minority = [scenario.resolveForAction('the leader'), scenario.resolve('a follower')];
  this.sim.network.partition([minority, this.sim.nodeIds.filter((node) => !minority.includes(node))]);
});

// ---- writes and reads ------------------------------------------------------------------------
// Needs first: a replicated group ("Given a replicated group of 3 nodes"); clients retry until a leader answers.

// A client writes the value to the key and waits (at most 10 s) until the write is acknowledged, which must be a success.
When('a client writes {string} to {string}', function (this: PhantomWorld, value: string, key: string) {
  consensus(this).writeAndAwait(key, value);
});

// A client sends a write and does not wait for the answer.
When('a client starts writing {string} to {string}', function (this: PhantomWorld, value: string, key: string) {
  consensus(this).startWrite(key, value);
});

// Several clients write N distinct values over ten keys, and wait (at most 10 s) until every write is acknowledged.
When('{int} values are written to the group', function (this: PhantomWorld, count: number) {
  consensus(this).writeMany(count);
});

// Waits: a write started now is acknowledged, as a success, within the bound given.
Then('a client can write {string} to {string} within {duration}', function (this: PhantomWorld, value: string, key: string, withinMs: number) {
  consensus(this).writeAndAwait(key, value, withinMs);
});

// Instant: the write started earlier has had no answer yet.
// Needs first: "When a client starts writing "v" to "k"".
Then('the write has not been acknowledged', function (this: PhantomWorld) {
  const write = consensus(this).write;
  expect(write.outcome, `the write (${write.reason ?? 'no answer'})`).to.equal('pending');
});

// Waits until the write started earlier is acknowledged as successful.
// Needs first: "When a client starts writing "v" to "k"".
Then('within {duration} the write is acknowledged', function (this: PhantomWorld, withinMs: number) {
  const write = consensus(this).write;
  this.waitUntil(() => write.done, withinMs, 'the write to be acknowledged');
  expect(write.outcome, write.reason).to.equal('ok');
});

// Waits (at most 10 s) for a client read of the key through the group's leader, and checks the value.
Then('a client reads {string} from {string}', function (this: PhantomWorld, value: string, key: string) {
  const read = consensus(this).clientRead(key);
  expect(read, `a client read ${JSON.stringify(read)} from "${key}"`).to.equal(value);
});

// Waits until every running replica of the group holds the value for the key.
Then('within {duration} every replica stores {string} for {string}', function (this: PhantomWorld, withinMs: number, value: string, key: string) {
  const scenario = consensus(this);
  const stores = (): boolean => scenario.members().every((node) => this.cluster.database.localValue(scenario.groupId, node, key) === value);
  this.waitUntil(stores, withinMs, `every replica to store ${JSON.stringify(value)} for ${JSON.stringify(key)}`);
});

// Instant: the replica does not hold the value for the key now.
Then('{group role} does not store {string} for {string}', function (this: PhantomWorld, role: GroupRole, value: string, key: string) {
  const scenario = consensus(this);
  expect(this.cluster.database.localValue(scenario.groupId, scenario.resolve(role), key)).to.not.equal(value);
});

// Waits until every running replica has applied what the leader applied, with the same resulting state.
Then('within {duration} every replica has applied the same writes as the leader', function (this: PhantomWorld, withinMs: number) {
  const scenario = consensus(this);
  this.waitUntil(() => scenario.members().every((node) => scenario.caughtUp(node)), withinMs, 'every replica to apply what the leader applied');
});

// The replica starts a linearizable read of the key on itself (it must confirm it still leads before answering); the step does not wait for the answer.
When('{group role} is asked for the value of {string}', function (this: PhantomWorld, role: GroupRole, key: string) {
  const scenario = consensus(this);
  scenario.askReplica(scenario.resolve(role), key);
});

// Instant: when the read was asked, the replica still considered itself the group's leader.
// Needs first: "When the old leader is asked for the value of "k"".
Then('{group role} still believed it was the leader when it was asked', function (this: PhantomWorld, role: GroupRole) {
  const scenario = consensus(this);
  expect(scenario.read.read.node).to.equal(scenario.resolve(role));
  expect(scenario.read.roleWhenAsked, `role of ${scenario.read.read.node} when asked`).to.equal('leader');
});

// Waits until the replica answers the read, and checks it refused instead of answering a value.
// Needs first: "When the old leader is asked for the value of "k"".
Then('within {duration} {group role} refuses the read', function (this: PhantomWorld, withinMs: number, role: GroupRole) {
  const { read } = consensus(this).read;
  expect(read.node).to.equal(consensus(this).resolve(role));
  this.waitUntil(() => read.outcome !== undefined, withinMs, `${read.node} to answer or refuse the read`);
  expect(read.outcome, `the answer of ${read.node}`).to.deep.include({ ok: false });
});

// Waits until the replica answers the read, and checks the value.
// Needs first: "When the leader is asked for the value of "k"".
Then('within {duration} {group role} answers {string}', function (this: PhantomWorld, withinMs: number, role: GroupRole, value: string) {
  const { read } = consensus(this).read;
  expect(read.node).to.equal(consensus(this).resolve(role));
  this.waitUntil(() => read.outcome !== undefined, withinMs, `${read.node} to answer the read`);
  expect(read.outcome).to.deep.equal({ ok: true, value });
});

// ---- catching up, logs and snapshots -------------------------------------------------------
// Needs first: a replicated group with a leader, and writes ("When 30 values are written to the group").

// Waits until the replica has applied exactly what the leader applied, with the same state (digest).
Then('within {duration} {replica} has caught up with the leader', function (this: PhantomWorld, withinMs: number, replica: string) {
  const scenario = consensus(this);
  const node = scenario.resolveReplica(replica);
  this.waitUntil(() => scenario.caughtUp(node), withinMs, `${node} to catch up with the leader`);
});

// Waits (at most 1 simulated second) until the replica has caught up with the leader, then checks that it installed at least one snapshot sent by a leader (and that the network carried one to it).
// Needs first: a group that compacts its log ("Given a replicated group of 3 nodes that compacts its log every 10 entries") and a replica that fell behind (crashed or cut off during writes, then back).
Then('{replica} was brought up to date by a snapshot', function (this: PhantomWorld, replica: string) {
  const scenario = consensus(this);
  const node = scenario.resolveReplica(replica);
  this.waitUntil(() => scenario.caughtUp(node), 1_000, () => `${node} to catch up with the leader\n${scenario.statusTable()}`);
  expect(this.cluster.database.snapshotsInstalled(scenario.groupId, node), `snapshots ${node} installed`).to.be.at.least(1);
  expect(this.sim.network.typeCounters.get('raft.install-snapshot')?.delivered ?? 0, 'snapshots delivered').to.be.at.least(1);
});

// Waits (at most 1 simulated second) until the replica has caught up with the leader, then checks that it never installed a snapshot from a leader: it caught up from log entries alone.
Then('{replica} caught up without a snapshot', function (this: PhantomWorld, replica: string) {
  const scenario = consensus(this);
  const node = scenario.resolveReplica(replica);
  this.waitUntil(() => scenario.caughtUp(node), 1_000, () => `${node} to catch up with the leader\n${scenario.statusTable()}`);
  expect(this.cluster.database.snapshotsInstalled(scenario.groupId, node), `snapshots ${node} installed`).to.equal(0);
});

// Instant: right after its restart, before hearing from anyone, the replica's log is as long as before it went down.
// Needs first: "When the leader restarts" (or crashes and restarts), with no time passing in between.
Then("{replica}'s log is as long as it was before the restart", function (this: PhantomWorld, replica: string) {
  const scenario = consensus(this);
  const node = scenario.resolveReplica(replica);
  expect(scenario.status(node).lastIndex, `last index of ${node}`).to.equal(scenario.lastIndexBefore(node)).and.to.be.above(0);
});

// Waits until every replica's log has the leader's entries (same terms), all committed, and nothing more.
Then("within {duration} every replica's log matches the leader's", function (this: PhantomWorld, withinMs: number) {
  const scenario = consensus(this);
  this.waitUntil(() => scenario.logsMatchLeader(), withinMs, "every replica's log to match the leader's");
  this.attachText('logs (terms by index)', scenario.members().map((node) => `${node}: ${scenario.logTerms(node).join(' ')}`).join('\n'));
});

// Waits (at most 2 simulated seconds: an election, then the logs' repair) until every running replica's log begins with entries of exactly these terms; on a time-out it names each replica's log.
Then("every replica's log starts with the terms {log terms}", function (this: PhantomWorld, terms: number[]) {
  const scenario = consensus(this);
  const starts = (node: string): boolean => JSON.stringify(scenario.logTerms(node).slice(0, terms.length)) === JSON.stringify(terms);
  const logs = (): string => scenario.members().map((node) => `${node}: ${scenario.logTerms(node).join(' ')}`).join('; ');
  this.waitUntil(() => scenario.members().every(starts), 2_000, () => `every replica's log to start with the terms ${terms.join(' ')} (logs now: ${logs()})`);
  for (const node of scenario.members()) expect(scenario.logTerms(node).slice(0, terms.length), `log terms of ${node}`).to.deep.equal(terms);
});

// Waits (at most 2 simulated seconds: an election, then a commit) until a leader has committed by counting replicas and the group's leader has committed its whole log; then checks that over the whole scenario so far, every commit a leader made by counting replicas was of an entry of its own term (Figure 8). A failure names the group, the leader, its term and the index it committed.
Then('no leader committed an entry of an earlier term by counting replicas', function (this: PhantomWorld) {
  const database = this.cluster.database;
  const scenario = consensus(this);
  const committedAll = (): boolean => {
    const leader = scenario.leader();
    return leader !== undefined && scenario.status(leader).commitIndex === scenario.status(leader).lastIndex;
  };
  this.waitUntil(() => database.leaderCommitsChecked > 0 && committedAll(), 2_000, () => `a leader to commit by counting replicas (${database.leaderCommitsChecked} commits checked) and the leader to commit its whole log\n${scenario.statusTable()}`);
  const violation = database.commitRuleViolation();
  if (violation !== null) throw new Error(describeCommitRuleViolation(violation));
  expect(database.leaderCommitsChecked, 'leader commits checked (none would make this step vacuous)').to.be.above(0);
});

// ---- membership -----------------------------------------------------------------------------
// Needs first: a replicated group with a leader ("Given the group has a leader"). A node added that was never started is started by the step, with the cluster's join credentials.

// The node gets an empty replica, and the group's current leader (one a majority follows in its term) adds it as a learner; waits (at most 1 s) until the change is committed. A node never started is started first (joining the cluster, at most 5 s); a node that crashed must be restarted first ("the follower restarts"), or the step fails naming it as not running. A node that was removed from the group earlier ("the follower", after "the follower is removed from the group") is added back the same way: a copy of the group it kept from before its removal is deleted first.
// Values: a node name (node-4) or a role the scenario chose earlier ("the follower"); it must name a node that is not a member of the group now (a current voter is refused).
// Example: When the follower is added to the group as a learner
When('{replica} is added to the group as a learner', function (this: PhantomWorld, replica: string) {
  const scenario = consensus(this);
  const node = scenario.resolveReplica(replica);
  scenario.ensureNodeRunning(node);
  const refusal = scenario.changeMembership({ type: 'add-learner', node: this.node(node).id }, true);
  if (refusal) throw new Error(`the leader refused to add ${node} as a learner: ${refusal}`);
});

// Instant: the node, removed from the group while it was down and added back since, holds a new replica of the group: not the copy it kept on disk from before its removal, with that copy's old log, term and configuration (TiKV destroys such a stale peer; CockroachDB gives a re-added replica a new ID).
// Needs first: "{replica} is added to the group as a learner" for this node, at a time when it still held its old copy: it crashed, was removed from the group while down, then restarted ("the follower restarts"), and was added after the restart. The copy stays on its disk until then, however long that takes.
// Example: Then the follower's old copy of the group was replaced by a new replica when it was added back
Then("{replica}'s old copy of the group was replaced by a new replica when it was added back", function (this: PhantomWorld, replica: string) {
  const scenario = consensus(this);
  scenario.assertCopyReplaced(scenario.resolveReplica(replica));
});

// The node is added as a learner and, without waiting for that change to commit, promoted; a refusal of the promotion is kept for "the change is refused because". A node not yet running is started first.
When('{node} is added to the group as a learner and at once promoted to a voter', function (this: PhantomWorld, node: string) {
  const scenario = consensus(this);
  scenario.ensureNodeRunning(node);
  const refusal = scenario.changeMembership({ type: 'add-learner', node: this.node(node).id }, false);
  if (refusal) throw new Error(`the leader refused to add ${node} as a learner: ${refusal}`);
  const promotion = { type: 'promote', node } as const;
  scenario.keepRefusal(scenario.changeMembership(promotion, false), promotion);
});

// Asks the group's current leader (one a majority of its voters follows in its term) to make the learner a voter, without waiting; a refusal is kept for "the change is refused because". With no such leader (only a deposed one claims the role, or none does) the change is refused as "the group has no leader that a majority follows"; a replica that merely claims the role is never asked.
When('{node} is promoted to a voter', function (this: PhantomWorld, node: string) {
  const scenario = consensus(this);
  const promotion = { type: 'promote', node: this.node(node).id } as const;
  scenario.keepRefusal(scenario.changeMembership(promotion, false), promotion);
});

// The leader removes the replica from the group's configuration.
When('{group role} is removed from the group', function (this: PhantomWorld, role: GroupRole) {
  const scenario = consensus(this);
  const node = scenario.resolveForAction(role);
  const refusal = scenario.changeMembership({ type: 'remove', node }, false);
  if (refusal) throw new Error(`the leader refused to remove ${node}: ${refusal}`);
});

// The leader removes the replica from the group's configuration and, before that change is committed, is asked to add the same node back as a learner; a refusal of the addition is kept for "the change is refused because".
// Example: When a follower is removed from the group and at once added back as a learner
When('{group role} is removed from the group and at once added back as a learner', function (this: PhantomWorld, role: GroupRole) {
  const scenario = consensus(this);
  const node = scenario.resolveForAction(role);
  const refusal = scenario.changeMembership({ type: 'remove', node }, false);
  if (refusal) throw new Error(`the leader refused to remove ${node}: ${refusal}`);
  const addition = { type: 'add-learner', node } as const;
  scenario.keepRefusal(scenario.changeMembership(addition, false), addition);
});

// Instant: adding the node was refused earlier, and the node still holds the very replica it held then: a refused change neither deleted nor replaced it.
// Needs first: a refused addition of that node, such as "When a follower is removed from the group and at once added back as a learner" followed by "Then the change is refused because another change is not yet committed".
// Example: Then the refused change left the follower's replica as it was
Then("the refused change left {replica}'s replica as it was", function (this: PhantomWorld, replica: string) {
  const scenario = consensus(this);
  scenario.assertReplicaKeptAfterRefusal(scenario.resolveReplica(replica));
});

// Instant: the last membership change asked for was refused, for the given reason.
// Needs first: "When node-4 is promoted to a voter" (or "... added to the group as a learner and at once promoted to a voter", or "When a follower is removed from the group and at once added back as a learner").
Then('the change is refused because {membership refusal}', function (this: PhantomWorld, reason: string) {
  expect(consensus(this).takeRefusal(), 'the reason the change was refused').to.equal(reason);
});

// Waits until every running replica's configuration lists the node as a learner (non-voting member). Fails at once if the last change asked for was adding this node as a learner and it was refused (a refusal of another change is left for "the change is refused because").
Then('within {duration} every replica counts {node} as a learner', function (this: PhantomWorld, withinMs: number, node: string) {
  const scenario = consensus(this);
  expect(scenario.refusalOf('add-learner', node), `adding ${node} as a learner was refused`).to.equal(undefined);
  const counted = (): boolean => scenario.members().every((member) => scenario.status(member).config.learners.includes(node));
  this.waitUntil(() => scenario.members().includes(node) && counted(), withinMs, `every replica to count ${node} as a learner`);
});

// Waits until every running replica's configuration lists the node as a voter. Fails at once if the last change asked for was promoting this node and it was refused (a refusal of another change is left for "the change is refused because").
Then('within {duration} every replica counts {node} as a voter', function (this: PhantomWorld, withinMs: number, node: string) {
  const scenario = consensus(this);
  expect(scenario.refusalOf('promote', node), `promoting ${node} to a voter was refused`).to.equal(undefined);
  const counted = (): boolean => scenario.members().every((member) => scenario.status(member).config.voters.includes(node));
  this.waitUntil(() => scenario.members().includes(node) && counted(), withinMs, `every replica to count ${node} as a voter`);
});

// Waits until there is a leader and the configuration of every running replica of the group leaves the replica out (a crashed or paused replica is not asked).
Then("within {duration} the group's voters no longer include {group role}", function (this: PhantomWorld, withinMs: number, role: GroupRole) {
  const scenario = consensus(this);
  const node = scenario.resolve(role);
  const removed = (): boolean => scenario.leader() !== undefined && scenario.members().every((member) => !scenario.status(member).config.voters.includes(node));
  this.waitUntil(removed, withinMs, `the group's voters to leave out ${node}`);
});

// ---- leadership transfer -------------------------------------------------------------------
// Needs first: a replicated group with a leader ("Given the group has a leader").

// The operator hands the group's leadership to the node (it also becomes the preferred leader).
When('leadership is handed to {node}', function (this: PhantomWorld, node: string) {
  consensus(this).transferTo(this.node(node).id);
});
