import type { KvClientEnv } from '../../src/kv/client';
import { isKvRequest, type KvReply, type KvRequest, responseTo } from '../../src/kv/protocol';
import { KvStateMachine } from '../../src/kv/state-machine';
import type { Message, NodeId, TimerId } from '../../src/runtime/ports';
import type { ShardMap } from '../../src/sharding/shard-map';
import { SeededRandom } from '../../src/sim/random';
import { type ScheduledEvent, Scheduler } from '../../src/sim/scheduler';

/**
 * A tiny world for client tests, in the spirit of etcd's test `network`: the simulator's
 * min-heap scheduler for virtual time, a network that delivers after a fixed latency
 * unless a drop rule says otherwise, and stand-in servers that share one state machine
 * per shard (standing in for a Raft group that always commits). Tests script leadership,
 * epochs and message loss directly.
 */

export interface Delivery {
  readonly timeMs: number;
  readonly from: NodeId;
  readonly to: NodeId;
  readonly message: Message;
}

type Handler = (from: NodeId, message: Message) => void;

export class FakeCluster {
  readonly scheduler = new Scheduler();
  readonly latencyMs = 1;
  /** Every message handed to the network, delivered or not. */
  readonly sent: Delivery[] = [];
  readonly traces: { kind: string; detail?: Record<string, unknown> }[] = [];
  /** Return true to lose a message. */
  dropRule: (delivery: Delivery) => boolean = () => false;
  /** Extra delay for a message, on top of the fixed latency. */
  extraLatencyRule: (delivery: Delivery) => number = () => 0;
  /** Return true to deliver a message twice (the second copy one latency later). */
  duplicateRule: (delivery: Delivery) => boolean = () => false;
  private readonly handlers = new Map<NodeId, Handler>();

  /** A client-side environment for node `id`. */
  env(id: NodeId, seed = 1): KvClientEnv {
    const timers = new Map<TimerId, ScheduledEvent>();
    let nextTimer = 0;
    return {
      id,
      clock: { nowMs: () => this.scheduler.nowMs },
      timers: {
        setTimer: (delayMs, callback) => {
          const timerId = ++nextTimer;
          timers.set(timerId, this.scheduler.schedule(delayMs, () => (timers.delete(timerId), callback())));
          return timerId;
        },
        cancelTimer: (timerId) => {
          const event = timers.get(timerId);
          if (event !== undefined) this.scheduler.cancel(event);
          timers.delete(timerId);
        },
      },
      network: { send: (to, message) => this.send(id, to, message) },
      random: new SeededRandom(seed, `client:${id}`),
      trace: (kind, detail) => this.traces.push({ kind, detail }),
    };
  }

  attach(id: NodeId, handler: Handler): void {
    this.handlers.set(id, handler);
  }

  requestsTo(node: NodeId): KvRequest[] {
    return this.sent.filter((delivery) => delivery.to === node && isKvRequest(delivery.message)).map((delivery) => delivery.message as KvRequest);
  }

  get requests(): KvRequest[] {
    return this.sent.filter((delivery) => isKvRequest(delivery.message)).map((delivery) => delivery.message as KvRequest);
  }

  runUntil(predicate: () => boolean, withinMs = 10_000): void {
    this.scheduler.runUntil(predicate, { withinMs, waitingFor: 'the test condition' });
  }

  private send(from: NodeId, to: NodeId, message: Message): void {
    const delivery = { timeMs: this.scheduler.nowMs, from, to, message };
    this.sent.push(delivery);
    if (this.dropRule(delivery)) return;
    const latencyMs = this.latencyMs + this.extraLatencyRule(delivery);
    this.scheduler.schedule(latencyMs, () => this.handlers.get(to)?.(from, message));
    if (this.duplicateRule(delivery)) this.scheduler.schedule(latencyMs + this.latencyMs, () => this.handlers.get(to)?.(from, message));
  }
}

/** One shard's replicated state as the stand-in servers see it. */
export class FakeShardGroup {
  readonly machine: KvStateMachine;
  /** Commands applied (duplicates included), to check exactly-once from outside. */
  readonly applied: KvRequest[] = [];

  constructor(
    public leader: NodeId,
    public epoch: number,
    sessionsMax?: number,
  ) {
    this.machine = new KvStateMachine({ sessionsMax });
  }

  apply(request: KvRequest): KvReply {
    // As the real server does, a read is answered from the state (after its barrier), not through the log.
    if (request.operation.kind === 'get') return { status: 'ok', result: { kind: 'get', value: this.machine.read(request.operation.key) } };
    this.applied.push(request);
    const outcome = this.machine.apply(request, this.machine.lastAppliedIndex + 1);
    if (outcome.status === 'ok') return { status: 'ok', result: outcome.result };
    if (outcome.status === 'locked') return { status: 'unavailable', reason: `a transaction holds ${outcome.key}` };
    if (outcome.status === 'forbidden') return { status: 'forbidden', reason: outcome.refusal.text };
    if (outcome.status === 'moved') return { status: 'wrong-shard' };
    return { status: outcome.status };
  }
}

/** A server node: checks epoch and leadership as a real one would, then applies. */
export class FakeServer {
  /** When false the server answers `not-leader` without a hint (an election in progress). */
  knowsLeader = true;
  /** Replies to hold back: return true to answer nothing (the request may still apply). */
  silenceRule: (request: KvRequest) => boolean = () => false;
  private readonly network: KvClientEnv['network'];

  constructor(
    cluster: FakeCluster,
    readonly id: NodeId,
    private readonly groupFor: (request: KvRequest) => FakeShardGroup | undefined,
  ) {
    this.network = cluster.env(id).network;
    cluster.attach(id, (from, message) => this.onMessage(from, message));
  }

  private onMessage(from: NodeId, message: Message): void {
    if (!isKvRequest(message)) return;
    const reply = this.replyTo(message);
    if (reply === undefined) return;
    this.network.send(from, responseTo(message, reply));
  }

  private replyTo(request: KvRequest): KvReply | undefined {
    const group = this.groupFor(request);
    if (group === undefined) return { status: 'wrong-shard' };
    if (request.epoch < group.epoch) return { status: 'wrong-epoch', currentEpoch: group.epoch };
    if (group.leader !== this.id) return { status: 'not-leader', leaderHint: this.knowsLeader ? group.leader : null };
    const reply = group.apply(request);
    return this.silenceRule(request) ? undefined : reply;
  }
}

/** A fixed shard map source whose map tests can swap. */
export class MapSource {
  constructor(public map: ShardMap) {}
  readonly source = (): ShardMap => this.map;
}
