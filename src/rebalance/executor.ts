import type { SlotCommand } from '../kv/slot-module';
import type { CatchUpStatus } from '../raft';
import { promoted, withLearner, withoutLearner, withoutVoter, withPreferredLeader, withSlotsMoved } from '../placement/map-edits';
import type { JournalRecord } from '../placement/state-machine';
import type { NodeId } from '../runtime/ports';
import { findShard, type Shard, type ShardId, type ShardMap, type SlotRange } from '../sharding/shard-map';
import { plainInput } from '../util/wire-copy';
import type { GroupView, MigrationPorts, SlotData } from './ports';
import type { Move } from './types';

/**
 * The migration executor: carries out a plan's moves while clients keep working.
 *
 * It is a reconciler (Kubernetes controller style): every tick it reads each move's last
 * committed step from the placement group's journal and the data group's actual
 * configuration, and takes the one next action that brings them closer. Each step is
 * committed to the journal together with the map edit it makes, so the map follows the
 * Raft configuration at every committed step, and whoever drives after a crash or a
 * placement leader change continues from the journal: finishing the move, or rolling it
 * back while that is still possible.
 *
 * Replica move (CockroachDB's learner → voter): planned → learner-added (the newcomer
 * joins as a learner, catches up by snapshot and log) → promoted (voter; the map's
 * preferred leader passes to it if the old replica had it) → leader-moved (leadership
 * left the old replica) → removed (the old replica left the configuration; its data is
 * deleted). Before promotion a move rolls back if its target stays down.
 *
 * Slot move (Vitess's copy, catch-up, cut-over): planned → copied (the target holds the
 * slot's keys apart) → released (the source refuses the range from now on) → acquired
 * (the target took the writes made during the copy, the sessions and transaction
 * records, and serves the range) → cut-over (the map, with a new epoch, sends clients to
 * the target) → the source deletes the moved keys. Before the release a move rolls back
 * if its target group stays without a leader.
 *
 * Throttling: at most `maxConcurrentMoves` moves in flight, no two on one shard, and one
 * simulated link of `bandwidthBytesPerSecond` shared by every snapshot and copy: a
 * transfer starts only when the link is free and occupies it for bytes / bandwidth.
 */

export interface ExecutorOptions {
  readonly maxConcurrentMoves: number;
  readonly bandwidthBytesPerSecond: number;
  readonly tickMs: number;
  /** A move whose target stays unreachable this long before the point of no return rolls back. */
  readonly rollbackAfterMs: number;
}

export const defaultExecutorOptions: ExecutorOptions = Object.freeze({
  maxConcurrentMoves: 2,
  bandwidthBytesPerSecond: 200_000,
  tickMs: 20,
  rollbackAfterMs: 3_000,
});

/** A move as the executor journals it: splits and merges become slot moves. */
export type ExecutableMove =
  | Extract<Move, { kind: 'move-replica' | 'transfer-leader' }>
  | { readonly kind: 'move-slots'; readonly from: ShardId; readonly to: ShardId; readonly range: SlotRange; readonly reason: string; readonly newShardReplicas?: readonly NodeId[] };

export interface MigrationProgress {
  readonly done: number;
  readonly rolledBack: number;
  readonly pending: number;
  readonly inFlight: number;
  readonly bytesMoved: number;
  readonly elapsedMs: number;
  /** The most moves that were in flight at one time. */
  readonly concurrentMax: number;
  /** Times a source could not let go of a slot range yet because a transaction held locks in it. */
  readonly releasesDeferred: number;
}

/** Wait after an action before looking at the move again (the action's effect needs a round trip). */
const ACTION_SETTLE_MS = 100;
/**
 * A release refused this many times in a row (a lock was held in the range each time)
 * asks the source to drain the range: no new locks there until it lets go. Before that,
 * a release waits for a gap, which usually comes within a few tries.
 */
const RELEASE_TRIES_BEFORE_DRAIN = 5;
/**
 * How long the executor waits for an answer (a proposal's outcome, a read) before it looks
 * at the move again: a leader that crashes takes its callbacks with it, and every step is
 * safe to retry (journal steps are compare-and-set, slot commands idempotent).
 */
const ANSWER_TIMEOUT_MS = 2_000;
/** How often replicas left behind by finished or rolled-back moves are garbage-collected. */
const GC_INTERVAL_MS = 500;

export class MigrationExecutor {
  private readonly queue: { id: string; move: ExecutableMove }[] = [];
  private readonly waitUntilMs = new Map<string, number>();
  private readonly transferEndsAtMs = new Map<string, number>();
  private readonly copies = new Map<string, SlotData>();
  private readonly unavailableSinceMs = new Map<string, number>();
  private readonly admitting = new Set<string>();
  private linkFreeAtMs = 0;
  private nextId = 1;
  private firstSubmitMs: number | undefined;
  private lastBusyMs = 0;
  private concurrentMaxSeen = 0;
  private lastGcMs = 0;
  private running = false;
  private releasesDeferred = 0;
  /** Busy answers in a row to each move's release (this executor's memory; a new one starts polite again). */
  private readonly releaseRefusals = new Map<string, number>();
  /** Moves dropped before they started because the map no longer allowed them. */
  readonly skipped: { moveId: string; reason: string }[] = [];

  constructor(private readonly ports: MigrationPorts, readonly options: ExecutorOptions = defaultExecutorOptions) {
    if (!(Number.isInteger(options.maxConcurrentMoves) && options.maxConcurrentMoves >= 1)) {
      throw new RangeError(`at most K moves at once needs a whole K ≥ 1, got ${options.maxConcurrentMoves}`);
    }
    if (!(options.bandwidthBytesPerSecond > 0)) throw new RangeError(`the bandwidth limit must be positive, got ${options.bandwidthBytesPerSecond}`);
  }

  /** Queues moves in plan order; splits and merges are expanded into slot moves. Returns the journal ids. */
  submit(moves: readonly Move[]): string[] {
    // Each move goes into the placement group's journal as it is: plain data, copied.
    moves = plainInput(moves, 'the moves');
    this.firstSubmitMs ??= this.ports.nowMs();
    const ids: string[] = [];
    for (const move of moves.flatMap((move) => expand(move, this.ports.map()))) {
      const id = `move-${this.nextId++}`;
      this.queue.push({ id, move });
      ids.push(id);
    }
    this.start();
    return ids;
  }

  /** True when nothing is queued and the journal holds no move. */
  get idle(): boolean {
    return this.queue.length === 0 && this.admitting.size === 0 && this.ports.journal().length === 0;
  }

  progress(finished: readonly { outcome: string; bytes: number }[]): MigrationProgress {
    const journal = this.ports.journal();
    const nowMs = this.ports.nowMs();
    return {
      done: finished.filter((move) => move.outcome === 'done').length,
      rolledBack: finished.filter((move) => move.outcome === 'rolled-back').length,
      pending: this.queue.length,
      inFlight: journal.length,
      bytesMoved: finished.reduce((sum, move) => sum + move.bytes, 0) + journal.reduce((sum, record) => sum + record.bytes, 0),
      elapsedMs: this.firstSubmitMs === undefined ? 0 : (this.idle ? this.lastBusyMs : nowMs) - this.firstSubmitMs,
      concurrentMax: this.concurrentMaxSeen,
      releasesDeferred: this.releasesDeferred,
    };
  }

  private start(): void {
    if (this.running) return;
    this.running = true;
    const loop = (): void => {
      this.tick();
      this.ports.schedule(this.options.tickMs, loop);
    };
    this.ports.schedule(this.options.tickMs, loop);
  }

  private tick(): void {
    // Only on a journal known to hold every committed step. A stale one may lack moves in
    // flight (admitting more than the limit; replica GC taking their learners for strays,
    // seed 7654) or show steps already passed (deleting a replica a later move has added
    // again). Nothing could be committed meanwhile anyway: a current journal needs the same
    // placement quorum as a write.
    if (!this.ports.journalIsCurrent()) return;
    const journal = this.ports.journal();
    this.admit(journal);
    this.concurrentMaxSeen = Math.max(this.concurrentMaxSeen, journal.length + this.admitting.size);
    if (!this.idle) this.lastBusyMs = this.ports.nowMs();
    const nowMs = this.ports.nowMs();
    for (const record of journal) {
      if ((this.waitUntilMs.get(record.moveId) ?? 0) > nowMs) continue;
      this.drive(record, record.move as ExecutableMove);
    }
    if (nowMs - this.lastGcMs >= GC_INTERVAL_MS) {
      this.lastGcMs = nowMs;
      this.collectGarbage(journal);
    }
  }

  /** Starts queued moves while fewer than K are in flight, never two on one shard. */
  private admit(journal: readonly JournalRecord[]): void {
    const busy = new Set(journal.flatMap((record) => shardsOf(record.move as ExecutableMove)));
    for (const id of this.admitting) for (const shard of shardsOf(this.queue.find((item) => item.id === id)?.move)) busy.add(shard);
    for (const item of [...this.queue]) {
      if (journal.length + this.admitting.size >= this.options.maxConcurrentMoves) return;
      if (journal.some((record) => record.moveId === item.id)) {
        this.queue.splice(this.queue.indexOf(item), 1); // admitted, though the answer was lost
        continue;
      }
      if (this.admitting.has(item.id) || shardsOf(item.move).some((shard) => busy.has(shard))) continue;
      const invalid = whyInvalid(item.move, this.ports.map());
      if (invalid !== undefined) {
        // The map changed since the move was planned (another move, a merge): it is dropped, not forced.
        this.queue.splice(this.queue.indexOf(item), 1);
        this.skipped.push({ moveId: item.id, reason: invalid });
        continue;
      }
      for (const shard of shardsOf(item.move)) busy.add(shard);
      this.admitting.add(item.id);
      // Admission whose answer never comes (the placement leader crashed) is retried.
      this.ports.schedule(ANSWER_TIMEOUT_MS, () => this.admitting.delete(item.id));
      const nowMs = this.ports.nowMs();
      const record: JournalRecord = { moveId: item.id, move: item.move, step: 'planned', startedAtMs: nowMs, updatedAtMs: nowMs, bytes: 0 };
      this.ports.writeJournal(record, null, undefined, item.move.reason, (ok) => {
        this.admitting.delete(item.id);
        const committed = ok || this.ports.journal().some((entry) => entry.moveId === item.id);
        if (committed) this.queue.splice(this.queue.indexOf(item), 1);
      });
    }
  }

  private drive(record: JournalRecord, move: ExecutableMove): void {
    if (move.kind === 'move-replica') this.driveReplicaMove(record, move);
    else if (move.kind === 'transfer-leader') this.driveLeaderTransfer(record, move);
    else this.driveSlotMove(record, move);
  }

  // ---- replica moves ----------------------------------------------------------------

  private driveReplicaMove(record: JournalRecord, move: Extract<ExecutableMove, { kind: 'move-replica' }>): void {
    const view = this.ports.group(move.shard);
    if (view === undefined) return;
    const { shard, from, to } = move;
    const member = isMember(view, to);
    switch (record.step) {
      case 'planned':
        if (this.unavailableTooLong(`node:${to}`, this.ports.isUp(to))) return this.advance(record, 'rolling-back', undefined, `${to} stayed down`);
        if (member && view.configCommitted) return this.advance(record, 'learner-added', (map) => withLearner(map, shard, to), `${to} joined ${shard} as a learner`);
        if (!member && view.configCommitted && this.ports.isUp(to) && this.linkIsFree()) return this.addLearner(record, move);
        return;
      case 'learner-added':
        // The learner left the committed configuration without this move removing it (replica
        // GC took it for a stray: the placement replicas that had applied this step were paused
        // or crashed, and the one running read a journal without it: seed 7654). Rolled back, not
        // re-added: the planner may move the shard again.
        if (!member && view.configCommitted) return this.advance(record, 'rolling-back', undefined, `${to} is no longer a learner of ${shard}`);
        // A target that was down (or restarted) when it was added gets its empty replica now; it then learns its configuration.
        if (member && this.ports.isUp(to)) this.ports.openEmptyReplica(to, shard);
        if (view.config.voters.includes(to) && view.configCommitted) {
          return this.advance(record, 'promoted', (map) => promoted(map, shard, to, from), `${to} promoted to voter of ${shard}`);
        }
        if (this.unavailableTooLong(`node:${to}`, this.ports.isUp(to))) return this.advance(record, 'rolling-back', undefined, `${to} stayed down`);
        // A learner that runs but is not heard (what it sends is lost) while it lacks entries
        // never catches up: the leader's catch-up round never ends, so Raft never calls it slow.
        // Not heard for the rollback limit is as good as down. (A learner holding every
        // committed entry counts as heard: the group may be quiesced, which marks every peer
        // inactive, while the move waits for the copy's bytes to cross the link.)
        if (this.unavailableTooLong(`heard:${record.moveId}`, learnerHeard(view, to))) {
          return this.advance(record, 'rolling-back', undefined, `${to} was not heard from for ${this.options.rollbackAfterMs} ms while it lacked entries`);
        }
        if (view.progress[to]?.catchUp?.state === 'aborted') return this.advance(record, 'rolling-back', undefined, catchUpAbortedReason(shard, to, view.progress[to].catchUp!));
        // A learner that is down (or silent) is not promoted: it would be a voter that cannot vote.
        if (view.configCommitted && this.ports.isUp(to) && this.caughtUp(record, view, to)) return this.act(record, () => this.ports.proposeConfigChange(shard, { type: 'promote', node: to }));
        return;
      case 'promoted':
        if (view.leader === from) return this.act(record, () => this.ports.transferLeadership(shard, this.heardVoter(view, from, to)));
        return this.advance(record, 'leader-moved', undefined, `leadership of ${shard} off ${from}`);
      case 'leader-moved':
        if (!isMember(view, from) && view.configCommitted) return this.advance(record, 'removed', (map) => withoutVoter(map, shard, from), `${from} removed from ${shard}`);
        if (view.leader === from) return this.act(record, () => this.ports.transferLeadership(shard, this.heardVoter(view, from)));
        if (view.configCommitted && this.quorumSurvivesRemoval(view, from)) this.act(record, () => this.ports.proposeConfigChange(shard, { type: 'remove', node: from }));
        return;
      case 'removed':
        // The copy is deleted only while the configuration does not name the node: one named
        // again (added back since, or a journal read that lags the group) holds a member's
        // replica, which the move leaves alone. A down node's copy is collected when it is back.
        if (!isMember(view, from)) this.ports.deleteReplica(from, shard);
        return this.end(record, 'done');
      case 'rolling-back':
        if (member && view.configCommitted) return this.act(record, () => this.ports.proposeConfigChange(shard, { type: 'remove', node: to }));
        if (member) return;
        return this.advance(record, 'rolled-back', (map) => withoutLearner(map, shard, to), `move of ${shard} to ${to} rolled back`);
      case 'rolled-back':
        if (!member) this.ports.deleteReplica(to, shard); // as for 'removed'
        return this.end(record, 'rolled-back');
    }
  }

  private addLearner(record: JournalRecord, move: Extract<ExecutableMove, { kind: 'move-replica' }>): void {
    const bytes = this.ports.replicaBytes(move.shard);
    this.transferEndsAtMs.set(record.moveId, this.reserveLink(bytes));
    this.ports.openEmptyReplica(move.to, move.shard);
    this.act(record, () => this.ports.proposeConfigChange(move.shard, { type: 'add-learner', node: move.to }));
    this.addBytes(record, bytes);
  }

  /**
   * The leader's catch-up rounds say the learner is close enough (thesis §4.2.1: its last
   * round took less than an election timeout), and its snapshot had time to cross the link.
   */
  private caughtUp(record: JournalRecord, view: GroupView, node: NodeId): boolean {
    const progress = view.progress[node];
    return progress !== undefined && progress.recentActive && progress.catchUp?.state === 'caught-up' && this.ports.nowMs() >= (this.transferEndsAtMs.get(record.moveId) ?? 0);
  }

  /**
   * Where leadership goes off `from`: `preferred` (the move's target), else another voter,
   * whichever the leader has heard from lately and whose node is up. A voter that runs but
   * is not heard (its messages are lost) cannot win the election a transfer asks for: the
   * move asked it again and again, and never finished. Falls back to any other voter.
   */
  private heardVoter(view: GroupView, from: NodeId, preferred?: NodeId): NodeId {
    const heard = (voter: NodeId): boolean => voter !== from && view.config.voters.includes(voter) && this.ports.isUp(voter) && view.progress[voter]?.recentActive === true;
    if (preferred !== undefined && heard(preferred)) return preferred;
    const other = view.config.voters.find(heard);
    if (other !== undefined) return other;
    // No voter looks heard: the leader's check of its quorum has just cleared every mark.
    // The target then, if it is up, as before; the next attempt sees fresh marks.
    if (preferred !== undefined && preferred !== from && this.ports.isUp(preferred)) return preferred;
    return otherVoter(view, from);
  }

  /** Removing `node` leaves a configuration whose majority is up. */
  private quorumSurvivesRemoval(view: GroupView, node: NodeId): boolean {
    const remaining = view.config.voters.filter((voter) => voter !== node);
    const live = remaining.filter((voter) => voter === view.leader || (this.ports.isUp(voter) && view.progress[voter]?.recentActive === true));
    return live.length * 2 > remaining.length;
  }

  // ---- leadership transfers -----------------------------------------------------------

  private driveLeaderTransfer(record: JournalRecord, move: Extract<ExecutableMove, { kind: 'transfer-leader' }>): void {
    const view = this.ports.group(move.shard);
    if (record.step === 'planned') {
      return this.advance(record, 'preferred', (map) => withPreferredLeader(map, move.shard, move.to), `${move.to} preferred leader of ${move.shard}`);
    }
    if (view === undefined) return;
    if (view.leader === move.to) return this.end(record, 'done');
    if (!view.config.voters.includes(move.to)) return this.end(record, 'rolled-back');
    this.act(record, () => this.ports.transferLeadership(move.shard, move.to));
  }

  // ---- slot moves -------------------------------------------------------------------------

  private driveSlotMove(record: JournalRecord, move: Extract<ExecutableMove, { kind: 'move-slots' }>): void {
    const target = this.ports.group(move.to);
    const targetLeaderless = this.unavailableTooLong(`group:${move.to}`, target !== undefined);
    switch (record.step) {
      case 'planned':
        if (target === undefined) return this.openTarget(record, move, targetLeaderless);
        if (this.linkIsFree()) this.copy(record, move);
        return;
      case 'copied':
        if (targetLeaderless) return this.advance(record, 'rolling-back', undefined, `${move.to} has no leader`);
        return this.release(record, move);
      case 'released':
        if (this.linkIsFree()) this.catchUp(record, move);
        return;
      case 'acquired': {
        const newShard = { id: move.to, slots: [], replicas: move.newShardReplicas ?? [], preferredLeader: move.newShardReplicas?.[0] ?? '' };
        return this.advance(record, 'cut-over', (map) => withSlotsMoved(map, move.range, findShard(map, move.to) ?? newShard), `${rangeText(move.range)} cut over from ${move.from} to ${move.to}`);
      }
      case 'cut-over':
        if (findShard(this.ports.map(), move.from) === undefined) return this.retire(record, move.from);
        return this.slotCommand(record, move.from, { kind: 'drop', range: move.range }, () => this.end(record, 'done'));
      case 'rolling-back':
        // First the source takes the range back: a release it applied before this record
        // said so, or a refused one that left the range draining, must not outlive the move.
        return this.slotCommand(record, move.from, { kind: 'reclaim', range: move.range }, () => this.rollBackTarget(record, move, target !== undefined));
    }
  }

  /**
   * Nothing to undo on a split's new group that never made it into the map: replica GC
   * deletes whatever of it exists. An existing target without a leader right now still
   * holds the copied keys and the incoming fence: wait for its leader.
   */
  private rollBackTarget(record: JournalRecord, move: Extract<ExecutableMove, { kind: 'move-slots' }>, targetExists: boolean): void {
    if (!targetExists) {
      if (isUnmappedTarget(this.ports.map(), move)) this.end(record, 'rolled-back');
      return;
    }
    this.slotCommand(record, move.to, { kind: 'abandon', range: move.range }, () => this.end(record, 'rolled-back'));
  }

  /** A split's new group is started on its replicas; a missing target that is not new can only roll back. */
  private openTarget(record: JournalRecord, move: Extract<ExecutableMove, { kind: 'move-slots' }>, leaderlessTooLong: boolean): void {
    if (leaderlessTooLong) return this.advance(record, 'rolling-back', undefined, `${move.to} has no leader`);
    if (move.newShardReplicas === undefined || findShard(this.ports.map(), move.to) !== undefined) return;
    if (this.ports.hostsOf(move.to).length === 0) this.act(record, () => this.ports.createGroup(move.to, move.newShardReplicas!));
  }

  private copy(record: JournalRecord, move: Extract<ExecutableMove, { kind: 'move-slots' }>): void {
    this.waitUntilMs.set(record.moveId, this.ports.nowMs() + ANSWER_TIMEOUT_MS);
    this.ports.readSlots(move.from, move.range, (data) => {
      if (data === undefined) return this.waitUntilMs.set(record.moveId, this.ports.nowMs() + ACTION_SETTLE_MS);
      const arrivesAtMs = this.reserveLink(data.bytes);
      this.ports.schedule(arrivesAtMs - this.ports.nowMs(), () => {
        this.ports.proposeSlots(move.to, { kind: 'ingest', range: move.range, entries: data.entries }, (result) => {
          this.waitUntilMs.delete(record.moveId);
          if (result?.status !== 'ok') return;
          this.copies.set(record.moveId, data);
          this.advance({ ...record, bytes: record.bytes + data.bytes }, 'copied', undefined, `${rangeText(move.range)} copied to ${move.to}`);
        });
      });
    });
  }

  /** Sends the writes made since the copy, with sessions and transaction records, and the target takes the range. */
  private catchUp(record: JournalRecord, move: Extract<ExecutableMove, { kind: 'move-slots' }>): void {
    this.waitUntilMs.set(record.moveId, this.ports.nowMs() + ANSWER_TIMEOUT_MS);
    this.ports.readSlots(move.from, move.range, (data) => {
      if (data === undefined) return this.waitUntilMs.set(record.moveId, this.ports.nowMs() + ACTION_SETTLE_MS);
      const copied = new Map(this.copies.get(record.moveId)?.entries ?? []);
      const upserts = data.entries.filter(([key, value]) => copied.get(key) !== value);
      const present = new Set(data.entries.map(([key]) => key));
      const deletes = [...copied.keys()].filter((key) => !present.has(key));
      const bytes = upserts.reduce((sum, [key, value]) => sum + key.length + value.length, 0) + deletes.reduce((sum, key) => sum + key.length, 0);
      const arrivesAtMs = this.reserveLink(bytes);
      const command: SlotCommand = { kind: 'acquire', range: move.range, upserts, deletes, sessions: data.sessions, records: data.records, horizons: data.horizons };
      this.ports.schedule(arrivesAtMs - this.ports.nowMs(), () => {
        this.ports.proposeSlots(move.to, command, (result) => {
          this.waitUntilMs.delete(record.moveId);
          if (result?.status !== 'ok') return;
          this.advance({ ...record, bytes: record.bytes + bytes }, 'acquired', undefined, `${move.to} acquired ${rangeText(move.range)}`);
        });
      });
    });
  }

  /** A merged-away shard: its group's replicas are deleted everywhere (down nodes are collected later). */
  private retire(record: JournalRecord, shard: ShardId): void {
    for (const node of this.ports.hostsOf(shard)) this.ports.deleteReplica(node, shard);
    this.end(record, 'done');
  }

  private release(record: JournalRecord, move: Extract<ExecutableMove, { kind: 'move-slots' }>): void {
    const refusals = this.releaseRefusals.get(record.moveId) ?? 0;
    const command: SlotCommand = { kind: 'release', range: move.range, ...(refusals >= RELEASE_TRIES_BEFORE_DRAIN ? { drain: true } : {}) };
    this.slotCommand(record, move.from, command, () => {
      this.releaseRefusals.delete(record.moveId);
      this.advance(record, 'released', undefined, `${move.from} released ${rangeText(move.range)}`);
    }, () => this.releaseRefusals.set(record.moveId, refusals + 1));
  }

  private slotCommand(record: JournalRecord, shard: ShardId, command: SlotCommand, onOk: () => void, onBusy?: () => void): void {
    this.waitUntilMs.set(record.moveId, this.ports.nowMs() + ANSWER_TIMEOUT_MS);
    this.ports.proposeSlots(shard, command, (result) => {
      this.waitUntilMs.set(record.moveId, this.ports.nowMs() + (result?.status === 'ok' ? 0 : ACTION_SETTLE_MS));
      if (result?.status === 'busy') {
        this.releasesDeferred++;
        onBusy?.();
      }
      if (result?.status === 'ok') onOk();
    });
  }

  // ---- shared machinery ----------------------------------------------------------------

  private advance(record: JournalRecord, step: string, edit: ((map: ShardMap) => ReturnType<typeof withLearner>) | undefined, reason: string): void {
    const pending = this.pendingBytes.get(record.moveId) ?? 0;
    const next: JournalRecord = { ...record, step, updatedAtMs: this.ports.nowMs(), bytes: record.bytes + pending };
    this.waitUntilMs.set(record.moveId, this.ports.nowMs() + ANSWER_TIMEOUT_MS);
    this.ports.writeJournal(next, record.step, edit, `${record.moveId}: ${reason}`, (ok) => {
      this.waitUntilMs.set(record.moveId, this.ports.nowMs() + (ok ? 0 : ACTION_SETTLE_MS));
      if (ok) this.pendingBytes.delete(record.moveId);
    });
  }

  private end(record: JournalRecord, outcome: 'done' | 'rolled-back'): void {
    this.waitUntilMs.set(record.moveId, this.ports.nowMs() + ANSWER_TIMEOUT_MS);
    this.ports.endJournal(record.moveId, outcome, (ok) => {
      this.waitUntilMs.set(record.moveId, this.ports.nowMs() + (ok ? 0 : ACTION_SETTLE_MS));
      if (ok) {
        this.copies.delete(record.moveId);
        this.releaseRefusals.delete(record.moveId);
        this.transferEndsAtMs.delete(record.moveId);
        this.unavailableSinceMs.delete(`heard:${record.moveId}`);
      }
    });
  }

  /** Takes an action on a group, then leaves the move alone while the action takes effect. */
  private act(record: JournalRecord, action: () => void): void {
    action();
    this.waitUntilMs.set(record.moveId, this.ports.nowMs() + ACTION_SETTLE_MS);
  }

  private addBytes(record: JournalRecord, bytes: number): void {
    this.pendingBytes.set(record.moveId, (this.pendingBytes.get(record.moveId) ?? 0) + bytes);
  }

  /** Bytes charged to a move but not yet in its journal record (written with its next step). */
  private readonly pendingBytes = new Map<string, number>();

  private linkIsFree(): boolean {
    return this.linkFreeAtMs <= this.ports.nowMs();
  }

  /** Occupies the link for `bytes` from when it is free; returns when the transfer ends. */
  private reserveLink(bytes: number): number {
    const startMs = Math.max(this.ports.nowMs(), this.linkFreeAtMs);
    this.linkFreeAtMs = startMs + (bytes * 1000) / this.options.bandwidthBytesPerSecond;
    return this.linkFreeAtMs;
  }

  /** True once `available` has been false for longer than the rollback limit. */
  private unavailableTooLong(what: string, available: boolean): boolean {
    if (available) {
      this.unavailableSinceMs.delete(what);
      return false;
    }
    const sinceMs = this.unavailableSinceMs.get(what) ?? this.ports.nowMs();
    this.unavailableSinceMs.set(what, sinceMs);
    return this.ports.nowMs() - sinceMs >= this.options.rollbackAfterMs;
  }

  /**
   * Replica GC (CockroachDB's replicaGCQueue): a node whose disk still lists a replica of a
   * shard that the group's committed configuration no longer includes deletes it. A
   * learner being added is spared: it exists before the configuration names it.
   */
  private collectGarbage(journal: readonly JournalRecord[]): void {
    const joining = new Set(journal.map((record) => record.move as ExecutableMove).filter((move) => move.kind === 'move-replica').map((move) => `${move.shard}/${move.to}`));
    for (const shard of this.ports.map().shards) {
      const view = this.ports.group(shard.id);
      if (view === undefined || !view.configCommitted) continue;
      for (const node of this.ports.hostsOf(shard.id)) {
        if (!isMember(view, node) && !joining.has(`${shard.id}/${node}`)) this.ports.deleteReplica(node, shard.id);
      }
      const stray = strayLearner(view, shard, joining);
      if (stray !== undefined) this.ports.proposeConfigChange(shard.id, { type: 'remove', node: stray });
    }
  }
}

/** Why a move cannot start on this map (undefined when it can). */
export function whyInvalid(move: ExecutableMove, map: ShardMap): string | undefined {
  if (move.kind === 'move-slots') {
    const from = findShard(map, move.from);
    if (from === undefined) return `${move.from} no longer exists`;
    if (move.newShardReplicas === undefined && findShard(map, move.to) === undefined) return `${move.to} no longer exists`;
    for (let slot = move.range.start; slot < move.range.endExclusive; slot++) {
      if (!from.slots.some((range) => range.start <= slot && slot < range.endExclusive)) return `${move.from} no longer owns slot ${slot}`;
    }
    return undefined;
  }
  const shard = findShard(map, move.shard);
  if (shard === undefined) return `${move.shard} no longer exists`;
  const members = [...shard.replicas, ...(shard.learners ?? [])];
  if (move.kind === 'transfer-leader') return shard.replicas.includes(move.to) ? undefined : `${move.to} is not a replica of ${move.shard}`;
  if (!shard.replicas.includes(move.from)) return `${move.from} is not a replica of ${move.shard}`;
  if (members.includes(move.to)) return `${move.to} already holds a copy of ${move.shard}`;
  return undefined;
}

function isMember(view: GroupView, node: NodeId): boolean {
  return view.config.voters.includes(node) || view.config.learners.includes(node);
}

/** The leader heard from the learner lately, or the learner holds every committed entry. */
function learnerHeard(view: GroupView, learner: NodeId): boolean {
  const progress = view.progress[learner];
  return progress !== undefined && (progress.recentActive || progress.matchIndex >= view.commitIndex);
}

function otherVoter(view: GroupView, not: NodeId): NodeId {
  return view.config.voters.find((voter) => voter !== not && voter !== view.leader) ?? view.config.voters.find((voter) => voter !== not)!;
}

function shardsOf(move: ExecutableMove | undefined): ShardId[] {
  if (move === undefined) return [];
  return move.kind === 'move-slots' ? [move.from, move.to] : [move.shard];
}

function rangeText(range: SlotRange): string {
  return `slots ${range.start}-${range.endExclusive - 1}`;
}

/** Splits and merges as slot moves (a split's first range creates the new group). */
export function expand(move: Move, map: ShardMap): ExecutableMove[] {
  switch (move.kind) {
    case 'move-replica':
    case 'transfer-leader':
    case 'move-slots':
      return [move];
    case 'split':
      return move.ranges.map((range) => ({ kind: 'move-slots', from: move.shard, to: move.newShard, range, reason: move.reason, newShardReplicas: move.replicas }));
    case 'merge': {
      const source = findShard(map, move.from);
      if (source === undefined) throw new Error(`cannot merge ${move.from}: no such shard in map epoch ${map.epoch}`);
      return source.slots.map((range) => ({ kind: 'move-slots', from: move.from, to: move.into, range, reason: move.reason }));
    }
  }
}

/** The target of a split that has not been cut over: a group the map does not know. */
/** A target the map does not name (a split's new group that never reached it): nothing can serve it, and replica GC deletes what exists of it. */
function isUnmappedTarget(map: ShardMap, move: Extract<ExecutableMove, { kind: 'move-slots' }>): boolean {
  return findShard(map, move.to) === undefined;
}

/**
 * A learner the group's committed configuration holds but the map does not name, with no
 * move in flight to it: the add-learner of a move that was rolled back, committed late by
 * a leader that had it in its log (seed 7610). The map is authoritative, so it goes. A
 * learner holds no vote, so removing it never costs the group its quorum.
 */
function strayLearner(view: GroupView, shard: Shard, joining: ReadonlySet<string>): NodeId | undefined {
  const named = new Set([...shard.replicas, ...(shard.learners ?? [])]);
  return view.config.learners.find((node) => !named.has(node) && !joining.has(`${shard.id}/${node}`));
}

/** Why a move gave up on its learner: the leader aborted its catch-up (thesis §4.2.1). */
function catchUpAbortedReason(shard: ShardId, node: NodeId, catchUp: CatchUpStatus): string {
  return `${node} could not catch up with ${shard}: ${catchUp.slowRounds} rounds of catching up in a row each took longer than an election timeout (the last ${catchUp.lastRoundTicks} ticks), so the leader will not promote it`;
}
