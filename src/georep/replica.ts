/**
 * The replica of one region: it serves the region's clients (active-active: every region
 * takes writes), streams its own updates to every other region, applies theirs, repairs
 * differences with anti-entropy, and keeps a hybrid logical clock that refuses peers whose
 * clocks are beyond the maximum offset.
 *
 * Within a region there is one replica node (see README: a region is the unit of
 * replication here; in-region redundancy is the business of the Raft groups). Everything a
 * client was told is durable first: an update is synced to disk before the reply, and a
 * remote change is synced before it is acknowledged, so a crash loses nothing that any
 * other party relies on.
 *
 * Disk layout: `geo.keys` (list of keys ever stored), `geo.key:<keyspace/key>` (state),
 * `geo.log:<seq>` and `geo.log.range` (the change log), `geo.applied:<origin>`,
 * `geo.reset:<destination>`, `geo.repair` (origins to repair from), `geo.hlc`, `geo.starts`.
 */
import { type AuthLogEntry, type AuthResult, type AuthSnapshot, RoleTable } from '../auth/role-table';
import type { Refusal } from '../auth/types';
import type { NodeService } from '../runtime/node-runtime';
import type { Message, NodeEnv, NodeId, TimerId } from '../runtime/ports';
import { AntiEntropy, type AntiEntropyEvent, type AntiEntropyMessage } from './anti-entropy';
import { type CausalContext, contextAdd, EMPTY_CONTEXT, type RegionId } from './causal-context';
import { answerPing, takePong } from './clock-exchange';
import { ClockMonitor, type OffsetMeasurement, type VerdictChange } from './clock-monitor';
import type { GeoTuning, KeyspaceCatalog, PeerRegion } from './config';
import { formatHlc, HLC_ZERO, type HlcTimestamp, HybridLogicalClock } from './hlc';
import { fullKeyOf, KeyStore, splitFullKey } from './key-store';
import type { AckMessage, ChangesMessage, ClientRequest, ClientResponse, PingMessage, PongMessage, ReplicaMessage } from './messages';
import { TombstoneCollector } from './tombstone-collector';
import { type ChangeEntry, ChangeLog, InboundStream, OutboundStream } from './replication-stream';
import { applyOperation, type GeoValue, type KeyState, readState } from './strategies';
import { describeGeoRequest, geoAccess, judgeGeoRequest } from './geo-authorization';

/** Hooks the facade uses to measure lag and collect reports; the protocol does not depend on them. */
export interface ReplicaObserver {
  localChange?(region: RegionId, seq: number): void;
  applied?(region: RegionId, origin: RegionId, appliedSeq: number): void;
  repairNeeded?(region: RegionId, origin: RegionId): void;
  repairDone?(region: RegionId, origin: RegionId): void;
  clockVerdict?(region: RegionId, change: VerdictChange): void;
  refusedTimestamp?(region: RegionId, peer: RegionId, aheadMs: number, maxOffsetMs: number): void;
  antiEntropy?(event: AntiEntropyEvent): void;
  /** A key's state changed here (a local update or a merge). */
  stored?(region: RegionId, fullKey: string, state: KeyState): void;
  /** A client request was refused by the role table (for the audit log). */
  refused?(node: NodeId, request: string, refusal: Refusal): void;
}

export interface ReplicaOptions {
  readonly region: RegionId;
  readonly peers: readonly PeerRegion[];
  readonly catalog: KeyspaceCatalog;
  readonly tuning: GeoTuning;
  readonly observer?: ReplicaObserver;
}

export interface PeerStatus {
  readonly peer: RegionId;
  /** Outbound: our changes the peer has acknowledged, and how many are still pending. */
  readonly acked: number;
  readonly pending: number;
  readonly inFlight: number;
  readonly backlogGivenUp: boolean;
  /** Inbound: the peer's changes applied here. */
  readonly appliedFromPeer: number;
  readonly clock: OffsetMeasurement | undefined;
  readonly refused: boolean;
  readonly reachable: boolean;
  readonly needsRepairFrom: boolean;
}

const KEYS_LIST = 'geo.keys';
const LOG_RANGE = 'geo.log.range';
const REPAIR = 'geo.repair';
const HLC_KEY = 'geo.hlc';
const STARTS = 'geo.starts';
/** The region's role table (src/auth/role-table.ts snapshot), rewritten and synced on every change. */
const ROLES = 'geo.auth';
const GC_HORIZON = 'geo.gc.horizon';

export class RegionReplica implements NodeService {
  readonly region: RegionId;
  readonly store: KeyStore;
  readonly hlc: HybridLogicalClock;
  readonly clocks: ClockMonitor;
  /**
   * The region's role table. With one node per region the replica's disk is the region's
   * durable state: the table is synced there before a change is acknowledged, and the admin
   * facade (src/api/geo-security.ts) delivers every numbered change to every region in order.
   */
  readonly roles = new RoleTable();
  private readonly log: ChangeLog;
  private readonly outbound = new Map<RegionId, OutboundStream>();
  private readonly inbound = new Map<RegionId, InboundStream>();
  private readonly regionOfNode = new Map<NodeId, RegionId>();
  private readonly nodeOfRegion = new Map<RegionId, NodeId>();
  private readonly lastHeardMs = new Map<RegionId, number>();
  private readonly retransmitTimers = new Map<RegionId, TimerId>();
  /** Regions to repair from, each with the first anti-entropy session ordinal that counts as a repair. */
  private readonly repairFrom = new Map<RegionId, number>();
  private readonly antiEntropy: AntiEntropy;
  private readonly startNumber: number;
  private flushTimer: TimerId | undefined;
  /** Per peer, local time before which no repair session is offered to it (after it declined one). */
  private readonly repairNotBeforeMs = new Map<RegionId, number>();
  private antiEntropyTurn = 0;
  private readonly tuning: GeoTuning;
  /** Collects last-writer-wins tombstones once they are causally stable (tombstone-collector.ts). */
  readonly tombstones: TombstoneCollector;
  /** Counters for reports. */
  readonly stats = { localUpdates: 0, reads: 0, changesApplied: 0, refusedMessages: 0, statesMergedByAntiEntropy: 0 };

  constructor(
    private readonly env: NodeEnv,
    private readonly options: ReplicaOptions,
  ) {
    this.region = options.region;
    this.tuning = options.tuning;
    for (const peer of options.peers) {
      if (peer.region === this.region) throw new Error(`region ${this.region} lists itself as a peer`);
      this.regionOfNode.set(peer.node, peer.region);
      this.nodeOfRegion.set(peer.region, peer.node);
    }
    this.store = new KeyStore(this.tuning.merkleFanout, this.tuning.merkleDepth);
    this.clocks = new ClockMonitor(this.tuning.maxClockOffsetMs);
    this.startNumber = (env.disk.get<number>(STARTS) ?? 0) + 1;
    env.disk.put(STARTS, this.startNumber);
    this.hlc = new HybridLogicalClock(() => env.clock.nowMs(), this.tuning.maxClockOffsetMs, env.disk.get<HlcTimestamp>(HLC_KEY) ?? HLC_ZERO);
    this.log = this.recoverLog();
    this.recoverKeys();
    this.roles.restore(env.disk.get<AuthSnapshot>(ROLES));
    // After a restart every session is new, so any completed session counts.
    for (const origin of env.disk.get<RegionId[]>(REPAIR) ?? []) this.repairFrom.set(origin, 0);
    this.recoverStreams();
    env.disk.sync();
    this.antiEntropy = new AntiEntropy({
      region: this.region,
      store: this.store,
      mergeRemote: (fullKey, state) => this.mergeFromAntiEntropy(fullKey, state),
      send: (peer, message) => this.sendToRegion(peer, message),
      timestamp: () => this.hlc.now(),
      completed: (peer, _session, ordinal) => this.sessionCompleted(peer, ordinal),
      declined: (peer) => {
        // Busy peer: retry after a random pause, so regions that collided do not collide again.
        this.repairNotBeforeMs.set(peer, this.env.clock.nowMs() + this.tuning.pingIntervalMs * (0.5 + 2 * this.env.random.next()));
      },
      observe: (event) => options.observer?.antiEntropy?.(event),
    });
    this.tombstones = this.tombstoneCollector();
    this.scheduleHeartbeat();
    this.scheduleAntiEntropy();
    if (this.log.length > 0 || [...this.outbound.values()].some((stream) => stream.resetFrom !== undefined)) this.scheduleFlush();
  }

  // ---- questions (the facade's view) ----------------------------------------------------

  valueOf(keyspace: string, key: string): GeoValue {
    return readState(this.options.catalog.require(keyspace), this.store.stateOf(fullKeyOf(keyspace, key)));
  }

  get lastSeq(): number {
    return this.log.lastSeq;
  }

  get retainedChanges(): number {
    return this.log.length;
  }

  appliedFrom(origin: RegionId): number {
    return this.inbound.get(origin)?.applied ?? 0;
  }

  needsRepairFrom(origin: RegionId): boolean {
    return this.repairFrom.has(origin);
  }

  peerStatus(): PeerStatus[] {
    return this.options.peers.map(({ region: peer }) => {
      const out = this.outbound.get(peer)!;
      return {
        peer,
        acked: out.acked,
        pending: out.pending(this.log.lastSeq),
        inFlight: out.inFlight,
        backlogGivenUp: out.resetFrom !== undefined,
        appliedFromPeer: this.appliedFrom(peer),
        clock: this.clocks.measurement(peer),
        refused: this.clocks.isRefused(peer),
        reachable: this.isReachable(peer),
        needsRepairFrom: this.repairFrom.has(peer),
      };
    });
  }

  /** Starts an anti-entropy session now (normally they run on timers); undefined when not possible now. */
  startAntiEntropy(peer: RegionId, purpose: 'repair' | 'periodic' = 'repair'): string | undefined {
    if (!this.nodeOfRegion.has(peer) || this.clocks.isRefused(peer) || this.antiEntropy.isRunningWith(peer)) return undefined;
    if (purpose === 'periodic' && !this.antiEntropy.isIdle) return undefined;
    return this.antiEntropy.start(peer, purpose, this.env.clock.nowMs(), this.startNumber);
  }

  /**
   * Applies a numbered change of the role table and makes it durable before answering (a
   * retry of the latest version is answered from the table, see RoleTable.apply).
   */
  changeRoles(entry: AuthLogEntry): AuthResult {
    const before = this.roles.version;
    const result = this.roles.apply(entry);
    if (this.roles.version !== before) {
      this.env.disk.put(ROLES, this.roles.snapshot());
      this.env.disk.sync();
    }
    return result;
  }

  // ---- messages --------------------------------------------------------------------------

  onMessage(from: NodeId, message: Message): void {
    const typed = message as ReplicaMessage;
    if (typed.type === 'geo.request') return this.onClientRequest(from, typed);
    const peer = this.regionOfNode.get(from);
    if (peer === undefined) return; // not a replica of this cluster
    this.heardFrom(peer);
    switch (typed.type) {
      case 'geo.ping':
        return this.onPing(from, typed);
      case 'geo.pong':
        return this.onPong(peer, typed);
      case 'geo.changes':
        return this.onChanges(peer, from, typed);
      case 'geo.ack':
        return this.onAck(peer, typed);
      case 'geo.frontier':
        return this.clocks.isRefused(peer) ? undefined : this.tombstones.onReport(typed);
      case 'geo.ae.tree':
      case 'geo.ae.digests':
      case 'geo.ae.states':
      case 'geo.ae.done':
        return this.onAntiEntropy(peer, typed);
    }
  }

  // ---- clients ---------------------------------------------------------------------------

  private onClientRequest(client: NodeId, request: ClientRequest): void {
    const reply = (response: ClientResponse): void => this.env.network.send(client, response);
    const fail = (error: string): void => reply({ type: 'geo.response', id: request.id, ok: false, region: this.region, error });
    // Judged first, so a refused request changes nothing, not even the clock, and learns nothing of the keyspace.
    const decision = judgeGeoRequest(this.roles, request.principal, request.keyspace, geoAccess(request.operation));
    if (!decision.allowed) {
      this.options.observer?.refused?.(this.env.id, describeGeoRequest(request.operation, request.keyspace, request.key, client), decision.refusal);
      return fail(decision.refusal.text);
    }
    const kind = this.options.catalog.kindOf(request.keyspace);
    if (kind === undefined) return fail(`no keyspace "${request.keyspace}"`);
    if (request.session.after !== undefined) {
      const receipt = this.hlc.receive(request.session.after);
      if (!receipt.accepted) return fail(`the client's causal timestamp is ${Math.round(receipt.aheadMs)} ms ahead of ${this.region}'s clock, beyond the maximum offset of ${receipt.maxOffsetMs} ms`);
    }
    const fullKey = fullKeyOf(request.keyspace, request.key);
    const current = this.store.stateOf(fullKey);
    if (request.operation === undefined) {
      this.stats.reads++;
      const value = readState(kind, current);
      return reply({ type: 'geo.response', id: request.id, ok: true, region: this.region, value, timestamp: this.hlc.current, context: contextOf(value) });
    }
    const readContext = request.session.context ?? (request.session.replaceLocal ? localContext(current) : EMPTY_CONTEXT);
    const timestamp = this.hlc.now();
    let applied: { state: KeyState; dot?: { region: RegionId; counter: number } };
    try {
      applied = applyOperation(kind, current, request.operation, { region: this.region, timestamp, readContext });
    } catch (error) {
      return fail(error instanceof Error ? error.message : String(error));
    }
    this.commitLocalUpdate(fullKey, applied.state, timestamp);
    const value = readState(kind, applied.state);
    const context = value.kind === 'multi-value' ? (applied.dot ? contextAdd(readContext, applied.dot) : readContext) : undefined;
    reply({ type: 'geo.response', id: request.id, ok: true, region: this.region, value, timestamp, context });
  }

  /** Stores the update, appends it to the change log, makes both durable, and streams it soon. */
  private commitLocalUpdate(fullKey: string, state: KeyState, timestamp: HlcTimestamp): void {
    const isNew = this.store.get(fullKey) === undefined;
    this.store.put(fullKey, state);
    this.persistKey(fullKey, state, isNew);
    this.options.observer?.stored?.(this.region, fullKey, state);
    const { keyspace, key } = splitFullKey(fullKey);
    const entry = this.log.append({ keyspace, key, state, timestamp });
    this.env.disk.put(`geo.log:${entry.seq}`, entry);
    this.env.disk.put(LOG_RANGE, { firstSeq: this.log.firstSeq, lastSeq: this.log.lastSeq });
    this.env.disk.put(HLC_KEY, this.hlc.current);
    this.env.disk.sync();
    this.stats.localUpdates++;
    this.options.observer?.localChange?.(this.region, entry.seq);
    this.enforceRetention();
    this.scheduleFlush();
  }

  // ---- streaming our changes -------------------------------------------------------------

  private scheduleFlush(): void {
    if (this.flushTimer !== undefined) return;
    this.flushTimer = this.env.timers.setTimer(this.tuning.flushDelayMs, () => {
      this.flushTimer = undefined;
      for (const peer of this.outbound.keys()) this.flushTo(peer);
    }, 'geo.flush');
  }

  private flushTo(peer: RegionId): void {
    if (this.clocks.isRefused(peer) || !this.isReachable(peer)) return;
    const stream = this.outbound.get(peer)!;
    let sent = false;
    for (let batch = stream.nextBatch(this.log); batch !== undefined; batch = stream.nextBatch(this.log)) {
      this.sendChanges(peer, stream.resetFrom, batch);
      sent = true;
    }
    // A reset must reach the peer even when there is nothing new to send with it.
    if (!sent && stream.resetFrom !== undefined) this.sendChanges(peer, stream.resetFrom, []);
    this.armRetransmit(peer);
  }

  private sendChanges(peer: RegionId, resetFrom: number | undefined, entries: readonly ChangeEntry[]): void {
    const message: ChangesMessage = { type: 'geo.changes', origin: this.region, timestamp: this.hlc.now(), entries, ...(resetFrom === undefined ? {} : { resetFrom }) };
    this.sendToRegion(peer, message);
  }

  private armRetransmit(peer: RegionId): void {
    const stream = this.outbound.get(peer)!;
    if (this.retransmitTimers.has(peer) || (stream.inFlight === 0 && stream.resetFrom === undefined)) return;
    const ackedWhenArmed = stream.acked;
    const timer = this.env.timers.setTimer(stream.retransmitTimeoutMs, () => {
      this.retransmitTimers.delete(peer);
      if (stream.acked === ackedWhenArmed) stream.onTimeout();
      this.flushTo(peer);
    }, 'geo.retransmit');
    this.retransmitTimers.set(peer, timer);
  }

  private onAck(peer: RegionId, message: AckMessage): void {
    const stream = this.outbound.get(peer)!;
    const hadReset = stream.resetFrom !== undefined;
    const progress = stream.onAck(message.appliedSeq, this.env.clock.nowMs(), this.baseTimeoutMs(peer));
    if (hadReset && stream.resetFrom === undefined) this.env.disk.delete(`geo.reset:${peer}`);
    if (!progress) return;
    this.trimLog();
    this.flushTo(peer);
  }

  /** Past the retention limit a destination's backlog is given up: it will repair with anti-entropy. */
  private enforceRetention(): void {
    for (const [peer, stream] of this.outbound) {
      if (stream.pending(this.log.lastSeq) <= this.tuning.retainedChangesMax) continue;
      stream.giveUp(this.log.lastSeq);
      this.env.disk.put(`geo.reset:${peer}`, stream.resetFrom);
      this.env.trace('geo.backlog-given-up', { peer, resetFrom: stream.resetFrom, retainedChangesMax: this.tuning.retainedChangesMax });
    }
    this.trimLog();
  }

  private trimLog(): void {
    let lowest = this.log.lastSeq;
    for (const stream of this.outbound.values()) lowest = Math.min(lowest, stream.acked);
    const trimmed = this.log.trimThrough(lowest);
    if (!trimmed) return;
    for (let seq = trimmed.from; seq <= trimmed.to; seq++) this.env.disk.delete(`geo.log:${seq}`);
    this.env.disk.put(LOG_RANGE, { firstSeq: this.log.firstSeq, lastSeq: this.log.lastSeq });
  }

  // ---- applying theirs -----------------------------------------------------------------------

  private onChanges(peer: RegionId, from: NodeId, message: ChangesMessage): void {
    if (this.clocks.isRefused(peer)) return;
    if (!this.passClock(peer, message.timestamp)) return;
    const stream = this.inbound.get(peer)!;
    const { ready, reset } = stream.accept(message.entries, message.resetFrom);
    for (const entry of ready) this.mergeRemote(fullKeyOf(entry.keyspace, entry.key), entry.state);
    stream.commit(ready);
    this.stats.changesApplied += ready.length;
    if (reset) this.markForRepair(peer);
    if (ready.length > 0 || reset) {
      this.env.disk.put(`geo.applied:${peer}`, stream.applied);
      this.env.disk.put(HLC_KEY, this.hlc.current);
      this.env.disk.sync();
      this.options.observer?.applied?.(this.region, peer, stream.applied);
    }
    const ack: AckMessage = { type: 'geo.ack', region: this.region, appliedSeq: stream.applied };
    this.env.network.send(from, ack);
  }

  /** Joins a remote state into the key and persists it (the caller syncs). */
  private mergeRemote(fullKey: string, state: KeyState): boolean {
    if (!this.tombstones.admits(fullKey, state)) return false;
    const isNew = this.store.get(fullKey) === undefined;
    const record = this.store.merge(fullKey, state);
    if (!record) return false;
    this.persistKey(fullKey, record.state, isNew);
    this.options.observer?.stored?.(this.region, fullKey, record.state);
    return true;
  }

  /** Receive event of the HLC; a timestamp beyond the maximum offset is refused, and reported. */
  private passClock(peer: RegionId, timestamp: HlcTimestamp): boolean {
    const receipt = this.hlc.receive(timestamp);
    if (receipt.accepted) return true;
    this.stats.refusedMessages++;
    this.env.trace('geo.timestamp-refused', { peer, timestamp: formatHlc(timestamp), aheadMs: Math.round(receipt.aheadMs), maxOffsetMs: receipt.maxOffsetMs });
    this.options.observer?.refusedTimestamp?.(this.region, peer, receipt.aheadMs, receipt.maxOffsetMs);
    return false;
  }

  // ---- anti-entropy ------------------------------------------------------------------------------

  private scheduleAntiEntropy(): void {
    const intervalMs = this.tuning.antiEntropyIntervalMs;
    if (intervalMs <= 0) return;
    const delayMs = intervalMs * (0.75 + 0.5 * this.env.random.next());
    this.env.timers.setTimer(delayMs, () => {
      this.antiEntropyRound();
      this.scheduleAntiEntropy();
    }, 'geo.anti-entropy');
  }

  /**
   * Starts one session with the next peer in turn. Peers our stream is still sending to are
   * skipped: the stream will deliver what differs, and a comparison now would only find
   * changes in flight. Repairs are started by the heartbeat (see repairIfNeeded).
   */
  private antiEntropyRound(): void {
    if (!this.antiEntropy.isIdle || this.repairFrom.size > 0) return;
    const peers = this.options.peers.map((peer) => peer.region).filter((peer) => this.isReachable(peer) && !this.clocks.isRefused(peer));
    if (peers.length === 0) return;
    const peer = peers[this.antiEntropyTurn++ % peers.length];
    if (this.outbound.get(peer)!.inFlight === 0) this.startAntiEntropy(peer, 'periodic');
  }

  /**
   * Every region we must repair from gets a session as soon as it is reachable and we are
   * not already in one with it (nor right after it declined one: see `declined`).
   */
  private repairIfNeeded(): void {
    const nowMs = this.env.clock.nowMs();
    for (const peer of [...this.repairFrom.keys()].sort()) {
      if (!this.isReachable(peer) || nowMs < (this.repairNotBeforeMs.get(peer) ?? -Infinity)) continue;
      this.startAntiEntropy(peer, 'repair');
    }
  }

  private onAntiEntropy(peer: RegionId, message: AntiEntropyMessage): void {
    if (this.clocks.isRefused(peer)) return;
    if (message.type === 'geo.ae.states' && !this.passClock(peer, message.timestamp)) return;
    this.antiEntropy.onMessage(message, this.env.clock.nowMs());
    if (message.type === 'geo.ae.states') {
      this.env.disk.put(HLC_KEY, this.hlc.current);
      this.env.disk.sync();
    }
  }

  private mergeFromAntiEntropy(fullKey: string, state: KeyState): void {
    if (this.mergeRemote(fullKey, state)) this.stats.statesMergedByAntiEntropy++;
  }

  /** The origin gave up our backlog: only a session that begins from now on repairs it. */
  private markForRepair(origin: RegionId): void {
    this.repairFrom.set(origin, this.antiEntropy.nextOrdinal);
    this.env.disk.put(REPAIR, [...this.repairFrom.keys()].sort());
    this.env.trace('geo.repair-needed', { from: origin });
    this.options.observer?.repairNeeded?.(this.region, origin);
    this.repairIfNeeded();
  }

  /** A completed session repairs both sides; a repair flagged meanwhile gets a new session. */
  private sessionCompleted(peer: RegionId, ordinal: number): void {
    this.repairCompleted(peer, ordinal);
    this.repairIfNeeded();
  }

  private repairCompleted(peer: RegionId, ordinal: number): void {
    const firstCounting = this.repairFrom.get(peer);
    if (firstCounting === undefined || ordinal < firstCounting) return;
    this.repairFrom.delete(peer);
    this.env.disk.put(REPAIR, [...this.repairFrom.keys()].sort());
    this.env.disk.sync();
    this.env.trace('geo.repair-done', { from: peer });
    this.options.observer?.repairDone?.(this.region, peer);
  }

  // ---- clocks and liveness ------------------------------------------------------------------------

  /** Every ping interval: probe every peer's clock and liveness, drop sessions with silent peers, start a pending repair. */
  private scheduleHeartbeat(): void {
    this.env.timers.setTimer(this.tuning.pingIntervalMs, () => {
      const ping: PingMessage = { type: 'geo.ping', region: this.region, sentMs: this.env.clock.nowMs() };
      for (const node of this.nodeOfRegion.values()) this.env.network.send(node, ping);
      for (const { region: peer } of this.options.peers) if (!this.isReachable(peer)) this.antiEntropy.abandon(peer);
      this.antiEntropy.expire(this.env.clock.nowMs(), (peer) => this.sessionTimeoutMs(peer));
      this.repairIfNeeded();
      this.tombstones.heartbeat();
      this.scheduleHeartbeat();
    }, 'geo.ping');
  }

  private onPing(from: NodeId, message: PingMessage): void {
    answerPing(this.env, this.region, from, message);
  }

  private onPong(peer: RegionId, message: PongMessage): void {
    const observer = this.options.observer;
    if (takePong(this.env, this.clocks, peer, message, observer?.clockVerdict && ((change) => observer.clockVerdict!(this.region, change)))) this.peerBack(peer);
  }

  /** Any message from a peer proves it reachable; after a silence, resend what it lacks. */
  private heardFrom(peer: RegionId): void {
    const nowMs = this.env.clock.nowMs();
    const silent = !this.isReachable(peer);
    this.lastHeardMs.set(peer, nowMs);
    if (silent) this.peerBack(peer);
  }

  private peerBack(peer: RegionId): void {
    if (this.clocks.isRefused(peer)) return;
    this.antiEntropy.abandon(peer); // sessions begun before the silence will not finish
    this.outbound.get(peer)!.rewind(this.baseTimeoutMs(peer));
    this.flushTo(peer);
    this.repairIfNeeded();
  }

  private isReachable(peer: RegionId): boolean {
    const heard = this.lastHeardMs.get(peer);
    return heard !== undefined && this.env.clock.nowMs() - heard <= this.tuning.peerSilenceMs;
  }

  /**
   * How long an anti-entropy session with the peer may take: a session is about depth + 4
   * one-way messages, so twice that many half round trips plus slack, at most the configured
   * maximum. A session that lost a message is given up this soon and tried again.
   */
  private sessionTimeoutMs(peer: RegionId): number {
    const roundTripMs = this.clocks.roundTripMs(peer);
    if (roundTripMs === undefined) return this.tuning.antiEntropyTimeoutMs;
    return Math.min(this.tuning.antiEntropyTimeoutMs, (this.tuning.merkleDepth + 4) * roundTripMs + 200);
  }

  /** Retransmission time-out when things go well: twice the smoothed round trip, plus slack for batching. */
  private baseTimeoutMs(peer: RegionId): number {
    const roundTripMs = this.clocks.roundTripMs(peer) ?? this.tuning.retransmitMinMs;
    return Math.max(this.tuning.retransmitMinMs, 2 * roundTripMs + 2 * this.tuning.flushDelayMs);
  }

  private sendToRegion(peer: RegionId, message: Message): void {
    const node = this.nodeOfRegion.get(peer);
    if (node === undefined) throw new Error(`${this.region} has no peer region ${peer}`);
    if (this.clocks.isRefused(peer) && message.type !== 'geo.ping' && message.type !== 'geo.pong') return;
    this.env.network.send(node, message);
  }

  // ---- persistence ----------------------------------------------------------------------------------

  private tombstoneCollector(): TombstoneCollector {
    const disk = this.env.disk;
    return new TombstoneCollector({
      region: this.region,
      peers: this.options.peers.map((peer) => peer.region),
      store: this.store,
      appliedVector: () => Object.fromEntries([[this.region, this.log.lastSeq], ...[...this.inbound].map(([origin, stream]) => [origin, stream.applied])]),
      repairing: () => this.repairFrom.size > 0,
      stamp: () => {
        const stamp = this.hlc.now();
        disk.put(HLC_KEY, this.hlc.current);
        disk.sync();
        return stamp;
      },
      send: (peer, message) => this.sendToRegion(peer, message),
      loadHorizon: () => disk.get<HlcTimestamp>(GC_HORIZON),
      saveHorizon: (horizon) => {
        disk.put(GC_HORIZON, horizon);
        disk.sync();
      },
      dropped: (fullKeys) => {
        for (const fullKey of fullKeys) disk.delete(`geo.key:${fullKey}`);
        disk.put(KEYS_LIST, [...this.store.keys()].sort());
        disk.sync();
      },
      trace: (kind, detail) => this.env.trace(kind, detail),
    });
  }

  private persistKey(fullKey: string, state: KeyState, isNew: boolean): void {
    if (isNew) this.env.disk.append(KEYS_LIST, [fullKey]);
    this.env.disk.put(`geo.key:${fullKey}`, state);
  }

  private recoverLog(): ChangeLog {
    const range = this.env.disk.get<{ firstSeq: number; lastSeq: number }>(LOG_RANGE) ?? { firstSeq: 1, lastSeq: 0 };
    const entries: ChangeEntry[] = [];
    for (let seq = range.firstSeq; seq <= range.lastSeq; seq++) {
      const entry = this.env.disk.get<ChangeEntry>(`geo.log:${seq}`);
      if (!entry) throw new Error(`${this.region}: change ${seq} is missing from the log on disk (range ${range.firstSeq}..${range.lastSeq})`);
      entries.push(entry);
    }
    return new ChangeLog(range.firstSeq, entries);
  }

  private recoverKeys(): void {
    for (const fullKey of this.env.disk.get<string[]>(KEYS_LIST) ?? []) {
      const state = this.env.disk.get<KeyState>(`geo.key:${fullKey}`);
      if (state !== undefined) this.store.put(fullKey, state);
    }
  }

  private recoverStreams(): void {
    const streamTuning = { batchMax: this.tuning.batchMax, windowMax: this.tuning.windowMax, retransmitMinMs: this.tuning.retransmitMinMs, retransmitMaxMs: this.tuning.retransmitMaxMs };
    const nowMs = this.env.clock.nowMs();
    for (const { region: peer } of this.options.peers) {
      const resetFrom = this.env.disk.get<number>(`geo.reset:${peer}`);
      // Acknowledgements are not persisted: after a restart everything retained is resent, and duplicates are skipped.
      this.outbound.set(peer, new OutboundStream(peer, Math.max(this.log.firstSeq - 1, (resetFrom ?? 1) - 1), streamTuning, resetFrom));
      this.inbound.set(peer, new InboundStream(peer, this.env.disk.get<number>(`geo.applied:${peer}`) ?? 0, this.tuning.windowMax));
      this.lastHeardMs.set(peer, nowMs); // assume reachable until a silence says otherwise
    }
  }
}

function contextOf(value: GeoValue): CausalContext | undefined {
  return value.kind === 'multi-value' ? value.context : undefined;
}

function localContext(state: KeyState | undefined): CausalContext {
  return state?.kind === 'multi-value' ? state.context : EMPTY_CONTEXT;
}

/** The factory-side helper: what a region node runs, registered under the `geo` namespace. */
export function createRegionReplica(env: NodeEnv, options: ReplicaOptions): RegionReplica {
  return new RegionReplica(env, options);
}
