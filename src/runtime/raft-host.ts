import {
  type ClusterConfig,
  type ConfigChange,
  type ConfigChangeResult,
  type Entry,
  type HardState,
  type RaftMessage,
  RaftNode,
  type RaftStatus,
  type RaftTiming,
  type Ready,
  type RestoredState,
  type Snapshot,
  type TransferResult,
} from '../raft';
import { notPlainAt } from '../util/wire-copy';
import type { NodeEnv, NodeId } from './ports';

/** How many of each replica's first proposals `propose` checks for plain data. */
const PROPOSALS_CHECKED = 16;

/** The application a Raft group replicates. Apply must be deterministic. */
export interface ReplicatedStateMachine {
  apply(data: unknown, index: number): unknown;
  snapshot(): unknown;
  restore(data: unknown): void;
}

/** Sees every durable change of one replica, for the safety checker (Figure 3 properties). */
export interface RaftObserver {
  onStart(node: NodeId): void;
  /**
   * Optional: what a (re)started replica loaded from its disk. It can be more than its
   * Readies reported: a node's groups share one disk, so another group's fsync can make
   * entries of a Ready whose own fsync a crash cut short durable.
   */
  onRestore?(node: NodeId, restored: { readonly entries: readonly Entry[]; readonly snapshot?: { readonly index: number; readonly term: number } }): void;
  onLeader(node: NodeId, term: number): void;
  onStepDown(node: NodeId): void;
  /** What one Ready made durable (snapshot, entries, hard state), reported together. */
  onPersist(node: NodeId, ready: Ready): void;
  /** The node compacted its own log into a snapshot. */
  onSnapshot(node: NodeId, snapshot: Snapshot): void;
  onApply(node: NodeId, entry: Entry): void;
  /** Optional: the node stopped hosting the replica and deleted its log, snapshot and state. */
  onRemove?(node: NodeId): void;
  /** Optional: the node, leading `leaderTerm`, made a higher commit index durable; `entryTerm`
   *  is the term of the entry there (the Figure 8 rule says it must be `leaderTerm`). */
  onLeaderCommit?(node: NodeId, leaderTerm: number, commitIndex: number, entryTerm: number | undefined): void;
}

export interface RaftTuning {
  /** Virtual ms per Raft tick. */
  tickMs: number;
  electionTicks: number;
  heartbeatTicks: number;
  /** Compact the log once this many entries were applied since the last snapshot. */
  snapshotThreshold: number;
  maxEntriesPerMessage: number;
  /** Virtual ms an fsync takes; Readies that write wait this long before they send. */
  fsyncLatencyMs: number;
  /**
   * Ticks a group must be idle before its leader quiesces (stops heartbeating, and its
   * followers stop their election timers); absent or 0 never quiesces. A host that
   * quiesces must report its failure detector's suspicions (`reportPeerSuspected`).
   */
  quiesceAfterIdleTicks?: number;
}

export const DEFAULT_RAFT_TUNING: RaftTuning = Object.freeze({
  tickMs: 10,
  electionTicks: 15,
  heartbeatTicks: 3,
  snapshotThreshold: 500,
  maxEntriesPerMessage: 64,
  fsyncLatencyMs: 0.5,
  // Two election timeouts: a group quiet that long is idle, not between two writes.
  quiesceAfterIdleTicks: 30,
});

/** A Raft message on the wire, tagged with its group (multi-Raft: many groups per node). */
export interface RaftEnvelope {
  readonly type: RaftMessage['type'];
  readonly groupId: string;
  readonly message: RaftMessage;
  /**
   * Which replica of the group on the sending node sent it: that replica's join index
   * (JoiningReplica; 0 for one the group was created with). A node's replicas of one group
   * follow one another with increasing join indexes (a new one joins at the commit index,
   * which is past the entry that removed the one before), so the number tells them apart
   * (CockroachDB's replica ID). Absent on envelopes made by hand (tests).
   */
  readonly replica?: number;
}

export type ProposalOutcome = { ok: true; result: unknown; index: number } | { ok: false; reason: string; leaderHint: NodeId | null };
export type ReadOutcome = { ok: true } | { ok: false; reason: string; leaderHint: NodeId | null };

interface PendingProposal {
  term: number;
  callback: (outcome: ProposalOutcome) => void;
}

/** Disk keys of one group. */
function keys(groupId: string): { hardState: string; log: string; snapshot: string } {
  return { hardState: `raft/${groupId}/hard-state`, log: `raft/${groupId}/log`, snapshot: `raft/${groupId}/snapshot` };
}

/**
 * Where a replica added by a membership change joins its group; kept with the group's spec
 * on disk (RaftGroupSpec), so it holds across restarts.
 */
export interface JoiningReplica {
  /** RaftOptions.joinIndex: below it, the replica neither votes nor campaigns. */
  readonly joinIndex?: number;
  /**
   * The term of the leader that adds the replica. The new replica starts in it (as if it had
   * heard from that leader), so it refuses what a deposed leader of an earlier term sends:
   * such a leader may still count this node as the voter it was before, with that voter's
   * match index, and its entries past the commit index may never commit. A term is only ever
   * raised, never lowered, so starting in a later one is safe (§5.1).
   */
  readonly joinTerm?: number;
}

/** What a removed replica leaves on its node's disk: its term and vote, never its data. */
interface Tombstone {
  readonly term: number;
  readonly votedFor: NodeId | null;
}

function tombstoneKey(groupId: string): string {
  return `raft/${groupId}/tombstone`;
}

/**
 * Keeps a removed replica's durable term and vote on its node's disk (the caller deletes
 * the rest). A later replica of the group on this node starts from them: Raft's one vote
 * per term is a promise of the node, and it outlives the replica (§5.2, Figure 2 "persistent
 * state"; CockroachDB keeps a range tombstone for the same reason).
 */
export function writeTombstone(disk: NodeEnv['disk'], groupId: string): void {
  const hardState = disk.get<HardState>(keys(groupId).hardState);
  const previous = disk.get<Tombstone>(tombstoneKey(groupId));
  if (hardState === undefined) return;
  if (previous !== undefined && previous.term > hardState.term) return;
  disk.put(tombstoneKey(groupId), { term: hardState.term, votedFor: hardState.votedFor });
}

/**
 * Hosts one Raft group's replica on a node: feeds the pure core messages and ticks, and
 * carries out each Ready in the order the core requires: persist and sync, then send,
 * then apply, then advance. A crash can only lose what was never synced, and nothing
 * that depends on unsynced state has left the node.
 *
 * Disk layout: the hard state, the snapshot, and the log entries after the snapshot as
 * a list (list position = index - (snapshot index + 1)).
 */
export class RaftGroupHost {
  readonly raft: RaftNode;
  private readonly diskKeys: ReturnType<typeof keys>;
  /** Index of the first entry in the on-disk list. */
  private diskFirstIndex: number;
  private diskLastIndex: number;
  private appliedIndex: number;
  /** The highest commit index of a Ready written so far (for onLeaderCommit). */
  private reportedCommitIndex: number;
  /** The leader commit of the Ready whose fsync is in flight, reported once it is durable. */
  private leaderCommitOfReady: { leaderTerm: number; commitIndex: number; entryTerm: number | undefined } | undefined;
  private wasLeader = false;
  /** Term and vote of the latest hard state written (synced or not), for `mustSync`. */
  private writtenTerm = 0;
  private writtenVote: NodeId | null = null;
  private wasQuiesced = false;
  /** The configuration the timing was last derived from, and the tuning's own timing. */
  private timedConfig: ClusterConfig | undefined;
  private readonly tunedTiming: RaftTiming;
  private readonly proposals = new Map<number, PendingProposal>();
  private readonly readCallbacks = new Map<string, (outcome: ReadOutcome) => void>();
  /** Confirmed reads waiting for the state machine to reach their index. */
  private readonly confirmedReads: { index: number; requestId: string }[] = [];
  private nextReadId = 0;
  private draining = false;
  /** Proposals whose plain-data promise was asserted (see `propose`). */
  private proposalsChecked = 0;
  /** Set when the node stops hosting this replica: it takes no input and sends nothing. */
  private retired = false;
  /** A Ready is written and waiting for its fsync; nothing else is taken from the core meanwhile. */
  private syncInFlight = false;
  private readonly fsyncLatencyMs: number;
  /** This replica's number among its node's replicas of the group (RaftEnvelope.replica). */
  private readonly replicaNumber: number;
  /**
   * The nodes this replica removed from the group while leading, each with the term of its
   * leadership and the index of the removal entry: a message of that term from the node's
   * replica with a lower number is from the removed replica (see `fromRemovedReplica`).
   */
  private readonly removedWhileLeading = new Map<NodeId, { readonly term: number; readonly index: number }>();

  constructor(
    private readonly env: NodeEnv,
    readonly groupId: string,
    bootstrapConfig: ClusterConfig,
    private readonly machine: ReplicatedStateMachine,
    tuning: RaftTuning,
    private readonly observer: RaftObserver | undefined,
    private readonly send: (to: NodeId, envelope: RaftEnvelope) => void,
    /** Told whenever the replica is not quiesced after taking input, so that its ticks resume. */
    private readonly onAwake?: (host: RaftGroupHost) => void,
    /** The timing for a group with these voters (Raft §5.6, see src/raft/timing.ts);
     *  undefined keeps the tuning's. Asked again whenever the configuration changes. */
    private readonly timingFor?: (voters: readonly NodeId[]) => RaftTiming | undefined,
    /** For a replica added by a membership change: where it joins (see JoiningReplica). */
    joining: JoiningReplica = {},
  ) {
    this.diskKeys = keys(groupId);
    this.fsyncLatencyMs = tuning.fsyncLatencyMs;
    this.replicaNumber = joining.joinIndex ?? 0;
    this.tunedTiming = { electionTicks: tuning.electionTicks, heartbeatTicks: tuning.heartbeatTicks };
    const restored = this.restore(joining.joinTerm ?? 0);
    this.raft = new RaftNode(
      {
        id: env.id,
        config: bootstrapConfig,
        electionTicks: tuning.electionTicks,
        heartbeatTicks: tuning.heartbeatTicks,
        random: () => env.random.next(),
        preVote: true,
        checkQuorum: true,
        maxEntriesPerMessage: tuning.maxEntriesPerMessage,
        snapshotThreshold: tuning.snapshotThreshold,
        quiesceAfterIdleTicks: tuning.quiesceAfterIdleTicks ?? 0,
        joinIndex: joining.joinIndex ?? 0,
      },
      restored,
    );
    this.diskFirstIndex = (restored?.snapshot?.index ?? 0) + 1;
    this.diskLastIndex = this.diskFirstIndex + (restored?.entries.length ?? 0) - 1;
    this.appliedIndex = restored?.snapshot?.index ?? 0;
    this.reportedCommitIndex = restored?.hardState.commitIndex ?? 0;
    this.writtenTerm = restored?.hardState.term ?? 0;
    this.writtenVote = restored?.hardState.votedFor ?? null;
    if (restored?.snapshot) machine.restore(restored.snapshot.data);
    this.retimeIfConfigChanged();
    observer?.onStart(env.id);
    if (restored !== undefined) observer?.onRestore?.(env.id, { entries: restored.entries, ...(restored.snapshot ? { snapshot: { index: restored.snapshot.index, term: restored.snapshot.term } } : {}) });
    this.drain();
  }

  private restore(joinTerm: number): RestoredState | undefined {
    const hardState = this.env.disk.get<HardState>(this.diskKeys.hardState);
    const snapshot = this.env.disk.get<Snapshot>(this.diskKeys.snapshot);
    const entries = this.env.disk.get<Entry[]>(this.diskKeys.log) ?? [];
    if (hardState === undefined && snapshot === undefined && entries.length === 0) {
      // No data yet: the term and vote of a replica this node hosted before (its tombstone),
      // or the term the replica joins in, whichever is later. A vote holds only in its own term.
      const tombstone = this.env.disk.get<Tombstone>(tombstoneKey(this.groupId));
      const term = Math.max(tombstone?.term ?? 0, joinTerm);
      if (term === 0) return undefined;
      const votedFor = tombstone !== undefined && tombstone.term === term ? tombstone.votedFor : null;
      return { hardState: { term, votedFor, commitIndex: 0 }, entries: [] };
    }
    return {
      hardState: hardState ?? { term: 0, votedFor: null, commitIndex: snapshot?.index ?? 0 },
      entries: entries.slice(),
      snapshot,
      appliedIndex: snapshot?.index,
    };
  }

  /** One Raft tick; `hostTick` is the service's count of ticks, which aligns heartbeats (RaftNode.tick). */
  tick(hostTick?: number): void {
    if (this.retired) return;
    this.raft.tick(hostTick);
    this.drain();
  }

  /** `fromReplica`: the sender's replica number (RaftEnvelope.replica), when the envelope carried one. */
  step(message: RaftMessage, fromReplica?: number): void {
    if (this.retired) return;
    if (this.fromRemovedReplica(message, fromReplica)) {
      this.env.trace('raft.removed-replica-message-dropped', { group: this.groupId, from: message.from, type: message.type, replica: fromReplica });
      return;
    }
    this.raft.step(message);
    this.drain();
  }

  /**
   * A message a replica sent before this leader removed it, arriving after its node was
   * added back with a new, empty replica. It is of the same term, so the term check passes it,
   * and the leader would credit the removed replica's acknowledgements to the new one: a match
   * index past the new replica's log. The leader then takes the new replica's refusals for
   * stale ones (they are below that match), and caps its heartbeats' commit at that match,
   * which the new replica, below its join index, drops: it never catches up (rebalancing
   * soak seed 7314). A peer's progress must describe the replica that now holds its place:
   * CockroachDB's replica tombstone RFC (2015, cockroach PR #1865) gives each replica of a
   * range a replica ID, passes it in every Raft message and rejects later messages from a
   * removed one. Dropping a message is always safe in Raft (it is a message lost).
   */
  private fromRemovedReplica(message: RaftMessage, fromReplica: number | undefined): boolean {
    if (fromReplica === undefined) return false;
    const removal = this.removedWhileLeading.get(message.from);
    return removal !== undefined && removal.term === message.term && fromReplica < removal.index;
  }

  status(): RaftStatus {
    return this.raft.status();
  }

  /** Stops the replica for good (its node no longer hosts it, and deleted its data): no input, no output. */
  retire(): void {
    this.retired = true;
    this.observer?.onRemove?.(this.env.id);
  }

  /** Whether the replica is quiesced: its group is idle and it needs no ticks. */
  get quiesced(): boolean {
    return this.raft.isQuiesced;
  }

  /** The node's failure detector suspects `peer`: a quiesced replica may need to wake. */
  reportPeerSuspected(peer: NodeId): void {
    this.raft.reportPeerSuspected(peer);
    this.drain();
  }

  get applied(): number {
    return this.appliedIndex;
  }

  /**
   * Proposes a command; the callback runs once it is applied here, or is known to be lost.
   * `data` must be plain data (src/util/wire-copy.ts): the entry reaches the followers by
   * reference, and their checks read it directly. The services build it; an API that takes
   * it from a caller copies it first (`plainInput`). Asserted on the first proposals.
   */
  propose(data: unknown, callback: (outcome: ProposalOutcome) => void): void {
    if (this.proposalsChecked < PROPOSALS_CHECKED) {
      this.proposalsChecked++;
      const problem = notPlainAt(data, 'data');
      if (problem !== undefined) throw new TypeError(`a proposal to ${this.groupId} on ${this.env.id} is not plain data: its ${problem} (copy it with plainInput, src/util/wire-copy.ts)`);
    }
    const result = this.raft.propose(data);
    if (!result.ok) return callback({ ok: false, reason: result.reason, leaderHint: result.leaderHint });
    this.proposals.set(result.index, { term: result.term, callback });
    this.drain();
  }

  /** A linearizable read barrier (ReadIndex): the callback runs when reading the local state is safe. */
  readBarrier(callback: (outcome: ReadOutcome) => void): void {
    const requestId = `${this.env.id}:${this.groupId}:${this.nextReadId++}`;
    const result = this.raft.readIndex(requestId);
    if (!result.ok) return callback({ ok: false, reason: result.reason, leaderHint: result.leaderHint });
    this.readCallbacks.set(requestId, callback);
    this.drain();
  }

  proposeConfigChange(change: ConfigChange): ConfigChangeResult {
    const result = this.raft.proposeConfigChange(change);
    // The leader stops sending to a removed replica once the entry is in its log (§4.1); from
    // then on, in this term, only a replica of the node made after the removal speaks for it.
    if (result.ok && change.type === 'remove') this.removedWhileLeading.set(change.node, { term: result.term, index: result.index });
    this.drain();
    return result;
  }

  transferLeadership(to: NodeId): TransferResult {
    const result = this.raft.transferLeadership(to);
    this.drain();
    return result;
  }

  /** Starts an election now, as if this replica's election timer had fired (pre-vote first unless skipped). */
  campaign(options: { readonly skipPreVote?: boolean } = {}): void {
    if (this.retired) return;
    this.raft.campaign(options);
    this.drain();
  }

  /**
   * Carries out every pending Ready. Re-entrant calls (from callbacks) fold into the
   * running loop. While a Ready's fsync is in flight, new input only accumulates in the
   * core; the next Ready then carries all of it, which is how proposals get batched.
   */
  private drain(): void {
    this.noteQuiescence();
    if (this.draining || this.syncInFlight) return;
    this.draining = true;
    try {
      for (let rounds = 0; this.raft.hasReady(); rounds++) {
        if (rounds > 10_000) throw new Error(`raft group ${this.groupId} on ${this.env.id} produced Readies without end`);
        const ready = this.raft.ready();
        const needsSync = this.write(ready) && this.mustSync(ready);
        if (needsSync && this.fsyncLatencyMs > 0) {
          // A crash before the timer fires loses the unsynced writes, and nothing of this
          // Ready has left the node: exactly the window a real fsync leaves open.
          this.syncInFlight = true;
          this.env.timers.setTimer(this.fsyncLatencyMs, () => {
            this.syncInFlight = false;
            if (this.retired) return;
            this.complete(ready, true);
            this.drain();
          });
          return;
        }
        this.complete(ready, needsSync);
      }
    } finally {
      this.draining = false;
    }
  }

  /** Traces each change between quiesced and awake, and tells the service when awake. */
  private noteQuiescence(): void {
    const quiesced = this.raft.isQuiesced;
    if (quiesced !== this.wasQuiesced) {
      this.wasQuiesced = quiesced;
      this.env.trace(quiesced ? 'raft.quiesced' : 'raft.awake', { group: this.groupId });
    }
    if (!quiesced) this.onAwake?.(this);
  }

  /** The rest of a Ready once its writes are durable: send, apply, advance. */
  private complete(ready: Ready, needsSync: boolean): void {
    if (needsSync) this.env.disk.sync();
    // Reported as one unit: a new term in the hard state may end a leadership that the
    // entries of the same Ready would otherwise seem to violate (Leader Append-Only).
    this.observer?.onPersist(this.env.id, ready);
    this.reportLeaderCommit();
    for (const message of ready.messages) this.send(message.to, { type: message.type, groupId: this.groupId, message, replica: this.replicaNumber });
    this.apply(ready);
    this.raft.advance(ready);
    this.compactIfSuggested(ready);
    this.reportLeadership();
    this.retimeIfConfigChanged();
  }

  /** A new configuration may put the voters further apart (or closer): follow it (Raft §5.6). */
  private retimeIfConfigChanged(): void {
    const config = this.raft.currentConfig;
    if (this.timingFor === undefined || config === this.timedConfig) return;
    this.timedConfig = config;
    const timing = this.timingFor(config.voters) ?? this.tunedTiming;
    if (timing.electionTicks !== this.raft.timing.electionTicks || timing.heartbeatTicks !== this.raft.timing.heartbeatTicks) {
      this.raft.retime(timing);
      this.env.trace('raft.retimed', { group: this.groupId, electionTicks: timing.electionTicks, heartbeatTicks: timing.heartbeatTicks });
    }
  }

  /**
   * etcd's MustSync: a Ready waits for an fsync when it carries a snapshot, entries, or a
   * new term or vote. A hard state that only moves the commit index is written and synced
   * with the next fsync: the commit index is volatile in Raft (§5, Figure 2), so losing it
   * in a crash only makes the node learn it again. This spares a follower one fsync per
   * commit it hears of.
   */
  private mustSync(ready: Ready): boolean {
    const hardState = ready.hardState;
    const voteChanged = hardState !== undefined
      && (hardState.term !== this.writtenTerm || hardState.votedFor !== this.writtenVote);
    if (hardState !== undefined) {
      this.writtenTerm = hardState.term;
      this.writtenVote = hardState.votedFor;
    }
    return ready.snapshot !== undefined || ready.entries.length > 0 || voteChanged;
  }

  /** Writes a Ready's snapshot, entries and hard state (unsynced); true if anything was written. */
  private write(ready: Ready): boolean {
    this.noteLeaderCommit(ready);
    const disk = this.env.disk;
    if (ready.snapshot !== undefined) {
      disk.put(this.diskKeys.snapshot, ready.snapshot);
      disk.put(this.diskKeys.log, []);
      this.diskFirstIndex = ready.snapshot.index + 1;
      this.diskLastIndex = ready.snapshot.index;
    }
    if (ready.entries.length > 0) {
      const first = ready.entries[0].index;
      if (first < this.diskFirstIndex) throw new Error(`raft ${this.groupId}: entry ${first} is before the snapshot`);
      if (first <= this.diskLastIndex) disk.truncate(this.diskKeys.log, first - this.diskFirstIndex);
      disk.append(this.diskKeys.log, ready.entries);
      this.diskLastIndex = ready.entries[ready.entries.length - 1].index;
    }
    if (ready.hardState !== undefined) disk.put(this.diskKeys.hardState, ready.hardState);
    return ready.snapshot !== undefined || ready.entries.length > 0 || ready.hardState !== undefined;
  }

  /**
   * Lets the observer check the Figure 8 rule (a leader commits by counting only entries of
   * its term). Taken when the Ready is written, before its fsync: input that arrives during
   * the fsync may change the role, but the commit index was decided by the role at ready().
   */
  private noteLeaderCommit(ready: Ready): void {
    this.leaderCommitOfReady = undefined;
    const hardState = ready.hardState;
    if (hardState === undefined || hardState.commitIndex <= this.reportedCommitIndex) return;
    this.reportedCommitIndex = hardState.commitIndex;
    if (this.observer?.onLeaderCommit === undefined) return;
    const term = this.raft.currentTerm;
    if (this.raft.currentRole !== 'leader' || term !== hardState.term) return;
    this.leaderCommitOfReady = { leaderTerm: term, commitIndex: hardState.commitIndex, entryTerm: this.raft.termAt(hardState.commitIndex) };
  }

  private reportLeaderCommit(): void {
    const commit = this.leaderCommitOfReady;
    if (commit === undefined) return;
    this.leaderCommitOfReady = undefined;
    this.observer?.onLeaderCommit?.(this.env.id, commit.leaderTerm, commit.commitIndex, commit.entryTerm);
  }

  private apply(ready: Ready): void {
    if (ready.snapshot !== undefined) {
      this.machine.restore(ready.snapshot.data);
      this.appliedIndex = ready.snapshot.index;
      this.failProposalsUpTo(ready.snapshot.index);
    }
    for (const entry of ready.committedEntries) {
      if (entry.index !== this.appliedIndex + 1) {
        throw new Error(`raft ${this.groupId} on ${this.env.id}: applying ${entry.index} after ${this.appliedIndex}`);
      }
      const result = entry.kind === 'normal' ? this.machine.apply(entry.data, entry.index) : undefined;
      this.appliedIndex = entry.index;
      this.observer?.onApply(this.env.id, entry);
      this.settleProposal(entry, result);
    }
    for (const readState of ready.readStates) this.confirmedReads.push({ index: readState.index, requestId: readState.requestId });
    for (const requestId of ready.droppedReads) this.finishRead(requestId, { ok: false, reason: 'not-leader', leaderHint: this.raft.knownLeader });
    this.serveConfirmedReads();
  }

  private settleProposal(entry: Entry, result: unknown): void {
    const proposal = this.proposals.get(entry.index);
    if (!proposal) return;
    this.proposals.delete(entry.index);
    if (proposal.term === entry.term) proposal.callback({ ok: true, result, index: entry.index });
    else proposal.callback({ ok: false, reason: 'superseded by another leader', leaderHint: this.raft.knownLeader });
  }

  /** Proposals covered by an installed snapshot: their outcome is unknown here. */
  private failProposalsUpTo(index: number): void {
    for (const [proposalIndex, proposal] of this.proposals) {
      if (proposalIndex > index) continue;
      this.proposals.delete(proposalIndex);
      proposal.callback({ ok: false, reason: 'overtaken by a snapshot', leaderHint: this.raft.knownLeader });
    }
  }

  private serveConfirmedReads(): void {
    let served = 0;
    while (served < this.confirmedReads.length && this.confirmedReads[served].index <= this.appliedIndex) {
      this.finishRead(this.confirmedReads[served].requestId, { ok: true });
      served++;
    }
    if (served > 0) this.confirmedReads.splice(0, served);
  }

  private finishRead(requestId: string, outcome: ReadOutcome): void {
    const callback = this.readCallbacks.get(requestId);
    if (!callback) return;
    this.readCallbacks.delete(requestId);
    callback(outcome);
  }

  private compactIfSuggested(ready: Ready): void {
    if (ready.suggestedCompactIndex === undefined) return;
    const snapshot = this.raft.compact(this.appliedIndex, this.machine.snapshot());
    if (snapshot === null) return;
    const keep = this.diskLastIndex - snapshot.index;
    const entries = this.env.disk.get<Entry[]>(this.diskKeys.log) ?? [];
    this.env.disk.put(this.diskKeys.snapshot, snapshot);
    this.env.disk.put(this.diskKeys.log, keep > 0 ? entries.slice(entries.length - keep) : []);
    this.env.disk.sync();
    this.diskFirstIndex = snapshot.index + 1;
    this.observer?.onSnapshot(this.env.id, snapshot);
  }

  private reportLeadership(): void {
    if (this.raft.currentRole === 'leader') {
      this.observer?.onLeader(this.env.id, this.raft.currentTerm);
      this.wasLeader = true;
    } else if (this.wasLeader) {
      this.observer?.onStepDown(this.env.id);
      this.wasLeader = false;
      this.abandonPendingWork(this.raft.knownLeader);
    }
  }

  /** A deposed leader tells its waiting clients to go elsewhere; sessions make their retries safe. */
  private abandonPendingWork(leaderHint: NodeId | null): void {
    for (const [index, proposal] of this.proposals) {
      this.proposals.delete(index);
      proposal.callback({ ok: false, reason: 'not-leader', leaderHint });
    }
    for (const requestId of [...this.readCallbacks.keys()]) this.finishRead(requestId, { ok: false, reason: 'not-leader', leaderHint });
    this.confirmedReads.length = 0;
  }
}
