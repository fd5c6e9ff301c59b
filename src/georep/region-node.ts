/**
 * The georeplication service (`geo`) on one node of a region whose data lives in a
 * sharded Raft store: every node of the region runs it, and for each shard this node
 * leads it runs a ShardShipper (streams, acknowledgements, anti-entropy).
 *
 * - Clients may ask any node: a node that does not lead the key's shard answers with a
 *   redirect to the leader it knows. The leader stamps an update with its hybrid logical
 *   clock and proposes it; the client is answered only once the entry is committed by the
 *   region's quorum and applied, so an acknowledged update survives any minority of the
 *   region's nodes failing, and a leader change.
 * - Reads go through the shard leader's read barrier (ReadIndex), so they see every
 *   acknowledged update of the region.
 * - Every node measures the other regions' clocks (ping/pong, rotating through their
 *   nodes), refuses a region beyond the maximum offset, and tracks whether each region is
 *   reachable; its shippers use that.
 * - Every geo entry applied on this node moves its HLC up to the timestamps inside it, so
 *   whichever node leads next stamps after everything its shard holds.
 */
import type { RoleTable } from '../auth/role-table';
import type { NodeService } from '../runtime/node-runtime';
import type { Message, NodeEnv, NodeId } from '../runtime/ports';
import type { RaftGroupHost } from '../runtime/raft-host';
import type { RaftService } from '../runtime/raft-service';
import type { AntiEntropyEvent, AntiEntropyMessage } from './anti-entropy';
import { EMPTY_CONTEXT, type RegionId } from './causal-context';
import { answerPing, takePong } from './clock-exchange';
import { ClockMonitor, type VerdictChange } from './clock-monitor';
import type { GeoTuning, KeyspaceCatalog } from './config';
import { formatHlc, HLC_ZERO, type HlcTimestamp, HybridLogicalClock } from './hlc';
import { fullKeyOf } from './key-store';
import type { ChangesMessage, ClientRequest, ClientResponse, FrontierMessage, NotLeaderMessage, PingMessage, PongMessage, ReplicaMessage } from './messages';
import type { GeoApplyChangesResult, GeoCommand, GeoShardState, GeoUpdateCommand, GeoUpdateResult } from './region-shard-state';
import { ShardShipper } from './shard-shipper';
import { applyOperation, type KeyState, readState } from './strategies';
import { describeGeoRequest, type GeoForbidden, judgeGeoRequest } from './geo-authorization';
import type { Refusal } from '../auth/types';

/** Hooks the facade uses to measure lag and collect reports; the protocol does not depend on them. */
export interface RegionNodeObserver {
  localChange?(region: RegionId, shard: string, seq: number): void;
  applied?(region: RegionId, origin: RegionId, shard: string, appliedSeq: number): void;
  repairNeeded?(region: RegionId, origin: RegionId): void;
  repairDone?(region: RegionId, origin: RegionId): void;
  clockVerdict?(region: RegionId, change: VerdictChange): void;
  refusedTimestamp?(region: RegionId, peer: RegionId, aheadMs: number, maxOffsetMs: number): void;
  antiEntropy?(event: AntiEntropyEvent, shard: string): void;
  stored?(region: RegionId, fullKey: string, state: KeyState): void;
  /** A client request was refused by the role table (for the audit log). */
  refused?(node: NodeId, request: string, refusal: Refusal): void;
}

export interface RegionNodeOptions {
  readonly region: RegionId;
  /** This node's position among its region's nodes (session names). */
  readonly nodeOrdinal: number;
  readonly shards: readonly string[];
  /** The shard of a "keyspace/key" (the region's shard map; the same at every region). */
  shardOf(fullKey: string): string;
  readonly peers: readonly { readonly region: RegionId; readonly nodes: readonly NodeId[] }[];
  /** The node expected to lead a shard in a peer region (the first guess before any hint). */
  expectedLeader?(peer: RegionId, shard: string): NodeId | undefined;
  readonly catalog: KeyspaceCatalog;
  readonly tuning: GeoTuning;
  readonly observer?: RegionNodeObserver;
  /** This node's Raft service and shard state modules. */
  raft(): RaftService | undefined;
  shardState(shard: string): GeoShardState | undefined;
  /** The shard's role table on this node (its replicated state machine's), for reads judged after the read barrier. */
  roles?(shard: string): RoleTable | undefined;
}

const STARTS = 'geo.starts';

/**
 * Planted-bug switch (see README, "Planted bugs"): off in every real run.
 * `acknowledgeBeforeCommit`: the leader answers an update as soon as it proposed it, before
 * the region's quorum committed it.
 */
export const regionNodeFaults = { acknowledgeBeforeCommit: false };

export class RegionNodeService implements NodeService {
  readonly region: RegionId;
  readonly hlc: HybridLogicalClock;
  readonly clocks: ClockMonitor;
  private readonly regionOfNode = new Map<NodeId, RegionId>();
  private readonly nodesOfRegion = new Map<RegionId, readonly NodeId[]>();
  private readonly lastHeardMs = new Map<RegionId, number>();
  /** Per node of another region: when it was last heard from (a hint to a silent node is given up). */
  private readonly lastHeardFromNodeMs = new Map<NodeId, number>();
  /** Per "region|shard": the node believed to lead that shard there. */
  private readonly hints = new Map<string, NodeId>();
  private readonly shippers = new Map<string, ShardShipper>();
  private readonly pingTurn = new Map<RegionId, number>();
  private readonly sessionEpoch: number;
  private stopped = false;

  constructor(
    private readonly env: NodeEnv,
    private readonly options: RegionNodeOptions,
  ) {
    this.region = options.region;
    for (const peer of options.peers) {
      if (peer.region === this.region) throw new Error(`region ${this.region} lists itself as a peer`);
      this.nodesOfRegion.set(peer.region, peer.nodes);
      for (const node of peer.nodes) this.regionOfNode.set(node, peer.region);
      this.lastHeardMs.set(peer.region, env.clock.nowMs()); // assume reachable until a silence says otherwise
    }
    this.clocks = new ClockMonitor(options.tuning.maxClockOffsetMs);
    this.hlc = new HybridLogicalClock(() => env.clock.nowMs(), options.tuning.maxClockOffsetMs, HLC_ZERO);
    const starts = (env.disk.get<number>(STARTS) ?? 0) + 1;
    env.disk.put(STARTS, starts);
    env.disk.sync();
    this.sessionEpoch = (starts * 64 + options.nodeOrdinal) * 64;
    this.scheduleHeartbeat();
  }

  onStop(): void {
    this.stopped = true;
    for (const shipper of this.shippers.values()) shipper.stop();
    this.shippers.clear();
  }

  // ---- questions ------------------------------------------------------------------------

  /** Shards this node leads and ships. */
  get shippedShards(): string[] {
    return [...this.shippers.keys()].sort();
  }

  shipper(shard: string): ShardShipper | undefined {
    return this.shippers.get(shard);
  }

  isReachable(peer: RegionId): boolean {
    const heard = this.lastHeardMs.get(peer);
    return heard !== undefined && this.env.clock.nowMs() - heard <= this.options.tuning.peerSilenceMs;
  }

  // ---- hooks from Raft and the state machine ----------------------------------------------

  /** The Raft observer: this node leads (or no longer leads) the shard. */
  leadership(shard: string, leading: boolean): void {
    const running = this.shippers.get(shard);
    if (leading && running === undefined && !this.stopped) this.startShipping(shard);
    if (!leading && running !== undefined) {
      running.stop();
      this.shippers.delete(shard);
      this.env.trace('geo.shipper-stopped', { shard });
    }
  }

  private startShipping(shard: string): void {
    const group = this.group(shard);
    if (group === undefined || this.options.shardState(shard) === undefined) return;
    const shipper = new ShardShipper(shard, this.options.peers.map((peer) => peer.region), group, () => this.options.shardState(shard)!, this.shipperHost(shard));
    this.shippers.set(shard, shipper);
    this.env.trace('geo.shipper-started', { shard });
  }

  /** A geo entry was applied on this node (leader or follower). */
  applied(shard: string, command: GeoCommand, result: unknown, state: GeoShardState): void {
    this.hlc.witness(state.highestTimestamp);
    const observer = this.options.observer;
    if (command.kind === 'update' && (result as GeoUpdateResult).status === 'ok' && !(result as { duplicate: boolean }).duplicate) {
      observer?.localChange?.(this.region, shard, state.lastSeq);
      observer?.stored?.(this.region, fullKeyOf(command.keyspace, command.key), (result as { state: KeyState }).state);
      this.shippers.get(shard)?.scheduleFlush();
    }
    if (command.kind === 'apply-changes') {
      const applied = result as GeoApplyChangesResult;
      observer?.applied?.(this.region, command.origin, shard, applied.applied);
      if (applied.reset) observer?.repairNeeded?.(this.region, command.origin);
      for (const entry of command.entries) {
        const fullKey = fullKeyOf(entry.keyspace, entry.key);
        const stored = state.store.stateOf(fullKey);
        // Absent: a late state of a collected key, refused (region-shard-state.ts, `admits`).
        if (stored !== undefined) observer?.stored?.(this.region, fullKey, stored);
      }
    }
    if (command.kind === 'repaired' && !state.needsRepairFrom(command.origin)) observer?.repairDone?.(this.region, command.origin);
  }

  // ---- messages ----------------------------------------------------------------------------

  onMessage(from: NodeId, message: Message): void {
    if (this.stopped) return;
    const typed = message as ReplicaMessage;
    if (typed.type === 'geo.request') return this.onClientRequest(from, typed);
    const peer = this.regionOfNode.get(from);
    if (peer === undefined) return; // not a node of another region
    this.lastHeardFromNodeMs.set(from, this.env.clock.nowMs());
    this.heardFrom(peer);
    switch (typed.type) {
      case 'geo.ping':
        return this.onPing(from, typed);
      case 'geo.pong':
        return this.onPong(peer, typed);
      case 'geo.changes':
        return this.onChanges(peer, from, typed);
      case 'geo.ack':
        return this.leading(typed.shard)?.onAck(peer, typed.appliedSeq);
      case 'geo.not-leader':
        return this.onNotLeader(peer, from, typed);
      case 'geo.frontier':
        return this.onFrontier(peer, typed);
      case 'geo.ae.tree':
      case 'geo.ae.digests':
      case 'geo.ae.states':
      case 'geo.ae.done':
        return this.onAntiEntropy(peer, from, typed);
    }
  }

  private leading(shard: string | undefined): ShardShipper | undefined {
    return shard === undefined ? undefined : this.shippers.get(shard);
  }

  private onChanges(peer: RegionId, from: NodeId, message: ChangesMessage): void {
    const shipper = this.leaderFor(message.shard, from);
    if (shipper === undefined || this.clocks.isRefused(peer) || !this.passClock(peer, message.timestamp)) return;
    shipper.onChanges(from, message);
  }

  /**
   * A frontier report of another region's shard: taken by this shard's leader, from a region
   * whose clock is accepted. Reports go to every node of the region (see sendToAllNodes), so
   * the others drop it without a redirect: a redirect would move the stream's target too.
   */
  private onFrontier(peer: RegionId, message: FrontierMessage): void {
    const shipper = this.leading(message.shard);
    if (shipper === undefined || this.clocks.isRefused(peer)) return;
    shipper.onFrontier(message);
  }

  private onAntiEntropy(peer: RegionId, from: NodeId, message: AntiEntropyMessage & { shard?: string }): void {
    const shipper = this.leaderFor(message.shard, from);
    if (shipper === undefined || this.clocks.isRefused(peer)) return;
    if (message.type === 'geo.ae.states' && !this.passClock(peer, message.timestamp)) return;
    shipper.onAntiEntropy(from, message);
  }

  /** The shipper of a shard led here; otherwise the sender is told who leads it. */
  private leaderFor(shard: string | undefined, from: NodeId): ShardShipper | undefined {
    if (shard === undefined) return undefined;
    const shipper = this.shippers.get(shard);
    if (shipper !== undefined) return shipper;
    const reply: NotLeaderMessage = { type: 'geo.not-leader', region: this.region, shard, leaderHint: this.group(shard)?.status().leader ?? null };
    this.env.network.send(from, reply);
    return undefined;
  }

  /**
   * The node we sent to does not lead the shard: follow its hint (or try the next node).
   * Answers about a node we no longer send to are stale (a window of batches brings one
   * each) and are ignored, so the stream is resent once per change of target.
   */
  private onNotLeader(peer: RegionId, from: NodeId, message: NotLeaderMessage): void {
    const key = `${peer}|${message.shard}`;
    if (this.hints.get(key) !== from) return;
    const nodes = this.nodesOfRegion.get(peer)!;
    if (message.leaderHint !== null && message.leaderHint !== from && nodes.includes(message.leaderHint)) this.hints.set(key, message.leaderHint);
    else this.rotateHint(peer, message.shard);
    this.shippers.get(message.shard)?.onNotLeader(peer);
  }

  /** A stream got no acknowledgement in time: if its target has been silent, try the next node. */
  private maybeRotateHint(peer: RegionId, shard: string): void {
    const target = this.hints.get(`${peer}|${shard}`);
    const heardMs = target === undefined ? undefined : this.lastHeardFromNodeMs.get(target);
    if (heardMs === undefined || this.env.clock.nowMs() - heardMs > this.options.tuning.peerSilenceMs) this.rotateHint(peer, shard);
  }

  // ---- clients -------------------------------------------------------------------------------

  private onClientRequest(client: NodeId, request: ClientRequest): void {
    const reply = (response: ClientResponse): void => this.env.network.send(client, response);
    const fail = (error: string, redirect?: NodeId | null): void =>
      reply({ type: 'geo.response', id: request.id, ok: false, region: this.region, error, ...(redirect === undefined ? {} : { redirect }) });
    const strategy = this.options.catalog.kindOf(request.keyspace);
    if (strategy === undefined) return fail(`no keyspace "${request.keyspace}"`);
    const fullKey = fullKeyOf(request.keyspace, request.key);
    const shard = this.options.shardOf(fullKey);
    const group = this.group(shard);
    if (group === undefined || group.status().role !== 'leader') return fail(`${this.env.id} does not lead ${shard}`, group?.status().leader ?? null);
    if (request.session.after !== undefined) {
      const receipt = this.hlc.receive(request.session.after);
      if (!receipt.accepted) return fail(`the client's causal timestamp is ${Math.round(receipt.aheadMs)} ms ahead of ${this.region}'s clock, beyond the maximum offset of ${receipt.maxOffsetMs} ms`);
    }
    if (request.operation === undefined) return this.read(group, shard, client, request, reply, fail);
    const command: GeoUpdateCommand = {
      kind: 'update',
      keyspace: request.keyspace,
      key: request.key,
      strategy,
      operation: request.operation,
      timestamp: this.hlc.now(),
      ...(request.session.context ? { readContext: request.session.context } : {}),
      ...(request.session.replaceLocal ? { replaceLocal: true } : {}),
      client: { id: client, request: request.id },
      ...(request.principal ? { principal: request.principal } : {}),
    };
    if (regionNodeFaults.acknowledgeBeforeCommit) return this.acknowledgeAtOnce(group, shard, command, reply);
    // Acknowledged only once the region's quorum committed it and it was applied here.
    group.propose({ geo: command }, (outcome) => {
      if (!outcome.ok) return fail(`${this.env.id} lost the lead of ${shard}`, outcome.leaderHint);
      const result = outcome.result as GeoUpdateResult | GeoForbidden;
      // Judged at the entry's log position by every replica alike (src/api/geo-regions.ts).
      if (result.status === 'forbidden') return this.refuse(client, request, result.refusal, fail);
      if (result.status === 'refused') return fail(result.error);
      const value = readState(strategy, result.state);
      reply({ type: 'geo.response', id: request.id, ok: true, region: this.region, value, timestamp: result.timestamp, context: result.context });
    });
  }

  /** The planted bug: answers from the leader's own state before anything is committed. */
  private acknowledgeAtOnce(group: RaftGroupHost, shard: string, command: GeoUpdateCommand, reply: (response: ClientResponse) => void): void {
    const current = this.options.shardState(shard)?.store.stateOf(fullKeyOf(command.keyspace, command.key));
    const applied = applyOperation(command.strategy, current, command.operation, { region: this.region, timestamp: command.timestamp, readContext: command.readContext ?? EMPTY_CONTEXT });
    group.propose({ geo: command }, () => undefined);
    reply({ type: 'geo.response', id: command.client.request, ok: true, region: this.region, value: readState(command.strategy, applied.state), timestamp: command.timestamp });
  }

  private read(group: RaftGroupHost, shard: string, client: NodeId, request: ClientRequest, reply: (response: ClientResponse) => void, fail: (error: string, redirect?: NodeId | null) => void): void {
    group.readBarrier((outcome) => {
      if (!outcome.ok) return fail(`${this.env.id} lost the lead of ${shard}`, outcome.leaderHint);
      // Judged after the barrier: a revocation committed before the read arrived applies.
      const roles = this.options.roles?.(shard);
      const decision = roles === undefined ? undefined : judgeGeoRequest(roles, request.principal, request.keyspace, 'read');
      if (decision !== undefined && !decision.allowed) return this.refuse(client, request, decision.refusal, fail);
      const kind = this.options.catalog.require(request.keyspace);
      const state = this.options.shardState(shard)?.store.stateOf(fullKeyOf(request.keyspace, request.key));
      const value = readState(kind, state);
      reply({ type: 'geo.response', id: request.id, ok: true, region: this.region, value, timestamp: this.hlc.current, context: value.kind === 'multi-value' ? value.context : undefined });
    });
  }

  /** A refused request changes nothing; the refusal names user, operation and missing permission, and is audited. */
  private refuse(client: NodeId, request: ClientRequest, refusal: Refusal, fail: (error: string) => void): void {
    this.options.observer?.refused?.(this.env.id, describeGeoRequest(request.operation, request.keyspace, request.key, client), refusal);
    fail(refusal.text);
  }

  // ---- clocks and liveness ---------------------------------------------------------------------

  private scheduleHeartbeat(): void {
    this.env.timers.setTimer(this.options.tuning.pingIntervalMs, () => {
      if (this.stopped) return;
      const ping: PingMessage = { type: 'geo.ping', region: this.region, sentMs: this.env.clock.nowMs() };
      for (const { region: peer, nodes } of this.options.peers) {
        const turn = this.pingTurn.get(peer) ?? 0;
        this.pingTurn.set(peer, turn + 1);
        this.env.network.send(nodes[turn % nodes.length], ping);
      }
      this.reconcileLeadership();
      for (const shipper of this.shippers.values()) shipper.heartbeat((peer) => this.sessionTimeoutMs(peer));
      this.scheduleHeartbeat();
    }, 'geo.ping');
  }

  /** Leadership is reported by Raft as it changes; this catches a report that came before the state existed. */
  private reconcileLeadership(): void {
    for (const shard of this.options.shards) this.leadership(shard, this.group(shard)?.status().role === 'leader');
  }

  private onPing(from: NodeId, message: PingMessage): void {
    answerPing(this.env, this.region, from, message);
  }

  private onPong(peer: RegionId, message: PongMessage): void {
    const observer = this.options.observer;
    if (takePong(this.env, this.clocks, peer, message, observer?.clockVerdict && ((change) => observer.clockVerdict!(this.region, change)))) for (const shipper of this.shippers.values()) shipper.peerBack(peer);
  }

  private heardFrom(peer: RegionId): void {
    const silent = !this.isReachable(peer);
    this.lastHeardMs.set(peer, this.env.clock.nowMs());
    if (silent && !this.clocks.isRefused(peer)) for (const shipper of this.shippers.values()) shipper.peerBack(peer);
  }

  private passClock(peer: RegionId, timestamp: HlcTimestamp): boolean {
    const receipt = this.hlc.receive(timestamp);
    if (receipt.accepted) return true;
    this.env.trace('geo.timestamp-refused', { peer, timestamp: formatHlc(timestamp), aheadMs: Math.round(receipt.aheadMs), maxOffsetMs: receipt.maxOffsetMs });
    this.options.observer?.refusedTimestamp?.(this.region, peer, receipt.aheadMs, receipt.maxOffsetMs);
    return false;
  }

  private sessionTimeoutMs(peer: RegionId): number {
    const roundTripMs = this.clocks.roundTripMs(peer);
    if (roundTripMs === undefined) return this.options.tuning.antiEntropyTimeoutMs;
    return Math.min(this.options.tuning.antiEntropyTimeoutMs, (this.options.tuning.merkleDepth + 4) * roundTripMs + 200);
  }

  // ---- plumbing -----------------------------------------------------------------------------------

  private group(shard: string): RaftGroupHost | undefined {
    return this.options.raft()?.group(shard);
  }

  rotateHint(peer: RegionId, shard: string): void {
    const nodes = this.nodesOfRegion.get(peer)!;
    const current = this.hints.get(`${peer}|${shard}`);
    const next = nodes[(current === undefined ? 0 : nodes.indexOf(current) + 1) % nodes.length];
    this.hints.set(`${peer}|${shard}`, next);
  }

  /** To every node of a peer region: for reports, which its shard's leader takes whoever that is now, with no redirect. */
  private sendToAllNodes(peer: RegionId, message: FrontierMessage): void {
    if (this.clocks.isRefused(peer)) return;
    for (const node of this.nodesOfRegion.get(peer) ?? []) this.env.network.send(node, message);
  }

  private sendToShard(peer: RegionId, shard: string, message: ChangesMessage | AntiEntropyMessage): void {
    if (this.clocks.isRefused(peer)) return;
    const key = `${peer}|${shard}`;
    if (!this.hints.has(key)) {
      const expected = this.options.expectedLeader?.(peer, shard);
      if (expected !== undefined && this.nodesOfRegion.get(peer)!.includes(expected)) this.hints.set(key, expected);
      else this.rotateHint(peer, shard);
    }
    this.env.network.send(this.hints.get(key)!, message);
  }

  private shipperHost(shard: string): ConstructorParameters<typeof ShardShipper>[4] {
    const shardIndex = Math.max(0, this.options.shards.indexOf(shard));
    return {
      region: this.region,
      tuning: this.options.tuning,
      nowMs: () => this.env.clock.nowMs(),
      random: () => this.env.random.next(),
      setTimer: (delayMs, callback, label) => this.env.timers.setTimer(delayMs, callback, label),
      cancelTimer: (timer) => this.env.timers.cancelTimer(timer),
      sendToShard: (peer, target, message) => this.sendToShard(peer, target, message),
      sendToAllNodes: (peer, message) => this.sendToAllNodes(peer, message),
      reply: (node, message) => {
        if (!this.clocks.isRefused(this.regionOfNode.get(node) ?? '')) this.env.network.send(node, message);
      },
      rotateHint: (peer, target) => this.maybeRotateHint(peer, target),
      isReachable: (peer) => this.isReachable(peer),
      isRefused: (peer) => this.clocks.isRefused(peer),
      timestamp: () => this.hlc.now(),
      roundTripMs: (peer) => this.clocks.roundTripMs(peer),
      observeAntiEntropy: (event, target) => this.options.observer?.antiEntropy?.(event, target),
      sessionEpoch: this.sessionEpoch + shardIndex,
    };
  }
}
