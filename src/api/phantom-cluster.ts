import {
  buildClusterStatus,
  clusterAgreement,
  signaturesAgree,
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
import type { RaftService } from '../runtime/raft-service';
import { BoundaryCounters, guardServerNode } from './admission';
import { ShardedDatabase } from './database';
import { type StatusItem, summarizeItems } from './status-summary';
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

/** The shortest time axis of a timeline picture, for runs that end (almost) at once. */
const MIN_TIMELINE_AXIS_MS = 1_000;
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
  /** Virtual time the cluster was made: samples fall on its 100 ms grid. */
  private readonly timelineOriginMs: number;
  private timelineSampleScheduled = false;

  constructor(
    readonly sim: Simulation,
    readonly credentials: ClusterCredentials,
    private readonly tuning: Partial<MembershipTuning> = {},
  ) {
    this.database = new ShardedDatabase(sim);
    sim.scheduler.statusProvider = () => this.statusLine();
    this.timelineOriginMs = sim.nowMs;
    this.scheduleTimelineSample();
  }

  // ---- nodes -------------------------------------------------------------------

  /** Creates and starts a node that joins through `seeds` (none: it founds the cluster). */
  addNode(id: NodeId, options: AddNodeOptions): SimNode {
    this.nodeOptions.set(id, options);
    // PhantomDB's own server: it sends only plain data it built (src/util/wire-copy.ts).
    const node = this.sim.addNode(id, (env) => this.createProcess(env, options), options.metadata ?? {}, { plainMessages: true });
    this.markTimelineDirty();
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

  /**
   * True when every live member holds the same members in the same states: what
   * `clusterAgreement(views())` answers, read from each member's kept signature instead
   * of whole views, since steps poll it every simulated millisecond (a 100-node cluster
   * built 10,000 member views a poll).
   */
  agreement(): boolean {
    return signaturesAgree(this.liveSignatures());
  }

  /** Each live observer's kept signature (`isLiveObserver`: an admitted member that sees itself alive). */
  private *liveSignatures(): Generator<string> {
    for (const node of this.sim.nodes) {
      const member = node.state === 'running' ? this.member(node.id) : undefined;
      if (member !== undefined && member.phase() === 'member' && member.stateOf(member.id) === 'alive') yield member.agreementSignature();
    }
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

  /**
   * The membership timeline up to now, recorded afresh first (so its last states are the
   * status table's), with a row for every node that was refused. A run that ended at once
   * still gets a one-second axis, with a line where it ended.
   */
  timelineSvg(title = 'Membership over virtual time'): string {
    this.timelineDirty = true;
    this.recordTimeline();
    const neverMembers = [...this.nodeOptions.keys()].map((id) => {
      const rejection = this.sim.node(id).state === 'running' ? this.member(id)?.rejection() : undefined;
      return { id, note: rejection ? `join refused: ${rejection.reason}` : 'never became a member' };
    });
    return renderTimelineSvg(this.timeline, { endMs: Math.max(this.sim.nowMs, MIN_TIMELINE_AXIS_MS), runEndMs: this.sim.nowMs, title, neverMembers });
  }

  /**
   * One line for time-out errors: each node's process state and join phase, agreement,
   * and each shard's leader. A large cluster is summarised: the first few nodes and shards
   * (shards without a leader first), then counts by state.
   */
  statusLine(): string {
    const nodes: StatusItem[] = this.sim.nodes.filter((node) => this.nodeOptions.has(node.id)).map((node) => {
      const member = node.state === 'running' ? this.member(node.id) : undefined;
      const state = `${node.state}${member ? `/${member.phase()}` : ''}`;
      return { text: `${node.id} ${state}`, state };
    });
    const live = this.views().filter(isLiveObserver);
    const shards: StatusItem[] = this.database.shardIds().map((shard) => {
      const leader = this.database.leaderOf(shard);
      return { text: `${shard} leader ${leader ?? 'none'}`, state: leader === undefined ? 'without a leader' : 'led' };
    });
    const database = shards.length > 0 ? `; ${shards.length} shard${shards.length === 1 ? '' : 's'}: ${summarizeItems(shards, ['without a leader'])}` : '';
    const partition = this.sim.network.describePartition();
    const network = partition === undefined ? '' : `; network ${partition}`;
    return `${nodes.length} nodes [${summarizeItems(nodes, ['crashed', 'paused', 'stopped'])}]; views agree: ${live.length > 0 && clusterAgreement(live) ? 'yes' : 'no'}${database}${network}`;
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
      onEvent: (observer, event) => {
        this.onMembershipEvent(observer, event);
        // Quiesced Raft groups detect no failure themselves: membership does it for them.
        if (event.kind === 'member-state-changed' && event.state !== 'alive') runtime.service<RaftService>('raft')?.onPeerSuspected(event.memberId);
      },
    })(env);
    runtime.register('swim', member);
    runtime.register('join', member);
    guardServerNode(runtime, env, member, this.boundaryDrops);
    this.database.installServices(env, runtime);
    return runtime;
  }

  private onMembershipEvent(observer: NodeId, event: MembershipEvent): void {
    this.markTimelineDirty();
    if (event.kind === 'member-state-changed' && event.state === 'dead') {
      const member = this.sim.hasNode(event.memberId) ? this.sim.node(event.memberId) : undefined;
      this.deaths.push({ atMs: this.sim.nowMs, observer, member: event.memberId, memberWasRunning: member?.state === 'running' });
    }
  }

  /** Samples the agreed states into the timeline on the TIMELINE_SAMPLE_MS grid, only
   *  after a change: an unchanged cluster schedules no sampling at all. */
  private markTimelineDirty(): void {
    this.timelineDirty = true;
    this.scheduleTimelineSample();
  }

  private scheduleTimelineSample(): void {
    if (this.timelineSampleScheduled) return;
    this.timelineSampleScheduled = true;
    const sinceOriginMs = this.sim.nowMs - this.timelineOriginMs;
    const nextSampleMs = this.timelineOriginMs + (Math.floor(sinceOriginMs / TIMELINE_SAMPLE_MS) + 1) * TIMELINE_SAMPLE_MS;
    this.sim.scheduler.scheduleAt(nextSampleMs, () => {
      this.timelineSampleScheduled = false;
      this.recordTimeline();
    });
  }

  private recordTimeline(): void {
    if (!this.timelineDirty) return;
    this.timeline.recordViews(this.sim.nowMs, this.views());
    this.timelineDirty = false;
  }
}
