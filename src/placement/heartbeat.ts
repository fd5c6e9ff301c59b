import type { NodeService } from '../runtime/node-runtime';
import type { Message, NodeEnv, NodeId, TimerId } from '../runtime/ports';

/**
 * Store heartbeats (PD's store heartbeat): every server node tells the placement group's
 * leader, once a second, which replicas it holds, in what role, how much data they hold
 * and how busy they were. The leader keeps the latest report of each node in memory
 * only: a new leader rebuilds the picture from the next round of heartbeats, so nothing
 * here needs to be replicated.
 */

export interface ReplicaReport {
  readonly group: string;
  readonly role: string;
  readonly term: number;
  readonly appliedIndex: number;
  readonly keys: number;
  readonly bytes: number;
  readonly readsPerSecond: number;
  readonly writesPerSecond: number;
}

export interface StoreHeartbeat {
  readonly type: 'placement.heartbeat';
  readonly node: NodeId;
  readonly sequence: number;
  readonly replicas: readonly ReplicaReport[];
}

export interface HeartbeatAck {
  readonly type: 'placement.heartbeat-ack';
  readonly sequence: number;
  /** True when the receiver leads the placement group and recorded the report. */
  readonly recorded: boolean;
  readonly leaderHint: NodeId | null;
  /** The epoch of the map the receiver has applied: a node holding an older one refreshes. */
  readonly epoch: number;
}

/** The latest report of one node, as the placement leader keeps it. */
export interface StoreReport {
  readonly node: NodeId;
  /** The node's heartbeat counter: a higher one is a newer report. */
  readonly sequence: number;
  /** On the leader's local clock. */
  readonly receivedAtMs: number;
  readonly replicas: readonly ReplicaReport[];
}

export interface PlacementServiceDeps {
  /** Nodes hosting the placement group (where heartbeats go). */
  placementNodes(): readonly NodeId[];
  /** This node's role in the placement group, if it hosts a replica. */
  placementRole(): { leader: boolean; leaderHint: NodeId | null; epoch: number } | undefined;
  /** This node's replicas and their load since the last call. */
  collectReplicas(intervalMs: number): ReplicaReport[];
  heartbeatIntervalMs: number;
}

/** Heartbeats whose target is remembered: an answer to an older one comes too late to matter. */
const HEARTBEATS_REMEMBERED = 16;

export class PlacementService implements NodeService {
  private readonly stores = new Map<NodeId, StoreReport>();
  private timer: TimerId | undefined;
  private sequence = 0;
  private leaderGuess: NodeId | undefined;
  private lastAckedSequence = 0;
  /** Where each of the last HEARTBEATS_REMEMBERED heartbeats went, by sequence. */
  private readonly sentTo = new Map<number, NodeId>();

  constructor(private readonly env: NodeEnv, private readonly deps: PlacementServiceDeps) {
    this.schedule();
  }

  /** Heartbeat answers ignored because they came from a node the heartbeat they name did not go to (or named none sent). */
  answersNotAsked = 0;

  /** What the placement leader last heard from each node (empty on other nodes). */
  storeReports(): StoreReport[] {
    return [...this.stores.values()];
  }

  onMessage(from: NodeId, message: Message): void {
    if (message.type === 'placement.heartbeat') this.onHeartbeat(from, message as StoreHeartbeat);
    else if (message.type === 'placement.heartbeat-ack') this.onAck(from, message as HeartbeatAck);
  }

  private onHeartbeat(from: NodeId, heartbeat: StoreHeartbeat): void {
    const role = this.deps.placementRole();
    if (role === undefined) return;
    if (role.leader) this.stores.set(heartbeat.node, { node: heartbeat.node, sequence: heartbeat.sequence, receivedAtMs: this.env.clock.nowMs(), replicas: heartbeat.replicas });
    else this.stores.clear(); // a leader that lost office must not serve a picture that stops updating
    const ack: HeartbeatAck = { type: 'placement.heartbeat-ack', sequence: heartbeat.sequence, recorded: role.leader, leaderHint: role.leader ? this.env.id : role.leaderHint, epoch: role.epoch };
    this.env.network.send(from, ack);
  }

  private onAck(from: NodeId, ack: HeartbeatAck): void {
    // An answer counts only from the node that heartbeat went to, as on a connection: any other
    // process could otherwise point this node at a placement node that stopped answering, or
    // claim a sequence never sent, and keep it from ever trying another.
    if (this.sentTo.get(ack.sequence) !== from) return void this.answersNotAsked++;
    if (ack.recorded) {
      this.leaderGuess = from;
      this.lastAckedSequence = Math.max(this.lastAckedSequence, ack.sequence);
    } else if (ack.leaderHint !== null) {
      // Answered, with a better address: the next heartbeat goes there.
      this.leaderGuess = ack.leaderHint;
      this.lastAckedSequence = Math.max(this.lastAckedSequence, ack.sequence);
    }
  }

  private schedule(): void {
    this.timer = this.env.timers.setTimer(this.deps.heartbeatIntervalMs, () => {
      this.timer = undefined;
      this.beat();
      this.schedule();
    }, 'placement.heartbeat');
  }

  private beat(): void {
    const targets = this.deps.placementNodes();
    if (targets.length === 0) return;
    // An unanswered last heartbeat means the guess is wrong or down: try the next node.
    if (this.leaderGuess === undefined || !targets.includes(this.leaderGuess) || this.lastAckedSequence < this.sequence) {
      const index = this.leaderGuess === undefined ? 0 : (targets.indexOf(this.leaderGuess) + 1) % targets.length;
      this.leaderGuess = targets[Math.max(0, index)];
    }
    const heartbeat: StoreHeartbeat = { type: 'placement.heartbeat', node: this.env.id, sequence: ++this.sequence, replicas: this.deps.collectReplicas(this.deps.heartbeatIntervalMs) };
    this.sentTo.set(heartbeat.sequence, this.leaderGuess);
    this.sentTo.delete(heartbeat.sequence - HEARTBEATS_REMEMBERED);
    this.env.network.send(this.leaderGuess, heartbeat);
  }

  onStop(): void {
    if (this.timer !== undefined) this.env.timers.cancelTimer(this.timer);
  }
}
