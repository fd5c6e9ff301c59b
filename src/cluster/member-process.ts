/**
 * Hosts the pure membership core on a node's ports: feeds it messages and timer ticks from
 * the env, persists its incarnation (synced) before anything it says leaves the node, then
 * sends its outbox and traces its events. One instance per process start; a restart reads
 * the incarnation back and rejoins above it.
 */
import type { Message, NodeEnv, NodeId, NodeProcess, TimerId } from '../runtime/ports';
import { Membership } from './membership';
import { isClusterMessage } from './messages';
import { type MembershipTuning, resolveTuning } from './options';
import type { JoinPhase, JoinRejection, MemberState, MembershipEvent, MembershipView, MemberView, NodeMetadata } from './types';

export interface MemberProcessOptions {
  readonly clusterName: string;
  readonly joinToken: string;
  /** Seeds tried in order (then round-robin); this node's own id is skipped. None left: found the cluster. */
  readonly seeds: readonly NodeId[];
  /** Defaults: region "default", zone "default", capacity 1. */
  readonly metadata?: Partial<NodeMetadata>;
  readonly tuning?: Partial<MembershipTuning>;
  /** Join (or found the cluster) as soon as the process starts. Default true. */
  readonly autoJoin?: boolean;
  /** Observer for every membership event of this node (the events are also traced). */
  readonly onEvent?: (nodeId: NodeId, event: MembershipEvent) => void;
}

export interface MemberProcess extends NodeProcess {
  readonly id: NodeId;
  phase(): JoinPhase;
  incarnation(): number;
  /** Why this node could not join, if it could not. */
  rejection(): JoinRejection | undefined;
  /** The node's view now: every member it knows (dead and left included), sorted by id. */
  view(): MembershipView;
  /** Shorthand for `view().members`. */
  members(): readonly MemberView[];
  stateOf(memberId: NodeId): MemberState | undefined;
  /**
   * Every member's id and state, sorted by id (`agreementSignature` of the view's members):
   * two live members agree when theirs are equal. Kept between changes, so cheap to poll.
   */
  agreementSignature(): string;
  /** Starts discovery by hand (when `autoJoin` is false), optionally through other seeds. */
  join(seeds?: readonly NodeId[]): void;
  /** Graceful leave: gossips `left`, then goes silent after the grace period. */
  leave(): void;
}

/** Disk keys owned by this component. */
export const INCARNATION_DISK_KEY = 'cluster.incarnation';
export const PEERS_DISK_KEY = 'cluster.peers';

/** Known peers saved for a restart: enough to find the cluster again, bounded in size. */
const SAVED_PEERS_MAX = 16;
/** Membership changes rewrite the saved peers at most this often. */
const PEERS_SAVE_INTERVAL_MS = 10_000;

export function createMemberProcess(options: MemberProcessOptions): (env: NodeEnv) => MemberProcess {
  const tuning = resolveTuning(options.tuning);
  const metadata: NodeMetadata = Object.freeze({
    region: options.metadata?.region ?? 'default',
    zone: options.metadata?.zone ?? 'default',
    capacity: options.metadata?.capacity ?? 1,
  });
  return (env) => new MemberHost(env, options, tuning, metadata);
}

class MemberHost implements MemberProcess {
  readonly id: NodeId;
  private readonly core: Membership;
  private persistedIncarnation: number;
  private timerId: TimerId | undefined;
  /** The timer's callback, made once rather than per re-arm. */
  private readonly timerFired = (): void => this.onTimer();
  private timerDeadlineMs: number | undefined;
  private readonly savedPeers: readonly NodeId[];
  private peersSavedAtMs = -Infinity;
  private savedPeerCount = 0;

  constructor(
    private readonly env: NodeEnv,
    private readonly options: MemberProcessOptions,
    private readonly tuning: MembershipTuning,
    metadata: NodeMetadata,
  ) {
    this.id = env.id;
    const stored = env.disk.get<number>(INCARNATION_DISK_KEY);
    const restarted = typeof stored === 'number';
    const incarnation = restarted ? stored + 1 : 0;
    // Persist first: a crash right after starting must still come back above this incarnation.
    env.disk.put(INCARNATION_DISK_KEY, incarnation);
    env.disk.sync();
    this.persistedIncarnation = incarnation;
    this.savedPeers = env.disk.get<NodeId[]>(PEERS_DISK_KEY) ?? [];
    this.core = new Membership({
      selfId: env.id,
      clusterName: options.clusterName,
      joinToken: options.joinToken,
      metadata,
      instanceId: newInstanceId(env),
      incarnation,
      restarted,
      tuning,
      random: env.random,
    });
    env.trace('cluster.start', { incarnation, restarted, instanceId: this.core.instanceId });
    if (options.autoJoin ?? true) this.join();
  }

  onMessage(from: NodeId, message: Message): void {
    if (!isClusterMessage(message)) return;
    this.core.receive(from, message, this.env.clock.nowMs());
    this.flush();
  }

  onStop(): void {
    this.leave();
  }

  phase(): JoinPhase {
    return this.core.phase;
  }

  incarnation(): number {
    return this.core.incarnation;
  }

  rejection(): JoinRejection | undefined {
    return this.core.rejected;
  }

  view(): MembershipView {
    return this.core.view(this.env.clock.nowMs());
  }

  members(): readonly MemberView[] {
    return this.view().members;
  }

  stateOf(memberId: NodeId): MemberState | undefined {
    return this.core.stateOf(memberId);
  }

  agreementSignature(): string {
    return this.core.agreementSignature();
  }

  join(seeds?: readonly NodeId[]): void {
    const configured = seeds ?? this.options.seeds;
    // After a restart, peers we knew are seeds too: a founding node must not found a second cluster.
    const candidates = [...configured, ...this.savedPeers].filter((id) => id !== this.id);
    this.core.join(candidates, this.env.clock.nowMs());
    this.flush();
  }

  leave(): void {
    this.core.leave(this.env.clock.nowMs());
    this.flush();
  }

  private onTimer(): void {
    this.timerId = undefined;
    this.timerDeadlineMs = undefined;
    this.core.tick(this.env.clock.nowMs());
    this.flush();
  }

  /** The runtime order: persist, then send, then report, then re-arm the timer. */
  private flush(): void {
    const incarnation = this.core.incarnation;
    if (incarnation !== this.persistedIncarnation) {
      this.env.disk.put(INCARNATION_DISK_KEY, incarnation);
      this.env.disk.sync();
      this.persistedIncarnation = incarnation;
    }
    for (const { to, message } of this.core.takeOutbox()) this.env.network.send(to, message);
    for (const event of this.core.takeEvents()) this.report(event);
    this.rearm();
  }

  private report(event: MembershipEvent): void {
    const { kind, ...detail } = event;
    this.env.trace(`cluster.${kind}`, detail as Record<string, unknown>);
    if (kind === 'joined' || (kind === 'member-state-changed' && this.peersWorthSaving(event.atMs))) this.savePeers(event.atMs);
    this.options.onEvent?.(this.id, event);
  }

  /** Rewrites the saved peers at most every interval, except while the saved list is still short. */
  private peersWorthSaving(nowMs: number): boolean {
    const growing = this.savedPeerCount < SAVED_PEERS_MAX && this.core.liveMemberIds().length > this.savedPeerCount;
    return growing || nowMs >= this.peersSavedAtMs + PEERS_SAVE_INTERVAL_MS;
  }

  private savePeers(nowMs: number): void {
    this.peersSavedAtMs = nowMs;
    const peers = this.core.liveMemberIds().slice(0, SAVED_PEERS_MAX);
    this.savedPeerCount = peers.length;
    this.env.disk.put(PEERS_DISK_KEY, peers);
    this.env.disk.sync();
  }

  private rearm(): void {
    const deadlineMs = this.core.nextDeadlineMs();
    if (deadlineMs === this.timerDeadlineMs) return;
    if (this.timerId !== undefined) this.env.timers.cancelTimer(this.timerId);
    this.timerId = undefined;
    this.timerDeadlineMs = deadlineMs;
    if (deadlineMs === undefined) return;
    // Never sleep longer than one protocol period: a local clock that jumps is re-read soon.
    const delayMs = Math.min(Math.max(0, deadlineMs - this.env.clock.nowMs()), this.tuning.probeIntervalMs);
    this.timerId = this.env.timers.setTimer(delayMs, this.timerFired, 'cluster.tick');
  }
}

/** A per-process nonce from the node's seeded stream (deterministic per seed). */
function newInstanceId(env: NodeEnv): string {
  const high = env.random.int(0x1000000).toString(16).padStart(6, '0');
  const low = env.random.int(0x1000000).toString(16).padStart(6, '0');
  return `${high}${low}`;
}
