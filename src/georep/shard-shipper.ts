/**
 * The cross-region side of one shard, run by the shard's Raft leader in its region: it
 * streams the shard's change log to the same shard in every other region, receives their
 * streams and applies them through the region's log, records acknowledgements, and runs
 * anti-entropy sessions over the shard's Merkle tree.
 *
 * Nothing here is durable, and nothing needs to be: the change log, the acknowledgement
 * cursors (what each destination confirmed) and the receive cursors (what each origin's
 * stream applied here) are in the shard's replicated state (region-shard-state.ts). A new
 * leader starts its streams from the durable cursors, so a leader change resends at most
 * what was in flight, and the receivers skip what they already applied (origin and
 * sequence number), so every change takes effect exactly once.
 */
import type { RaftGroupHost } from '../runtime/raft-host';
import type { NodeId, TimerId } from '../runtime/ports';
import { AntiEntropy, type AntiEntropyEvent, type AntiEntropyMessage } from './anti-entropy';
import type { RegionId } from './causal-context';
import type { GeoTuning } from './config';
import type { HlcTimestamp } from './hlc';
import type { AckMessage, ChangesMessage, FrontierMessage } from './messages';
import { type GeoApplyChangesResult, type GeoCommand, type GeoShardState, geoShardFaults } from './region-shard-state';
import { type ChangeEntry, OutboundStream } from './replication-stream';
import { ShardTombstones } from './shard-tombstones';
import type { KeyState } from './strategies';

/** What a shipper needs from the node's georeplication service. */
export interface ShipperHost {
  readonly region: RegionId;
  readonly tuning: GeoTuning;
  nowMs(): number;
  random(): number;
  setTimer(delayMs: number, callback: () => void, label: string): TimerId;
  cancelTimer(timer: TimerId): void;
  /** Sends to the node believed to lead this shard in `peer` (rotating through its nodes when unknown). */
  sendToShard(peer: RegionId, shard: string, message: ChangesMessage | AntiEntropyMessage): void;
  /** Sends to every node of `peer` (frontier reports: its shard's leader takes them, the others drop them). */
  sendToAllNodes(peer: RegionId, message: FrontierMessage): void;
  reply(node: NodeId, message: AckMessage | AntiEntropyMessage): void;
  /** No acknowledgement came in time: if the target node has been silent, try the next one. */
  rotateHint(peer: RegionId, shard: string): void;
  isReachable(peer: RegionId): boolean;
  isRefused(peer: RegionId): boolean;
  /** HLC send event. */
  timestamp(): HlcTimestamp;
  roundTripMs(peer: RegionId): number | undefined;
  observeAntiEntropy(event: AntiEntropyEvent, shard: string): void;
  /** Session names must be unique across the region's nodes and restarts. */
  readonly sessionEpoch: number;
}

/**
 * Planted-bug switches (see README, "Planted bugs"): off in every real run.
 * `cursorInMemory`: a new leader starts each stream after the last change it holds, as if
 * the acknowledgement cursor had lived only in the old leader's memory.
 */
export const shipperFaults = { cursorInMemory: false };

export class ShardShipper {
  private readonly outbound = new Map<RegionId, OutboundStream>();
  private readonly retransmitTimers = new Map<RegionId, TimerId>();
  private flushTimer: TimerId | undefined;
  private antiEntropyTimer: TimerId | undefined;
  /** Per origin: the next sequence to propose (proposals may be in flight beyond the durable cursor). */
  private readonly expectedNext = new Map<RegionId, number>();
  private readonly ackProposals = new Map<RegionId, { inFlight: boolean; wanted: number }>();
  /** Per peer: resets counted when our repair session with it began. */
  private readonly repairResets = new Map<RegionId, number>();
  private readonly repairNotBeforeMs = new Map<RegionId, number>();
  /** Per peer: the node that last spoke for it in an anti-entropy session (replies go there). */
  private readonly sessionNodes = new Map<RegionId, NodeId>();
  private antiEntropyTurn = 0;
  private stopped = false;
  readonly antiEntropy: AntiEntropy;
  /** Tombstone collection by the shard's stable frontier (shard-tombstones.ts). */
  readonly tombstones: ShardTombstones;

  constructor(
    readonly shard: string,
    private readonly peers: readonly RegionId[],
    private readonly group: RaftGroupHost,
    private readonly state: () => GeoShardState,
    private readonly host: ShipperHost,
  ) {
    const tuning = host.tuning;
    const streamTuning = { batchMax: tuning.batchMax, windowMax: tuning.windowMax, retransmitMinMs: tuning.retransmitMinMs, retransmitMaxMs: tuning.retransmitMaxMs };
    const current = state();
    for (const peer of peers) {
      const acked = shipperFaults.cursorInMemory ? current.lastSeq : current.ackedBy(peer);
      this.outbound.set(peer, new OutboundStream(peer, acked, streamTuning, current.resetFor(peer)));
    }
    for (const peer of peers) this.outbound.get(peer)!.rewind(this.baseTimeoutMs(peer));
    this.antiEntropy = new AntiEntropy(this.antiEntropyHost());
    this.tombstones = new ShardTombstones({
      region: host.region,
      shard,
      peers,
      state,
      timestamp: () => host.timestamp(),
      clockStepMs: host.tuning.pingIntervalMs,
      propose: (command, done) => this.propose(command, done),
      send: (peer, message) => {
        if (!host.isRefused(peer) && host.isReachable(peer)) host.sendToAllNodes(peer, message);
      },
    });
    this.scheduleAntiEntropy();
    this.scheduleFlush();
  }

  /** Leadership moved away (or the replica stopped): every timer lapses, sessions are forgotten. */
  stop(): void {
    this.stopped = true;
    for (const timer of this.retransmitTimers.values()) this.host.cancelTimer(timer);
    if (this.flushTimer !== undefined) this.host.cancelTimer(this.flushTimer);
    if (this.antiEntropyTimer !== undefined) this.host.cancelTimer(this.antiEntropyTimer);
    for (const peer of this.peers) this.antiEntropy.abandon(peer);
  }

  get isStopped(): boolean {
    return this.stopped;
  }

  pendingFor(peer: RegionId): { inFlight: number; pending: number } {
    const stream = this.outbound.get(peer)!;
    return { inFlight: stream.inFlight, pending: stream.pending(this.state().lastSeq) };
  }

  // ---- outbound -------------------------------------------------------------------------

  /** A change was committed here (or a cursor moved): stream soon. */
  scheduleFlush(): void {
    if (this.flushTimer !== undefined || this.stopped) return;
    this.flushTimer = this.host.setTimer(this.host.tuning.flushDelayMs, () => {
      this.flushTimer = undefined;
      if (this.stopped) return;
      for (const peer of this.peers) this.flushTo(peer);
    }, 'geo.flush');
  }

  flushTo(peer: RegionId): void {
    if (this.stopped || this.host.isRefused(peer) || !this.host.isReachable(peer)) return;
    const stream = this.outbound.get(peer)!;
    this.followDurableCursor(peer, stream);
    const log = this.state().changeLog;
    let sent = false;
    for (let batch = stream.nextBatch(log); batch !== undefined; batch = stream.nextBatch(log)) {
      this.sendChanges(peer, stream.resetFrom, batch);
      sent = true;
    }
    if (!sent && stream.resetFrom !== undefined) this.sendChanges(peer, stream.resetFrom, []);
    this.armRetransmit(peer);
  }

  /** The replicated state may know more than this stream: a give-up (retention) or a cursor committed meanwhile. */
  private followDurableCursor(peer: RegionId, stream: OutboundStream): void {
    const state = this.state();
    const durable = state.ackedBy(peer);
    if (durable > stream.acked) {
      stream.acked = durable;
      if (stream.nextToSend <= durable) stream.nextToSend = durable + 1;
    }
    const reset = state.resetFor(peer);
    if (reset !== undefined && stream.acked < reset - 1) stream.giveUp(reset - 1);
    else if (reset !== undefined && stream.resetFrom === undefined && stream.acked < reset) stream.resetFrom = reset;
  }

  private sendChanges(peer: RegionId, resetFrom: number | undefined, entries: readonly ChangeEntry[]): void {
    const message: ChangesMessage = { type: 'geo.changes', origin: this.host.region, timestamp: this.host.timestamp(), entries, shard: this.shard, ...(resetFrom === undefined ? {} : { resetFrom }) };
    this.host.sendToShard(peer, this.shard, message);
  }

  private armRetransmit(peer: RegionId): void {
    const stream = this.outbound.get(peer)!;
    if (this.retransmitTimers.has(peer) || (stream.inFlight === 0 && stream.resetFrom === undefined)) return;
    const ackedWhenArmed = stream.acked;
    const timer = this.host.setTimer(stream.retransmitTimeoutMs, () => {
      this.retransmitTimers.delete(peer);
      if (this.stopped) return;
      if (stream.acked === ackedWhenArmed) {
        stream.onTimeout();
        this.host.rotateHint(peer, this.shard);
      }
      this.flushTo(peer);
    }, 'geo.retransmit');
    this.retransmitTimers.set(peer, timer);
  }

  onAck(peer: RegionId, appliedSeq: number): void {
    const stream = this.outbound.get(peer);
    if (!stream || this.stopped) return;
    const progress = stream.onAck(appliedSeq, this.host.nowMs(), this.baseTimeoutMs(peer));
    if (progress || appliedSeq > this.state().ackedBy(peer) || this.state().resetFor(peer) !== undefined) this.recordAck(peer, appliedSeq);
    if (progress) this.flushTo(peer);
  }

  /** The destination's node did not lead the shard: send again, to the hinted node. */
  onNotLeader(peer: RegionId): void {
    const stream = this.outbound.get(peer);
    if (!stream || this.stopped) return;
    stream.rewind(this.baseTimeoutMs(peer));
    this.flushTo(peer);
  }

  /** The peer was heard from again after a silence (or its clock accepted again): resend from its cursor. */
  peerBack(peer: RegionId): void {
    if (this.stopped) return;
    this.antiEntropy.abandon(peer);
    this.outbound.get(peer)?.rewind(this.baseTimeoutMs(peer));
    this.flushTo(peer);
  }

  /** Makes the destination's cursor durable (one proposal in flight per destination; the latest wins). */
  private recordAck(peer: RegionId, seq: number): void {
    let proposal = this.ackProposals.get(peer);
    if (proposal === undefined) this.ackProposals.set(peer, (proposal = { inFlight: false, wanted: 0 }));
    proposal.wanted = Math.max(proposal.wanted, seq);
    if (proposal.inFlight) return;
    proposal.inFlight = true;
    const wanted = proposal.wanted;
    this.propose({ kind: 'acked', destination: peer, seq: wanted }, () => {
      proposal!.inFlight = false;
      if (!this.stopped && proposal!.wanted > wanted) this.recordAck(peer, proposal!.wanted);
    });
  }

  private baseTimeoutMs(peer: RegionId): number {
    const roundTripMs = this.host.roundTripMs(peer) ?? this.host.tuning.retransmitMinMs;
    return Math.max(this.host.tuning.retransmitMinMs, 2 * roundTripMs + 2 * this.host.tuning.flushDelayMs);
  }

  // ---- inbound ----------------------------------------------------------------------------

  /**
   * A batch of an origin's stream for this shard: the changes from the next expected one on
   * are proposed to the region's log; the acknowledgement leaves once they are committed
   * and applied. A batch with nothing new is acknowledged at once with the durable cursor.
   */
  onChanges(from: NodeId, message: ChangesMessage): void {
    const origin = message.origin;
    const state = this.state();
    const cursor = state.appliedFrom(origin);
    const needsReset = message.resetFrom !== undefined && cursor < message.resetFrom - 1;
    const expected = needsReset ? message.resetFrom! : Math.max(cursor + 1, this.expectedNext.get(origin) ?? 0);
    // Planted bug "dedupe off" (geoShardFaults.skipDedupe): every entry of every batch is proposed, and applied.
    const fresh: ChangeEntry[] = geoShardFaults.skipDedupe ? [...message.entries] : [];
    for (const entry of geoShardFaults.skipDedupe ? [] : message.entries) {
      if (entry.seq < expected + fresh.length) continue;
      if (entry.seq !== expected + fresh.length) break;
      fresh.push(entry);
    }
    if (fresh.length === 0 && !needsReset) return this.acknowledge(from, origin, cursor);
    this.expectedNext.set(origin, expected + fresh.length);
    const command: GeoCommand = { kind: 'apply-changes', origin, entries: fresh, ...(needsReset ? { resetFrom: message.resetFrom } : {}) };
    this.propose(command, (result) => {
      if (result === undefined) {
        this.expectedNext.delete(origin);
        return;
      }
      this.acknowledge(from, origin, (result as GeoApplyChangesResult).applied);
    });
  }

  private acknowledge(to: NodeId, origin: RegionId, appliedSeq: number): void {
    const ack: AckMessage = { type: 'geo.ack', region: this.host.region, appliedSeq, shard: this.shard };
    this.host.reply(to, ack);
    void origin;
  }

  /** Proposes a geo entry; `done` gets the apply result, or undefined when it was not committed by this leader. */
  private propose(command: GeoCommand, done: (result: unknown) => void): void {
    this.group.propose({ geo: command }, (outcome) => done(outcome.ok ? outcome.result : undefined));
  }

  // ---- anti-entropy ----------------------------------------------------------------------------

  onAntiEntropy(from: NodeId, message: AntiEntropyMessage): void {
    if (this.stopped) return;
    this.sessionNodes.set(message.region, from);
    this.antiEntropy.onMessage(message, this.host.nowMs());
  }

  /** Every ping interval: sessions with silent peers end, stale ones expire, pending repairs start. */
  heartbeat(sessionTimeoutMs: (peer: RegionId) => number): void {
    if (this.stopped) return;
    for (const peer of this.peers) if (!this.host.isReachable(peer)) this.antiEntropy.abandon(peer);
    this.antiEntropy.expire(this.host.nowMs(), sessionTimeoutMs);
    this.repairIfNeeded();
    this.tombstones.heartbeat();
  }

  /** Another region's frontier report for this shard. */
  onFrontier(message: FrontierMessage): void {
    if (!this.stopped) this.tombstones.onReport(message);
  }

  private repairIfNeeded(): void {
    const state = this.state();
    const nowMs = this.host.nowMs();
    for (const peer of this.peers) {
      if (!state.needsRepairFrom(peer) || !this.host.isReachable(peer) || this.host.isRefused(peer)) continue;
      if (nowMs < (this.repairNotBeforeMs.get(peer) ?? -Infinity) || this.antiEntropy.isRunningWith(peer)) continue;
      this.startSession(peer, 'repair');
    }
  }

  private startSession(peer: RegionId, purpose: 'repair' | 'periodic'): void {
    this.sessionNodes.delete(peer);
    this.repairResets.set(peer, this.state().resetsFrom(peer));
    this.antiEntropy.start(peer, purpose, this.host.nowMs(), this.host.sessionEpoch);
  }

  private scheduleAntiEntropy(): void {
    const intervalMs = this.host.tuning.antiEntropyIntervalMs;
    if (intervalMs <= 0 || this.stopped) return;
    this.antiEntropyTimer = this.host.setTimer(intervalMs * (0.75 + 0.5 * this.host.random()), () => {
      this.antiEntropyTimer = undefined;
      if (this.stopped) return;
      this.antiEntropyRound();
      this.scheduleAntiEntropy();
    }, 'geo.anti-entropy');
  }

  /** A periodic check with the next peer in turn, skipping peers our stream is still sending to. */
  private antiEntropyRound(): void {
    const state = this.state();
    if (!this.antiEntropy.isIdle || this.peers.some((peer) => state.needsRepairFrom(peer))) return;
    const peers = this.peers.filter((peer) => this.host.isReachable(peer) && !this.host.isRefused(peer));
    if (peers.length === 0) return;
    const peer = peers[this.antiEntropyTurn++ % peers.length];
    if (this.outbound.get(peer)!.inFlight === 0) this.startSession(peer, 'periodic');
  }

  private antiEntropyHost(): ConstructorParameters<typeof AntiEntropy>[0] {
    const shipper = this;
    return {
      region: this.host.region,
      get store() {
        return shipper.state().store;
      },
      mergeRemote: (fullKey: string, state: KeyState) => this.mergeRemote(fullKey, state),
      send: (peer: RegionId, message: AntiEntropyMessage) => {
        const node = this.sessionNodes.get(peer);
        const withShard = { ...message, shard: this.shard } as AntiEntropyMessage;
        if (node !== undefined) this.host.reply(node, withShard);
        else this.host.sendToShard(peer, this.shard, withShard);
      },
      timestamp: () => this.host.timestamp(),
      completed: (peer: RegionId) => this.sessionCompleted(peer),
      declined: (peer: RegionId) => {
        this.repairNotBeforeMs.set(peer, this.host.nowMs() + this.host.tuning.pingIntervalMs * (0.5 + 2 * this.host.random()));
      },
      observe: (event: AntiEntropyEvent) => this.host.observeAntiEntropy(event, this.shard),
    };
  }

  /** An anti-entropy merge goes through the region's log; the session goes on with the state the key will hold. */
  private mergeRemote(fullKey: string, state: KeyState): KeyState | undefined {
    const merged = this.state().joinedWith(fullKey, state);
    this.propose({ kind: 'merge', states: [[fullKey, state]] }, () => undefined);
    return merged;
  }

  private sessionCompleted(peer: RegionId): void {
    const resets = this.repairResets.get(peer);
    if (resets === undefined || !this.state().needsRepairFrom(peer)) return;
    this.repairResets.delete(peer);
    this.propose({ kind: 'repaired', origin: peer, resets }, () => undefined);
  }
}
