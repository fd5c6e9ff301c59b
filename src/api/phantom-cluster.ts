import {
  buildClusterStatus,
  clusterAgreement,
  type ClusterStatus,
  createMemberProcess,
  findDisagreements,
  isLiveObserver,
  type MemberProcess,
  type MembershipEvent,
  MembershipTimeline,
  type MembershipTuning,
  type MembershipView,
  type NodeMetadata,
  renderStatusTable,
  renderTimelineSvg,
} from '../cluster';
import { NodeRuntime } from '../runtime/node-runtime';
import { BoundaryCounters, guardServerNode } from './admission';
import { ShardedDatabase } from './database';
import type { NodeEnv, NodeId } from '../runtime/ports';
import type { SimNode, Simulation } from '../sim';

export interface ClusterCredentials {
  clusterName: string;
  joinToken: string;
}

export interface AddNodeOptions {
  seeds: readonly NodeId[];
  metadata?: Partial<NodeMetadata>;
  /** Credentials this node presents; the cluster's own by default. */
  credentials?: Partial<ClusterCredentials>;
}

/** A failure declaration, kept so that scenarios can ask "was a live node ever declared dead?". */
export interface DeathRecord {
  atMs: number;
  observer: NodeId;
  member: NodeId;
  /** Whether the declared-dead node's process was in fact running at that moment. */
  memberWasRunning: boolean;
}

/** Virtual ms between timeline samples (taken only when membership changed). */
const TIMELINE_SAMPLE_MS = 100;

/**
 * The PhantomDB facade used by step definitions, benchmarks and the CLI: it builds the
 * virtual nodes, runs the node processes on them, and answers questions about the whole
 * cluster (status, agreement, history of failure declarations).
 */
export class PhantomCluster {
  readonly timeline = new MembershipTimeline();
  readonly deaths: DeathRecord[] = [];
  /** The sharded key-value store; its groups exist once `database.create()` ran. */
  readonly database: ShardedDatabase;
  /** Messages every server node dropped at its boundary (not admitted, malformed, unknown). */
  readonly boundaryDrops = new BoundaryCounters();
  private readonly nodeOptions = new Map<NodeId, AddNodeOptions>();
  private timelineDirty = true;

  constructor(
    readonly sim: Simulation,
    readonly credentials: ClusterCredentials,
    private readonly tuning: Partial<MembershipTuning> = {},
  ) {
    this.database = new ShardedDatabase(sim);
    sim.scheduler.statusProvider = () => this.statusLine();
    this.scheduleTimelineSample();
  }

  // ---- nodes -------------------------------------------------------------------

  /** Creates and starts a node that joins through `seeds` (none: it founds the cluster). */
  addNode(id: NodeId, options: AddNodeOptions): SimNode {
    this.nodeOptions.set(id, options);
    const node = this.sim.addNode(id, (env) => this.createProcess(env, options), options.metadata ?? {});
    this.timelineDirty = true;
    return node;
  }

  /** Replaces a node's machine: a new process with an empty disk under the same name. */
  replaceMachine(id: NodeId): void {
    const node = this.sim.node(id);
    if (node.isUp) node.crash();
    node.disk.wipe();
    node.start();
  }

  node(id: NodeId): SimNode {
    return this.sim.node(id);
  }

  get nodeIds(): NodeId[] {
    return this.sim.nodeIds;
  }

  /** The membership process running on a node, or undefined while it is down. */
  member(id: NodeId): MemberProcess | undefined {
    const runtime = this.sim.node(id).instance;
    return runtime instanceof NodeRuntime ? runtime.service<MemberProcess>('swim') : undefined;
  }

  /** Nodes whose process runs (not crashed, stopped or paused) and that are members. */
  liveMembers(): MemberProcess[] {
    const members: MemberProcess[] = [];
    for (const node of this.sim.nodes) {
      if (node.state !== 'running') continue;
      const member = this.member(node.id);
      if (member && member.phase() === 'member') members.push(member);
    }
    return members;
  }

  // ---- questions ---------------------------------------------------------------------

  views(): MembershipView[] {
    const views: MembershipView[] = [];
    for (const node of this.sim.nodes) {
      const member = node.state === 'running' ? this.member(node.id) : undefined;
      if (member) views.push(member.view());
    }
    return views;
  }

  /** True when every live member holds the same members in the same states. */
  agreement(): boolean {
    return clusterAgreement(this.views());
  }

  disagreements(): string[] {
    return findDisagreements(this.views());
  }

  /** True when every live member other than `id` itself sees `id` in `state`. */
  everyLiveMemberSees(id: NodeId, state: string): boolean {
    const members = this.liveMembers().filter((member) => member.id !== id);
    return members.length > 0 && members.every((member) => member.stateOf(id) === state);
  }

  status(): ClusterStatus {
    return buildClusterStatus(this.views(), this.sim.nowMs);
  }

  statusTable(): string {
    return renderStatusTable(this.status());
  }

  timelineSvg(title = 'Membership over virtual time'): string {
    this.recordTimeline();
    return renderTimelineSvg(this.timeline, { endMs: Math.max(this.sim.nowMs, 1), title });
  }

  /** One line for time-out errors: each node's process state and join phase, and agreement. */
  statusLine(): string {
    const nodes = this.sim.nodes.filter((node) => this.nodeOptions.has(node.id)).map((node) => {
      const member = node.state === 'running' ? this.member(node.id) : undefined;
      return `${node.id} ${node.state}${member ? `/${member.phase()}` : ''}`;
    });
    const live = this.views().filter(isLiveObserver);
    const shards = this.database.shardIds().map((shard) => `${shard} leader ${this.database.leaderOf(shard) ?? 'none'}`);
    const database = shards.length > 0 ? `; ${shards.join(', ')}` : '';
    return `${nodes.length} nodes [${nodes.join(', ')}]; views agree: ${live.length > 0 && clusterAgreement(live) ? 'yes' : 'no'}${database}`;
  }

  // ---- internals -----------------------------------------------------------------------

  private createProcess(env: NodeEnv, options: AddNodeOptions): NodeRuntime {
    const runtime = new NodeRuntime(env);
    const member = createMemberProcess({
      clusterName: options.credentials?.clusterName ?? this.credentials.clusterName,
      joinToken: options.credentials?.joinToken ?? this.credentials.joinToken,
      seeds: options.seeds,
      metadata: options.metadata,
      tuning: this.tuning,
      onEvent: (observer, event) => this.onMembershipEvent(observer, event),
    })(env);
    runtime.register('swim', member);
    runtime.register('join', member);
    guardServerNode(runtime, env, member, this.boundaryDrops);
    this.database.installServices(env, runtime);
    return runtime;
  }

  private onMembershipEvent(observer: NodeId, event: MembershipEvent): void {
    this.timelineDirty = true;
    if (event.kind === 'member-state-changed' && event.state === 'dead') {
      const member = this.sim.hasNode(event.memberId) ? this.sim.node(event.memberId) : undefined;
      this.deaths.push({ atMs: this.sim.nowMs, observer, member: event.memberId, memberWasRunning: member?.state === 'running' });
    }
  }

  /** Samples the agreed states into the timeline every TIMELINE_SAMPLE_MS, only after a change. */
  private scheduleTimelineSample(): void {
    this.sim.scheduler.schedule(TIMELINE_SAMPLE_MS, () => {
      this.recordTimeline();
      this.scheduleTimelineSample();
    });
  }

  private recordTimeline(): void {
    if (!this.timelineDirty) return;
    this.timeline.recordViews(this.sim.nowMs, this.views());
    this.timelineDirty = false;
  }
}
