import type { ClusterConfig, RaftMessage, RaftTiming } from '../raft';
import type { NodeService } from './node-runtime';
import type { Message, NodeEnv, NodeId, TimerId } from './ports';
import { type JoiningReplica, RaftGroupHost, writeTombstone, type RaftEnvelope, type RaftObserver, type RaftTuning, type ReplicatedStateMachine } from './raft-host';

/** A hosted group as listed on disk; a replica being added keeps where it joins (JoiningReplica) with it, across restarts. */
export interface RaftGroupSpec extends JoiningReplica {
  readonly groupId: string;
  /** The configuration a brand-new replica starts from (empty for a replica being added). */
  readonly bootstrapConfig: ClusterConfig;
}

export interface RaftServiceOptions {
  tuning: RaftTuning;
  createMachine(groupId: string): ReplicatedStateMachine;
  observerFor?(groupId: string): RaftObserver | undefined;
  /** Each group's timing from where its voters stand (src/raft/timing.ts); absent: the tuning's. */
  timingFor?(voters: readonly NodeId[]): RaftTiming | undefined;
}

/**
 * Heartbeats and their answers of many groups between one pair of nodes, sent as one
 * message per tick (CockroachDB's coalesced heartbeats). A lone one travels as it is.
 */
export interface CoalescedHeartbeats {
  readonly type: 'raft.heartbeats';
  readonly envelopes: readonly RaftEnvelope[];
}

const COALESCED_TYPE: CoalescedHeartbeats['type'] = 'raft.heartbeats';

function isHeartbeat(envelope: RaftEnvelope): boolean {
  return envelope.type === 'raft.heartbeat' || envelope.type === 'raft.heartbeat-response';
}

/** Disk key listing the groups this node hosts, so a restart brings them all back. */
const GROUPS_DISK_KEY = 'raft/groups';

/**
 * Multi-Raft on one node: many groups, one tick timer, messages routed by group id.
 * The list of hosted groups is durable, so a restarted node resumes every replica it had.
 *
 * Only replicas that are not quiesced are ticked, and the timer stops when every replica
 * is quiesced: an idle node costs no events. Suspicions from the node's failure detector
 * reach every replica (`onPeerSuspected`). Heartbeats produced in one tick, and the answers
 * to one coalesced message, leave as one message per destination node.
 */
export class RaftService implements NodeService {
  private readonly groups = new Map<string, RaftGroupHost>();
  /** Replicas that need ticks, in the order they last woke (deterministic). */
  private readonly awake = new Set<RaftGroupHost>();
  private timer: TimerId | undefined;
  /** Ticks of this node's Raft timer so far: groups heartbeat on the same ticks, so their heartbeats to one peer share a message. */
  private tickCount = 0;
  /** While a tick or a coalesced message is processed: heartbeats waiting, by destination. */
  private coalescing: Map<NodeId, RaftEnvelope[]> | null = null;

  constructor(private readonly env: NodeEnv, private readonly options: RaftServiceOptions) {
    for (const spec of env.disk.get<RaftGroupSpec[]>(GROUPS_DISK_KEY) ?? []) this.open(spec);
  }

  /** Hosts a replica of the group here (idempotent). */
  ensureGroup(spec: RaftGroupSpec): RaftGroupHost {
    const existing = this.groups.get(spec.groupId);
    if (existing) return existing;
    const specs = [...(this.env.disk.get<RaftGroupSpec[]>(GROUPS_DISK_KEY) ?? []), spec];
    this.env.disk.put(GROUPS_DISK_KEY, specs);
    this.env.disk.sync();
    return this.open(spec);
  }

  /**
   * Stops hosting a replica and deletes its data: log, snapshot and its line in the list
   * of hosted groups. Only for a replica its group has removed from its configuration (a
   * finished replica move); the caller checks that.
   *
   * The term and vote survive as a tombstone (CockroachDB's range tombstone, TiKV's
   * tombstone peer state): a replica of the same group created here later starts from
   * them, so this node never votes twice in one term, even for a candidate whose stale
   * configuration still names the removed replica.
   */
  removeGroup(groupId: string): boolean {
    const host = this.groups.get(groupId);
    if (host === undefined) return false;
    this.groups.delete(groupId);
    this.awake.delete(host);
    host.retire();
    const specs = (this.env.disk.get<RaftGroupSpec[]>(GROUPS_DISK_KEY) ?? []).filter((spec) => spec.groupId !== groupId);
    this.env.disk.put(GROUPS_DISK_KEY, specs);
    writeTombstone(this.env.disk, groupId);
    for (const suffix of ['hard-state', 'log', 'snapshot']) this.env.disk.delete(`raft/${groupId}/${suffix}`);
    this.env.disk.sync();
    this.env.trace('raft.replica-removed', { group: groupId });
    return true;
  }

  group(groupId: string): RaftGroupHost | undefined {
    return this.groups.get(groupId);
  }

  get groupIds(): string[] {
    return [...this.groups.keys()];
  }

  /** Cluster membership suspects (or declared dead) `peer`; quiesced groups may wake. */
  onPeerSuspected(peer: NodeId): void {
    for (const group of this.groups.values()) group.reportPeerSuspected(peer);
  }

  /** Replicas ticking now (not quiesced). */
  get awakeGroupCount(): number {
    return this.awake.size;
  }

  onMessage(_from: NodeId, message: Message): void {
    if (message.type === COALESCED_TYPE) {
      // The answers to a coalesced round go back coalesced too.
      this.coalesced(() => {
        for (const envelope of (message as CoalescedHeartbeats).envelopes) this.deliver(envelope);
      });
      return;
    }
    this.deliver(message as RaftEnvelope);
  }

  private deliver(envelope: RaftEnvelope): void {
    const group = this.groups.get(envelope.groupId);
    // A message for a group this node does not host (yet) is dropped; Raft retries.
    if (group) group.step(envelope.message as RaftMessage, typeof envelope.replica === 'number' ? envelope.replica : undefined);
  }

  private send(to: NodeId, envelope: RaftEnvelope): void {
    const pending = this.coalescing;
    if (pending === null || !isHeartbeat(envelope)) return this.env.network.send(to, envelope);
    const list = pending.get(to);
    if (list === undefined) pending.set(to, [envelope]);
    else list.push(envelope);
  }

  /** Runs `work` collecting heartbeats, then sends one message per destination. */
  private coalesced(work: () => void): void {
    if (this.coalescing !== null) return work();
    const pending = new Map<NodeId, RaftEnvelope[]>();
    this.coalescing = pending;
    try {
      work();
    } finally {
      this.coalescing = null;
    }
    for (const [to, envelopes] of pending) {
      if (envelopes.length === 1) this.env.network.send(to, envelopes[0]);
      else {
        const batch: CoalescedHeartbeats = { type: COALESCED_TYPE, envelopes };
        this.env.network.send(to, batch);
      }
    }
  }

  private open(spec: RaftGroupSpec): RaftGroupHost {
    const host = new RaftGroupHost(
      this.env,
      spec.groupId,
      spec.bootstrapConfig,
      this.options.createMachine(spec.groupId),
      this.options.tuning,
      this.options.observerFor?.(spec.groupId),
      (to, envelope) => this.send(to, envelope),
      (awakeHost) => this.markAwake(awakeHost),
      this.options.timingFor === undefined ? undefined : (voters) => this.options.timingFor!(voters),
      spec,
    );
    this.groups.set(spec.groupId, host);
    this.markAwake(host);
    return host;
  }

  private markAwake(host: RaftGroupHost): void {
    this.awake.add(host);
    this.armTimer();
  }

  private armTimer(): void {
    if (this.timer !== undefined) return;
    this.timer = this.env.timers.setTimer(this.options.tuning.tickMs, () => {
      this.timer = undefined;
      this.tickCount++;
      this.coalesced(() => {
        for (const group of this.awake) {
          group.tick(this.tickCount);
          if (group.quiesced) this.awake.delete(group);
        }
      });
      if (this.awake.size > 0) this.armTimer();
    });
  }
}
