import { CatchUpRounds } from './catch-up';
import { applyConfigChange, ConfigHistory, configOfEntry, isMember, normalizeConfig } from './config-change';
import { assertInvariant } from './invariants';
import { RaftLog } from './log';
import { Progress } from './progress';
import { hasQuorum, quorumMatchIndex, voteResult } from './quorum';
import { ReadIndexTracker } from './read-index';
import type { RaftTiming } from './timing';
import type {
  AppendEntriesMessage,
  AppendResponseMessage,
  ClusterConfig,
  ConfigChange,
  ConfigChangeRejection,
  ConfigChangeResult,
  Entry,
  EntryKind,
  HardState,
  HeartbeatMessage,
  HeartbeatResponseMessage,
  InstallSnapshotMessage,
  NodeId,
  ProgressStatus,
  ProposeResult,
  RaftMessage,
  RaftOptions,
  RaftRole,
  RaftStatus,
  ReadIndexResult,
  ReadState,
  Ready,
  RestoredState,
  Snapshot,
  TransferResult,
  VoteRequestMessage,
  VoteResponseMessage,
} from './types';

type InternalRole = 'follower' | 'pre-candidate' | 'candidate' | 'leader';
type CampaignKind = 'pre-vote' | 'election' | 'transfer';
type ProposalRejection = 'not-leader' | 'transfer-in-progress' | 'leader-removed' | 'too-many-uncommitted';

interface Settings {
  /** Changed only through `retime` (a group's voters moved further apart or closer). */
  electionTicks: number;
  heartbeatTicks: number;
  readonly preVote: boolean;
  readonly checkQuorum: boolean;
  readonly maxEntriesPerMessage: number;
  readonly maxInflightMessages: number;
  readonly maxUncommittedEntries: number;
  readonly maxPendingReads: number;
  readonly maxCommittedEntriesPerReady: number;
  readonly snapshotThreshold: number;
  readonly quiesceAfterIdleTicks: number;
  readonly maxCatchUpRounds: number;
  readonly joinIndex: number;
}

function settingsOf(options: RaftOptions): Settings {
  const settings: Settings = {
    electionTicks: options.electionTicks,
    heartbeatTicks: options.heartbeatTicks,
    preVote: options.preVote,
    checkQuorum: options.checkQuorum,
    maxEntriesPerMessage: options.maxEntriesPerMessage ?? 64,
    maxInflightMessages: options.maxInflightMessages ?? 16,
    maxUncommittedEntries: options.maxUncommittedEntries ?? 4096,
    maxPendingReads: options.maxPendingReads ?? 4096,
    maxCommittedEntriesPerReady: options.maxCommittedEntriesPerReady ?? 1024,
    snapshotThreshold: options.snapshotThreshold ?? 0,
    quiesceAfterIdleTicks: options.quiesceAfterIdleTicks ?? 0,
    maxCatchUpRounds: options.maxCatchUpRounds ?? 10,
    joinIndex: options.joinIndex ?? 0,
  };
  assertInvariant(settings.heartbeatTicks > 0, `heartbeatTicks must be positive, got ${settings.heartbeatTicks}`);
  assertInvariant(settings.electionTicks > settings.heartbeatTicks, () =>
    `electionTicks (${settings.electionTicks}) must exceed heartbeatTicks (${settings.heartbeatTicks})`);
  assertInvariant(settings.maxEntriesPerMessage > 0 && settings.maxInflightMessages > 0, 'message limits must be positive');
  assertInvariant(typeof options.random === 'function', 'options.random must be a function returning [0, 1)');
  return settings;
}

function isLeaderMessage(message: RaftMessage): boolean {
  return message.type === 'raft.append' || message.type === 'raft.heartbeat' || message.type === 'raft.install-snapshot';
}

/**
 * One Raft peer as a pure state machine (etcd-io/raft style). Inputs: `tick`, `step` and
 * the client API. Outputs: a Ready (state to persist, messages to send, entries to apply).
 * See types.ts for the Ready contract a host must follow.
 */
export class RaftNode {
  readonly id: NodeId;
  private readonly settings: Settings;
  private readonly random: () => number;

  // Durable state (with the log's stable part and commit index it forms the HardState).
  /** Invariant: never decreases. */
  private term = 0;
  /** Invariant: at most one vote per term; reset only when the term changes. */
  private votedFor: NodeId | null = null;
  private readonly log: RaftLog;

  // Volatile state, rebuilt after a restart.
  private role: InternalRole = 'follower';
  private leader: NodeId | null = null;
  private readonly configHistory: ConfigHistory;
  /** Leader only: one entry per member (voters and learners, self included if a member). */
  private readonly progress = new Map<NodeId, Progress>();
  private readonly votes = new Map<NodeId, boolean>();
  private electionElapsedTicks = 0;
  private heartbeatElapsedTicks = 0;
  /** The host's count of ticks, when it gives one (see `tick`). */
  private hostTick: number | undefined;
  /** Invariant: electionTicks <= randomizedElectionTimeoutTicks < 2 * electionTicks. */
  private randomizedElectionTimeoutTicks: number;
  private leadTransferee: NodeId | null = null;
  /** Leader: index of its latest config entry; the next change waits until it commits. */
  private pendingConfigIndex = 0;
  private readonly reads = new ReadIndexTracker();
  /** Leader: reads that arrived before an entry of the current term committed. */
  private readsAwaitingCommit: string[] = [];
  private stepRole: (message: RaftMessage) => void;
  private tickRole: () => void;
  /** Quiescence: the group is idle, so this node neither heartbeats nor counts election
   *  time. Invariant: only a leader or a follower is quiesced. */
  private quiesced = false;
  /** Leader: consecutive heartbeat intervals in which the group could have quiesced. */
  private idleHeartbeatRounds = 0;
  /** Leader: whether every follower had answered within the last check-quorum period. */
  private followersActiveAtLastCheck = false;
  /** Leader: ticks since it took office, the clock of learners' catch-up rounds. */
  private leaderTicks = 0;
  /** Leader: one tracker per learner (thesis §4.2.1). */
  private readonly catchUps = new Map<NodeId, CatchUpRounds>();

  // Outputs gathered for the next Ready.
  private outbox: RaftMessage[] = [];
  private readStates: ReadState[] = [];
  private droppedReads: string[] = [];
  /** Proposals since the last Ready share one AppendEntries per follower (batching). */
  private appendBroadcastPending = false;
  private heartbeatBroadcastPending = false;
  private persistedHardState: HardState;
  private readyInFlight: Ready | null = null;

  constructor(options: RaftOptions, restored?: RestoredState) {
    this.id = options.id;
    this.settings = settingsOf(options);
    this.random = options.random;
    this.log = new RaftLog(restored === undefined ? undefined : {
      snapshot: restored.snapshot,
      entries: restored.entries,
      commitIndex: restored.hardState.commitIndex,
      appliedIndex: restored.appliedIndex,
    });
    this.term = restored?.hardState.term ?? 0;
    this.votedFor = restored?.hardState.votedFor ?? null;
    this.configHistory = this.rebuildConfigHistory(options);
    this.persistedHardState = this.hardState();
    this.randomizedElectionTimeoutTicks = this.drawElectionTimeoutTicks();
    this.stepRole = this.stepFollower;
    this.tickRole = this.tickElection;
    this.checkInvariants();
  }

  private rebuildConfigHistory(options: RaftOptions): ConfigHistory {
    const bootstrap = normalizeConfig(options.config ?? { voters: options.peers ?? [], learners: [] });
    const snapshot = this.log.snapshot;
    const history = snapshot === null
      ? new ConfigHistory(0, bootstrap)
      : new ConfigHistory(snapshot.index, normalizeConfig(snapshot.config));
    for (const entry of this.log.slice(this.log.firstIndex, this.log.lastIndex - this.log.snapshotIndex)) {
      if (entry.kind === 'config') history.record(entry.index, normalizeConfig(configOfEntry(entry)));
    }
    return history;
  }

  private get config(): ClusterConfig {
    return this.configHistory.current;
  }

  /**
   * Whether this replica knows its group: a configuration from bootstrap, a snapshot or its
   * log, and (for a replica added by a membership change) one no older than its own addition
   * (RaftOptions.joinIndex).
   */
  private get isInitialized(): boolean {
    const config = this.config;
    return (config.voters.length > 0 || config.learners.length > 0) && this.reachedJoinIndex;
  }

  /** Whether the log reaches RaftOptions.joinIndex (always true without one). */
  private get reachedJoinIndex(): boolean {
    return this.log.lastIndex >= this.settings.joinIndex;
  }

  /**
   * Changes the base election timeout and heartbeat interval (Raft §5.6: they follow the
   * broadcast time, which changes when the voters move; see timing.ts). Elapsed time is
   * kept; the current randomized timeout is drawn again from the new range, so that the
   * randomization that breaks split votes holds at once.
   */
  retime(timing: RaftTiming): void {
    if (timing.electionTicks === this.settings.electionTicks && timing.heartbeatTicks === this.settings.heartbeatTicks) return;
    assertInvariant(timing.heartbeatTicks > 0 && timing.electionTicks > timing.heartbeatTicks, () =>
      `${this.id}: electionTicks (${timing.electionTicks}) must exceed heartbeatTicks (${timing.heartbeatTicks}) > 0`);
    this.settings.electionTicks = timing.electionTicks;
    this.settings.heartbeatTicks = timing.heartbeatTicks;
    this.randomizedElectionTimeoutTicks = this.drawElectionTimeoutTicks();
    this.checkInvariants();
  }

  /** The base election timeout and heartbeat interval in force. */
  get timing(): RaftTiming {
    return { electionTicks: this.settings.electionTicks, heartbeatTicks: this.settings.heartbeatTicks };
  }

  // -------------------------------------------------------------------------------------
  // Inputs: time and messages.

  /**
   * One logical tick: the only way time enters the core.
   *
   * `hostTick` is the host's count of ticks, when one timer ticks many groups (a node's
   * Raft service). A leader then heartbeats on the host ticks that are multiples of its
   * interval, whenever it was elected, so every group a node leads sends its heartbeats to
   * one peer on the same tick, and they travel as one message (CockroachDB's coalesced
   * heartbeats). Two heartbeats are still never more than an interval apart; the first one
   * after an election may come sooner.
   */
  tick(hostTick?: number): void {
    this.hostTick = hostTick;
    this.tickRole();
    this.hostTick = undefined; // meaningful only during this tick
    this.checkInvariants();
  }

  step(message: RaftMessage): void {
    assertInvariant(message.to === this.id, () => `${this.id} was given a message addressed to ${message.to}`);
    if (this.quiesced) this.wakeOnMessage(message);
    if (message.term > this.term) {
      if (!this.acceptHigherTerm(message)) return;
    } else if (message.term < this.term) {
      this.answerLowerTerm(message);
      return;
    }
    if (message.type === 'raft.vote-request' || message.type === 'raft.pre-vote-request') {
      this.handleVoteRequest(message);
    } else {
      this.stepRole(message);
    }
    this.checkInvariants();
  }

  /** §5.1: a higher term makes us a follower, with three exceptions. Returns whether the
   *  message should still be processed. */
  private acceptHigherTerm(message: RaftMessage): boolean {
    if (message.type === 'raft.vote-request' || message.type === 'raft.pre-vote-request') {
      // Vote lease (thesis §4.2.3 and §6.2 with check-quorum): while we hear from a leader,
      // a (pre-)candidate is disruptive, not needed; ignore it unless the leader sent it.
      const inLease = this.settings.checkQuorum && this.leader !== null
        && this.electionElapsedTicks < this.settings.electionTicks;
      if (inLease && !message.leadershipTransfer) return false;
    }
    // Pre-votes never change anyone's term (thesis §9.6).
    if (message.type === 'raft.pre-vote-request') return true;
    if (message.type === 'raft.pre-vote-response' && message.granted) return true;
    this.becomeFollower(message.term, isLeaderMessage(message) ? message.from : null);
    return true;
  }

  private answerLowerTerm(message: RaftMessage): void {
    if ((this.settings.checkQuorum || this.settings.preVote)
      && (message.type === 'raft.append' || message.type === 'raft.heartbeat')) {
      // With pre-vote or check-quorum our term may have moved on while a stale leader
      // cannot learn of it from our (ignored) votes: tell it our term so it steps down.
      this.send({ from: this.id,
        type: 'raft.append-response', to: message.from, term: this.term,
        success: false, matchIndex: 0, rejectedIndex: 0, conflictIndex: 0, conflictTerm: null,
      });
    } else if (message.type === 'raft.pre-vote-request') {
      this.send({ from: this.id, type: 'raft.pre-vote-response', to: message.from, term: this.term, granted: false });
    }
  }

  /** RequestVote receiver (§5.2, §5.4.1), shared by every role. */
  private handleVoteRequest(message: VoteRequestMessage): void {
    const preVote = message.type === 'raft.pre-vote-request';
    const responseType = preVote ? 'raft.pre-vote-response' : 'raft.vote-response';
    // One vote per term: we may repeat our vote, or vote if we have neither voted nor
    // heard from a leader in this term. A pre-vote for a later term binds nothing.
    const canVote = this.votedFor === message.from
      || (this.votedFor === null && this.leader === null)
      || (preVote && message.term > this.term);
    // A replica that has not yet received its group's state (a node being added, or a
    // removed replica created again) knows no configuration and holds no log: it cannot
    // judge whether the candidate holds every committed entry, so it does not vote. Its
    // empty log would make any candidate look up to date, and a candidate whose stale
    // configuration still names this node could win without the committed entries.
    if (canVote && this.isInitialized && this.log.isUpToDate(message.lastLogIndex, message.lastLogTerm) && !this.outranksPreCandidate(message)) {
      this.send({ from: this.id, type: responseType, to: message.from, term: message.term, granted: true });
      if (!preVote) {
        assertInvariant(this.votedFor === null || this.votedFor === message.from, () =>
          `${this.id} would vote twice in term ${this.term}`);
        this.electionElapsedTicks = 0;
        this.votedFor = message.from;
      }
    } else {
      this.send({ from: this.id, type: responseType, to: message.from, term: this.term, granted: false });
    }
  }

  /**
   * Two pre-candidates whose timers fired less than one message latency apart would each
   * grant the other's pre-vote, both become candidates, vote for themselves and split the
   * vote (with wide-area latencies, in a good share of elections). A pre-vote binds
   * nothing (thesis §9.6), so a pre-candidate may refuse it to a rival asking for the same
   * term whose log is no more up to date than its own and whose id is higher: of two such
   * rivals exactly one goes on to the real election, as ZooKeeper's leader election breaks
   * ties by server id. The refusal lasts only while this node is a pre-candidate, a round
   * trip at most, so it blocks no election: a rival that can win gets its quorum from the
   * others, or from this node once its own pre-vote has failed.
   */
  private outranksPreCandidate(message: VoteRequestMessage): boolean {
    if (message.type !== 'raft.pre-vote-request' || this.role !== 'pre-candidate' || message.term !== this.term + 1) return false;
    const rivalAhead = message.lastLogTerm > this.log.lastTerm
      || (message.lastLogTerm === this.log.lastTerm && message.lastLogIndex > this.log.lastIndex);
    return !rivalAhead && this.id < message.from;
  }

  // -------------------------------------------------------------------------------------
  // Role step and tick functions, swapped on role change.

  private readonly stepFollower = (message: RaftMessage): void => {
    switch (message.type) {
      case 'raft.append':
        this.heardFromLeader(message.from);
        this.handleAppendEntries(message);
        break;
      case 'raft.heartbeat':
        this.heardFromLeader(message.from);
        this.handleHeartbeat(message);
        break;
      case 'raft.install-snapshot':
        this.heardFromLeader(message.from);
        this.handleInstallSnapshot(message);
        break;
      case 'raft.timeout-now':
        // Thesis §3.10: the leader asks us to start an election now, without pre-vote.
        this.startCampaign('transfer');
        break;
      default:
        break; // Stale responses from an earlier role.
    }
  };

  /** Shared by pre-candidates and candidates. */
  private readonly stepCandidate = (message: RaftMessage): void => {
    if (isLeaderMessage(message)) {
      // §5.2: a leader of our term exists; its term is the one we campaign in.
      this.becomeFollower(message.term, message.from);
      this.stepFollower(message);
      return;
    }
    const expected = this.role === 'pre-candidate' ? 'raft.pre-vote-response' : 'raft.vote-response';
    if (message.type === expected) this.handleVoteResponse(message as VoteResponseMessage);
  };

  private readonly stepLeader = (message: RaftMessage): void => {
    switch (message.type) {
      case 'raft.append-response':
        this.handleAppendResponse(message);
        break;
      case 'raft.heartbeat-response':
        this.handleHeartbeatResponse(message);
        break;
      case 'raft.append':
      case 'raft.heartbeat':
      case 'raft.install-snapshot':
        assertInvariant(false, `Election Safety: ${this.id} and ${message.from} both lead term ${this.term}`);
        break;
      default:
        break;
    }
  };

  private readonly tickElection = (): void => {
    if (this.quiesced) return;
    this.electionElapsedTicks++;
    if (this.isPromotable() && this.electionElapsedTicks >= this.randomizedElectionTimeoutTicks) {
      this.electionElapsedTicks = 0;
      this.startCampaign(this.settings.preVote ? 'pre-vote' : 'election');
    }
  };

  private readonly tickHeartbeat = (): void => {
    // A quiesced leader does not check its quorum either: membership tells it of failures.
    if (this.quiesced) return;
    this.heartbeatElapsedTicks++;
    this.electionElapsedTicks++;
    this.leaderTicks++;
    if (this.catchUps.size > 0) this.observeCatchUps();
    if (this.electionElapsedTicks >= this.settings.electionTicks) {
      this.electionElapsedTicks = 0;
      // Thesis §6.2: a leader that has not heard from a quorum in an election timeout
      // steps down, so clients can find the real leader.
      if (this.settings.checkQuorum && !this.quorumRecentlyActive()) {
        this.becomeFollower(this.term, null);
        return;
      }
      // Thesis §3.10: a transfer that did not complete within an election timeout aborts.
      this.leadTransferee = null;
    }
    if (this.heartbeatDue()) {
      this.heartbeatElapsedTicks = 0;
      if (this.readyToQuiesce()) return this.quiesce();
      this.broadcastHeartbeat();
      this.retryStalledSnapshots();
    }
  };

  /** The interval has passed, or (see `tick`) the host's tick is a multiple of it. */
  private heartbeatDue(): boolean {
    const interval = this.settings.heartbeatTicks;
    return this.heartbeatElapsedTicks >= interval || (this.hostTick !== undefined && this.hostTick % interval === 0);
  }

  private heardFromLeader(leader: NodeId): void {
    this.electionElapsedTicks = 0;
    this.leader = leader;
  }

  // -------------------------------------------------------------------------------------
  // Role changes.

  private becomeFollower(term: number, leader: NodeId | null): void {
    this.reset(term);
    this.role = 'follower';
    this.leader = leader;
    this.stepRole = this.stepFollower;
    this.tickRole = this.tickElection;
  }

  private becomePreCandidate(): void {
    assertInvariant(this.role !== 'leader', 'a leader cannot become a pre-candidate');
    // The term and vote stay: a pre-vote changes nothing durable (thesis §9.6).
    this.votes.clear();
    this.leader = null;
    // A quiesced follower asked to campaign (etcd's Campaign) wakes: only leaders and
    // followers may be quiet, and a campaign needs its election timer running again.
    this.quiesced = false;
    this.idleHeartbeatRounds = 0;
    this.role = 'pre-candidate';
    this.stepRole = this.stepCandidate;
    this.tickRole = this.tickElection;
  }

  private becomeCandidate(): void {
    assertInvariant(this.role !== 'leader', 'a leader cannot become a candidate');
    this.reset(this.term + 1);
    this.votedFor = this.id;
    this.role = 'candidate';
    this.stepRole = this.stepCandidate;
    this.tickRole = this.tickElection;
  }

  private becomeLeader(): void {
    assertInvariant(this.role === 'candidate', () => `only a candidate becomes leader, ${this.id} is ${this.role}`);
    this.reset(this.term);
    this.role = 'leader';
    this.leader = this.id;
    this.stepRole = this.stepLeader;
    this.tickRole = this.tickHeartbeat;
    for (const id of [...this.config.voters, ...this.config.learners]) this.addProgress(id);
    // A config entry still uncommitted in our log counts as the one pending change.
    this.pendingConfigIndex = this.configHistory.currentIndex;
    // §8 and thesis §6.4: a no-op of our term lets us commit (and learn) the commit index.
    this.appendAsLeader('noop', undefined);
    this.maybeCommit();
  }

  private reset(term: number): void {
    if (term !== this.term) {
      assertInvariant(term > this.term, () => `term would decrease from ${this.term} to ${term}`);
      this.term = term;
      this.votedFor = null;
    }
    this.leader = null;
    this.quiesced = false;
    this.idleHeartbeatRounds = 0;
    this.followersActiveAtLastCheck = false;
    this.electionElapsedTicks = 0;
    this.heartbeatElapsedTicks = 0;
    this.randomizedElectionTimeoutTicks = this.drawElectionTimeoutTicks();
    this.leadTransferee = null;
    this.votes.clear();
    this.progress.clear();
    this.catchUps.clear();
    this.leaderTicks = 0;
    this.pendingConfigIndex = 0;
    this.appendBroadcastPending = false;
    this.heartbeatBroadcastPending = false;
    this.droppedReads.push(...this.readsAwaitingCommit, ...this.reads.clear());
    this.readsAwaitingCommit = [];
  }

  /** §5.2: election timeouts drawn uniformly from [electionTicks, 2 * electionTicks). */
  private drawElectionTimeoutTicks(): number {
    const draw = this.random();
    assertInvariant(draw >= 0 && draw < 1, () => `random() must return a value in [0, 1), got ${draw}`);
    return this.settings.electionTicks + Math.floor(draw * this.settings.electionTicks);
  }

  private isPromotable(): boolean {
    return this.config.voters.includes(this.id) && this.reachedJoinIndex;
  }

  // -------------------------------------------------------------------------------------
  // Elections (§5.2, thesis §9.6 pre-vote).

  private startCampaign(kind: CampaignKind): void {
    if (!this.isPromotable()) return;
    if (kind === 'pre-vote') this.becomePreCandidate();
    else this.becomeCandidate();
    const voteTerm = kind === 'pre-vote' ? this.term + 1 : this.term;
    this.votes.set(this.id, true);
    if (voteResult(this.config.voters, this.votes) === 'won') {
      if (kind === 'pre-vote') this.startCampaign('election');
      else this.becomeLeader();
      return;
    }
    const type = kind === 'pre-vote' ? 'raft.pre-vote-request' : 'raft.vote-request';
    for (const voter of this.config.voters) {
      if (voter === this.id) continue;
      this.send({ from: this.id,
        type, to: voter, term: voteTerm,
        lastLogIndex: this.log.lastIndex, lastLogTerm: this.log.lastTerm,
        leadershipTransfer: kind === 'transfer',
      });
    }
  }

  private handleVoteResponse(message: VoteResponseMessage): void {
    if (!this.votes.has(message.from)) this.votes.set(message.from, message.granted);
    const result = voteResult(this.config.voters, this.votes);
    if (result === 'won') {
      if (this.role === 'pre-candidate') this.startCampaign('election');
      else this.becomeLeader();
    } else if (result === 'lost') {
      this.becomeFollower(this.term, null);
    }
  }

  // -------------------------------------------------------------------------------------
  // Follower side of replication (§5.3, §7).

  private handleAppendEntries(message: AppendEntriesMessage): void {
    if (message.prevLogIndex < this.log.commitIndex) {
      // Everything up to our commit index matches any current leader (Leader Completeness).
      this.sendAppendSuccess(message.from, this.log.commitIndex);
      return;
    }
    const result = this.log.maybeAppend(message.prevLogIndex, message.prevLogTerm, message.entries);
    if (result === null) {
      const hint = this.log.conflictHint(message.prevLogIndex);
      this.send({ from: this.id,
        type: 'raft.append-response', to: message.from, term: this.term, success: false, matchIndex: 0,
        rejectedIndex: message.prevLogIndex, conflictIndex: hint.conflictIndex, conflictTerm: hint.conflictTerm,
      });
      return;
    }
    if (result.appendedFromIndex !== null) this.adoptAppendedConfigs(message.entries, result.appendedFromIndex);
    this.log.commitTo(Math.min(message.leaderCommitIndex, result.lastNewIndex));
    this.sendAppendSuccess(message.from, result.lastNewIndex);
  }

  /** §4.1: a configuration takes effect once appended; a truncated one is undone. */
  private adoptAppendedConfigs(entries: readonly Entry[], appendedFromIndex: number): void {
    this.configHistory.truncateFrom(appendedFromIndex);
    for (const entry of entries) {
      if (entry.index >= appendedFromIndex && entry.kind === 'config') {
        this.configHistory.record(entry.index, normalizeConfig(configOfEntry(entry)));
      }
    }
  }

  private handleHeartbeat(message: HeartbeatMessage): void {
    // The leader caps the commit index at our known match, so it never passes our log. A
    // replica below its join index that hears of a commit past its log got a heartbeat meant
    // for the earlier replica of this node: removed and added back within the leader's term,
    // the leader had sent it that replica's match, and it arrived late (rebalancing seed
    // 7243). Such a commit is at most the group's commit index when this replica was made, its
    // join index, so once the log reaches that no stray heartbeat can pass it. Dropped.
    if (message.leaderCommitIndex > this.log.lastIndex && !this.isInitialized) return;
    this.log.commitTo(message.leaderCommitIndex);
    // The leader's last heartbeat before it goes quiet: stop the election timer with it.
    if (message.quiesce === true && this.role === 'follower') this.quiesced = true;
    this.send({ from: this.id, type: 'raft.heartbeat-response', to: message.from, term: this.term, readSequence: message.readSequence });
  }

  private handleInstallSnapshot(message: InstallSnapshotMessage): void {
    const snapshot = message.snapshot;
    if (snapshot.index <= this.log.commitIndex) {
      this.sendAppendSuccess(message.from, this.log.commitIndex);
      return;
    }
    if (this.log.matchTerm(snapshot.index, snapshot.term)) {
      // §7: our log already holds the snapshot's last entry; keep the entries after it.
      this.log.commitTo(snapshot.index);
      this.sendAppendSuccess(message.from, snapshot.index);
      return;
    }
    this.log.restore(snapshot);
    this.configHistory.resetTo(snapshot.index, normalizeConfig(snapshot.config));
    this.sendAppendSuccess(message.from, snapshot.index);
  }

  private sendAppendSuccess(to: NodeId, matchIndex: number): void {
    this.send({ from: this.id,
      type: 'raft.append-response', to, term: this.term, success: true, matchIndex,
      rejectedIndex: 0, conflictIndex: 0, conflictTerm: null,
    });
  }

  // -------------------------------------------------------------------------------------
  // Leader side of replication (§5.3, §5.4.2, flow control as in etcd).

  private handleAppendResponse(message: AppendResponseMessage): void {
    const progress = this.progress.get(message.from);
    if (progress === undefined) return;
    progress.recentActive = true;
    if (!message.success) {
      if (progress.maybeDecreaseTo(message.rejectedIndex, this.nextIndexFromHint(message))) {
        this.sendAppend(message.from, true);
      }
      return;
    }
    if (!progress.maybeUpdate(message.matchIndex)) {
      // A positive answer to a probe that moves nothing still proves where logs match.
      if (progress.state === 'probe' && message.matchIndex + 1 >= progress.nextIndex) {
        progress.becomeReplicate();
        this.sendAppendsWhileOpen(message.from);
      }
      return;
    }
    this.onProgressAdvanced(message.from, progress);
  }

  private onProgressAdvanced(peer: NodeId, progress: Progress): void {
    if (progress.state === 'probe') {
      progress.becomeReplicate();
    } else if (progress.state === 'snapshot') {
      if (progress.matchIndex >= progress.pendingSnapshotIndex) {
        progress.becomeProbe();
        progress.becomeReplicate();
      }
    } else {
      progress.inflights.freeUpTo(progress.matchIndex);
    }
    // The new commit index travels with the next append or heartbeat (a heartbeat caps it
    // at the follower's match index), not in an empty append of its own: the leader has
    // already applied and answered, and followers only need it before they could lead or
    // before the group goes quiet (the quiesce heartbeat carries it). That spared round
    // was about half of a write's Raft messages.
    this.maybeCommit();
    if (this.role !== 'leader') return;
    if (progress.isLearner) this.catchUps.get(peer)?.observe(progress.matchIndex, this.log.lastIndex, this.leaderTicks, this.settings.electionTicks);
    this.sendAppendsWhileOpen(peer);
    if (peer === this.leadTransferee && progress.matchIndex === this.log.lastIndex) this.sendTimeoutNow(peer);
  }

  /** End of §5.3: skip a whole conflicting term per round trip using the follower's hint. */
  private nextIndexFromHint(message: AppendResponseMessage): number {
    if (message.conflictTerm === null) return message.conflictIndex;
    const lastIndexOfTerm = this.log.lastIndexOfTerm(message.conflictTerm);
    return lastIndexOfTerm === null ? message.conflictIndex : lastIndexOfTerm + 1;
  }

  private handleHeartbeatResponse(message: HeartbeatResponseMessage): void {
    const progress = this.progress.get(message.from);
    if (progress === undefined) return;
    progress.recentActive = true;
    progress.probeSent = false;
    // A lost append would otherwise hold a full window forever.
    if (progress.state === 'replicate' && progress.inflights.isFull()) progress.inflights.freeFirst();
    if (progress.matchIndex < this.log.lastIndex) this.sendAppend(message.from, true);
    if (message.readSequence > 0) {
      this.reads.acknowledge(message.from, message.readSequence);
      this.releaseConfirmedReads();
    }
  }

  /** §5.3 and §5.4.2: commit the highest index stored on a majority, but only if it is an
   *  entry of the current term (Figure 8: older entries commit only indirectly). */
  private maybeCommit(): boolean {
    const quorumIndex = quorumMatchIndex(this.config.voters, (id) => this.progress.get(id)?.matchIndex ?? 0);
    if (quorumIndex <= this.log.commitIndex || this.log.term(quorumIndex) !== this.term) return false;
    this.log.commitTo(quorumIndex);
    this.onLeaderCommitAdvanced();
    return true;
  }

  private onLeaderCommitAdvanced(): void {
    if (this.readsAwaitingCommit.length > 0 && this.committedInCurrentTerm()) {
      const waiting = this.readsAwaitingCommit;
      this.readsAwaitingCommit = [];
      for (const requestId of waiting) this.registerRead(requestId);
    }
    if (!this.isPromotable() && this.log.commitIndex >= this.configHistory.currentIndex) {
      // Thesis §4.2.2: a leader removed from the configuration steps down once the
      // removal commits; first it tells the others about the commit.
      this.broadcastAppend();
      this.becomeFollower(this.term, null);
    }
  }

  private committedInCurrentTerm(): boolean {
    return this.log.term(this.log.commitIndex) === this.term;
  }

  private broadcastAppend(): void {
    for (const peer of this.progress.keys()) if (peer !== this.id) this.sendAppend(peer, true);
  }

  /** Fill the inflight window to `peer` (bounded by its capacity). */
  private sendAppendsWhileOpen(peer: NodeId): void {
    for (let sent = 0; sent <= this.settings.maxInflightMessages; sent++) {
      if (!this.sendAppend(peer, false)) return;
    }
  }

  /** Sends AppendEntries (or InstallSnapshot when the entries are compacted) to `peer`.
   *  Returns whether a message went out. */
  private sendAppend(peer: NodeId, sendIfEmpty: boolean): boolean {
    const progress = this.progress.get(peer);
    if (progress === undefined || progress.isPaused()) return false;
    const prevLogIndex = progress.nextIndex - 1;
    const prevLogTerm = this.log.term(prevLogIndex);
    if (prevLogTerm === undefined) return this.sendSnapshot(peer, progress);
    const entries = this.log.slice(progress.nextIndex, this.settings.maxEntriesPerMessage);
    if (entries.length === 0 && !sendIfEmpty) return false;
    this.send({ from: this.id,
      type: 'raft.append', to: peer, term: this.term, prevLogIndex, prevLogTerm, entries,
      leaderCommitIndex: this.log.commitIndex,
    });
    if (progress.state === 'replicate' && entries.length > 0) {
      const lastSentIndex = entries[entries.length - 1].index;
      progress.optimisticUpdate(lastSentIndex);
      progress.inflights.add(lastSentIndex);
    } else if (progress.state === 'probe') {
      progress.probeSent = true;
    }
    return true;
  }

  /** §7: the follower needs entries we compacted. */
  private sendSnapshot(peer: NodeId, progress: Progress): boolean {
    const snapshot = this.log.snapshot;
    assertInvariant(snapshot !== null, () => `no snapshot to send ${peer} though index ${progress.nextIndex - 1} is compacted`);
    progress.becomeSnapshot(snapshot.index);
    this.send({ from: this.id, type: 'raft.install-snapshot', to: peer, term: this.term, snapshot });
    return true;
  }

  /** A lost InstallSnapshot would stall a follower: after an election timeout, probe again. */
  private retryStalledSnapshots(): void {
    for (const [peer, progress] of this.progress) {
      if (progress.state !== 'snapshot') continue;
      progress.stalledTicks += this.settings.heartbeatTicks;
      if (progress.stalledTicks < this.settings.electionTicks) continue;
      progress.becomeProbe();
      this.sendAppend(peer, true);
    }
  }

  private broadcastHeartbeat(quiesce = false): void {
    for (const [peer, progress] of this.progress) {
      if (peer === this.id) continue;
      const leaderCommitIndex = Math.min(progress.matchIndex, this.log.commitIndex);
      const readSequence = this.reads.latestSequence;
      this.send(quiesce
        ? { from: this.id, type: 'raft.heartbeat', to: peer, term: this.term, leaderCommitIndex, readSequence, quiesce }
        : { from: this.id, type: 'raft.heartbeat', to: peer, term: this.term, leaderCommitIndex, readSequence });
    }
  }

  // -------------------------------------------------------------------------------------
  // Quiescence (CockroachDB range quiescence, TiKV hibernate regions).

  /**
   * Counts idle heartbeat intervals; true once the group has been idle long enough. Idle
   * means: every entry is committed and of our term (so followers can learn the commit
   * index from one heartbeat), every follower holds all of them and answered within the
   * last check-quorum period, and no read, transfer or proposal is pending.
   */
  private readyToQuiesce(): boolean {
    if (this.settings.quiesceAfterIdleTicks <= 0 || !this.groupIsIdle()) {
      this.idleHeartbeatRounds = 0;
      return false;
    }
    this.idleHeartbeatRounds++;
    return this.idleHeartbeatRounds * this.settings.heartbeatTicks >= this.settings.quiesceAfterIdleTicks;
  }

  private groupIsIdle(): boolean {
    const lastIndex = this.log.lastIndex;
    if (this.leadTransferee !== null || this.reads.pendingCount > 0 || this.readsAwaitingCommit.length > 0) return false;
    if (this.appendBroadcastPending || this.heartbeatBroadcastPending) return false;
    if (this.log.commitIndex !== lastIndex || this.log.term(lastIndex) !== this.term) return false;
    const caughtUp = this.everyFollower((progress) => progress.matchIndex === lastIndex && progress.state === 'replicate');
    const responsive = this.followersActiveAtLastCheck || this.everyFollower((progress) => progress.recentActive);
    return caughtUp && responsive;
  }

  private everyFollower(predicate: (progress: Progress) => boolean): boolean {
    for (const [peer, progress] of this.progress) if (peer !== this.id && !predicate(progress)) return false;
    return true;
  }

  /** The last heartbeat carries the final commit index and tells followers to go quiet. */
  private quiesce(): void {
    assertInvariant(this.role === 'leader' && this.groupIsIdle(), () => `${this.id} may not quiesce: not an idle leader`);
    this.broadcastHeartbeat(true);
    this.quiesced = true;
    this.idleHeartbeatRounds = 0;
    // Every follower was responsive and caught up just now; that stays the leader's
    // knowledge while the group is quiet (a wake starts the proof afresh).
    for (const [peer, progress] of this.progress) if (peer !== this.id) progress.recentActive = true;
  }

  /**
   * A quiesced node wakes on any traffic except the quiesce round itself (its heartbeats
   * and their answers). A follower woken by anyone but its leader asks the leader to wake
   * too, or its election timer would soon fire against a healthy, silent leader.
   */
  private wakeOnMessage(message: RaftMessage): void {
    if (message.type === 'raft.heartbeat' && message.quiesce === true) return;
    if (message.type === 'raft.heartbeat-response' && message.wake !== true) return;
    const fromLeader = isLeaderMessage(message) && message.from === this.leader;
    this.wake(!fromLeader);
  }

  private wake(askLeader: boolean): void {
    if (!this.quiesced) return;
    this.quiesced = false;
    this.idleHeartbeatRounds = 0;
    this.electionElapsedTicks = 0;
    this.heartbeatElapsedTicks = 0;
    if (this.role === 'leader') {
      // Followers must prove they are alive afresh before the next check-quorum.
      for (const [peer, progress] of this.progress) if (peer !== this.id) progress.recentActive = false;
      this.followersActiveAtLastCheck = false;
      this.heartbeatBroadcastPending = true;
    } else if (askLeader && this.leader !== null) {
      this.send({ from: this.id, type: 'raft.heartbeat-response', to: this.leader, term: this.term, readSequence: 0, wake: true });
    }
  }

  /**
   * The host's failure detector (cluster membership) suspects `peer`. A quiesced leader
   * wakes, so that check-quorum runs again and a lost follower is noticed. A quiesced
   * follower whose leader is suspected wakes with its vote lease over: its election timer
   * fires within one election timeout unless the leader, asked to wake, answers first.
   */
  reportPeerSuspected(peer: NodeId): void {
    if (!this.quiesced || peer === this.id) return;
    if (this.role === 'leader' && this.progress.has(peer)) {
      this.wake(false);
    } else if (this.role === 'follower' && peer === this.leader) {
      this.wake(true);
      this.electionElapsedTicks = this.settings.electionTicks;
    }
    this.checkInvariants();
  }

  /** Whether this node's timers are stopped because its group is idle. */
  get isQuiesced(): boolean {
    return this.quiesced;
  }

  private quorumRecentlyActive(): boolean {
    const active = hasQuorum(this.config.voters, (id) => id === this.id || this.progress.get(id)?.recentActive === true);
    this.followersActiveAtLastCheck = this.everyFollower((progress) => progress.recentActive);
    for (const [peer, progress] of this.progress) if (peer !== this.id) progress.recentActive = false;
    return active;
  }

  private addProgress(id: NodeId): void {
    const progress = new Progress(this.log.lastIndex + 1, this.settings.maxInflightMessages, this.config.learners.includes(id));
    if (progress.isLearner) this.catchUps.set(id, new CatchUpRounds(this.settings.maxCatchUpRounds));
    if (id === this.id) {
      progress.maybeUpdate(this.log.lastIndex);
      progress.becomeReplicate();
      progress.recentActive = true;
    }
    this.progress.set(id, progress);
  }

  private appendAsLeader(kind: EntryKind, data: unknown): Entry {
    const entry: Entry = Object.freeze(
      data === undefined
        ? { term: this.term, index: this.log.lastIndex + 1, kind }
        : { term: this.term, index: this.log.lastIndex + 1, kind, data },
    );
    this.log.appendAsLeader(entry);
    this.progress.get(this.id)?.maybeUpdate(entry.index);
    this.appendBroadcastPending = true;
    return entry;
  }

  // -------------------------------------------------------------------------------------
  // Client API.

  propose(data: unknown): ProposeResult {
    this.noteClientActivity();
    const rejection = this.proposalRejection();
    if (rejection !== null) return { ok: false, reason: rejection, leaderHint: this.leader };
    const entry = this.appendAsLeader('normal', data);
    this.maybeCommit();
    this.checkInvariants();
    return { ok: true, index: entry.index, term: entry.term };
  }

  /** A leader's client work wakes its group and restarts the idle count. */
  private noteClientActivity(): void {
    if (this.role !== 'leader') return;
    this.idleHeartbeatRounds = 0;
    this.wake(false);
  }

  private proposalRejection(): ProposalRejection | null {
    if (this.role !== 'leader') return 'not-leader';
    // Thesis §3.10: during a transfer the leader stops accepting proposals.
    if (this.leadTransferee !== null) return 'transfer-in-progress';
    if (!this.isPromotable()) return 'leader-removed';
    if (this.log.lastIndex - this.log.commitIndex >= this.settings.maxUncommittedEntries) return 'too-many-uncommitted';
    return null;
  }

  /**
   * Single-server membership change (thesis §4.1) with the 2015 fix: the leader must have
   * committed an entry of its term, and only one change may be uncommitted. Promotion is
   * rejected until the learner's log has reached the leader's commit index.
   */
  proposeConfigChange(change: ConfigChange): ConfigChangeResult {
    this.noteClientActivity();
    const rejection = this.proposalRejection() ?? this.configChangeRejection(change);
    if (rejection !== null) return { ok: false, reason: rejection, leaderHint: this.leader };
    const result = applyConfigChange(this.config, change);
    assertInvariant(result.ok, 'a validated config change failed to apply');
    const entry = this.appendAsLeader('config', { type: change.type, node: change.node, resultingConfig: result.config });
    this.configHistory.record(entry.index, normalizeConfig(result.config));
    this.pendingConfigIndex = entry.index;
    this.onLeaderConfigChanged();
    this.maybeCommit();
    this.checkInvariants();
    return { ok: true, index: entry.index, term: entry.term };
  }

  private configChangeRejection(change: ConfigChange): ConfigChangeRejection | null {
    if (!this.committedInCurrentTerm()) return 'no-commit-in-current-term';
    if (this.pendingConfigIndex > this.log.commitIndex) return 'config-change-pending';
    const result = applyConfigChange(this.config, change);
    if (!result.ok) return result.reason;
    if (change.type === 'promote') return this.promotionRejection(change.node);
    return null;
  }

  /** Thesis §4.2.1: a learner becomes a voter once a round of catching up took less than an election timeout. */
  private promotionRejection(learner: NodeId): ConfigChangeRejection | null {
    const progress = this.progress.get(learner);
    const catchUp = this.catchUps.get(learner);
    if (progress === undefined || catchUp === undefined) return 'learner-not-caught-up';
    catchUp.observe(progress.matchIndex, this.log.lastIndex, this.leaderTicks, this.settings.electionTicks);
    const state = catchUp.status(this.leaderTicks, this.settings.electionTicks).state;
    if (state === 'aborted') return 'learner-catch-up-aborted';
    return state === 'caught-up' ? null : 'learner-not-caught-up';
  }

  /** Every tick: rounds begin when entries arrive and end when the learner holds them. */
  private observeCatchUps(): void {
    for (const [learner, catchUp] of this.catchUps) {
      const matchIndex = this.progress.get(learner)?.matchIndex ?? 0;
      catchUp.observe(matchIndex, this.log.lastIndex, this.leaderTicks, this.settings.electionTicks);
    }
  }

  private onLeaderConfigChanged(): void {
    const config = this.config;
    for (const peer of [...this.progress.keys()]) if (!isMember(config, peer)) this.progress.delete(peer);
    for (const id of [...config.voters, ...config.learners]) {
      const progress = this.progress.get(id);
      if (progress === undefined) this.addProgress(id);
      else progress.isLearner = config.learners.includes(id);
    }
    for (const id of [...this.catchUps.keys()]) if (!config.learners.includes(id)) this.catchUps.delete(id);
    if (this.leadTransferee !== null && !config.voters.includes(this.leadTransferee)) this.leadTransferee = null;
  }

  /**
   * ReadIndex (thesis §6.4). Only the leader serves it; followers answer not-leader with a
   * hint and the host redirects (no forwarding). The leader waits for an entry of its term
   * to commit, records the commit index, confirms leadership with one heartbeat round to a
   * quorum, then emits a ReadState. Reads that can no longer be confirmed because the node
   * lost leadership come back in Ready.droppedReads.
   */
  readIndex(requestId: string): ReadIndexResult {
    this.noteClientActivity();
    if (this.role !== 'leader') return { ok: false, reason: 'not-leader', leaderHint: this.leader };
    if (this.reads.pendingCount + this.readsAwaitingCommit.length >= this.settings.maxPendingReads) {
      return { ok: false, reason: 'too-many-pending-reads', leaderHint: this.leader };
    }
    if (this.committedInCurrentTerm()) this.registerRead(requestId);
    else this.readsAwaitingCommit.push(requestId);
    this.checkInvariants();
    return { ok: true };
  }

  private registerRead(requestId: string): void {
    this.reads.add(requestId, this.log.commitIndex);
    this.heartbeatBroadcastPending = true;
    this.releaseConfirmedReads();
  }

  private releaseConfirmedReads(): void {
    for (const readState of this.reads.takeConfirmed(this.config.voters, this.id)) this.readStates.push(readState);
  }

  /**
   * Leadership transfer (thesis §3.10): stop accepting proposals, bring the target's log
   * up to date, then send it TimeoutNow. Aborts after an election timeout.
   */
  transferLeadership(to: NodeId): TransferResult {
    this.noteClientActivity();
    if (this.role !== 'leader') return { ok: false, reason: 'not-leader', leaderHint: this.leader };
    if (to === this.id || to === this.leadTransferee) return { ok: true };
    if (!this.config.voters.includes(to)) return { ok: false, reason: 'not-a-voter', leaderHint: this.leader };
    this.leadTransferee = to;
    this.electionElapsedTicks = 0;
    const progress = this.progress.get(to);
    if (progress !== undefined && progress.matchIndex === this.log.lastIndex) this.sendTimeoutNow(to);
    else this.sendAppend(to, true);
    this.checkInvariants();
    return { ok: true };
  }

  private sendTimeoutNow(to: NodeId): void {
    this.send({ from: this.id, type: 'raft.timeout-now', to, term: this.term });
  }

  /** Starts an election now, as an election timeout would (with pre-vote if enabled);
   *  etcd's Campaign. `skipPreVote` asks for votes at once, as a candidate (a test of
   *  candidates' split votes: pre-candidates asking at once no longer split, see
   *  outranksPreCandidate). Does nothing on a leader or on a node that is not a voter. */
  campaign(options: { readonly skipPreVote?: boolean } = {}): void {
    if (this.role === 'leader') return;
    this.startCampaign(this.settings.preVote && options.skipPreVote !== true ? 'pre-vote' : 'election');
    this.checkInvariants();
  }

  /** The host learned that `peer` cannot be reached: stop pipelining to it. */
  reportUnreachable(peer: NodeId): void {
    const progress = this.progress.get(peer);
    if (this.role === 'leader' && progress !== undefined && progress.state === 'replicate') progress.becomeProbe();
  }

  /** Optional: the host learned that `peer` restored the InstallSnapshot it was sent. The
   *  follower's answer normally tells the leader; this only resumes probing sooner. */
  reportSnapshotApplied(peer: NodeId): void {
    const progress = this.progress.get(peer);
    if (this.role !== 'leader' || progress === undefined || progress.state !== 'snapshot') return;
    progress.becomeProbe();
  }

  /** Optional: the host learned that an InstallSnapshot to `peer` was lost; the leader
   *  probes again (and sends the snapshot again if still needed) without waiting. */
  reportSnapshotFailed(peer: NodeId): void {
    const progress = this.progress.get(peer);
    if (this.role !== 'leader' || progress === undefined || progress.state !== 'snapshot') return;
    progress.pendingSnapshotIndex = 0;
    progress.becomeProbe();
  }

  /**
   * Log compaction (§7): the host applied entries up to `index` (<= appliedIndex) and hands
   * over its state-machine image. Returns the Snapshot the host must store durably (it may
   * then delete its stored entries up to `index`), or null if `index` is not past the
   * current snapshot. Call it after `advance`, never between `ready` and `advance`.
   */
  compact(index: number, stateMachineData: unknown): Snapshot | null {
    if (index <= this.log.snapshotIndex) return null;
    const term = this.log.term(index);
    assertInvariant(term !== undefined && index <= this.log.appliedIndex, () =>
      `compact(${index}) beyond appliedIndex ${this.log.appliedIndex}`);
    const snapshot: Snapshot = Object.freeze({ index, term, config: this.configHistory.configAt(index), data: stateMachineData });
    this.log.compact(snapshot);
    this.configHistory.compactTo(index);
    this.checkInvariants();
    return snapshot;
  }

  // -------------------------------------------------------------------------------------
  // Ready / advance.

  hasReady(): boolean {
    if (this.readyInFlight !== null) return false;
    this.flushBroadcasts();
    const persisted = this.persistedHardState;
    return this.outbox.length > 0 || this.readStates.length > 0 || this.droppedReads.length > 0
      || this.log.hasUnstableEntries() || this.log.pendingSnapshot !== null
      || this.term !== persisted.term || this.votedFor !== persisted.votedFor || this.log.commitIndex !== persisted.commitIndex
      || this.log.hasEntriesToApply();
  }

  ready(): Ready {
    assertInvariant(this.readyInFlight === null, 'ready() called again before advance()');
    this.flushBroadcasts();
    const snapshot = this.log.pendingSnapshot;
    const committedEntries = this.log.entriesToApply(this.settings.maxCommittedEntriesPerReady);
    const suggestedCompactIndex = this.suggestedCompactIndex(committedEntries);
    // Optional fields are left out rather than set to undefined (Ready's contract); they
    // are added to one literal instead of spread, which cost a copy per Ready.
    const ready: { -readonly [K in keyof Ready]: Ready[K] } = {
      entries: this.log.unstableEntries(),
      messages: this.outbox,
      committedEntries,
      readStates: this.readStates,
      droppedReads: this.droppedReads,
    };
    // A new hard state only when it changed (one object less per Ready otherwise).
    const persisted = this.persistedHardState;
    if (persisted.term !== this.term || persisted.votedFor !== this.votedFor || persisted.commitIndex !== this.log.commitIndex) ready.hardState = this.hardState();
    if (snapshot !== null) ready.snapshot = snapshot;
    if (suggestedCompactIndex !== null) ready.suggestedCompactIndex = suggestedCompactIndex;
    this.outbox = [];
    this.readStates = [];
    this.droppedReads = [];
    this.readyInFlight = ready;
    return ready;
  }

  /** The host persisted, sent and applied `ready` (see the contract in types.ts). */
  advance(ready: Ready): void {
    assertInvariant(this.readyInFlight === ready, 'advance() must get the Ready returned by the last ready()');
    this.readyInFlight = null;
    if (ready.hardState !== undefined) this.persistedHardState = ready.hardState;
    if (ready.snapshot !== undefined) {
      this.log.stableSnapshotTo(ready.snapshot.index);
      this.log.appliedTo(ready.snapshot.index);
    }
    if (ready.entries.length > 0) {
      const last = ready.entries[ready.entries.length - 1];
      this.log.stableTo(last.index, last.term);
    }
    if (ready.committedEntries.length > 0) {
      this.log.appliedTo(ready.committedEntries[ready.committedEntries.length - 1].index);
    }
    this.checkInvariants();
  }

  private flushBroadcasts(): void {
    if (this.role !== 'leader') return;
    if (this.appendBroadcastPending) {
      this.appendBroadcastPending = false;
      this.broadcastAppend();
    }
    if (this.heartbeatBroadcastPending) {
      this.heartbeatBroadcastPending = false;
      this.broadcastHeartbeat();
    }
  }

  private suggestedCompactIndex(committedEntries: readonly Entry[]): number | null {
    if (this.settings.snapshotThreshold <= 0) return null;
    const appliedAfter = committedEntries.length > 0
      ? committedEntries[committedEntries.length - 1].index
      : this.log.appliedIndex;
    return appliedAfter - this.log.snapshotIndex >= this.settings.snapshotThreshold ? appliedAfter : null;
  }

  private hardState(): HardState {
    return { term: this.term, votedFor: this.votedFor, commitIndex: this.log.commitIndex };
  }

  /** Messages are built whole at each call site (a spread copy per message was measurable). */
  private send(message: RaftMessage): void {
    assertInvariant(message.from === this.id, 'a message must come from this node');
    this.outbox.push(message);
  }

  // -------------------------------------------------------------------------------------
  // Status and invariants.

  status(): RaftStatus {
    let progress: Record<NodeId, ProgressStatus> | undefined;
    if (this.role === 'leader') {
      progress = {};
      for (const peer of this.progress.keys()) progress[peer] = this.progressOf(peer)!;
    }
    return {
      id: this.id,
      term: this.term,
      votedFor: this.votedFor,
      role: this.publicRole(),
      leader: this.leader,
      commitIndex: this.log.commitIndex,
      appliedIndex: this.log.appliedIndex,
      firstIndex: this.log.firstIndex,
      lastIndex: this.log.lastIndex,
      snapshotIndex: this.log.snapshotIndex,
      config: this.config,
      configIndex: this.configHistory.currentIndex,
      leadTransferee: this.leadTransferee,
      quiesced: this.quiesced,
      ...(progress === undefined ? {} : { progress }),
    };
  }

  /** The role now, without building a whole status (hosts ask after every Ready). */
  get currentRole(): RaftRole {
    return this.publicRole();
  }

  get currentTerm(): number {
    return this.term;
  }

  /** The leader this node knows of in its term, itself included; null if none. */
  get knownLeader(): NodeId | null {
    return this.leader;
  }

  get commitIndex(): number {
    return this.log.commitIndex;
  }

  /**
   * True once the entry at the commit index is of the current term. Until a new leader
   * commits an entry of its own term, its commit index may lag what its predecessor
   * committed (§5.4.2, §8): entries it holds may be committed without its knowing.
   */
  get hasCommittedInCurrentTerm(): boolean {
    return this.committedInCurrentTerm();
  }

  /** The configuration in effect: the same object until the configuration changes. */
  get currentConfig(): ClusterConfig {
    return this.config;
  }

  get transferTarget(): NodeId | null {
    return this.leadTransferee;
  }

  /** Leader only: what it knows of one member's replication, as `status().progress[peer]`. */
  progressOf(peer: NodeId): ProgressStatus | undefined {
    const progress = this.role === 'leader' ? this.progress.get(peer) : undefined;
    if (progress === undefined) return undefined;
    const catchUp = this.catchUps.get(peer);
    return catchUp === undefined ? progress.status() : { ...progress.status(), catchUp: catchUp.status(this.leaderTicks, this.settings.electionTicks) };
  }

  private publicRole(): RaftRole {
    if (this.role === 'follower' && this.config.learners.includes(this.id)) return 'learner';
    return this.role;
  }

  /** Log entry at `index` if still in the log (for hosts and tests). */
  entryAt(index: number): Entry | undefined {
    return this.log.entryAt(index);
  }

  /** The term of the entry at `index`, or undefined when compacted or absent. */
  termAt(index: number): number | undefined {
    return this.log.term(index);
  }

  private checkInvariants(): void {
    const commitIndex = this.log.commitIndex;
    assertInvariant(commitIndex <= this.log.lastIndex, () =>
      `${this.id}: commitIndex ${commitIndex} > lastIndex ${this.log.lastIndex}`);
    assertInvariant(this.log.appliedIndex <= commitIndex, () =>
      `${this.id}: appliedIndex ${this.log.appliedIndex} > commitIndex ${commitIndex}`);
    assertInvariant(this.log.lastTerm <= this.term, () =>
      `${this.id}: last log term ${this.log.lastTerm} is ahead of current term ${this.term}`);
    assertInvariant(!this.quiesced || this.role === 'leader' || this.role === 'follower', () =>
      `${this.id}: a ${this.role} cannot be quiesced`);
    if (this.role === 'leader') {
      assertInvariant(this.leader === this.id && this.votedFor === this.id, () =>
        `${this.id}: leader of term ${this.term} without its own vote`);
      const self = this.progress.get(this.id);
      assertInvariant(self === undefined || self.matchIndex === this.log.lastIndex, () =>
        `${this.id}: leader's own match ${self?.matchIndex} != lastIndex ${this.log.lastIndex}`);
    }
  }
}
