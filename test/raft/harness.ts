/**
 * An etcd-style in-memory network for testing the Raft core: every node is a RaftNode
 * hosted by a tiny host that follows the Ready contract (persist -> send -> apply ->
 * advance) against MemoryStorage. `send` delivers synchronously, in FIFO order, until the
 * network is quiet. Faults: cut, isolate, drop (seeded), ignore (by message type), hold
 * (delay and reorder, seeded), duplicate, crash/restart (restart reuses the synced storage).
 * A RaftSafetyChecker observes every node.
 */
import { RaftNode } from '../../src/raft/raft-node';
import { RaftSafetyChecker } from '../../src/raft/safety-checker';
import type {
  ClusterConfig,
  ConfigChange,
  ConfigChangeResult,
  Entry,
  HardState,
  NodeId,
  ProposeResult,
  RaftMessage,
  RaftMessageType,
  RaftStatus,
  ReadState,
  Ready,
  RestoredState,
  Snapshot,
} from '../../src/raft/types';
import { SeededRandom } from '../../src/sim/random';

/** Durable storage of one node: what the host synced. */
export class MemoryStorage {
  hardState: HardState = { term: 0, votedFor: null, commitIndex: 0 };
  entries: Entry[] = [];
  snapshot: Snapshot | undefined;

  get lastIndex(): number {
    return this.entries.length > 0 ? this.entries[this.entries.length - 1].index : (this.snapshot?.index ?? 0);
  }

  /** Ready.entries semantics: cut the stored suffix from entries[0].index, then append. */
  append(entries: readonly Entry[]): void {
    if (entries.length === 0) return;
    const firstIndex = entries[0].index;
    if (firstIndex > this.lastIndex + 1) throw new Error(`storage gap: append at ${firstIndex} after ${this.lastIndex}`);
    this.entries = this.entries.filter((entry) => entry.index < firstIndex).concat(entries);
  }

  /** A snapshot received from the leader replaces the log. */
  installSnapshot(snapshot: Snapshot): void {
    this.snapshot = snapshot;
    this.entries = [];
  }

  /** A snapshot the host made itself drops the prefix. */
  compact(snapshot: Snapshot): void {
    this.snapshot = snapshot;
    this.entries = this.entries.filter((entry) => entry.index > snapshot.index);
  }

  restoredState(): RestoredState {
    return { hardState: this.hardState, entries: this.entries, ...(this.snapshot ? { snapshot: this.snapshot } : {}) };
  }
}

interface StateMachineImage {
  readonly applied: readonly unknown[];
}

/** One simulated machine: its durable storage survives crashes; the rest does not. */
export class HostedNode {
  raft: RaftNode | null = null;
  readonly storage = new MemoryStorage();
  /** The state machine: data of applied 'normal' entries, in order. */
  applied: unknown[] = [];
  appliedIndex = 0;
  readStates: ReadState[] = [];
  droppedReads: string[] = [];
  wasLeader = false;
  /** (Pre-)vote requests this machine ever sent (survives restarts, for `campaign`). */
  voteRequestsSent = 0;

  constructor(readonly id: NodeId, public bootstrapConfig: ClusterConfig) {}

  get alive(): boolean {
    return this.raft !== null;
  }
}

export interface NetworkOptions {
  readonly preVote?: boolean;
  readonly checkQuorum?: boolean;
  readonly electionTicks?: number;
  readonly heartbeatTicks?: number;
  readonly seed?: number;
  readonly maxEntriesPerMessage?: number;
  readonly maxInflightMessages?: number;
  /** When set, hosts compact automatically at Ready.suggestedCompactIndex. */
  readonly snapshotThreshold?: number;
  readonly learners?: readonly NodeId[];
  /** RaftOptions.quiesceAfterIdleTicks (0: never quiesce). */
  readonly quiesceAfterIdleTicks?: number;
  /** Durable state to start some nodes from (Figure 7 and Figure 8 setups). */
  readonly restored?: Readonly<Record<NodeId, RestoredState>>;
}

/** Upper bound on deliveries in one `send` (a livelock would otherwise hang a test). */
const DELIVERIES_PER_SEND_MAX = 200_000;

export class Network {
  readonly nodes = new Map<NodeId, HostedNode>();
  readonly checker = new RaftSafetyChecker();
  /** Delivered message counts by type since the last resetCounts(). */
  readonly delivered = new Map<RaftMessageType, number>();
  /** Every delivered message, when `recordDeliveries` is on. */
  readonly deliveries: RaftMessage[] = [];
  recordDeliveries = false;
  private readonly cuts = new Set<string>();
  private readonly isolated = new Set<NodeId>();
  private readonly drops = new Map<string, number>();
  private readonly ignored = new Set<RaftMessageType>();
  private interceptor: ((message: RaftMessage) => boolean) | null = null;
  private rewriter: ((message: RaftMessage) => RaftMessage) | null = null;
  private holdProbability = 0;
  private duplicateProbability = 0;
  private readonly held: RaftMessage[] = [];
  private readonly faultRandom: SeededRandom;
  private readonly queue: RaftMessage[] = [];
  private delivering = false;

  constructor(ids: readonly NodeId[], readonly options: NetworkOptions = {}) {
    this.faultRandom = new SeededRandom(options.seed ?? 1, 'network-faults');
    const config: ClusterConfig = { voters: [...ids], learners: [...(options.learners ?? [])] };
    for (const id of [...ids, ...(options.learners ?? [])]) this.addNode(id, config, options.restored?.[id]);
  }

  /** Creates a node (a new machine). Joining nodes pass an empty bootstrap configuration. */
  addNode(id: NodeId, bootstrapConfig: ClusterConfig, restored?: RestoredState): HostedNode {
    const node = new HostedNode(id, bootstrapConfig);
    if (restored !== undefined) {
      node.storage.hardState = restored.hardState;
      node.storage.entries = [...restored.entries];
      node.storage.snapshot = restored.snapshot;
      this.checker.onLogChanged(id, restored.entries);
    }
    this.nodes.set(id, node);
    this.start(node);
    return node;
  }

  private start(node: HostedNode): void {
    const random = new SeededRandom(this.options.seed ?? 1, `timers-${node.id}-${node.storage.hardState.term}`);
    node.raft = new RaftNode({
      id: node.id,
      config: node.bootstrapConfig,
      electionTicks: this.options.electionTicks ?? 10,
      heartbeatTicks: this.options.heartbeatTicks ?? 1,
      random: () => random.next(),
      preVote: this.options.preVote ?? false,
      checkQuorum: this.options.checkQuorum ?? false,
      maxEntriesPerMessage: this.options.maxEntriesPerMessage,
      maxInflightMessages: this.options.maxInflightMessages,
      snapshotThreshold: this.options.snapshotThreshold,
      quiesceAfterIdleTicks: this.options.quiesceAfterIdleTicks,
    }, node.storage.restoredState());
    const image = node.storage.snapshot?.data as StateMachineImage | undefined;
    node.applied = image === undefined ? [] : [...image.applied];
    node.appliedIndex = node.storage.snapshot?.index ?? 0;
    node.wasLeader = false;
    this.process(node);
  }

  node(id: NodeId): HostedNode {
    const node = this.nodes.get(id);
    if (node === undefined) throw new Error(`no node ${id}`);
    return node;
  }

  raft(id: NodeId): RaftNode {
    const raft = this.node(id).raft;
    if (raft === null) throw new Error(`node ${id} is down`);
    return raft;
  }

  status(id: NodeId): RaftStatus {
    return this.raft(id).status();
  }

  // -------------------------------------------------------------------------------------
  // Delivery.

  /** Delivers messages (and everything they cause) until the network is quiet. */
  send(messages: readonly RaftMessage[] = []): void {
    for (const message of messages) this.enqueue(message);
    if (this.delivering) return;
    this.delivering = true;
    try {
      for (let deliveries = 0; this.queue.length > 0; deliveries++) {
        if (deliveries > DELIVERIES_PER_SEND_MAX) throw new Error('network did not become quiet');
        this.deliver(this.queue.shift() as RaftMessage);
      }
    } finally {
      this.delivering = false;
    }
  }

  private enqueue(message: RaftMessage): void {
    if (this.duplicateProbability > 0 && this.faultRandom.chance(this.duplicateProbability)) this.held.push(message);
    if (this.holdProbability > 0 && this.faultRandom.chance(this.holdProbability)) this.held.push(message);
    else this.queue.push(message);
  }

  private deliver(message: RaftMessage): void {
    if (this.isFilteredOut(message)) return;
    if (this.rewriter !== null) message = this.rewriter(message);
    const target = this.nodes.get(message.to);
    if (target === undefined || target.raft === null) return;
    this.delivered.set(message.type, (this.delivered.get(message.type) ?? 0) + 1);
    if (this.recordDeliveries) this.deliveries.push(message);
    target.raft.step(message);
    this.process(target);
  }

  private isFilteredOut(message: RaftMessage): boolean {
    if (this.ignored.has(message.type)) return true;
    if (this.isolated.has(message.from) || this.isolated.has(message.to)) return true;
    if (this.cuts.has(`${message.from}->${message.to}`)) return true;
    const dropProbability = this.drops.get(`${message.from}->${message.to}`) ?? 0;
    if (dropProbability > 0 && this.faultRandom.chance(dropProbability)) return true;
    return this.interceptor !== null && !this.interceptor(message);
  }

  /** The host side of the Ready contract: persist, then send, then apply, then advance. */
  process(node: HostedNode): void {
    const raft = node.raft;
    if (raft === null) return;
    // Leadership is reported before persisting, so that a deposed leader truncating its
    // log as a follower is not mistaken for a leader breaking Append-Only.
    this.reportLeadership(node, raft);
    for (let rounds = 0; raft.hasReady(); rounds++) {
      if (rounds > 10_000) throw new Error(`${node.id} keeps producing Ready`);
      this.reportLeadership(node, raft);
      const ready = raft.ready();
      this.persist(node, ready);
      for (const message of ready.messages) {
        if (message.type === 'raft.vote-request' || message.type === 'raft.pre-vote-request') node.voteRequestsSent++;
        this.enqueue(message);
      }
      this.apply(node, ready);
      raft.advance(ready);
      this.compactIfSuggested(node, ready);
      this.reportLeadership(node, raft);
    }
    if (!this.delivering) this.send();
  }

  private persist(node: HostedNode, ready: Ready): void {
    if (ready.snapshot !== undefined) node.storage.installSnapshot(ready.snapshot);
    node.storage.append(ready.entries);
    if (ready.hardState !== undefined) node.storage.hardState = ready.hardState;
    this.checker.onPersist(node.id, ready);
  }

  private apply(node: HostedNode, ready: Ready): void {
    if (ready.snapshot !== undefined) {
      node.applied = [...(ready.snapshot.data as StateMachineImage).applied];
      node.appliedIndex = ready.snapshot.index;
    }
    for (const entry of ready.committedEntries) {
      if (entry.index !== node.appliedIndex + 1) {
        throw new Error(`${node.id} applies index ${entry.index} after ${node.appliedIndex}`);
      }
      if (entry.kind === 'normal') node.applied.push(entry.data);
      node.appliedIndex = entry.index;
      this.checker.onApply(node.id, entry);
    }
    node.readStates.push(...ready.readStates);
    node.droppedReads.push(...ready.droppedReads);
  }

  private compactIfSuggested(node: HostedNode, ready: Ready): void {
    if (ready.suggestedCompactIndex === undefined || node.raft === null) return;
    this.compact(node.id, ready.suggestedCompactIndex);
  }

  /** The host snapshots its state machine at `index` (<= applied) and compacts. */
  compact(id: NodeId, index: number = this.node(id).appliedIndex): void {
    const node = this.node(id);
    if (index !== node.appliedIndex) throw new Error('the harness snapshots only at its applied index');
    const image: StateMachineImage = { applied: [...node.applied] };
    const snapshot = this.raft(id).compact(index, image);
    if (snapshot === null) return;
    node.storage.compact(snapshot);
    this.checker.onSnapshot(id, snapshot);
  }

  private reportLeadership(node: HostedNode, raft: RaftNode): void {
    const status = raft.status();
    if (status.role === 'leader') {
      this.checker.onLeader(node.id, status.term);
      node.wasLeader = true;
    } else if (node.wasLeader) {
      this.checker.onStepDown(node.id);
      node.wasLeader = false;
    }
  }

  // -------------------------------------------------------------------------------------
  // Time.

  tick(id: NodeId, count = 1): void {
    for (let tick = 0; tick < count; tick++) {
      const node = this.node(id);
      if (node.raft === null) return;
      node.raft.tick();
      this.process(node);
    }
  }

  /** Every live node ticks once (in id order), then held messages may be released. */
  tickAll(count = 1): void {
    for (let tick = 0; tick < count; tick++) {
      for (const node of this.nodes.values()) {
        if (node.raft === null) continue;
        node.raft.tick();
        this.process(node);
      }
      this.releaseHeld();
    }
  }

  /** Every live node ticks once with the host's tick count `hostTick` (a Raft service ticking many groups). */
  tickAllAt(hostTick: number): void {
    for (const node of this.nodes.values()) {
      if (node.raft === null) continue;
      node.raft.tick(hostTick);
      this.process(node);
    }
    this.releaseHeld();
  }

  /** Ticks `id` alone until it starts campaigning (etcd's MsgHup), then delivers. */
  campaign(id: NodeId): void {
    const limit = 2 * (this.options.electionTicks ?? 10) + 1;
    const requestsBefore = this.node(id).voteRequestsSent;
    for (let tick = 0; tick < limit; tick++) {
      if (this.status(id).role === 'leader') return;
      this.tick(id);
      if (this.node(id).voteRequestsSent > requestsBefore || this.status(id).role === 'leader') return;
    }
    throw new Error(`${id} did not campaign within ${limit} ticks`);
  }

  /**
   * Ticks `leader` through one heartbeat interval. Followers learn a new commit index from
   * the next append or heartbeat, not from an empty append of its own, so a test that checks
   * what followers applied after the last proposal lets one heartbeat round pass first.
   */
  heartbeat(leader: NodeId): void {
    this.tick(leader, this.options.heartbeatTicks ?? 1);
  }

  /** Ticks everyone until some node leads and a proposal commits on every live member. */
  stabilize(tickLimit = 500): NodeId {
    for (let tick = 0; tick < tickLimit; tick++) {
      const leader = this.leader();
      if (leader !== null) return leader;
      this.tickAll();
    }
    throw new Error(`no leader within ${tickLimit} ticks`);
  }

  // -------------------------------------------------------------------------------------
  // Client operations.

  propose(id: NodeId, data: unknown): ProposeResult {
    const result = this.raft(id).propose(data);
    this.process(this.node(id));
    return result;
  }

  proposeConfigChange(id: NodeId, change: ConfigChange): ConfigChangeResult {
    const result = this.raft(id).proposeConfigChange(change);
    this.process(this.node(id));
    return result;
  }

  /** The unique live leader of the highest term, or null. */
  leader(): NodeId | null {
    let best: { id: NodeId; term: number } | null = null;
    for (const node of this.nodes.values()) {
      if (node.raft === null) continue;
      const status = node.raft.status();
      if (status.role === 'leader' && (best === null || status.term > best.term)) best = { id: node.id, term: status.term };
    }
    return best?.id ?? null;
  }

  /** (index, term) of every entry in a node's in-memory log after its snapshot. */
  logOf(id: NodeId): Array<[number, number]> {
    const raft = this.raft(id);
    const status = raft.status();
    const log: Array<[number, number]> = [];
    for (let index = status.firstIndex; index <= status.lastIndex; index++) log.push([index, raft.termAt(index) as number]);
    return log;
  }

  // -------------------------------------------------------------------------------------
  // Faults.

  cut(a: NodeId, b: NodeId): void {
    this.cuts.add(`${a}->${b}`);
    this.cuts.add(`${b}->${a}`);
  }

  isolate(id: NodeId): void {
    this.isolated.add(id);
  }

  drop(from: NodeId, to: NodeId, probability: number): void {
    this.drops.set(`${from}->${to}`, probability);
  }

  ignore(type: RaftMessageType): void {
    this.ignored.add(type);
  }

  /** Only messages for which `predicate` is true are delivered (null clears it). */
  intercept(predicate: ((message: RaftMessage) => boolean) | null): void {
    this.interceptor = predicate;
  }

  /** Delivers `rewrite(message)` instead of each message (null clears it). A test device
   *  for scenarios such as Figure 8, where only part of an AppendEntries may arrive. */
  rewrite(rewrite: ((message: RaftMessage) => RaftMessage) | null): void {
    this.rewriter = rewrite;
  }

  /** Holds back each message with this probability; held ones come back at a later tick. */
  hold(probability: number): void {
    this.holdProbability = probability;
  }

  /** Delivers each message a second time, later, with this probability. */
  duplicate(probability: number): void {
    this.duplicateProbability = probability;
  }

  /** Heals every fault (held messages are released at the next tickAll). */
  recover(): void {
    this.cuts.clear();
    this.isolated.clear();
    this.drops.clear();
    this.ignored.clear();
    this.interceptor = null;
    this.rewriter = null;
    this.holdProbability = 0;
    this.duplicateProbability = 0;
  }

  private releaseHeld(): void {
    if (this.held.length === 0) return;
    const released = this.faultRandom.shuffle(this.held.splice(0, this.held.length));
    const deliverNow: RaftMessage[] = [];
    for (const message of released) {
      if (this.holdProbability > 0 && this.faultRandom.chance(0.5)) this.held.push(message);
      else deliverNow.push(message);
    }
    this.send(deliverNow);
  }

  crash(id: NodeId): void {
    const node = this.node(id);
    node.raft = null;
    if (node.wasLeader) this.checker.onStepDown(id);
    node.wasLeader = false;
  }

  restart(id: NodeId): void {
    const node = this.node(id);
    if (node.raft !== null) throw new Error(`${id} is already running`);
    this.start(node);
  }

  resetCounts(): void {
    this.delivered.clear();
    this.deliveries.length = 0;
  }

  count(type: RaftMessageType): number {
    return this.delivered.get(type) ?? 0;
  }
}

export function newNetwork(ids: readonly NodeId[], options: NetworkOptions = {}): Network {
  return new Network(ids, options);
}

/** Builds a log of entries with the given terms, starting at index 1. */
export function entriesWithTerms(terms: readonly number[]): Entry[] {
  return terms.map((term, position) => ({ term, index: position + 1, kind: 'normal' as const, data: `e${position + 1}t${term}` }));
}

/** Durable state for a node whose log has these terms. */
export function restoredLog(terms: readonly number[], term: number, commitIndex = 0): RestoredState {
  return { hardState: { term, votedFor: null, commitIndex }, entries: entriesWithTerms(terms) };
}

/** Steps one message into a node directly (no network) and returns what it wants to send. */
export function stepAndCollect(raft: RaftNode, message: RaftMessage): RaftMessage[] {
  raft.step(message);
  if (!raft.hasReady()) return [];
  const ready = raft.ready();
  raft.advance(ready);
  return [...ready.messages];
}
