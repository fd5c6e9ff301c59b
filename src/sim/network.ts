import type { Message, NodeId } from '../runtime/ports';
import { type TextKey, textKey } from '../util/hash';
import { notPlainAt, wireCopy } from '../util/wire-copy';
import type { LatencyModel } from './latency';
import type { SeededRandom } from './random';
import type { RegionLatencyMatrix } from './region-latency';
import type { Scheduler } from './scheduler';
import type { Trace } from './trace';

export type { LatencyModel } from './latency';

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
  private readonly faults: LinkFaults = { lossProbability: 0, duplicateProbability: 0 };
  /** Per directed link state, by sender then receiver (nested maps avoid building keys per message). */
  private readonly links = new Map<NodeId, Map<NodeId, Link>>();
  /** Partition groups: nodes in different groups cannot talk. Nodes in no group share group -1. */
  private groupOf: Map<NodeId, number> | null = null;
  /** Number of links currently cut one way (on top of the groups). */
  private cutCount = 0;
  /** Nodes cut off from everyone. */
  private readonly isolated = new Set<NodeId>();
  private nextMessageId = 0;
  /** Where each node is, for the region latency matrix (nodes without a region use the default). */
  private readonly regionOf = new Map<NodeId, string>();
  private regionLatency: RegionLatencyMatrix | undefined;
  readonly typeCounters = new Map<string, TrafficCounters>();
  private readonly messageTypes = new Map<string, MessageType>();
  private taps: readonly ((from: NodeId, to: NodeId, message: Message) => void)[] = [];

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

  /**
   * From now on, a message between two nodes with regions takes the matrix's latency for
   * their regions (unless `setLinkLatency` set that link), whichever service sends it.
   */
  setRegionLatencies(matrix: RegionLatencyMatrix): void {
    this.regionLatency = matrix;
    this.trace.record({ timeMs: this.scheduler.nowMs, kind: 'net.region-latency', detail: { regions: matrix.regions.join(',') } });
  }

  get regionLatencies(): RegionLatencyMatrix | undefined {
    return this.regionLatency;
  }

  /** Places a node in a region (the simulation does it for every node created with one). */
  setNodeRegion(node: NodeId, region: string): void {
    this.regionOf.set(node, region);
  }

  regionOfNode(node: NodeId): string | undefined {
    return this.regionOf.get(node);
  }

  setLinkLatency(from: NodeId, to: NodeId, model: LatencyModel): void {
    validateLatency(model);
    this.link(from, to).latency = model;
  }

  /** Undoes `setLinkLatency`: the link takes the region or default latency again. */
  clearLinkLatency(from: NodeId, to: NodeId): void {
    delete this.link(from, to).latency;
  }

  setFaults(faults: Partial<LinkFaults>): void {
    Object.assign(this.faults, validateFaults({ ...this.faults, ...faults }));
  }

  setLinkFaults(from: NodeId, to: NodeId, faults: Partial<LinkFaults>): void {
    const link = this.link(from, to);
    link.faults = validateFaults({ ...(link.faults ?? this.faults), ...faults });
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
    this.setCut(from, to);
    this.trace.record({ timeMs: this.scheduler.nowMs, kind: 'net.cut', detail: { from, to } });
  }

  /** Undoes `cutOneWay(from, to)` (group partitions stay as they are). */
  restoreOneWay(from: NodeId, to: NodeId): void {
    const link = this.link(from, to);
    if (link.cut) this.cutCount--;
    link.cut = false;
    this.trace.record({ timeMs: this.scheduler.nowMs, kind: 'net.restore', detail: { from, to } });
  }

  /** Cuts a node off from every other node, both ways, including nodes added later. */
  isolate(node: NodeId): void {
    this.isolated.add(node);
    this.trace.record({ timeMs: this.scheduler.nowMs, kind: 'net.isolate', node });
  }

  /** Removes every partition and cut (latency, loss and duplication stay as set). */
  heal(): void {
    this.groupOf = null;
    for (const targets of this.links.values()) for (const link of targets.values()) link.cut = false;
    this.cutCount = 0;
    this.isolated.clear();
    this.trace.record({ timeMs: this.scheduler.nowMs, kind: 'net.heal' });
  }

  /**
   * Who cannot talk to whom, in words, for time-out messages: the partition groups (nodes in
   * no group form the last one), isolated nodes and one-way cuts; undefined when nothing is cut.
   */
  describePartition(): string | undefined {
    if (!this.isPartitioned) return undefined;
    const parts: string[] = [];
    if (this.groupOf !== null) {
      const groups = new Map<number, NodeId[]>();
      for (const node of [...this.endpoints.keys()].sort()) {
        const group = this.groupOf.get(node) ?? -1;
        groups.set(group, [...(groups.get(group) ?? []), node]);
      }
      const named = [...groups].sort(([a], [b]) => (a === -1 ? 1 : b === -1 ? -1 : a - b)).map(([, nodes]) => `{${nodes.join(', ')}}`);
      parts.push(`split into ${named.join(' | ')}, which cannot talk to each other`);
    }
    if (this.isolated.size > 0) parts.push(`cut off from everyone: ${[...this.isolated].sort().join(', ')}`);
    const cuts: string[] = [];
    for (const [from, targets] of this.links) for (const [to, link] of targets) if (link.cut) cuts.push(`${from} -> ${to}`);
    if (cuts.length > 0) parts.push(`messages lost one way: ${cuts.slice(0, 12).join(', ')}${cuts.length > 12 ? ` and ${cuts.length - 12} more` : ''}`);
    return parts.join('; ');
  }

  get isPartitioned(): boolean {
    return this.groupOf !== null || this.cutCount > 0 || this.isolated.size > 0;
  }

  private setCut(from: NodeId, to: NodeId): void {
    const link = this.link(from, to);
    if (!link.cut) this.cutCount++;
    link.cut = true;
  }

  canReach(from: NodeId, to: NodeId): boolean {
    if (from === to) return true;
    if (this.isolated.size > 0 && (this.isolated.has(from) || this.isolated.has(to))) return false;
    if (this.groupOf !== null && (this.groupOf.get(from) ?? -1) !== (this.groupOf.get(to) ?? -1)) return false;
    return this.cutCount === 0 || !this.link(from, to).cut;
  }

  // ---- traffic -----------------------------------------------------------------

  /**
   * Sends `message` as the wire would: the receiver gets a copy made of plain data
   * (src/util/wire-copy.ts), so no code of the sender's (a getter, a list's own function)
   * crosses it, and nothing the sender does to its object later changes what arrives. Any
   * caller may send this way: a test's rogue process, a forger, a process of the user's.
   */
  send(from: NodeId, to: NodeId, message: Message): void {
    this.transmit(from, to, wireCopy(message) as Message, false, false);
  }

  /**
   * Sends a message that PhantomDB's own code built from plain data (a node added with
   * `plainMessages`), by reference: it is what `send`'s copy would be, without the copy. The
   * promise is asserted on the first messages of each type (every type's shape shows there),
   * and whenever the sender asks (`check`: SimNode does for each process's first messages).
   */
  sendPlain(from: NodeId, to: NodeId, message: Message, check = false): void {
    this.transmit(from, to, message, true, check);
  }

  /**
   * Hears every message just after it went out (the wire's copy, whatever loss or partition
   * then do to it): for tests and scenarios that overhear traffic. Returns the way to stop.
   */
  tap(listener: (from: NodeId, to: NodeId, message: Message) => void): () => void {
    this.taps = [...this.taps, listener];
    return () => {
      this.taps = this.taps.filter((tap) => tap !== listener);
    };
  }

  private transmit(from: NodeId, to: NodeId, message: Message, promisedPlain: boolean, check: boolean): void {
    // Plain data by now (copied, or promised), so its type is read directly; one lookup.
    const type = this.messageType(messageTypeOf(message));
    if (promisedPlain && (check || type.plainChecked < PLAIN_CHECKS_PER_TYPE)) {
      type.plainChecked++;
      const problem = notPlainAt(message, 'message');
      if (problem !== undefined) throw new Error(`node ${from} promised plain messages but sent ${type.key.text} to ${to} whose ${problem}: a process that embeds what it was handed must copy it (plainInput) or send with Network.send`);
    }
    this.put(from, to, message, type);
    if (this.taps.length > 0) for (const tap of this.taps) tap(from, to, message);
  }

  private put(from: NodeId, to: NodeId, message: Message, type: MessageType): void {
    const id = this.nextMessageId++;
    const link = this.link(from, to);
    link.counters.sent++;
    type.counters.sent++;
    this.trace.recordMessage(this.scheduler.nowMs, SEND, link.from, link.to, type.key, id);
    if (!this.canReach(from, to)) return this.drop(link, type, id, 'partition');
    const faults = link.faults ?? this.faults;
    if (faults.lossProbability > 0 && this.random.chance(faults.lossProbability)) {
      return this.drop(link, type, id, 'loss');
    }
    this.scheduleDelivery(link, message, type, id);
    if (faults.duplicateProbability > 0 && this.random.chance(faults.duplicateProbability)) {
      link.counters.duplicated++;
      type.counters.duplicated++;
      this.scheduleDelivery(link, message, type, id);
    }
  }

  private scheduleDelivery(link: Link, message: Message, type: MessageType, id: number): void {
    const latencyMs = this.sampleLatency(link.latency ?? this.regionModel(link.from.text, link.to.text) ?? this.defaultLatency);
    this.scheduler.schedule(latencyMs, () => this.deliver(link, message, type, id));
  }

  private deliver(link: Link, message: Message, type: MessageType, id: number): void {
    const from = link.from.text;
    const to = link.to.text;
    // A partition that starts while a message is in flight also loses it.
    if (!this.canReach(from, to)) return this.drop(link, type, id, 'partition');
    const endpoint = this.endpoints.get(to);
    if (!endpoint) return this.drop(link, type, id, 'unknown-node');
    // Traced before the handler runs, so the trace shows cause before effect.
    this.trace.recordMessage(this.scheduler.nowMs, DELIVER, link.to, link.from, type.key, id);
    const outcome = endpoint.receive(from, message);
    if (outcome === 'node-down') return this.drop(link, type, id, 'node-down');
    link.counters.delivered++;
    type.counters.delivered++;
  }

  private drop(link: Link, type: MessageType, id: number, reason: DropReason): void {
    link.counters.dropped++;
    type.counters.dropped++;
    this.trace.recordMessage(this.scheduler.nowMs, DROP, link.to, link.from, type.key, id, reason);
  }

  private regionModel(from: NodeId, to: NodeId): LatencyModel | undefined {
    if (this.regionLatency === undefined) return undefined;
    const fromRegion = this.regionOf.get(from);
    const toRegion = this.regionOf.get(to);
    return fromRegion === undefined || toRegion === undefined ? undefined : this.regionLatency.model(fromRegion, toRegion);
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

  /** The type's counters and trace key; one lookup per message. */
  private messageType(type: string): MessageType {
    const known = this.messageTypes.get(type);
    if (known !== undefined) return known;
    // Types come from senders; a hostile one could invent a new type per message: past the
    // cap they are counted together and not kept (traced under their own name all the same).
    if (this.typeCounters.size >= MESSAGE_TYPES_COUNTED_MAX) {
      let other = this.typeCounters.get(OTHER_TYPES);
      if (other === undefined) {
        other = emptyCounters();
        this.typeCounters.set(OTHER_TYPES, other);
      }
      return { counters: other, key: textKey(type), plainChecked: 0 };
    }
    const counters = emptyCounters();
    this.typeCounters.set(type, counters);
    const entry = { counters, key: textKey(type), plainChecked: 0 };
    this.messageTypes.set(type, entry);
    return entry;
  }

  private link(from: NodeId, to: NodeId): Link {
    let targets = this.links.get(from);
    if (!targets) {
      targets = new Map();
      this.links.set(from, targets);
    }
    let link = targets.get(to);
    if (!link) {
      link = { counters: emptyCounters(), cut: false, from: textKey(from), to: textKey(to) };
      targets.set(to, link);
    }
    return link;
  }

  /** Traffic on one directed link. */
  counters(from: NodeId, to: NodeId): Readonly<TrafficCounters> {
    return this.link(from, to).counters;
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

/** The network's names for the trace, each with its hashes (src/util/hash.ts TextKey). */
const SEND = textKey('net.send');
const DELIVER = textKey('net.deliver');
const DROP = textKey('net.drop');

/** A message type's counters (the same object as in `typeCounters`) and its trace key. */
interface MessageType {
  readonly counters: TrafficCounters;
  readonly key: TextKey;
  /** Messages of this type whose plain-data promise was asserted (sendPlain). */
  plainChecked: number;
}

interface Link {
  /** The link's two ends, as the trace takes them. */
  readonly from: TextKey;
  readonly to: TextKey;
  counters: TrafficCounters;
  cut: boolean;
  latency?: LatencyModel;
  faults?: LinkFaults;
}

function emptyCounters(): TrafficCounters {
  return { sent: 0, delivered: 0, dropped: 0, duplicated: 0 };
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

/** How many messages of each type sendPlain checks for plain data. */
const PLAIN_CHECKS_PER_TYPE = 16;

/** Distinct message types counted one by one; the rest are counted together. */
const MESSAGE_TYPES_COUNTED_MAX = 1024;
const OTHER_TYPES = '(other types)';
/** Longest type the network traces and counts as it is (every real one is far shorter). */
const MESSAGE_TYPE_LENGTH_MAX = 128;

/**
 * The label a message is traced and counted under: its own `type` field, '(no type)' when the
 * message is not a plain record or that is not a string, '(type too long)' past
 * MESSAGE_TYPE_LENGTH_MAX characters. The field is read directly: a message is plain data by
 * the time it is looked at (Network.send copies it; PhantomDB's own processes build it so).
 */
export function messageTypeOf(message: unknown): string {
  if (typeof message !== 'object' || message === null) return '(no type)';
  const prototype = Object.getPrototypeOf(message);
  if (prototype !== Object.prototype && prototype !== null) return '(no type)';
  const type = Object.prototype.hasOwnProperty.call(message, 'type') ? (message as { type?: unknown }).type : undefined;
  if (typeof type !== 'string') return '(no type)';
  return type.length <= MESSAGE_TYPE_LENGTH_MAX ? type : '(type too long)';
}
