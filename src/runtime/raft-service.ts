import type { ClusterConfig, RaftMessage } from '../raft';
import type { NodeService } from './node-runtime';
import type { Message, NodeEnv, NodeId, TimerId } from './ports';
import { RaftGroupHost, type RaftEnvelope, type RaftObserver, type RaftTuning, type ReplicatedStateMachine } from './raft-host';

export interface RaftGroupSpec {
  readonly groupId: string;
  /** The configuration a brand-new replica starts from (empty for a replica being added). */
  readonly bootstrapConfig: ClusterConfig;
}

export interface RaftServiceOptions {
  tuning: RaftTuning;
  createMachine(groupId: string): ReplicatedStateMachine;
  observerFor?(groupId: string): RaftObserver | undefined;
}

/** Disk key listing the groups this node hosts, so a restart brings them all back. */
const GROUPS_DISK_KEY = 'raft/groups';

/**
 * Multi-Raft on one node: many groups, one tick timer, messages routed by group id.
 * The list of hosted groups is durable, so a restarted node resumes every replica it had.
 */
export class RaftService implements NodeService {
  private readonly groups = new Map<string, RaftGroupHost>();
  private timer: TimerId | undefined;

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
   * Stops hosting a replica and deletes its data: hard state, log, snapshot and its line
   * in the list of hosted groups. Only for a replica its group has removed from its
   * configuration (a finished replica move); the caller checks that.
   */
  removeGroup(groupId: string): boolean {
    if (!this.groups.delete(groupId)) return false;
    const specs = (this.env.disk.get<RaftGroupSpec[]>(GROUPS_DISK_KEY) ?? []).filter((spec) => spec.groupId !== groupId);
    this.env.disk.put(GROUPS_DISK_KEY, specs);
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

  onMessage(_from: NodeId, message: Message): void {
    const envelope = message as RaftEnvelope;
    const group = this.groups.get(envelope.groupId);
    // A message for a group this node does not host (yet) is dropped; Raft retries.
    if (group) group.step(envelope.message as RaftMessage);
  }

  private open(spec: RaftGroupSpec): RaftGroupHost {
    const host = new RaftGroupHost(
      this.env,
      spec.groupId,
      spec.bootstrapConfig,
      this.options.createMachine(spec.groupId),
      this.options.tuning,
      this.options.observerFor?.(spec.groupId),
      (to, envelope) => this.env.network.send(to, envelope),
    );
    this.groups.set(spec.groupId, host);
    this.armTimer();
    return host;
  }

  private armTimer(): void {
    if (this.timer !== undefined) return;
    this.timer = this.env.timers.setTimer(this.options.tuning.tickMs, () => {
      this.timer = undefined;
      for (const group of this.groups.values()) group.tick();
      this.armTimer();
    });
  }
}
