/**
 * The pure membership core: discovery/registration through seeds and the SWIM failure
 * detector (Das et al. 2002) with Lifeguard-style suspicion (Dadgar et al. 2018).
 *
 * It does no I/O and reads no clock or global randomness: inputs are `bootstrap`, `join`,
 * `leave`, `tick(nowMs)` and `receive(from, message, nowMs)`; outputs are drained with
 * `takeOutbox()` (messages) and `takeEvents()`; `nextDeadlineMs()` says when it next needs
 * a tick; `incarnation` must be persisted by the host before the outbox is sent.
 */
import type { NodeId, RandomSource } from '../runtime/ports';
import { BroadcastQueue } from './broadcast-queue';
import { invariant } from './invariant';
import { decideAdmission } from './join-admission';
import { MemberTable } from './member-table';
import type { ClusterMessage, JoinAccept, JoinReject, JoinRequest, PushPull, SwimMessage } from './messages';
import type { MembershipTuning } from './options';
import { retransmitLimit, suspicionMinimumMs, suspicionTimeoutMs } from './options';
import { isLive, supersedes } from './precedence';
import { ProbeOrder } from './probe-order';
import { Suspicions, type TimeoutRule } from './suspicions';
import type {
  JoinPhase,
  JoinRejection,
  MemberState,
  MembershipEvent,
  MembershipView,
  MemberUpdate,
  NodeMetadata,
  Outgoing,
} from './types';

export interface MembershipConfig {
  readonly selfId: NodeId;
  readonly clusterName: string;
  readonly joinToken: string;
  readonly metadata: NodeMetadata;
  /** Random per-process nonce: tells a restart or a duplicate from the process we knew. */
  readonly instanceId: string;
  /** 0 for a node with no disk history; one above the persisted value after a restart. */
  readonly incarnation: number;
  /** True when `incarnation` came from this node's own disk. */
  readonly restarted: boolean;
  readonly tuning: MembershipTuning;
  readonly random: RandomSource;
}

interface ProbeInFlight {
  readonly targetId: NodeId;
  readonly sequence: number;
  readonly startedMs: number;
  acked: boolean;
  indirectSent: boolean;
}

/** A ping we send on behalf of a ping-req, so the ack can be relayed (SWIM §3.1). */
interface ForwardedProbe {
  readonly requesterId: NodeId;
  readonly requesterSequence: number;
  readonly targetId: NodeId;
  readonly expiresMs: number;
}

interface JoinAttempts {
  readonly seedIds: readonly NodeId[];
  attempts: number;
  deadlineMs: number;
}

/** Bound on ping-req relays held at once: a storm of requests cannot grow memory without limit. */
const FORWARDED_PROBES_MAX = 1024;

export class Membership {
  readonly selfId: NodeId;
  private phaseValue: JoinPhase = 'idle';
  private incarnationValue: number;
  private rejectionValue: JoinRejection | undefined;
  private readonly table: MemberTable;
  private readonly broadcasts = new BroadcastQueue();
  private readonly suspicions = new Suspicions();
  private readonly probeOrder = new ProbeOrder();
  private readonly forwarded = new Map<number, ForwardedProbe>();
  private readonly suspicionTimeout: TimeoutRule;
  private probe: ProbeInFlight | undefined;
  private joinAttempts: JoinAttempts | undefined;
  private nextSequence = 1;
  private nextPeriodMs = Infinity;
  private nextGossipMs = Infinity;
  private nextPushPullMs = Infinity;
  private nextReconnectMs = Infinity;
  private leaveDeadlineMs = Infinity;
  private lastTickMs: number | undefined;
  /** The seed that admitted us: our first anti-entropy partner. */
  private joinSyncPeerId: NodeId | undefined;
  private outbox: Outgoing<ClusterMessage>[] = [];
  private events: MembershipEvent[] = [];

  constructor(private readonly config: MembershipConfig) {
    if (!(config.incarnation >= 0 && Number.isInteger(config.incarnation))) {
      throw new RangeError(`incarnation must be a non-negative integer, got ${config.incarnation}`);
    }
    this.selfId = config.selfId;
    this.incarnationValue = config.incarnation;
    this.table = new MemberTable(config.selfId);
    this.table.set(this.selfUpdate('alive'), 0);
    this.suspicionTimeout = (confirmations) => suspicionTimeoutMs(config.tuning, this.table.liveCount, confirmations);
  }

  // ---- reads -------------------------------------------------------------------------

  get phase(): JoinPhase {
    return this.phaseValue;
  }

  get incarnation(): number {
    return this.incarnationValue;
  }

  get rejected(): JoinRejection | undefined {
    return this.rejectionValue;
  }

  get instanceId(): string {
    return this.config.instanceId;
  }

  stateOf(memberId: NodeId): MemberState | undefined {
    return this.table.stateOf(memberId);
  }

  /** Every member's id and state, sorted by id: equal on two members exactly when their views agree. */
  agreementSignature(): string {
    return this.table.agreementSignature();
  }

  /** Live members other than this node, in no particular order. */
  liveMemberIds(): readonly NodeId[] {
    return this.table.liveOthers.values();
  }

  view(nowMs: number): MembershipView {
    this.table.heardFrom(this.selfId, nowMs);
    return {
      observerId: this.selfId,
      observedAtMs: nowMs,
      phase: this.phaseValue,
      incarnation: this.incarnationValue,
      members: this.table.views(),
    };
  }

  // ---- outputs -----------------------------------------------------------------------

  takeOutbox(): Outgoing<ClusterMessage>[] {
    const outbox = this.outbox;
    this.outbox = [];
    return outbox;
  }

  takeEvents(): MembershipEvent[] {
    const events = this.events;
    this.events = [];
    return events;
  }

  /** Local time of the next tick the core needs, or undefined when it needs none. */
  nextDeadlineMs(): number | undefined {
    switch (this.phaseValue) {
      case 'joining':
        return this.joinAttempts!.deadlineMs;
      case 'member': {
        const probe = this.probe;
        const probeTimeoutMs =
          probe && !probe.acked && !probe.indirectSent ? probe.startedMs + this.config.tuning.probeTimeoutMs : Infinity;
        const reconnectMs = this.table.deadOthers.size > 0 ? this.nextReconnectMs : Infinity;
        // A gossip round with no news sends nothing, so an idle member needs no tick for it.
        const gossipMs = this.broadcasts.pendingCount > 0 ? this.nextGossipMs : Infinity;
        const earliestMs = Math.min(
          this.nextPeriodMs,
          probeTimeoutMs,
          gossipMs,
          this.nextPushPullMs,
          reconnectMs,
          this.suspicions.nextDeadlineMs(),
        );
        return Number.isFinite(earliestMs) ? earliestMs : undefined;
      }
      case 'leaving':
        return Math.min(this.nextGossipMs, this.leaveDeadlineMs);
      default:
        return undefined;
    }
  }

  // ---- inputs: lifecycle -------------------------------------------------------------

  /** Founds a new cluster with this node as its only member. */
  bootstrap(nowMs: number): void {
    this.assertPhase(['idle'], 'bootstrap');
    this.becomeMember(undefined, nowMs);
  }

  /** Discovery: asks the seeds in turn (bounded retries); no other seed means founding a cluster. */
  join(seedIds: readonly NodeId[], nowMs: number): void {
    this.assertPhase(['idle'], 'join');
    const candidates = [...new Set(seedIds)].filter((id) => id !== this.selfId);
    if (candidates.length === 0) {
      this.becomeMember(undefined, nowMs);
      return;
    }
    this.phaseValue = 'joining';
    this.joinAttempts = { seedIds: candidates, attempts: 0, deadlineMs: nowMs };
    this.sendJoinRequest(nowMs);
  }

  /** Graceful leave: announce `left` (not a failure) and keep gossiping it for a grace period. */
  leave(nowMs: number): void {
    if (this.phaseValue === 'leaving' || this.phaseValue === 'left') return;
    if (this.phaseValue !== 'member') {
      this.finishLeaving(nowMs);
      return;
    }
    this.phaseValue = 'leaving';
    this.probe = undefined;
    const left = this.selfUpdate('left');
    this.table.set(left, nowMs);
    this.broadcasts.enqueue(left);
    this.pushEvent({ kind: 'member-state-changed', memberId: this.selfId, previousState: 'alive', state: 'left', incarnation: this.incarnationValue, atMs: nowMs });
    // Tell twice the usual fanout at once: a node stopping right now gets no second chance.
    for (const memberId of this.table.randomLiveOthers(2 * this.config.tuning.gossipFanout, this.config.random)) {
      this.sendGossip(memberId);
    }
    this.leaveDeadlineMs = nowMs + this.config.tuning.leaveGraceMs;
    this.nextGossipMs = nowMs + this.config.tuning.gossipIntervalMs;
    if (this.config.tuning.leaveGraceMs === 0) this.finishLeaving(nowMs);
  }

  /** Advances timers to local time `nowMs`. */
  tick(nowMs: number): void {
    // The message is built only on failure: a tick runs every protocol period on every node.
    if (!Number.isFinite(nowMs)) invariant(false, `tick needs a finite time, got ${nowMs}`);
    if (this.phaseValue === 'member' && this.lastTickMs !== undefined) {
      const gapMs = nowMs - this.lastTickMs;
      if (gapMs > this.config.tuning.stallThresholdMs || gapMs < 0) this.recoverFromStall(gapMs, nowMs);
    }
    this.lastTickMs = nowMs;
    if (this.phaseValue === 'joining') {
      if (nowMs >= this.joinAttempts!.deadlineMs) this.sendJoinRequest(nowMs);
    } else if (this.phaseValue === 'member') {
      this.runProtocolPeriod(nowMs);
      this.expireSuspicions(nowMs);
      this.expireForwardedProbes(nowMs);
      this.gossipIfDue(nowMs);
      this.pushPullIfDue(nowMs);
      this.reconnectIfDue(nowMs);
    } else if (this.phaseValue === 'leaving') {
      this.gossipIfDue(nowMs);
      if (nowMs >= this.leaveDeadlineMs) this.finishLeaving(nowMs);
    }
  }

  receive(from: NodeId, message: ClusterMessage, nowMs: number): void {
    if (from === this.selfId) return;
    switch (message.type) {
      case 'join.request':
        return this.handleJoinRequest(from, message, nowMs);
      case 'join.accept':
        return this.handleJoinAccept(from, message, nowMs);
      case 'join.reject':
        return this.handleJoinReject(from, message, nowMs);
      default:
        return this.receiveSwim(from, message, nowMs);
    }
  }

  // ---- discovery and registration ----------------------------------------------------

  private sendJoinRequest(nowMs: number): void {
    const attempts = this.joinAttempts!;
    const { tuning } = this.config;
    if (attempts.attempts >= tuning.joinAttemptsMax) {
      this.phaseValue = 'gave-up';
      this.rejectionValue = {
        reason: 'seeds-unreachable',
        message: `no seed answered ${attempts.attempts} join requests (seeds: ${attempts.seedIds.join(', ')})`,
      };
      this.pushEvent({ kind: 'join-rejected', rejection: this.rejectionValue, atMs: nowMs });
      return;
    }
    const seedId = attempts.seedIds[attempts.attempts % attempts.seedIds.length];
    attempts.attempts++;
    attempts.deadlineMs = nowMs + tuning.joinTimeoutMs;
    const request: JoinRequest = {
      type: 'join.request',
      clusterName: this.config.clusterName,
      joinToken: this.config.joinToken,
      instanceId: this.config.instanceId,
      incarnation: this.incarnationValue,
      restarted: this.config.restarted,
      metadata: this.config.metadata,
    };
    this.send(seedId, request);
    this.pushEvent({ kind: 'join-attempt', seedId, attempt: attempts.attempts, atMs: nowMs });
  }

  private handleJoinRequest(from: NodeId, request: JoinRequest, nowMs: number): void {
    if (this.phaseValue !== 'member') return; // not able to vouch for anyone; the joiner tries the next seed
    const existing = this.table.get(from)?.update;
    const decision = decideAdmission(from, request, this.config, existing);
    if (!decision.admitted) {
      const reject: JoinReject = { type: 'join.reject', instanceId: request.instanceId, reason: decision.reason, text: decision.text };
      this.send(from, reject);
      return;
    }
    const alive: MemberUpdate = {
      memberId: from,
      state: 'alive',
      incarnation: decision.incarnation,
      instanceId: request.instanceId,
      metadata: request.metadata,
    };
    this.applyUpdate(alive, this.selfId, nowMs, true);
    this.table.heardFrom(from, nowMs);
    const accept: JoinAccept = {
      type: 'join.accept',
      instanceId: request.instanceId,
      incarnation: decision.incarnation,
      members: this.table.snapshot(),
    };
    this.send(from, accept);
  }

  private handleJoinAccept(from: NodeId, accept: JoinAccept, nowMs: number): void {
    if (this.phaseValue !== 'joining' || accept.instanceId !== this.config.instanceId) return;
    this.incarnationValue = Math.max(this.incarnationValue, accept.incarnation);
    for (const update of accept.members) {
      // The seed already gossips these; re-gossiping a whole table per joiner would flood.
      if (update.memberId !== this.selfId) this.applyUpdate(update, from, nowMs, false);
    }
    this.table.heardFrom(from, nowMs);
    this.becomeMember(from, nowMs);
  }

  private handleJoinReject(from: NodeId, reject: JoinReject, nowMs: number): void {
    if (this.phaseValue !== 'joining' || reject.instanceId !== this.config.instanceId) return;
    this.phaseValue = 'rejected';
    this.rejectionValue = { reason: reject.reason, message: reject.text, seedId: from };
    this.pushEvent({ kind: 'join-rejected', rejection: this.rejectionValue, atMs: nowMs });
  }

  private becomeMember(seedId: NodeId | undefined, nowMs: number): void {
    const { tuning, random } = this.config;
    invariant(this.phaseValue === 'idle' || this.phaseValue === 'joining', `cannot become a member while ${this.phaseValue}`);
    this.phaseValue = 'member';
    const alive = this.selfUpdate('alive');
    this.table.set(alive, nowMs);
    this.broadcasts.enqueue(alive);
    // Random phase offsets keep nodes started together from probing and gossiping in lockstep.
    this.nextPeriodMs = nowMs + random.int(tuning.probeIntervalMs);
    this.nextGossipMs = tuning.gossipIntervalMs > 0 ? nowMs + random.int(tuning.gossipIntervalMs) : Infinity;
    this.nextPushPullMs = tuning.pushPullIntervalMs > 0 ? nowMs + tuning.pushPullIntervalMs / 2 + random.int(tuning.pushPullIntervalMs) : Infinity;
    // Join storm: our seed answered with the table it had then; nodes admitted after us reach us
    // only through members we know, so one early resync with the seed closes the gap.
    this.joinSyncPeerId = seedId;
    if (seedId !== undefined && tuning.pushPullIntervalMs > 0) this.nextPushPullMs = nowMs + 2 * tuning.probeIntervalMs + random.int(tuning.probeIntervalMs);
    this.nextReconnectMs = tuning.reconnectIntervalMs > 0 ? nowMs + tuning.reconnectIntervalMs : Infinity;
    this.lastTickMs = nowMs;
    this.pushEvent({ kind: 'joined', seedId, incarnation: this.incarnationValue, atMs: nowMs });
  }

  private finishLeaving(nowMs: number): void {
    this.phaseValue = 'left';
    this.probe = undefined;
    this.forwarded.clear();
    this.pushEvent({ kind: 'left', atMs: nowMs });
  }

  // ---- SWIM: receiving ---------------------------------------------------------------

  private receiveSwim(from: NodeId, message: SwimMessage, nowMs: number): void {
    if (this.phaseValue !== 'member' && this.phaseValue !== 'leaving') return;
    const sender = this.table.get(from)?.update;
    if (sender === undefined) {
      // A non-member changes nothing. Answering its ping (with no news) still helps a freshly
      // admitted node whose alive update has not reached us yet: it will not suspect us.
      if (message.type === 'swim.ping' && this.phaseValue === 'member') this.sendAck(from, message.sequence, []);
      return;
    }
    if (!isLive(sender.state) && message.fromIncarnation <= sender.incarnation) {
      this.receiveFromBuried(from, sender, message, nowMs);
      return;
    }
    if (message.fromIncarnation < sender.incarnation) return; // from an older life of the sender
    this.table.heardFrom(from, nowMs);
    for (const update of message.updates) this.applyUpdate(update, from, nowMs, true);
    this.dispatchSwim(from, message, nowMs);
  }

  /**
   * A member we hold as dead or left at or above its claimed incarnation changes nothing in
   * our table. Only accusations against ourselves are heeded (refuting is always safe), and a
   * dead member's ping is answered with its own death notice so that, if it is in fact alive
   * (a healed partition), it refutes and comes back with a higher incarnation.
   */
  private receiveFromBuried(from: NodeId, sender: MemberUpdate, message: SwimMessage, nowMs: number): void {
    for (const update of message.updates) {
      if (update.memberId === this.selfId) this.handleNewsAboutSelf(update, from, nowMs);
    }
    if (sender.state === 'dead' && message.type === 'swim.ping' && this.phaseValue === 'member') {
      this.sendAck(from, message.sequence, [sender]);
    }
  }

  private dispatchSwim(from: NodeId, message: SwimMessage, nowMs: number): void {
    switch (message.type) {
      case 'swim.ping':
        this.sendAck(from, message.sequence, this.updatesFor(from));
        return;
      case 'swim.ack':
        this.handleAck(from, message.sequence);
        return;
      case 'swim.ping-req':
        this.handlePingRequest(from, message.targetId, message.sequence, nowMs);
        return;
      case 'swim.indirect-ack':
        if (this.probe && this.probe.sequence === message.sequence && this.probe.targetId === message.targetId) {
          this.probe.acked = true;
          this.table.heardFrom(message.targetId, nowMs);
        }
        return;
      case 'swim.gossip':
        return;
      case 'swim.push-pull':
        this.mergeRemoteTable(from, message, nowMs);
        return;
    }
  }

  private handleAck(from: NodeId, sequence: number): void {
    const probe = this.probe;
    if (probe && probe.sequence === sequence && probe.targetId === from) {
      probe.acked = true;
      return;
    }
    const forwarded = this.forwarded.get(sequence);
    if (forwarded && forwarded.targetId === from) {
      this.forwarded.delete(sequence);
      this.send(forwarded.requesterId, {
        type: 'swim.indirect-ack',
        sequence: forwarded.requesterSequence,
        targetId: from,
        fromIncarnation: this.incarnationValue,
        updates: this.updatesFor(forwarded.requesterId),
      });
    }
  }

  private handlePingRequest(from: NodeId, targetId: NodeId, requesterSequence: number, nowMs: number): void {
    if (this.phaseValue !== 'member' || targetId === this.selfId || this.forwarded.size >= FORWARDED_PROBES_MAX) return;
    const sequence = this.nextSequence++;
    this.forwarded.set(sequence, { requesterId: from, requesterSequence, targetId, expiresMs: nowMs + this.config.tuning.probeIntervalMs });
    this.sendPing(targetId, sequence);
  }

  /**
   * Anti-entropy merge (memberlist's push-pull). A remote `dead` verdict about a member we know
   * becomes a suspicion here, so our own timer, not another node's, decides its death.
   */
  private mergeRemoteTable(from: NodeId, message: PushPull, nowMs: number): void {
    for (const remote of message.members) {
      if (remote.memberId === this.selfId) {
        this.handleNewsAboutSelf(remote, from, nowMs);
        continue;
      }
      const known = this.table.get(remote.memberId);
      const update: MemberUpdate =
        remote.state === 'dead' && known !== undefined ? { ...remote, state: 'suspect', suspecterId: from } : remote;
      this.applyUpdate(update, from, nowMs, true);
    }
    if (!message.isReply && this.phaseValue === 'member') this.sendPushPull(from, true);
  }

  // ---- applying news -----------------------------------------------------------------

  /** Applies one update under the SWIM §4.2 precedence rules; true when it changed our table. */
  private applyUpdate(update: MemberUpdate, informantId: NodeId, nowMs: number, rebroadcast: boolean): boolean {
    if (update.memberId === this.selfId) {
      this.handleNewsAboutSelf(update, informantId, nowMs);
      return false;
    }
    const record = this.table.get(update.memberId);
    if (!supersedes(update, record?.update)) {
      if (update.state === 'suspect' && record!.update.state === 'suspect' && update.suspecterId !== undefined) {
        const isNewConfirmation = this.suspicions.confirm(update.memberId, update.incarnation, update.suspecterId, this.suspicionTimeout);
        if (isNewConfirmation && rebroadcast) this.broadcasts.enqueue(update);
      }
      return false;
    }
    const previousState = this.table.set(update, nowMs);
    if (update.state === 'alive') this.table.heardFrom(update.memberId, nowMs);
    this.enterState(update, previousState, informantId, nowMs);
    if (rebroadcast) this.broadcasts.enqueue(update);
    return true;
  }

  private enterState(update: MemberUpdate, previousState: MemberState | undefined, informantId: NodeId, nowMs: number): void {
    const { memberId, state, incarnation } = update;
    if (state === 'suspect') {
      this.suspicions.start(memberId, incarnation, update.suspecterId ?? informantId, nowMs, this.suspicionTimeout);
    } else {
      this.suspicions.cancel(memberId);
    }
    if (isLive(state) && (previousState === undefined || !isLive(previousState))) {
      this.probeOrder.insert(memberId, this.config.random);
    }
    if (state !== previousState) {
      this.pushEvent({ kind: 'member-state-changed', memberId, previousState, state, incarnation, atMs: nowMs });
    }
  }

  /**
   * SWIM §4.2 refutation: an accusation (suspect, dead, left) at or above our incarnation, or
   * another process claiming our id, is answered by raising our incarnation and gossiping
   * alive; the accuser is told directly (Lifeguard's "buddy system") so it hears it first.
   */
  private handleNewsAboutSelf(update: MemberUpdate, informantId: NodeId, nowMs: number): void {
    if (this.phaseValue !== 'member') return;
    if (update.incarnation < this.incarnationValue) return;
    if (update.state === 'alive' && update.instanceId === this.config.instanceId) return;
    const accusedIncarnation = update.incarnation;
    this.incarnationValue = accusedIncarnation + 1;
    invariant(this.incarnationValue > accusedIncarnation, 'a refutation must outrank the accusation');
    const alive = this.selfUpdate('alive');
    this.table.set(alive, nowMs);
    this.broadcasts.enqueue(alive);
    this.pushEvent({ kind: 'refuted', incarnation: this.incarnationValue, accusedState: update.state, atMs: nowMs });
    if (informantId !== this.selfId) this.sendGossip(informantId);
  }

  // ---- SWIM: probing -----------------------------------------------------------------

  private runProtocolPeriod(nowMs: number): void {
    const { tuning } = this.config;
    const probe = this.probe;
    if (probe && !probe.acked && !probe.indirectSent && nowMs >= probe.startedMs + tuning.probeTimeoutMs) {
      this.sendIndirectProbes(probe);
    }
    if (nowMs < this.nextPeriodMs) return;
    if (probe && !probe.acked) this.probeFailed(probe.targetId, nowMs);
    this.nextPeriodMs += tuning.probeIntervalMs;
    if (this.nextPeriodMs <= nowMs) this.nextPeriodMs = nowMs + tuning.probeIntervalMs;
    this.startProbe(nowMs);
  }

  private startProbe(nowMs: number): void {
    const targetId = this.probeOrder.next(
      this.config.random,
      () => this.table.liveOthers.values(),
      (id) => this.table.liveOthers.has(id),
    );
    if (targetId === undefined) {
      this.probe = undefined;
      return;
    }
    invariant(targetId !== this.selfId, 'a node never probes itself');
    const sequence = this.nextSequence++;
    this.probe = { targetId, sequence, startedMs: nowMs, acked: false, indirectSent: false };
    this.sendPing(targetId, sequence);
  }

  /** SWIM §3.1: after the probe timeout, k members probe the target for us; we also ping it again. */
  private sendIndirectProbes(probe: ProbeInFlight): void {
    probe.indirectSent = true;
    const helpers = this.table.randomLiveOthers(this.config.tuning.indirectProbeCount, this.config.random, [probe.targetId]);
    for (const helperId of helpers) {
      this.send(helperId, {
        type: 'swim.ping-req',
        sequence: probe.sequence,
        targetId: probe.targetId,
        fromIncarnation: this.incarnationValue,
        updates: this.updatesFor(helperId),
      });
    }
    // A second direct ping plays the part of memberlist's TCP fallback: one lost datagram is not a failure.
    this.sendPing(probe.targetId, probe.sequence);
  }

  /** SWIM §4.2: no ack by the end of the period makes the target suspect (or confirms our suspicion). */
  private probeFailed(targetId: NodeId, nowMs: number): void {
    const record = this.table.get(targetId);
    if (record === undefined || !isLive(record.update.state)) return;
    const suspect: MemberUpdate = { ...record.update, state: 'suspect', suspecterId: this.selfId };
    if (record.update.state === 'alive') {
      this.applyUpdate(suspect, this.selfId, nowMs, true);
    } else if (this.suspicions.confirm(targetId, record.update.incarnation, this.selfId, this.suspicionTimeout)) {
      this.broadcasts.enqueue(suspect);
    }
    this.sendGossip(targetId); // buddy system: the accused hears of it directly and can refute at once
  }

  private expireSuspicions(nowMs: number): void {
    if (this.suspicions.nextDeadlineMs() > nowMs) return;
    for (const suspicion of this.suspicions.takeExpired(nowMs)) {
      const record = this.table.get(suspicion.memberId);
      if (record === undefined || record.update.state !== 'suspect' || record.update.incarnation !== suspicion.incarnation) continue;
      const { memberId, incarnation, instanceId, metadata } = record.update;
      this.applyUpdate({ memberId, state: 'dead', incarnation, instanceId, metadata }, this.selfId, nowMs, true);
    }
  }

  private expireForwardedProbes(nowMs: number): void {
    if (this.forwarded.size === 0) return;
    for (const [sequence, forwarded] of this.forwarded) {
      if (forwarded.expiresMs <= nowMs) this.forwarded.delete(sequence);
    }
  }

  /**
   * Lifeguard's local-health idea in its simplest form: if our own timers were held up (the
   * process was paused) or our clock went backwards, the silence we saw says nothing about
   * the others. Drop the probe in flight and give every accused member time to refute.
   */
  private recoverFromStall(gapMs: number, nowMs: number): void {
    const { tuning } = this.config;
    this.probe = undefined;
    this.forwarded.clear();
    this.nextPeriodMs = nowMs;
    this.nextGossipMs = Math.min(this.nextGossipMs, nowMs);
    this.nextPushPullMs = Math.min(this.nextPushPullMs, nowMs + tuning.pushPullIntervalMs);
    this.nextReconnectMs = Math.min(this.nextReconnectMs, nowMs + tuning.reconnectIntervalMs);
    const minimumMs = suspicionMinimumMs(tuning, this.table.liveCount);
    this.suspicions.rebase(nowMs, minimumMs, minimumMs * tuning.suspicionMaxMultiplier);
    this.pushEvent({ kind: 'stalled', gapMs, atMs: nowMs });
  }

  // ---- dissemination -----------------------------------------------------------------

  private gossipIfDue(nowMs: number): void {
    const { tuning, random } = this.config;
    if (nowMs < this.nextGossipMs) return;
    this.nextGossipMs = tuning.gossipIntervalMs > 0 ? nowMs + tuning.gossipIntervalMs : Infinity;
    if (this.broadcasts.pendingCount === 0 && this.phaseValue !== 'leaving') return;
    for (const memberId of this.table.randomLiveOthers(tuning.gossipFanout, random)) this.sendGossip(memberId);
  }

  private pushPullIfDue(nowMs: number): void {
    if (nowMs < this.nextPushPullMs) return;
    this.nextPushPullMs = nowMs + this.config.tuning.pushPullIntervalMs;
    const syncPeerId = this.joinSyncPeerId;
    this.joinSyncPeerId = undefined;
    const [peerId] = syncPeerId !== undefined && this.table.liveOthers.has(syncPeerId) ? [syncPeerId] : this.table.randomLiveOthers(1, this.config.random);
    if (peerId !== undefined) this.sendPushPull(peerId, false);
  }

  /** Pings one random dead member with its death notice: if a partition has healed it refutes. */
  private reconnectIfDue(nowMs: number): void {
    if (nowMs < this.nextReconnectMs) return;
    this.nextReconnectMs = nowMs + this.config.tuning.reconnectIntervalMs;
    const [deadId] = this.table.deadOthers.sample(1, this.config.random);
    if (deadId !== undefined) this.sendPing(deadId, this.nextSequence++);
  }

  /**
   * Piggyback for a message to `to`: the least-sent updates from the queue, led by the
   * recipient's own record when we hold it as suspect or dead (so it can refute) and by our
   * `left` notice while leaving.
   */
  private updatesFor(to: NodeId): readonly MemberUpdate[] {
    const { tuning } = this.config;
    const limit = retransmitLimit(tuning, this.table.liveCount);
    const recipient = this.table.get(to)?.update;
    const tellRecipient = recipient !== undefined && recipient.state !== 'alive' && recipient.state !== 'left';
    const leaving = this.phaseValue === 'leaving';
    if (!tellRecipient && !leaving) return this.broadcasts.take(tuning.piggybackUpdatesMax, limit);
    const updates: MemberUpdate[] = [];
    if (leaving) updates.push(this.table.get(this.selfId)!.update);
    if (tellRecipient) updates.push(recipient);
    const room = Math.max(0, tuning.piggybackUpdatesMax - updates.length);
    for (const update of this.broadcasts.take(room, limit, tellRecipient ? to : undefined)) updates.push(update);
    return updates;
  }

  // ---- sending -----------------------------------------------------------------------

  private sendPing(to: NodeId, sequence: number): void {
    this.send(to, { type: 'swim.ping', sequence, fromIncarnation: this.incarnationValue, updates: this.updatesFor(to) });
  }

  private sendAck(to: NodeId, sequence: number, updates: readonly MemberUpdate[]): void {
    this.send(to, { type: 'swim.ack', sequence, fromIncarnation: this.incarnationValue, updates });
  }

  private sendGossip(to: NodeId): void {
    const updates = this.updatesFor(to);
    if (updates.length > 0) this.send(to, { type: 'swim.gossip', fromIncarnation: this.incarnationValue, updates });
  }

  private sendPushPull(to: NodeId, isReply: boolean): void {
    this.send(to, {
      type: 'swim.push-pull',
      isReply,
      members: this.table.snapshot(),
      fromIncarnation: this.incarnationValue,
      updates: [],
    });
  }

  private send(to: NodeId, message: ClusterMessage): void {
    this.outbox.push({ to, message });
  }

  // ---- helpers -----------------------------------------------------------------------

  private selfUpdate(state: MemberState): MemberUpdate {
    return {
      memberId: this.selfId,
      state,
      incarnation: this.incarnationValue,
      instanceId: this.config.instanceId,
      metadata: this.config.metadata,
    };
  }

  private pushEvent(event: MembershipEvent): void {
    this.events.push(event);
  }

  private assertPhase(allowed: readonly JoinPhase[], action: string): void {
    if (!allowed.includes(this.phaseValue)) {
      throw new Error(`${this.selfId} cannot ${action} while ${this.phaseValue}`);
    }
  }
}
