import type { ReplicaRead, SeededLog, ShardedDatabase } from '../src/api/database';
import type { Operation } from '../src/kv/client-operation';
import type { ConfigChange, ConfigChangeRejection as RaftRejection, RaftStatus } from '../src/raft';

/** Why a membership change was refused: Raft's reason, or the operator lacks the admin role (authentication on). */
type ConfigChangeRejection = RaftRejection | 'forbidden';
import type { NodeId } from '../src/runtime/ports';
import type { RaftGroupHost } from '../src/runtime/raft-host';
import type { PhantomWorld } from './world';
import { noteDirectMembershipChange } from './direct-membership';

/** Bound for a fresh group to have a leader that leader balancing will keep (first election plus one balancing round). */
const SETTLED_LEADER_BOUND_MS = 5_000;
/** Bound for a client write, including retries across an election (the client's own deadline is 10 s). */
const WRITE_BOUND_MS = 10_000;
/** Bound for a node started by a membership step to join the cluster. */
const NODE_JOIN_BOUND_MS = 5_000;
/** Clients that share the writes of "N values are written": one operation each at a time. */
const WRITER_COUNT = 4;

/** How a scenario refers to a replica by what it is, not by name. */
export type GroupRole = 'the leader' | 'the old leader' | 'the new leader' | 'a follower' | 'the follower';

/** A node's replica of the group when a step asked for a change, and where its log stood. */
interface HeldReplica {
  readonly host: RaftGroupHost;
  readonly term: number;
  readonly lastIndex: number;
}

/**
 * The consensus part of a scenario: one replicated group (a store of one shard) and the
 * replicas the scenario talks about ("the leader", "the old leader", "the follower").
 * Steps call these methods; every wait is bounded in virtual time.
 */
export class ConsensusScenario {
  /** The leader before the latest change of leadership the scenario caused or awaited. */
  private oldLeader: { node: NodeId; term: number } | undefined;
  /** The leader when the scenario last established one ("the group has a leader"). */
  private establishedLeader: { node: NodeId; term: number } | undefined;
  private electionsAtEstablished = 0;
  private follower: NodeId | undefined;
  private crashedFollowers: NodeId[] = [];
  private readonly lastIndexBeforeRestart = new Map<NodeId, number>();
  private lastWrite: Operation | undefined;
  private lastRead: { read: ReplicaRead; roleWhenAsked: string } | undefined;
  private refusal: ConfigChangeRejection | undefined;
  private refusedChange: ConfigChange | undefined;
  private writesStarted = 0;
  /** The replica each node held when it was last added to the group (a copy kept from before, or none). */
  private readonly heldWhenAdded = new Map<NodeId, HeldReplica | undefined>();
  /** The replica each node held when adding it was last refused. */
  private readonly heldWhenRefused = new Map<NodeId, HeldReplica | undefined>();

  constructor(private readonly world: PhantomWorld) {}

  get database(): ShardedDatabase {
    return this.world.cluster.database;
  }

  /** The one group of the scenario. */
  get groupId(): string {
    const ids = this.database.shardIds();
    if (ids.length !== 1) throw new Error(`In step "${this.world.currentStep}": consensus steps need exactly one replicated group, there are ${ids.length}`);
    return ids[0];
  }

  // ---- set-up ----------------------------------------------------------------------------

  /** Starts the nodes not yet running, then one group replicated on all of them. */
  /** Tuning asked for by earlier Given steps, applied when the group is created. */
  private readonly pendingOptions: { maxEntriesPerMessage?: number } = {};

  limitEntriesPerMessage(entries: number): void {
    if (this.database.shardIds().length > 0) throw new Error(`In step "${this.world.currentStep}": this must come before the group is created`);
    this.pendingOptions.maxEntriesPerMessage = entries;
  }

  start(nodes: readonly NodeId[], options: { snapshotThreshold?: number; seededLogs?: ReadonlyMap<NodeId, SeededLog> } = {}): void {
    const cluster = this.world.cluster;
    const founder = cluster.nodeIds[0] ?? nodes[0];
    for (const node of nodes) if (!this.world.sim.hasNode(node)) cluster.addNode(node, { seeds: node === founder ? [] : [founder] });
    // Violations are recorded, not thrown mid-step: a step and the After hook report them.
    this.database.recordSafetyViolations = true;
    this.database.create({ shards: 1, replicationFactor: nodes.length, nodes, ...this.pendingOptions, ...options });
    // Clients exist from the start, so that "cut off from the others" cuts them off too.
    for (let index = 1; index <= WRITER_COUNT; index++) this.database.client(`client-${index}`);
    this.world.addFinalCheck('Raft safety (Figure 3 properties)', () => {
      const violations = this.database.safetyViolations;
      if (violations.length > 0) throw new Error(violations.map((violation) => violation.message).join('\n'));
    });
    this.world.addFinalCheck('leaders commit by counting only entries of their own term (Figure 8)', () => {
      const violation = this.database.commitRuleViolation();
      if (violation) {
        throw new Error(describeCommitRuleViolation(violation));
      }
    });
  }

  /** Waits for a leader that a majority follows and that leader balancing will keep. */
  establishLeader(): void {
    const group = this.groupId;
    this.world.waitUntil(
      () => this.database.leaderOf(group) === this.database.preferredLeader(group) && this.leaderIsSettled(),
      SETTLED_LEADER_BOUND_MS,
      `${group} to elect a leader that every replica follows`,
    );
    this.noteEstablishedLeader();
  }

  /** Hands leadership to `node` if it does not lead yet, and waits until every replica follows it. */
  establishLeaderOn(node: NodeId): void {
    this.establishLeader();
    if (this.leader() !== node) this.transferTo(node);
    this.world.waitUntil(() => this.leader() === node && this.leaderIsSettled(), 1_000, `${node} to lead ${this.groupId}`);
    this.noteEstablishedLeader();
  }

  private noteEstablishedLeader(): void {
    const leader = this.leader()!;
    this.establishedLeader = { node: leader, term: this.status(leader).term };
    this.electionsAtEstablished = this.database.elections(this.groupId).length;
  }

  // ---- who is who ------------------------------------------------------------------------

  /** The current leader (the running one with the highest term), if any. */
  leader(): NodeId | undefined {
    return this.database.leaderOf(this.groupId);
  }

  status(node: NodeId): RaftStatus {
    const replica = this.database.replica(this.groupId, node);
    if (!replica) throw new Error(`In step "${this.world.currentStep}": ${node} has no running replica of ${this.groupId}`);
    return replica.status();
  }

  /** The group's configuration as its leader (or else the running replica with the highest term) sees it. */
  config(): { voters: readonly NodeId[]; learners: readonly NodeId[] } {
    const group = this.groupId;
    const source = this.leader() ?? this.database.replicaNodes(group).sort((a, b) => this.status(b).term - this.status(a).term)[0];
    if (source === undefined) throw new Error(`no replica of ${group} is running`);
    return this.status(source).config;
  }

  /** Running replicas that are members (voters or learners) of the current configuration. */
  members(): NodeId[] {
    const config = this.config();
    const running = this.database.replicaNodes(this.groupId);
    return [...config.voters, ...config.learners].filter((node) => running.includes(node));
  }

  /** Resolves "the leader", "the old leader", "a follower", ... to a node; "the leader" and
   *  "a follower" are remembered as "the old leader" and "the follower" for later steps. */
  /** Resolves a {replica}: a node name as it is, or a role. */
  resolveReplica(replica: string): NodeId {
    return /^node-\d+$/.test(replica) ? replica : this.resolve(replica as GroupRole);
  }

  resolve(role: GroupRole): NodeId {
    switch (role) {
      case 'the leader':
      case 'the new leader': {
        const leader = this.leader();
        if (!leader) throw new Error(`In step "${this.world.currentStep}": ${this.groupId} has no leader right now`);
        if (role === 'the new leader' && leader === this.oldLeader?.node) throw new Error(`In step "${this.world.currentStep}": the old leader ${leader} still leads`);
        return leader;
      }
      case 'the old leader':
        if (!this.oldLeader) throw new Error(`In step "${this.world.currentStep}": no leader was crashed, cut off, paused or removed earlier, so there is no "old leader"`);
        return this.oldLeader.node;
      case 'a follower':
        return this.chooseFollower();
      case 'the follower':
        if (!this.follower) throw new Error(`In step "${this.world.currentStep}": no follower was chosen earlier ("a follower ...")`);
        return this.follower;
    }
  }

  /** Resolves a role for an action on the leader that may end its leadership; remembers it as the old leader. */
  resolveForAction(role: GroupRole): NodeId {
    const node = this.resolve(role);
    if (role === 'the leader') this.oldLeader = { node, term: this.status(node).term };
    return node;
  }

  private chooseFollower(): NodeId {
    const leader = this.leader();
    const candidates = this.config().voters.filter((node) =>
      node !== leader && node !== this.oldLeader?.node && node !== this.follower && this.world.sim.node(node).state === 'running');
    if (candidates.length === 0) throw new Error(`In step "${this.world.currentStep}": no running follower is left to choose`);
    this.follower = candidates[0];
    return this.follower;
  }

  /** Every running voter except the leader. */
  followers(): NodeId[] {
    const leader = this.leader();
    return this.config().voters.filter((node) => node !== leader && this.world.sim.node(node).state === 'running');
  }

  // ---- actions ---------------------------------------------------------------------------

  crashFollowers(): void {
    this.crashedFollowers = this.followers();
    for (const node of this.crashedFollowers) this.crash(node);
  }

  restartCrashedFollowers(): void {
    if (this.crashedFollowers.length === 0) throw new Error(`In step "${this.world.currentStep}": no followers were crashed earlier`);
    for (const node of this.crashedFollowers) this.world.sim.node(node).start();
  }

  crash(node: NodeId): void {
    this.noteLastIndex(node);
    this.world.node(node).crash();
  }

  restart(node: NodeId): void {
    this.noteLastIndex(node);
    this.world.node(node).restart();
  }

  private noteLastIndex(node: NodeId): void {
    const replica = this.database.replica(this.groupId, node);
    if (replica) this.lastIndexBeforeRestart.set(node, replica.status().lastIndex);
  }

  lastIndexBefore(node: NodeId): number {
    const lastIndex = this.lastIndexBeforeRestart.get(node);
    if (lastIndex === undefined) throw new Error(`In step "${this.world.currentStep}": ${node} did not crash or restart earlier`);
    return lastIndex;
  }

  transferTo(node: NodeId): void {
    const result = this.database.transferLeadership(this.groupId, node);
    if (!result.ok) throw new Error(`the leader refused to hand leadership to ${node}: ${result.reason}`);
  }

  /**
   * A node a membership change adds may not exist yet: it is started with the cluster's
   * join credentials, joining through the first node, and waited for (at most 5 s).
   */
  ensureNodeRunning(node: NodeId): void {
    if (this.world.sim.hasNode(node)) return;
    const cluster = this.world.cluster;
    const founder = cluster.nodeIds[0];
    cluster.addNode(node, { seeds: founder === undefined ? [] : [founder] });
    this.world.waitUntil(() => cluster.liveMembers().some((member) => member.id === node), NODE_JOIN_BOUND_MS, `${node} to start and join the cluster`);
  }

  /** Asks the leader for a membership change; returns the refusal, if any. */
  changeMembership(change: ConfigChange, awaitCommit: boolean): ConfigChangeRejection | undefined {
    const leader = this.leader();
    noteDirectMembershipChange(this.world, this.groupId);
    const host = this.database.replica(this.groupId, change.node);
    const held = host === undefined ? undefined : { host, term: host.status().term, lastIndex: host.status().lastIndex };
    const result = this.database.changeMembership(this.groupId, change);
    if (change.type === 'add-learner') (result.ok ? this.heldWhenAdded : this.heldWhenRefused).set(change.node, held);
    // The steps start a node before they add it, so a node that is not running is a broken scenario, not a refusal to check.
    if (!result.ok && result.reason === 'node-not-running') throw new Error(result.text);
    if (!result.ok) return result.reason;
    if (awaitCommit) {
      this.world.waitUntil(() => {
        const current = this.leader() ?? leader;
        return current !== undefined && this.database.replica(this.groupId, current) !== undefined && this.status(current).commitIndex >= result.index;
      }, 1_000, `the change (${change.type} ${change.node}) to be committed`);
    }
    return undefined;
  }

  /**
   * Checks that a node added back to the group holds a new replica, not the copy of the group
   * it kept on disk from before its removal (its old log, term and configuration).
   */
  assertCopyReplaced(node: NodeId): void {
    const copy = this.heldReplica(this.heldWhenAdded, node, 'added to the group', 'added');
    const now = this.database.replica(this.groupId, node);
    if (now === undefined) throw new Error(`${node} holds no replica of ${this.groupId} now`);
    if (now === copy.host) {
      throw new Error(`${node} kept the copy of ${this.groupId} it held before its removal (term ${copy.term}, log to index ${copy.lastIndex} when it was added back) instead of getting a new replica`);
    }
  }

  /** Checks that a refused addition of a node left the replica it held as it was (not deleted, not replaced). */
  assertReplicaKeptAfterRefusal(node: NodeId): void {
    const held = this.heldReplica(this.heldWhenRefused, node, 'refused a place in the group', 'refused');
    const now = this.database.replica(this.groupId, node);
    if (now !== held.host) {
      throw new Error(`the refused change to add ${node} ${now === undefined ? 'deleted' : 'replaced'} its replica of ${this.groupId} (term ${held.term}, log to index ${held.lastIndex} when it was asked)${now === undefined ? '' : `: it now holds a replica in term ${now.status().term} with its log to index ${now.status().lastIndex}`}`);
    }
  }

  /** The replica `node` held when the step asked for its addition; a broken scenario (no such step, or no replica then) is named. */
  private heldReplica(held: Map<NodeId, HeldReplica | undefined>, node: NodeId, what: string, when: string): HeldReplica {
    if (!held.has(node)) throw new Error(`In step "${this.world.currentStep}": ${node} was not ${what} earlier in the scenario`);
    const replica = held.get(node);
    if (replica === undefined) throw new Error(`In step "${this.world.currentStep}": ${node} held no replica of ${this.groupId} when it was ${when}, so there is nothing to compare`);
    return replica;
  }

  /** Keeps the answer to the last membership change asked for (undefined: accepted), with the change it answered. */
  keepRefusal(reason: ConfigChangeRejection | undefined, change: ConfigChange): void {
    this.refusal = reason;
    this.refusedChange = reason === undefined ? undefined : change;
  }

  /** The kept refusal, if the change it refused was of this type for this node; leaves it for "the change is refused because". */
  refusalOf(type: ConfigChange['type'], node: NodeId): ConfigChangeRejection | undefined {
    return this.refusal !== undefined && this.refusedChange?.type === type && this.refusedChange.node === node ? this.refusal : undefined;
  }

  takeRefusal(): ConfigChangeRejection | undefined {
    const reason = this.refusal;
    this.refusal = undefined;
    this.refusedChange = undefined;
    return reason;
  }

  /** Starts a write through the group's client and returns its handle. */
  startWrite(key: string, value: string): Operation {
    this.lastWrite = this.database.client('client-1').put(key, value);
    return this.lastWrite;
  }

  get write(): Operation {
    if (!this.lastWrite) throw new Error(`In step "${this.world.currentStep}": no write was started earlier`);
    return this.lastWrite;
  }

  /** Writes and waits for the acknowledgement; fails unless the write succeeded. */
  writeAndAwait(key: string, value: string, withinMs = WRITE_BOUND_MS): void {
    const operation = this.startWrite(key, value);
    this.world.waitUntil(() => operation.done, withinMs, `the write of ${JSON.stringify(value)} to ${JSON.stringify(key)} to be acknowledged`);
    if (operation.outcome !== 'ok') throw new Error(`the write of ${JSON.stringify(value)} to ${JSON.stringify(key)} ended ${operation.outcome}: ${operation.reason}`);
  }

  /** Writes `count` distinct values over a few keys, several clients at a time, and waits for every acknowledgement. */
  writeMany(count: number): void {
    const operations: Operation[] = [];
    for (let index = 0; index < count; index++) {
      const number = ++this.writesStarted;
      operations.push(this.database.client(`client-${(index % WRITER_COUNT) + 1}`).put(`key-${number % 10}`, `value-${number}`));
    }
    this.world.waitUntil(() => operations.every((operation) => operation.done), WRITE_BOUND_MS, `${count} writes to be acknowledged`);
    const failed = operations.filter((operation) => operation.outcome !== 'ok');
    if (failed.length > 0) throw new Error(`${failed.length} of ${count} writes did not succeed; the first: ${failed[0].outcome} (${failed[0].reason})`);
  }

  /** Reads through a client (routed to the leader) and waits for the answer. */
  clientRead(key: string): string | null {
    const operation = this.database.client('client-2').get(key);
    this.world.waitUntil(() => operation.done, WRITE_BOUND_MS, `a client read of ${JSON.stringify(key)}`);
    if (operation.outcome !== 'ok' || operation.result?.kind !== 'get') throw new Error(`the read of ${JSON.stringify(key)} ended ${operation.outcome}: ${operation.reason}`);
    return operation.result.value;
  }

  askReplica(node: NodeId, key: string): void {
    const roleWhenAsked = this.status(node).role;
    this.lastRead = { read: this.database.readOnReplica(this.groupId, node, key), roleWhenAsked };
  }

  get read(): { read: ReplicaRead; roleWhenAsked: string } {
    if (!this.lastRead) throw new Error(`In step "${this.world.currentStep}": no replica was asked for a value earlier`);
    return this.lastRead;
  }

  // ---- questions -------------------------------------------------------------------------

  /** Every replica follows the leader, and the leader has committed an entry of its term (so it may change membership and serve reads). */
  leaderIsSettled(): boolean {
    const leader = this.leader();
    if (!leader || !this.everyMemberFollowsLeader()) return false;
    const status = this.status(leader);
    return this.database.replica(this.groupId, leader)!.raft.termAt(status.commitIndex) === status.term;
  }

  /** The replica runs and knows the current leader, which is the replica `leaderRole` names, in its term. */
  follows(node: NodeId, leaderRole: GroupRole): boolean {
    const leader = this.leader();
    if (!leader || this.database.replica(this.groupId, node) === undefined) return false;
    // While the old leader still leads (it is waited on), "the new leader" is nobody yet.
    if (leaderRole === 'the new leader' && leader === this.oldLeader?.node) return false;
    const expected = leaderRole === 'the leader' || leaderRole === 'the new leader' ? leader : this.resolve(leaderRole);
    const status = this.status(node);
    return leader === expected && status.leader === leader && status.term === this.status(leader).term;
  }

  everyMemberFollowsLeader(): boolean {
    const leader = this.leader();
    if (!leader) return false;
    const term = this.status(leader).term;
    return this.members().every((node) => node === leader || (this.status(node).leader === leader && this.status(node).term === term));
  }

  get leaderAtStart(): { node: NodeId; term: number } {
    if (!this.establishedLeader) throw new Error(`In step "${this.world.currentStep}": no leader was established earlier ("the group has a leader")`);
    return this.establishedLeader;
  }

  get oldLeaderTerm(): number {
    if (!this.oldLeader) throw new Error(`In step "${this.world.currentStep}": there is no old leader`);
    return this.oldLeader.term;
  }

  electionsSinceEstablished(): number {
    return this.database.elections(this.groupId).length - this.electionsAtEstablished;
  }

  /** True when `node` has applied exactly what the leader has applied, with the same resulting
   *  state, and the leader knows that its log holds everything committed. */
  caughtUp(node: NodeId): boolean {
    const leader = this.leader();
    if (!leader || this.database.replica(this.groupId, node) === undefined) return false;
    const mine = this.status(node);
    const theirs = this.status(leader);
    if (mine.appliedIndex !== theirs.appliedIndex || theirs.appliedIndex !== theirs.commitIndex) return false;
    // The leader must know it too: it decides, for example, whether a learner may be promoted.
    const progress = theirs.progress?.[node];
    if (node !== leader && progress !== undefined && progress.matchIndex < theirs.commitIndex) return false;
    return this.database.stateDigest(this.groupId, node) === this.database.stateDigest(this.groupId, leader);
  }

  /** The terms of a replica's log by index (1-based), undefined where compacted. */
  logTerms(node: NodeId): (number | undefined)[] {
    const { snapshotIndex, terms } = this.database.logTerms(this.groupId, node);
    return [...new Array<undefined>(snapshotIndex).fill(undefined), ...terms];
  }

  /** Every member's log holds the leader's entries, terms and commit index, and nothing more. */
  logsMatchLeader(): boolean {
    const leader = this.leader();
    if (!leader) return false;
    const expected = this.logTerms(leader);
    const leaderStatus = this.status(leader);
    if (leaderStatus.commitIndex !== leaderStatus.lastIndex) return false;
    return this.members().every((node) => {
      const status = this.status(node);
      if (status.lastIndex !== leaderStatus.lastIndex || status.commitIndex !== leaderStatus.commitIndex) return false;
      const terms = this.logTerms(node);
      return terms.every((term, position) => term === undefined || expected[position] === undefined || term === expected[position]);
    });
  }

  /** A readable table of every replica of the group, for reports and failures. */
  statusTable(): string {
    return groupStatusTable(this.database, this.groupId);
  }
}

/** One row per replica of a group: process state, role, term, leader, commit, applied, last and snapshot index. */
export function groupStatusTable(database: ShardedDatabase, groupId: string): string {
  const header = ['node', 'process', 'role', 'term', 'leader', 'commit', 'applied', 'last index', 'snapshot'];
  const rows = database.replicaStatusRows(groupId).map((row) => [
    row.node, row.process, row.role, row.term, row.leader ?? '-', row.commitIndex, row.appliedIndex, row.lastIndex, row.snapshotIndex,
  ].map((cell) => (cell === null ? '-' : String(cell))));
  return renderTable([header, ...rows]);
}

export function renderTable(rows: readonly (readonly string[])[]): string {
  const widths = rows[0].map((_, column) => Math.max(...rows.map((row) => row[column].length)));
  const line = (row: readonly string[]): string => row.map((cell, column) => cell.padEnd(widths[column])).join('  ').trimEnd();
  return [line(rows[0]), widths.map((width) => '-'.repeat(width)).join('  '), ...rows.slice(1).map(line)].join('\n');
}

/** The consensus part of the World, created on first use. */
export function consensus(world: PhantomWorld): ConsensusScenario {
  return world.part('consensus', () => new ConsensusScenario(world));
}

/** For the report: every group's replicas (role, term, commit, applied, last index) and its leaders. */
export function raftGroupsReport(database: ShardedDatabase): string | undefined {
  const groups = database.shardIds().map((groupId) => {
    const leaders = database.elections(groupId).map((election) => `term ${election.term}: ${election.node} from ${election.atMs.toFixed(1)} ms`);
    return `${groupId}\n\n${groupStatusTable(database, groupId)}\n\nleaders: ${leaders.join('; ') || 'none'}`;
  });
  return groups.length > 0 ? groups.join('\n\n') : undefined;
}

/** A Figure 8 violation in words: which group, which leader, its term, and the index and term of the entry it committed. */
export function describeCommitRuleViolation(violation: { groupId: string; node: string; leaderTerm: number; commitIndex: number; entryTerm: number | undefined }): string {
  return `in ${violation.groupId}, ${violation.node} (leader in term ${violation.leaderTerm}) committed index ${violation.commitIndex}, an entry of earlier term ${violation.entryTerm ?? "(unknown: compacted)"}, by counting replicas (Raft paper, section 5.4.2 and Figure 8)`;
}
