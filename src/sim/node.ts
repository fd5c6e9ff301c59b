import type { LocalClock, Message, NodeEnv, NodeId, NodeProcess, ProcessFactory, TimerId } from '../runtime/ports';
import { SimDisk } from './disk';
import type { DeliveryOutcome, Endpoint, Network } from './network';
import type { RandomStreams, SeededRandom } from './random';
import type { ScheduledEvent, Scheduler } from './scheduler';
import type { Trace } from './trace';

export type NodeLifecycle = 'running' | 'paused' | 'crashed' | 'stopped';

/** How many of each node's first messages the network checks for plain data (plainMessages). */
const PLAIN_CHECKS_PER_NODE = 64;

/** Messages a paused process can hold before the kernel drops them (a socket buffer). */
const PAUSED_INBOX_LIMIT = 10_000;

export interface NodeMetadata {
  region?: string;
  zone?: string;
  capacity?: number;
}

/**
 * One virtual machine: a process (recreated on every start), a disk that outlives it, a
 * local clock with offset and drift, and timers that die with the process.
 *
 * Each start opens a new epoch; timers and callbacks of an older epoch are ignored, which
 * is what "a crash loses volatile state" means for pending work.
 */
export class SimNode implements Endpoint {
  readonly disk = new SimDisk();
  private lifecycle: NodeLifecycle = 'stopped';
  private epoch = 0;
  private process: NodeProcess | null = null;
  private readonly timers = new Map<TimerId, ScheduledEvent>();
  private nextTimerId = 1;
  private pausedInbox: { from: NodeId; message: Message }[] = [];
  private pausedTimers: (() => void)[] = [];
  private clockOffsetMs = 0;
  private clockDriftPpm = 0;
  /** Messages sent by reference (plainMessages), for the network's check of the first ones. */
  private plainSent = 0;
  readonly random: SeededRandom;

  constructor(
    readonly id: NodeId,
    readonly metadata: NodeMetadata,
    private readonly factory: ProcessFactory,
    private readonly scheduler: Scheduler,
    private readonly network: Network,
    private readonly trace: Trace,
    streams: RandomStreams,
    /**
     * True for PhantomDB's own processes, which send only plain data they built: the network
     * passes their messages by reference. Any other process's messages are copied as the wire
     * would (Network.send), so none of its code reaches a receiver.
     */
    readonly plainMessages = false,
  ) {
    this.random = streams.stream(`node:${id}`);
    network.attach(id, this);
  }

  get state(): NodeLifecycle {
    return this.lifecycle;
  }

  get isUp(): boolean {
    return this.lifecycle === 'running' || this.lifecycle === 'paused';
  }

  /** The running process, or null when the node is down. */
  get instance(): NodeProcess | null {
    return this.process;
  }

  readonly clock: LocalClock = { nowMs: () => this.localTimeMs() };

  localTimeMs(): number {
    const virtualMs = this.scheduler.nowMs;
    return virtualMs + this.clockOffsetMs + (virtualMs * this.clockDriftPpm) / 1_000_000;
  }

  setClock(offsetMs: number, driftPpm = this.clockDriftPpm): void {
    if (!Number.isFinite(offsetMs) || !Number.isFinite(driftPpm)) throw new RangeError('clock offset and drift must be finite');
    this.clockOffsetMs = offsetMs;
    this.clockDriftPpm = driftPpm;
    this.record('node.clock', { offsetMs, driftPpm });
  }

  start(): void {
    if (this.isUp) throw new Error(`node ${this.id} is already ${this.lifecycle}`);
    this.epoch++;
    this.lifecycle = 'running';
    this.record('node.start', { epoch: this.epoch });
    this.process = this.factory(this.makeEnv(this.epoch));
  }

  /** Power loss: the process and its timers vanish, unsynced disk writes are lost. */
  crash(): void {
    if (!this.isUp) throw new Error(`node ${this.id} is not running (it is ${this.lifecycle})`);
    this.shutdown('crashed');
    this.disk.crash();
  }

  /** Graceful stop: the process is told, and the disk is flushed. */
  stop(): void {
    if (!this.isUp) throw new Error(`node ${this.id} is not running (it is ${this.lifecycle})`);
    if (this.lifecycle === 'paused') this.resume();
    this.process?.onStop?.();
    this.disk.sync();
    this.shutdown('stopped');
  }

  restart(): void {
    if (this.isUp) this.crash();
    this.start();
  }

  /** Freezes the process: it receives nothing and fires no timers until resumed. */
  pause(): void {
    if (this.lifecycle !== 'running') throw new Error(`node ${this.id} cannot pause: it is ${this.lifecycle}`);
    this.lifecycle = 'paused';
    this.record('node.pause');
  }

  resume(): void {
    if (this.lifecycle !== 'paused') throw new Error(`node ${this.id} cannot resume: it is ${this.lifecycle}`);
    this.lifecycle = 'running';
    this.record('node.resume', { heldMessages: this.pausedInbox.length, heldTimers: this.pausedTimers.length });
    const timers = this.pausedTimers;
    const inbox = this.pausedInbox;
    this.pausedTimers = [];
    this.pausedInbox = [];
    // Overdue timers fire first, then the buffered messages, all in their original order.
    for (const fire of timers) this.scheduler.schedule(0, fire);
    const epoch = this.epoch;
    for (const { from, message } of inbox) {
      this.scheduler.schedule(0, () => {
        if (this.epoch === epoch) this.receive(from, message);
      });
    }
  }

  receive(from: NodeId, message: Message): DeliveryOutcome {
    if (this.lifecycle === 'running') {
      this.process!.onMessage(from, message);
      return 'delivered';
    }
    if (this.lifecycle === 'paused' && this.pausedInbox.length < PAUSED_INBOX_LIMIT) {
      this.pausedInbox.push({ from, message });
      return 'queued';
    }
    return 'node-down';
  }

  private shutdown(state: NodeLifecycle): void {
    for (const event of this.timers.values()) this.scheduler.cancel(event);
    this.timers.clear();
    this.pausedInbox = [];
    this.pausedTimers = [];
    this.process = null;
    this.lifecycle = state;
    this.epoch++;
    this.record(state === 'crashed' ? 'node.crash' : 'node.stop');
  }

  private makeEnv(epoch: number): NodeEnv {
    const node = this;
    return {
      id: this.id,
      clock: this.clock,
      disk: this.disk,
      random: this.random,
      network: {
        send(to: NodeId, message: Message): void {
          if (node.epoch !== epoch || node.lifecycle !== 'running') return;
          if (node.plainMessages) node.network.sendPlain(node.id, to, message, node.plainSent++ < PLAIN_CHECKS_PER_NODE);
          else node.network.send(node.id, to, message);
        },
      },
      timers: {
        setTimer: (delayMs, callback) => this.setTimer(epoch, delayMs, callback),
        cancelTimer: (id) => this.cancelTimer(id),
      },
      trace: (kind, detail) => {
        if (node.epoch === epoch) node.record(kind, detail);
      },
    };
  }

  private setTimer(epoch: number, delayMs: number, callback: () => void): TimerId {
    const id = this.nextTimerId++;
    if (epoch !== this.epoch) return id; // a dead process's late request: never fires
    // The timer stays in `timers` until it really fires, so it can be cancelled while held.
    // One closure serves both the first firing and a replay after a pause.
    const fire = (): void => {
      if (this.epoch !== epoch || !this.timers.has(id)) return;
      if (this.lifecycle === 'paused') {
        this.pausedTimers.push(fire);
        return;
      }
      this.timers.delete(id);
      callback();
    };
    const event = this.scheduler.schedule(Math.max(0, delayMs), fire);
    this.timers.set(id, event);
    return id;
  }

  private cancelTimer(id: TimerId): void {
    const event = this.timers.get(id);
    if (event) {
      this.scheduler.cancel(event);
      this.timers.delete(id);
    }
  }

  private record(kind: string, detail?: Record<string, unknown>): void {
    this.trace.record({ timeMs: this.scheduler.nowMs, kind, node: this.id, detail });
  }
}
