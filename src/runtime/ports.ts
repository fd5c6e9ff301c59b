/**
 * The ports a node's protocols see of the outside world (FoundationDB style: one
 * interface for network, clock, timers, disk and randomness, injected explicitly).
 *
 * The simulator implements these; protocol code never imports `src/sim/` classes.
 * Everything here is deterministic: time is the node's local virtual clock and
 * randomness is a seeded stream owned by the node.
 */

export type NodeId = string;

/** Every message crossing the network is a plain object with a `type` tag.
 *  The tag is namespaced by protocol (`swim.ping`, `raft.append`, `kv.request`) and is what
 *  the network counts per message type. Messages must be treated as immutable once sent. */
export interface Message {
  readonly type: string;
}

/** The node's own clock: virtual time plus this node's offset and drift, in milliseconds. */
export interface LocalClock {
  nowMs(): number;
}

export type TimerId = number;

export interface TimerPort {
  /** Fires `callback` after `delayMs` of virtual time unless cancelled, the node crashes,
   *  or it is restarted first. A paused node's timers fire only after it resumes. */
  setTimer(delayMs: number, callback: () => void, label?: string): TimerId;
  cancelTimer(id: TimerId): void;
}

export interface NetworkPort {
  send(to: NodeId, message: Message): void;
}

/**
 * A node's simulated disk. Writes land in a volatile journal and become durable only on
 * `sync()`; a crash loses the unsynced tail. Reads see the node's own writes (journal
 * over durable). Values must not be mutated after being written.
 */
export interface DiskPort {
  put(key: string, value: unknown): void;
  get<T>(key: string): T | undefined;
  delete(key: string): void;
  /** Appends items to a list stored under `key` (created if absent). */
  append(key: string, items: readonly unknown[]): void;
  /** Keeps the first `length` items of the list under `key`. */
  truncate(key: string, length: number): void;
  /** Makes every write so far durable. */
  sync(): void;
}

export interface RandomSource {
  /** Uniform float in [0, 1). */
  next(): number;
  /** Uniform integer in [0, maxExclusive). */
  int(maxExclusive: number): number;
  /** True with the given probability in [0, 1]. */
  chance(probability: number): boolean;
  pick<T>(items: readonly T[]): T;
  shuffle<T>(items: T[]): T[];
}

export interface NodeEnv {
  readonly id: NodeId;
  readonly clock: LocalClock;
  readonly timers: TimerPort;
  readonly network: NetworkPort;
  readonly disk: DiskPort;
  /** This node's own random stream: independent of every other node and of the network. */
  readonly random: RandomSource;
  /** Records a structured event in the simulation trace (part of the trace digest). */
  trace(kind: string, detail?: Record<string, unknown>): void;
}

/** What runs on a node. A fresh instance is created on every start and restart; it must
 *  rebuild its state from `env.disk`. */
export interface NodeProcess {
  onMessage(from: NodeId, message: Message): void;
  /** Called on graceful stop only (not on crash: a crash gives no warning). */
  onStop?(): void;
}

export type ProcessFactory = (env: NodeEnv) => NodeProcess;
