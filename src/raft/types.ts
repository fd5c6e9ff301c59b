/**
 * Public types of the pure Raft core (etcd-io/raft style).
 *
 * References: "In Search of an Understandable Consensus Algorithm" (Ongaro and Ousterhout,
 * 2014), cited as §N; and Ongaro's thesis "Consensus: Bridging Theory and Practice"
 * (2014), cited as "thesis §N".
 *
 * # How a host drives a RaftNode (the Ready contract)
 *
 * The core does no I/O and never reads a clock or a random source on its own. A host:
 *
 *   1. feeds inputs: `tick()` on every logical tick, `step(message)` for every message that
 *      arrives, and the client API (`propose`, `readIndex`, `proposeConfigChange`, ...);
 *   2. while `hasReady()`: takes `const ready = node.ready()` and then, in this order,
 *      a. PERSISTS, durably (synced), `ready.snapshot` (if present), then `ready.entries`
 *         (if `entries[0].index <= ` the last stored index, the stored suffix from that
 *         index on is truncated first), then `ready.hardState` (if present);
 *      b. SENDS `ready.messages`. Messages may depend on what was persisted in step (a)
 *         of the same Ready (a vote grant depends on the durable `votedFor`, an
 *         append acknowledgement on durable entries), so they must never leave the node
 *         before that sync;
 *      c. APPLIES: restores the state machine from `ready.snapshot` (if present), then
 *         applies `ready.committedEntries` in order (skipping 'noop'; 'config' entries are
 *         informational, the core already switched configuration when they were appended);
 *         serves `ready.readStates` once its applied index reaches each `index`, and fails
 *         `ready.droppedReads` with "not leader";
 *      d. calls `node.advance(ready)`.
 *   `ready()` may not be called again before `advance()` (`hasReady()` is false meanwhile).
 *   Inputs (step/tick/propose) may be interleaved between `ready()` and `advance()`; their
 *   effects surface in the next Ready. Proposals and reads made between two Readies are
 *   batched: one AppendEntries (or one heartbeat round) per follower carries them all.
 *   3. after applying, may call `compact(index, stateMachineData)` to cut the log; the host
 *      then durably stores the returned Snapshot and may delete its stored entries up to
 *      `index`. `ready.suggestedCompactIndex` hints when `snapshotThreshold` is reached.
 *
 * On restart the host builds a new RaftNode with the same options and `restored` =
 * what it synced: hard state, entries and latest snapshot. Everything else is volatile.
 */

export type NodeId = string;

export type EntryKind = 'normal' | 'noop' | 'config';

/** A log entry. Entries are immutable once created (the core freezes the ones it makes). */
export interface Entry {
  readonly term: number;
  readonly index: number;
  readonly kind: EntryKind;
  /** Client payload for 'normal'; a ConfigChangeEntryData for 'config'; absent for 'noop'. */
  readonly data?: unknown;
}

export interface ClusterConfig {
  readonly voters: readonly NodeId[];
  readonly learners: readonly NodeId[];
}

export type ConfigChangeType = 'add-learner' | 'promote' | 'add-voter' | 'remove';

/** A single-server membership change (thesis §4.1). */
export interface ConfigChange {
  readonly type: ConfigChangeType;
  readonly node: NodeId;
}

/**
 * The `data` of a 'config' entry: the change plus the configuration that results from it,
 * so that any node can learn its configuration from the latest config entry alone (a node
 * that joins later never needs the bootstrap configuration replayed).
 */
export interface ConfigChangeEntryData extends ConfigChange {
  readonly resultingConfig: ClusterConfig;
}

/** What must be durable before messages of the same Ready are sent. */
export interface HardState {
  readonly term: number;
  readonly votedFor: NodeId | null;
  readonly commitIndex: number;
}

export interface Snapshot {
  /** Index and term of the last entry the snapshot covers. */
  readonly index: number;
  readonly term: number;
  /** The configuration in effect at `index`. */
  readonly config: ClusterConfig;
  /** Opaque state-machine image produced by the host. */
  readonly data: unknown;
}

/** A linearizable read (thesis §6.4) may be served once the applied index reaches `index`. */
export interface ReadState {
  readonly requestId: string;
  readonly index: number;
}

export interface Ready {
  /** Persist (durably, synced) if present. */
  readonly hardState?: HardState;
  /** Append to the durable log; if entries[0].index <= the stored last index, truncate the
   *  stored suffix from entries[0].index first. */
  readonly entries: readonly Entry[];
  /** Persist, then restore the state machine from it (before applying committedEntries). */
  readonly snapshot?: Snapshot;
  /** Send ONLY after everything above is synced. */
  readonly messages: readonly RaftMessage[];
  /** Apply to the state machine after persisting, in order. */
  readonly committedEntries: readonly Entry[];
  /** Reads that may be served once appliedIndex >= index. */
  readonly readStates: readonly ReadState[];
  /** Read requests this node accepted as leader but can no longer confirm (it lost
   *  leadership); the host should answer them "not leader" so clients retry. */
  readonly droppedReads: readonly string[];
  /** Set when applied entries beyond the last snapshot reached `snapshotThreshold`: the
   *  host should call `compact(suggestedCompactIndex, data)` after applying this Ready. */
  readonly suggestedCompactIndex?: number;
}

// ---------------------------------------------------------------------------------------
// Messages. Type tags are namespaced by protocol, as the runtime's Message port requires.
// Every message carries the sender's term (for responses to pre-votes: the term asked for).

interface MessageBase {
  readonly from: NodeId;
  readonly to: NodeId;
  readonly term: number;
}

/** RequestVote (§5.2) or its pre-vote form (thesis §9.6), where `term` is the term the
 *  sender would campaign in and nobody changes state on receipt. */
export interface VoteRequestMessage extends MessageBase {
  readonly type: 'raft.vote-request' | 'raft.pre-vote-request';
  readonly lastLogIndex: number;
  readonly lastLogTerm: number;
  /** Set when campaigning because of TimeoutNow (thesis §3.10): bypasses the vote lease. */
  readonly leadershipTransfer: boolean;
}

export interface VoteResponseMessage extends MessageBase {
  readonly type: 'raft.vote-response' | 'raft.pre-vote-response';
  readonly granted: boolean;
}

/** AppendEntries (§5.3). An empty `entries` still carries the commit index. */
export interface AppendEntriesMessage extends MessageBase {
  readonly type: 'raft.append';
  readonly prevLogIndex: number;
  readonly prevLogTerm: number;
  readonly entries: readonly Entry[];
  readonly leaderCommitIndex: number;
}

/** The follower's answer to AppendEntries or InstallSnapshot. On success `matchIndex` is
 *  the highest index known to match the leader. On rejection the hint lets the leader skip
 *  a whole conflicting term per round trip (end of §5.3). */
export interface AppendResponseMessage extends MessageBase {
  readonly type: 'raft.append-response';
  readonly success: boolean;
  readonly matchIndex: number;
  /** The prevLogIndex that was rejected (lets the leader ignore stale rejections). */
  readonly rejectedIndex: number;
  /** First index of `conflictTerm` in the follower's log, or its lastIndex + 1 when its
   *  log is too short (then `conflictTerm` is null). */
  readonly conflictIndex: number;
  readonly conflictTerm: number | null;
}

/** Heartbeats (§5.2) carry a commit index capped at the follower's known match and the
 *  leader's latest ReadIndex sequence number (thesis §6.4). */
export interface HeartbeatMessage extends MessageBase {
  readonly type: 'raft.heartbeat';
  readonly leaderCommitIndex: number;
  readonly readSequence: number;
  /** The leader's last heartbeat before it quiesces: the follower stops its election timer
   *  too (CockroachDB range quiescence). Absent on ordinary heartbeats. */
  readonly quiesce?: boolean;
}

export interface HeartbeatResponseMessage extends MessageBase {
  readonly type: 'raft.heartbeat-response';
  readonly readSequence: number;
  /** Sent unasked by a follower that left quiescence for a reason other than its leader:
   *  the leader wakes and heartbeats again. Absent on ordinary responses. */
  readonly wake?: boolean;
}

/** InstallSnapshot (§7), sent whole in one message. Answered with an append-response. */
export interface InstallSnapshotMessage extends MessageBase {
  readonly type: 'raft.install-snapshot';
  readonly snapshot: Snapshot;
}

/** TimeoutNow (thesis §3.10): the target starts an election at once, skipping pre-vote. */
export interface TimeoutNowMessage extends MessageBase {
  readonly type: 'raft.timeout-now';
}

export type RaftMessage =
  | VoteRequestMessage
  | VoteResponseMessage
  | AppendEntriesMessage
  | AppendResponseMessage
  | HeartbeatMessage
  | HeartbeatResponseMessage
  | InstallSnapshotMessage
  | TimeoutNowMessage;

export type RaftMessageType = RaftMessage['type'];

// ---------------------------------------------------------------------------------------
// Construction, results and status.

export interface RaftOptions {
  readonly id: NodeId;
  /** The group's bootstrap configuration, used only while neither the log nor a snapshot
   *  holds a configuration. A node that joins later may pass `{ voters: [], learners: [] }`
   *  (or the same bootstrap): it learns the real one from the leader. */
  readonly config?: ClusterConfig;
  /** Shorthand for `config: { voters: peers, learners: [] }`. */
  readonly peers?: readonly NodeId[];
  /** Base election timeout; each timeout is drawn from [electionTicks, 2 * electionTicks). */
  readonly electionTicks: number;
  /** Leader heartbeat interval. Must be less than electionTicks. */
  readonly heartbeatTicks: number;
  /** Uniform in [0, 1): the node's seeded random stream. */
  readonly random: () => number;
  /** Pre-vote (thesis §9.6). */
  readonly preVote: boolean;
  /** Check-quorum (thesis §6.2) plus the vote lease: a node that heard from a leader
   *  within an election timeout ignores (pre-)vote requests. */
  readonly checkQuorum: boolean;
  /** Limit on entries in one AppendEntries. Default 64. */
  readonly maxEntriesPerMessage?: number;
  /** Limit on unacknowledged AppendEntries per follower in pipelined replication. Default 16. */
  readonly maxInflightMessages?: number;
  /** Limit on entries a leader holds that are not yet committed; propose fails beyond. Default 4096. */
  readonly maxUncommittedEntries?: number;
  /** Thesis §4.2.1: rounds of catching up a learner may take, each longer than an election
   *  timeout, before the leader refuses to promote it. Default 10. */
  readonly maxCatchUpRounds?: number;
  /** Limit on read requests waiting for confirmation. Default 4096. */
  readonly maxPendingReads?: number;
  /** Limit on committed entries handed out in one Ready. Default 1024. */
  readonly maxCommittedEntriesPerReady?: number;
  /** Suggest compaction once this many applied entries follow the last snapshot. 0 = never. */
  readonly snapshotThreshold?: number;
  /**
   * Quiescence (CockroachDB range quiescence, TiKV hibernate regions): a leader that has
   * been idle this many ticks, with every follower caught up and responsive, no pending
   * proposal, read or transfer, sends one last heartbeat and stops heartbeating; its
   * followers stop their election timers. Any traffic wakes the group. While quiesced the
   * core detects no failure on its own: the host must call `reportPeerSuspected` when its
   * failure detector (cluster membership) suspects a peer. 0 (the default) never quiesces.
   */
  readonly quiesceAfterIdleTicks?: number;
  /**
   * For a replica added by a membership change: the group's commit index when the replica was
   * created. An earlier replica of this node was deleted only after its removal committed, so
   * a log that reaches this index holds the removal, while an older snapshot may still name
   * that replica a voter. Until its log reaches this index the replica neither campaigns nor
   * grants a vote (CockroachDB gives a re-added replica a new replica ID for the same reason).
   * 0 (the default): no such limit.
   */
  readonly joinIndex?: number;
}

export interface RestoredState {
  readonly hardState: HardState;
  /** Durable entries in index order. Entries at or below `snapshot.index` are ignored. */
  readonly entries: readonly Entry[];
  readonly snapshot?: Snapshot;
  /** The host's applied index if its state machine is durable; defaults to the snapshot
   *  index (the host restores the snapshot and re-applies committed entries). */
  readonly appliedIndex?: number;
}

export type RaftRole = 'follower' | 'pre-candidate' | 'candidate' | 'leader' | 'learner';

export type ProposeResult =
  | { readonly ok: true; readonly index: number; readonly term: number }
  | {
      readonly ok: false;
      readonly reason: 'not-leader' | 'transfer-in-progress' | 'too-many-uncommitted' | 'leader-removed';
      readonly leaderHint: NodeId | null;
    };

export type ConfigChangeRejection =
  | 'not-leader'
  | 'transfer-in-progress'
  | 'leader-removed'
  | 'too-many-uncommitted'
  /** The Ongaro 2015 fix: the leader has not yet committed an entry of its own term. */
  | 'no-commit-in-current-term'
  /** Only one uncommitted configuration change at a time (thesis §4.1). */
  | 'config-change-pending'
  | 'already-member'
  | 'not-a-member'
  | 'not-a-learner'
  /** A learner is promoted only once a round of catching up took less than an election
   *  timeout (thesis §4.2.1); it is still catching up. */
  | 'learner-not-caught-up'
  /** The learner's last `maxCatchUpRounds` rounds each took longer than an election
   *  timeout: the leader gave up on it (thesis §4.2.1); remove it, or add it again later. */
  | 'learner-catch-up-aborted'
  | 'would-remove-last-voter';

export type ConfigChangeResult =
  | { readonly ok: true; readonly index: number; readonly term: number }
  | { readonly ok: false; readonly reason: ConfigChangeRejection; readonly leaderHint: NodeId | null };

/** Followers do not forward reads: they answer not-leader with a hint (the host redirects). */
export type ReadIndexResult =
  | { readonly ok: true }
  | { readonly ok: false; readonly reason: 'not-leader' | 'too-many-pending-reads'; readonly leaderHint: NodeId | null };

export type TransferResult =
  | { readonly ok: true }
  | { readonly ok: false; readonly reason: 'not-leader' | 'not-a-voter'; readonly leaderHint: NodeId | null };

export type ProgressState = 'probe' | 'replicate' | 'snapshot';

/** How a learner's catching up goes (thesis §4.2.1; see catch-up.ts). */
export interface CatchUpStatus {
  /** caught-up: may be promoted now; aborted: too slow for `maxRounds` rounds in a row. */
  readonly state: 'catching-up' | 'caught-up' | 'aborted';
  /** Rounds in a row that took longer than an election timeout. */
  readonly slowRounds: number;
  readonly maxRounds: number;
  /** Ticks the last finished round took; null before the first ends. */
  readonly lastRoundTicks: number | null;
}

export interface ProgressStatus {
  readonly matchIndex: number;
  readonly nextIndex: number;
  readonly state: ProgressState;
  readonly recentActive: boolean;
  readonly isLearner: boolean;
  readonly inflightMessages: number;
  /** Learners only: their catching up before promotion (thesis §4.2.1). */
  readonly catchUp?: CatchUpStatus;
}

export interface RaftStatus {
  readonly id: NodeId;
  readonly term: number;
  readonly votedFor: NodeId | null;
  readonly role: RaftRole;
  readonly leader: NodeId | null;
  readonly commitIndex: number;
  readonly appliedIndex: number;
  readonly firstIndex: number;
  readonly lastIndex: number;
  readonly snapshotIndex: number;
  readonly config: ClusterConfig;
  /** Index of the entry (or snapshot) that set `config`; the change is committed once commitIndex reaches it. */
  readonly configIndex: number;
  readonly leadTransferee: NodeId | null;
  /** The node's timers are stopped because its group is idle (see RaftOptions.quiesceAfterIdleTicks). */
  readonly quiesced: boolean;
  /** Present on the leader only. */
  readonly progress?: Readonly<Record<NodeId, ProgressStatus>>;
}
