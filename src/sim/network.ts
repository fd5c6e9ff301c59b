import type { Message, NodeId } from '../runtime/ports';
import type { SeededRandom } from './random';
import type { Scheduler } from './scheduler';
import type { Trace } from './trace';

/** How long a message takes on a link. Jitter in `uniform`/`exponential` reorders messages. */
export type LatencyModel =
  | { readonly kind: 'constant'; readonly ms: number }
  | { readonly kind: 'uniform'; readonly minMs: number; readonly maxMs: number }
  | { readonly kind: 'exponential'; readonly meanMs: number; readonly minMs: number };

export interface LinkFaults {
  /** Probability in [0, 1] that a message is lost. */
  lossProbability: number;
  /** Probability in [0, 1] that a message is delivered twice. */
  duplicateProbability: number;
}

export type DeliveryOutcome = 'delivered' | 'queued' | 'node-down';

/** A node's network interface, as the network sees it. */
export interface Endpoint {
  receive(from: NodeId, message: Message): DeliveryOutcome;
}

export interface TrafficCounters {
  sent: number;
  delivered: number;
  dropped: number;
  duplicated: number;
}

export type DropReason = 'loss' | 'partition' | 'node-down' | 'unknown-node';

const DEFAULT_LATENCY: LatencyModel = { kind: 'uniform', minMs: 1, maxMs: 3 };

/**
 * The simulated network: per-link latency, loss, duplication and partitions, with
 * counters per link and per message type. Every send, delivery and drop is traced.
 */
export class Network {
  private readonly endpoints = new Map<NodeId, Endpoint>();
  private defaultLatency: LatencyModel = DEFAULT_LATENCY;
  private readonly linkLatency = new Map<string, LatencyModel>();
  private readonly faults: LinkFaults = { lossProbability: 0, duplicateProbability: 0 };
  private readonly linkFaults = new Map<string, LinkFaults>();
  /** Partition groups: nodes in different groups cannot talk. Nodes in no group share group -1. */
  private groupOf: Map<NodeId, number> | null = null;
  /** Directed cuts "from->to" on top of the groups. */
  private readonly cutLinks = new Set<string>();
  private nextMessageId = 0;
  readonly linkCounters = new Map<string, TrafficCounters>();
  readonly typeCounters = new Map<string, TrafficCounters>();

  constructor(
    private readonly scheduler: Scheduler,
    private readonly trace: Trace,
    private readonly random: SeededRandom,
  ) {}

  attach(node: NodeId, endpoint: Endpoint): void {
    this.endpoints.set(node, endpoint);
  }

  detach(node: NodeId): void {
    this.endpoints.delete(node);
  }

  get nodes(): NodeId[] {
    return [...this.endpoints.keys()];
  }

  // ---- configuration -------------------------------------------------------

  setDefaultLatency(model: LatencyModel): void {
    validateLatency(model);
    this.defaultLatency = model;
  }

  setLinkLatency(from: NodeId, to: NodeId, model: LatencyModel): void {
    validateLatency(model);
    this.linkLatency.set(linkKey(from, to), model);
  }

  setFaults(faults: Partial<LinkFaults>): void {
    Object.assign(this.faults, validateFaults({ ...this.faults, ...faults }));
  }

  setLinkFaults(from: NodeId, to: NodeId, faults: Partial<LinkFaults>): void {
    const current = this.linkFaults.get(linkKey(from, to)) ?? { ...this.faults };
    this.linkFaults.set(linkKey(from, to), validateFaults({ ...current, ...faults }));
  }

  get currentFaults(): Readonly<LinkFaults> {
    return this.faults;
  }

  // ---- partitions ------------------------------------------------------------

  /** Splits the network into groups; nodes left out of every group form one more group. */
  partition(groups: readonly (readonly NodeId[])[]): void {
    const groupOf = new Map<NodeId, number>();
    groups.forEach((group, index) => {
      for (const node of group) {
        if (groupOf.has(node)) throw new Error(`node ${node} is in two partition groups`);
        groupOf.set(node, index);
      }
    });
    this.groupOf = groupOf;
    this.trace.record({ timeMs: this.scheduler.nowMs, kind: 'net.partition', detail: { groups: groups.map((g) => g.join(',')) } });
  }

  /** Messages from `from` to `to` are lost; the other direction still works. */
  cutOneWay(from: NodeId, to: NodeId): void {
    this.cutLinks.add(linkKey(from, to));
    this.trace.record({ timeMs: this.scheduler.nowMs, kind: 'net.cut', detail: { from, to } });
  }

  /** Cuts a node off from every other node, both ways. */
  isolate(node: NodeId): void {
    for (const other of this.endpoints.keys()) {
      if (other === node) continue;
      this.cutLinks.add(linkKey(node, other));
      this.cutLinks.add(linkKey(other, node));
    }
    this.trace.record({ timeMs: this.scheduler.nowMs, kind: 'net.isolate', node });
  }

  /** Removes every partition and cut (latency, loss and duplication stay as set). */
  heal(): void {
    this.groupOf = null;
    this.cutLinks.clear();
    this.trace.record({ timeMs: this.scheduler.nowMs, kind: 'net.heal' });
  }

  get isPartitioned(): boolean {
    return this.groupOf !== null || this.cutLinks.size > 0;
  }

  canReach(from: NodeId, to: NodeId): boolean {
    if (from === to) return true;
    if (this.groupOf !== null && (this.groupOf.get(from) ?? -1) !== (this.groupOf.get(to) ?? -1)) return false;
    return this.cutLinks.size === 0 || !this.cutLinks.has(linkKey(from, to));
  }

  // ---- traffic -----------------------------------------------------------------

  send(from: NodeId, to: NodeId, message: Message): void {
    const id = this.nextMessageId++;
    const now = this.scheduler.nowMs;
    this.count(from, to, message.type, 'sent');
    this.trace.record({ timeMs: now, kind: 'net.send', node: from, detail: { to, type: message.type, id } });
    if (!this.canReach(from, to)) return this.drop(from, to, message, id, 'partition');
    const faults = this.linkFaults.get(linkKey(from, to)) ?? this.faults;
    if (faults.lossProbability > 0 && this.random.chance(faults.lossProbability)) {
      return this.drop(from, to, message, id, 'loss');
    }
    this.scheduleDelivery(from, to, message, id);
    if (faults.duplicateProbability > 0 && this.random.chance(faults.duplicateProbability)) {
      this.count(from, to, message.type, 'duplicated');
      this.scheduleDelivery(from, to, message, id);
    }
  }

  private scheduleDelivery(from: NodeId, to: NodeId, message: Message, id: number): void {
    const latencyMs = this.sampleLatency(this.linkLatency.get(linkKey(from, to)) ?? this.defaultLatency);
    this.scheduler.schedule(latencyMs, () => this.deliver(from, to, message, id));
  }

  private deliver(from: NodeId, to: NodeId, message: Message, id: number): void {
    // A partition that starts while a message is in flight also loses it.
    if (!this.canReach(from, to)) return this.drop(from, to, message, id, 'partition');
    const endpoint = this.endpoints.get(to);
    if (!endpoint) return this.drop(from, to, message, id, 'unknown-node');
    const outcome = endpoint.receive(from, message);
    if (outcome === 'node-down') return this.drop(from, to, message, id, 'node-down');
    this.count(from, to, message.type, 'delivered');
    this.trace.record({ timeMs: this.scheduler.nowMs, kind: outcome === 'queued' ? 'net.queue' : 'net.deliver', node: to, detail: { from, type: message.type, id } });
  }

  private drop(from: NodeId, to: NodeId, message: Message, id: number, reason: DropReason): void {
    this.count(from, to, message.type, 'dropped');
    this.trace.record({ timeMs: this.scheduler.nowMs, kind: 'net.drop', node: to, detail: { from, type: message.type, id, reason } });
  }

  private sampleLatency(model: LatencyModel): number {
    switch (model.kind) {
      case 'constant':
        return model.ms;
      case 'uniform':
        return this.random.between(model.minMs, model.maxMs);
      case 'exponential':
        return model.minMs + this.random.exponential(model.meanMs - model.minMs);
    }
  }

  private count(from: NodeId, to: NodeId, type: string, field: keyof TrafficCounters): void {
    counterFor(this.linkCounters, linkKey(from, to))[field]++;
    counterFor(this.typeCounters, type)[field]++;
  }

  /** Totals over every link. */
  totals(): TrafficCounters {
    const total: TrafficCounters = { sent: 0, delivered: 0, dropped: 0, duplicated: 0 };
    for (const counters of this.typeCounters.values()) {
      total.sent += counters.sent;
      total.delivered += counters.delivered;
      total.dropped += counters.dropped;
      total.duplicated += counters.duplicated;
    }
    return total;
  }
}

function linkKey(from: NodeId, to: NodeId): string {
  return `${from}->${to}`;
}

function counterFor(map: Map<string, TrafficCounters>, key: string): TrafficCounters {
  let counters = map.get(key);
  if (!counters) {
    counters = { sent: 0, delivered: 0, dropped: 0, duplicated: 0 };
    map.set(key, counters);
  }
  return counters;
}

function validateLatency(model: LatencyModel): void {
  const values = model.kind === 'constant' ? [model.ms] : model.kind === 'uniform' ? [model.minMs, model.maxMs] : [model.meanMs, model.minMs];
  if (values.some((value) => !(value >= 0) || !Number.isFinite(value))) {
    throw new RangeError(`latency values must be finite and >= 0 ms: ${JSON.stringify(model)}`);
  }
  if (model.kind === 'uniform' && model.minMs > model.maxMs) throw new RangeError('uniform latency needs minMs <= maxMs');
  if (model.kind === 'exponential' && model.meanMs < model.minMs) throw new RangeError('exponential latency needs meanMs >= minMs');
}

function validateFaults(faults: LinkFaults): LinkFaults {
  for (const [name, value] of Object.entries(faults)) {
    if (!(value >= 0 && value <= 1)) throw new RangeError(`${name} must be a probability in [0, 1], got ${value}`);
  }
  return faults;
}
