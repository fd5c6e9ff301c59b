/**
 * A small in-memory world for membership tests (test-only; the real simulator lives in
 * src/sim/). Virtual time advances through a min-heap of events ordered by (time, sequence);
 * one seeded PRNG (mulberry32) drives latency and loss, and each node has its own stream.
 * Nodes can crash (volatile state and unsynced disk writes lost), restart, pause (messages
 * and timers held until resume) and stop; links can be cut one way or both.
 */
import type { DiskPort, Message, NodeEnv, NodeId, NodeProcess, ProcessFactory, RandomSource, TimerId } from '../../src/runtime/ports';

// ---- seeded randomness ---------------------------------------------------------------

export function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function hashString(text: string): number {
  let hash = 2166136261;
  for (let index = 0; index < text.length; index++) hash = Math.imul(hash ^ text.charCodeAt(index), 16777619);
  return hash >>> 0;
}

export function randomSource(next: () => number): RandomSource {
  const source: RandomSource = {
    next,
    int: (maxExclusive) => Math.floor(next() * maxExclusive),
    chance: (probability) => next() < probability,
    pick: (items) => items[Math.floor(next() * items.length)],
    shuffle: (items) => {
      for (let index = items.length - 1; index > 0; index--) {
        const other = Math.floor(next() * (index + 1));
        [items[index], items[other]] = [items[other], items[index]];
      }
      return items;
    },
  };
  return source;
}

// ---- event queue ---------------------------------------------------------------------

interface ScheduledEvent {
  readonly timeMs: number;
  readonly sequence: number;
  readonly action: () => void;
  cancelled: boolean;
}

class EventHeap {
  private readonly items: ScheduledEvent[] = [];

  get size(): number {
    return this.items.length;
  }

  push(event: ScheduledEvent): void {
    const items = this.items;
    items.push(event);
    let index = items.length - 1;
    while (index > 0) {
      const parent = (index - 1) >> 1;
      if (!before(items[index], items[parent])) break;
      [items[index], items[parent]] = [items[parent], items[index]];
      index = parent;
    }
  }

  peek(): ScheduledEvent | undefined {
    return this.items[0];
  }

  pop(): ScheduledEvent | undefined {
    const items = this.items;
    const top = items[0];
    const last = items.pop();
    if (items.length > 0 && last) {
      items[0] = last;
      let index = 0;
      for (;;) {
        const left = 2 * index + 1;
        const right = left + 1;
        let smallest = index;
        if (left < items.length && before(items[left], items[smallest])) smallest = left;
        if (right < items.length && before(items[right], items[smallest])) smallest = right;
        if (smallest === index) break;
        [items[index], items[smallest]] = [items[smallest], items[index]];
        index = smallest;
      }
    }
    return top;
  }
}

function before(left: ScheduledEvent, right: ScheduledEvent): boolean {
  return left.timeMs < right.timeMs || (left.timeMs === right.timeMs && left.sequence < right.sequence);
}

// ---- disk ----------------------------------------------------------------------------

class TestDisk implements DiskPort {
  private durable = new Map<string, unknown>();
  private journal = new Map<string, unknown>();
  private static readonly deleted = Symbol('deleted');

  put(key: string, value: unknown): void {
    this.journal.set(key, value);
  }
  get<T>(key: string): T | undefined {
    const value = this.journal.has(key) ? this.journal.get(key) : this.durable.get(key);
    return value === TestDisk.deleted ? undefined : (value as T | undefined);
  }
  delete(key: string): void {
    this.journal.set(key, TestDisk.deleted);
  }
  append(key: string, items: readonly unknown[]): void {
    this.put(key, [...(this.get<unknown[]>(key) ?? []), ...items]);
  }
  truncate(key: string, length: number): void {
    this.put(key, (this.get<unknown[]>(key) ?? []).slice(0, length));
  }
  sync(): void {
    for (const [key, value] of this.journal) {
      if (value === TestDisk.deleted) this.durable.delete(key);
      else this.durable.set(key, value);
    }
    this.journal.clear();
  }
  loseUnsynced(): void {
    this.journal.clear();
  }
  wipe(): void {
    this.durable.clear();
    this.journal.clear();
  }
}

// ---- nodes and network ---------------------------------------------------------------

export type NodeStatus = 'running' | 'paused' | 'crashed' | 'stopped';

interface TestNode {
  readonly id: NodeId;
  factory: ProcessFactory;
  process: NodeProcess | undefined;
  status: NodeStatus;
  epoch: number;
  readonly disk: TestDisk;
  readonly random: RandomSource;
  clockOffsetMs: number;
  heldMessages: { from: NodeId; message: Message }[];
  heldTimers: (() => void)[];
  readonly timers: Map<TimerId, ScheduledEvent>;
}

export interface WorldOptions {
  readonly seed?: number;
  readonly latencyMinMs?: number;
  readonly latencyMaxMs?: number;
  readonly lossProbability?: number;
}

export interface TrafficCounters {
  sent: number;
  delivered: number;
  lost: number;
  cut: number;
  byType: Map<string, number>;
}

export class TestWorld {
  nowMs = 0;
  lossProbability: number;
  readonly traffic: TrafficCounters = { sent: 0, delivered: 0, lost: 0, cut: 0, byType: new Map() };
  eventsProcessed = 0;
  private readonly heap = new EventHeap();
  private sequence = 0;
  private nextTimerId = 1;
  private readonly nodes = new Map<NodeId, TestNode>();
  private readonly cutLinks = new Set<string>();
  private readonly networkRandom: () => number;
  private readonly seed: number;
  private readonly latencyMinMs: number;
  private readonly latencyMaxMs: number;

  constructor(options: WorldOptions = {}) {
    this.seed = options.seed ?? 1;
    this.networkRandom = mulberry32(hashString(`network:${this.seed}`));
    this.latencyMinMs = options.latencyMinMs ?? 1;
    this.latencyMaxMs = options.latencyMaxMs ?? 3;
    this.lossProbability = options.lossProbability ?? 0;
  }

  addNode(id: NodeId, factory: ProcessFactory): void {
    if (this.nodes.has(id)) throw new Error(`node ${id} exists`);
    this.nodes.set(id, {
      id,
      factory,
      process: undefined,
      status: 'stopped',
      epoch: 0,
      disk: new TestDisk(),
      random: randomSource(mulberry32(hashString(`node:${id}:${this.seed}`))),
      clockOffsetMs: 0,
      heldMessages: [],
      heldTimers: [],
      timers: new Map(),
    });
  }

  start(id: NodeId): void {
    const node = this.node(id);
    if (node.status === 'running' || node.status === 'paused') throw new Error(`node ${id} is already up`);
    node.epoch++;
    node.status = 'running';
    node.process = node.factory(this.envFor(node, node.epoch));
  }

  /** Power loss: process, timers and unsynced writes vanish; synced disk stays. */
  crash(id: NodeId): void {
    const node = this.node(id);
    this.shutDown(node, 'crashed');
    node.disk.loseUnsynced();
  }

  stop(id: NodeId): void {
    const node = this.node(id);
    if (node.status === 'paused') this.resume(id);
    node.process?.onStop?.();
    node.disk.sync();
    this.shutDown(node, 'stopped');
  }

  restart(id: NodeId, options: { wipeDisk?: boolean } = {}): void {
    const node = this.node(id);
    if (node.status === 'running' || node.status === 'paused') this.crash(id);
    if (options.wipeDisk) node.disk.wipe();
    this.start(id);
  }

  pause(id: NodeId): void {
    const node = this.node(id);
    if (node.status !== 'running') throw new Error(`node ${id} is not running`);
    node.status = 'paused';
  }

  /** Held timers fire first, then held messages, as in the real simulator. */
  resume(id: NodeId): void {
    const node = this.node(id);
    if (node.status !== 'paused') throw new Error(`node ${id} is not paused`);
    node.status = 'running';
    const timers = node.heldTimers;
    const messages = node.heldMessages;
    node.heldTimers = [];
    node.heldMessages = [];
    for (const fire of timers) this.schedule(0, fire);
    const epoch = node.epoch;
    for (const { from, message } of messages) {
      this.schedule(0, () => {
        if (node.epoch === epoch) this.deliver(node, from, message);
      });
    }
  }

  /** Shifts a node's local clock (offset in ms) relative to virtual time. */
  setClockOffset(id: NodeId, offsetMs: number): void {
    this.node(id).clockOffsetMs = offsetMs;
  }

  cut(from: NodeId, to: NodeId, bothWays = true): void {
    this.cutLinks.add(`${from}>${to}`);
    if (bothWays) this.cutLinks.add(`${to}>${from}`);
  }

  /** Cuts every link between the two groups. */
  partition(groupA: readonly NodeId[], groupB: readonly NodeId[]): void {
    for (const a of groupA) for (const b of groupB) this.cut(a, b);
  }

  heal(): void {
    this.cutLinks.clear();
  }

  statusOf(id: NodeId): NodeStatus {
    return this.node(id).status;
  }

  processOf<P extends NodeProcess>(id: NodeId): P {
    const process = this.node(id).process;
    if (!process) throw new Error(`node ${id} has no process (${this.node(id).status})`);
    return process as P;
  }

  nodeIds(): NodeId[] {
    return [...this.nodes.keys()];
  }

  /** Ids of nodes whose process exists (running or paused). */
  upNodeIds(): NodeId[] {
    return this.nodeIds().filter((id) => {
      const status = this.node(id).status;
      return status === 'running' || status === 'paused';
    });
  }

  diskOf(id: NodeId): DiskPort {
    return this.node(id).disk;
  }

  /** Injects a message as if `from` had sent it (for tests of hostile or stale input). */
  inject(from: NodeId, to: NodeId, message: Message, delayMs = 1): void {
    this.schedule(delayMs, () => {
      const node = this.nodes.get(to);
      if (node) this.deliver(node, from, message);
    });
  }

  runFor(durationMs: number): void {
    this.runUntilTime(this.nowMs + durationMs);
  }

  /**
   * Runs until `condition` holds (checked every `checkEveryMs` of virtual time) or `withinMs`
   * passes; returns the virtual time it first held, or undefined.
   */
  runUntil(condition: () => boolean, withinMs: number, checkEveryMs = 50): number | undefined {
    const deadlineMs = this.nowMs + withinMs;
    while (this.nowMs < deadlineMs) {
      if (condition()) return this.nowMs;
      this.runUntilTime(Math.min(deadlineMs, this.nowMs + checkEveryMs));
    }
    return condition() ? this.nowMs : undefined;
  }

  schedule(delayMs: number, action: () => void): ScheduledEvent {
    const event: ScheduledEvent = { timeMs: this.nowMs + Math.max(0, delayMs), sequence: this.sequence++, action, cancelled: false };
    this.heap.push(event);
    return event;
  }

  private runUntilTime(endMs: number): void {
    for (;;) {
      const next = this.heap.peek();
      if (!next || next.timeMs > endMs) break;
      this.heap.pop();
      if (next.cancelled) continue;
      this.nowMs = next.timeMs;
      this.eventsProcessed++;
      next.action();
    }
    this.nowMs = endMs;
  }

  private send(from: TestNode, epoch: number, to: NodeId, message: Message): void {
    if (from.epoch !== epoch || from.status !== 'running') return;
    this.traffic.sent++;
    this.traffic.byType.set(message.type, (this.traffic.byType.get(message.type) ?? 0) + 1);
    if (this.cutLinks.has(`${from.id}>${to}`)) {
      this.traffic.cut++;
      return;
    }
    if (this.lossProbability > 0 && this.networkRandom() < this.lossProbability) {
      this.traffic.lost++;
      return;
    }
    const latencyMs = this.latencyMinMs + this.networkRandom() * (this.latencyMaxMs - this.latencyMinMs);
    this.schedule(latencyMs, () => {
      const target = this.nodes.get(to);
      if (target) this.deliver(target, from.id, message);
    });
  }

  private deliver(node: TestNode, from: NodeId, message: Message): void {
    if (node.status === 'running') {
      this.traffic.delivered++;
      node.process!.onMessage(from, message);
    } else if (node.status === 'paused') {
      node.heldMessages.push({ from, message });
    }
  }

  private envFor(node: TestNode, epoch: number): NodeEnv {
    return {
      id: node.id,
      clock: { nowMs: () => this.nowMs + node.clockOffsetMs },
      timers: {
        setTimer: (delayMs, callback) => this.setTimer(node, epoch, delayMs, callback),
        cancelTimer: (timerId) => {
          const event = node.timers.get(timerId);
          if (event) event.cancelled = true;
          node.timers.delete(timerId);
        },
      },
      network: { send: (to, message) => this.send(node, epoch, to, message) },
      disk: node.disk,
      random: node.random,
      trace: () => undefined,
    };
  }

  private setTimer(node: TestNode, epoch: number, delayMs: number, callback: () => void): TimerId {
    const timerId = this.nextTimerId++;
    if (node.epoch !== epoch) return timerId;
    const fire = (): void => {
      if (node.epoch !== epoch || !node.timers.delete(timerId)) return;
      callback();
    };
    const event = this.schedule(delayMs, () => {
      if (node.status === 'paused') node.heldTimers.push(fire);
      else fire();
    });
    node.timers.set(timerId, event);
    return timerId;
  }

  private shutDown(node: TestNode, status: NodeStatus): void {
    if (node.status !== 'running' && node.status !== 'paused') throw new Error(`node ${node.id} is not up`);
    for (const event of node.timers.values()) event.cancelled = true;
    node.timers.clear();
    node.heldMessages = [];
    node.heldTimers = [];
    node.process = undefined;
    node.status = status;
    node.epoch++;
  }

  private node(id: NodeId): TestNode {
    const node = this.nodes.get(id);
    if (!node) throw new Error(`unknown node ${id}`);
    return node;
  }
}
