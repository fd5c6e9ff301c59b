import { Autoscaler, formatDecisionLog, formatResourceTable, ResourceMonitor, resolvePolicy, type ActivitySource, type NodeActivity, type NodeCountPoint, type ScalingActuator, type ScalingDecision, type ScalingPolicy, type ScalingPolicySpec } from '../src/scaling';
import type { TimerPort } from '../src/runtime/ports';
import { resourceSvg } from './scaling-svg';
import type { Simulation } from '../src/sim';
import { schedulerTimers } from './scheduler-timers';
import type { PhantomWorld } from './world';

/** What the scaling part needs of its host: the World in scenarios, a bare simulation in bench/. */
export interface ScalingHost {
  readonly sim: Simulation;
  readonly scenarioName: string;
  attachText(title: string, text: string): void;
  attachSvg(svg: string): void;
}

/**
 * The scaling part of a scenario: a policy, the autoscaler, and the service it scales.
 *
 * The service is a load model driven by the simulation's virtual time, not the sharded
 * database: client operations are spread evenly over the ready nodes that are not being
 * drained; a node that joins serves after JOIN_MS; a node being drained stops taking load
 * at once, hands its data to the others at a throttled rate, and is stopped only when it
 * holds nothing (see moveData). Each node's activity counters (operations, requests, bytes
 * held, Raft log bytes) advance from that load, and the monitor derives
 * cpu, memory, disk and requests per second from them exactly as it would from a real node.
 */
export const SAMPLE_INTERVAL_MS = 5_000;
export const WINDOW_SAMPLES = 3;
const JOIN_MS = 20_000;
/** Rate at which a draining node hands its data to the others (the rebalancer's throttle in this model). */
const DRAIN_BYTES_PER_SECOND = 50_000_000;
/** Data stored once; each byte is held by replicationFactor nodes. */
const DATA_BYTES_TOTAL = 1_000_000_000;
const LOG_BYTES_PER_OPERATION = 64;

interface ServiceNode {
  readonly id: string;
  readyAtMs: number;
  drainingSinceMs?: number;
  dataBytes: number;
  operations: number;
  logBytes: number;
}

export class ScalingScenario implements ScalingActuator, ActivitySource {
  policySpec?: ScalingPolicySpec;
  policy?: ScalingPolicy;
  autoscaler?: Autoscaler;
  readonly monitor = new ResourceMonitor({ intervalMs: SAMPLE_INTERVAL_MS, windowSamples: WINDOW_SAMPLES });
  readonly nodeCounts: NodeCountPoint[] = [];
  /** Every node ever stopped by scale-in, with what it still held when it stopped (must be nothing). */
  readonly stopped: { id: string; atMs: number; servingShare: number }[] = [];
  demandOpsPerSecond = 0;
  /** Virtual time at the end of the last step that set the client load (0: the start); "the service keeps N nodes for ..." counts from here. */
  loadSetAtMs = 0;
  capacityOpsPerSecond = 1000;
  private service: ServiceNode[] = [];
  private nextNodeNumber = 1;
  private lastAdvanceMs = 0;

  constructor(private readonly world: ScalingHost) {}

  setPolicy(spec: ScalingPolicySpec): void {
    this.policySpec = spec;
    this.policy = resolvePolicy(spec);
  }

  /** Starts `count` nodes that serve at once, then the autoscaler's sampling and evaluation loops. */
  start(count: number, capacityOpsPerSecond: number): void {
    if (!this.policy) throw new Error('a scaling policy must be given before the service starts');
    if (this.autoscaler) throw new Error('the service is already running');
    if (!(capacityOpsPerSecond > 0)) throw new Error(`a node must process a positive number of operations per second, got ${capacityOpsPerSecond}`);
    this.capacityOpsPerSecond = capacityOpsPerSecond;
    this.lastAdvanceMs = this.nowMs;
    for (let index = 0; index < count; index++) this.service.push(this.newNode(this.nowMs));
    for (const node of this.service) node.dataBytes = this.heldBytesTotal / count;
    this.recordCount();
    const timers = this.timers();
    this.autoscaler = new Autoscaler(this.policy, { clock: { nowMs: () => this.nowMs }, timers, monitor: this.monitor, activity: this, actuator: this }, SAMPLE_INTERVAL_MS);
    // The load model advances just before each sample (same timer period, scheduled first).
    const advance = (): void => {
      this.advance();
      timers.setTimer(SAMPLE_INTERVAL_MS, advance, 'service.advance');
    };
    timers.setTimer(SAMPLE_INTERVAL_MS, advance, 'service.advance');
    this.autoscaler.start();
  }

  get nowMs(): number {
    return this.world.sim.nowMs;
  }

  get decisions(): readonly ScalingDecision[] {
    return this.autoscaler?.decisions ?? [];
  }

  /** Marks the last `count` nodes as still joining: they serve only after the join time. */
  markJoining(count: number): void {
    if (count > this.service.length) throw new Error(`only ${this.service.length} nodes exist; ${count} cannot be joining`);
    for (const node of this.service.slice(this.service.length - count)) node.readyAtMs = this.nowMs + JOIN_MS;
  }

  nodes(): readonly { id: string; ready: boolean }[] {
    return this.service.map((node) => ({ id: node.id, ready: node.readyAtMs <= this.nowMs }));
  }

  get nodeIds(): string[] {
    return this.service.map((node) => node.id);
  }

  /** The node count recorded last at or before `atMs` (undefined before the service started). */
  nodeCountAt(atMs: number): number | undefined {
    let count: number | undefined;
    for (const point of this.nodeCounts) if (point.atMs <= atMs) count = point.nodes;
    return count;
  }

  busy(): boolean {
    return this.service.some((node) => node.drainingSinceMs !== undefined);
  }

  scaleOut(count: number): void {
    for (let index = 0; index < count; index++) this.service.push(this.newNode(this.nowMs + JOIN_MS));
    this.recordCount();
  }

  /** Drains the newest ready nodes; each stops only once it serves nothing, and never below the replication factor. */
  scaleIn(count: number): void {
    const policy = this.policy!;
    if (this.service.length - count < policy.replicationFactor) throw new Error(`scale-in of ${count} would leave ${this.service.length - count} nodes, below the replication factor ${policy.replicationFactor}`);
    const candidates = this.service.filter((node) => node.drainingSinceMs === undefined).slice(-count);
    for (const node of candidates) node.drainingSinceMs = this.nowMs;
  }

  /** Bytes held over all replicas: the data set times the replication factor, never less. */
  get heldBytesTotal(): number {
    return DATA_BYTES_TOTAL * this.policy!.replicationFactor;
  }

  activity(id: string): NodeActivity | undefined {
    const node = this.service.find((candidate) => candidate.id === id);
    if (!node) return undefined;
    const dataBytes = node.dataBytes;
    return {
      operationsProcessed: node.operations,
      requestsServed: node.operations,
      dataBytes,
      raftLogBytes: node.logBytes,
      capacity: { operationsPerSecond: this.capacityOpsPerSecond, memoryBytes: 8_000_000_000, diskBytes: 100_000_000_000 },
    };
  }

  /** Share of the client load a node serves now (0 for a joining or draining node). */
  servingShare(id: string): number {
    const serving = this.serving();
    return serving.some((node) => node.id === id) ? 1 / serving.length : 0;
  }

  attachReport(): void {
    if (this.decisions.length > 0) this.world.attachText('autoscaler decisions', formatDecisionLog(this.decisions));
    if (this.monitor.history.length > 0) {
      this.world.attachText(`cluster resources at ${(this.nowMs / 1000).toFixed(1)} s`, formatResourceTable(this.monitor.history));
      this.world.attachSvg(resourceSvg(this.monitor.history, [...this.nodeCounts, { atMs: this.nowMs, nodes: this.service.length }], `Resources and node count: ${this.world.scenarioName}`));
    }
  }

  /** True when no node joins or drains and every node holds the same share of the data. */
  balanced(): boolean {
    if (this.service.some((node) => node.readyAtMs > this.nowMs || node.drainingSinceMs !== undefined)) return false;
    const share = this.heldBytesTotal / this.service.length;
    return this.service.every((node) => Math.abs(node.dataBytes - share) <= 1);
  }

  private serving(): ServiceNode[] {
    return this.service.filter((node) => node.readyAtMs <= this.nowMs && node.drainingSinceMs === undefined);
  }

  private advance(): void {
    const seconds = (this.nowMs - this.lastAdvanceMs) / 1000;
    this.lastAdvanceMs = this.nowMs;
    if (seconds <= 0) return;
    this.moveData(seconds);
    const serving = this.serving();
    if (serving.length === 0) return;
    const operations = (this.demandOpsPerSecond * seconds) / serving.length;
    for (const node of serving) {
      node.operations += operations;
      // The Raft log keeps about one interval of entries before it is compacted by a snapshot.
      node.logBytes = operations * LOG_BYTES_PER_OPERATION;
    }
  }

  /**
   * The rebalancer in this model: a draining node hands its data to the others at a throttled
   * rate; the nodes that stay (joining ones included) share the data evenly. A draining node is
   * stopped once it holds nothing. No byte is created or lost on the way.
   */
  private moveData(seconds: number): void {
    const staying = this.service.filter((node) => node.drainingSinceMs === undefined);
    let moving = 0;
    for (const node of this.service.filter((candidate) => candidate.drainingSinceMs !== undefined)) {
      const moved = Math.min(node.dataBytes, DRAIN_BYTES_PER_SECOND * seconds);
      node.dataBytes -= moved;
      moving += moved;
    }
    const stayingTotal = staying.reduce((sum, node) => sum + node.dataBytes, 0) + moving;
    for (const node of staying) node.dataBytes = stayingTotal / staying.length;
    const held = this.service.reduce((sum, node) => sum + node.dataBytes, 0);
    if (Math.abs(held - this.heldBytesTotal) > 1) throw new Error(`data lost or duplicated: nodes hold ${held} bytes, the data set needs ${this.heldBytesTotal}`);
    const drained = this.service.filter((node) => node.drainingSinceMs !== undefined && node.dataBytes === 0);
    if (drained.length > 0) this.stopDrained(drained.map((node) => node.id));
  }

  private stopDrained(ids: readonly string[]): void {
    for (const id of ids) {
      const node = this.service.find((candidate) => candidate.id === id)!;
      if (node.dataBytes !== 0) throw new Error(`${id} was stopped while it still held ${node.dataBytes} bytes`);
      const share = this.servingShare(id);
      if (share !== 0) throw new Error(`${id} was stopped while it still served ${(share * 100).toFixed(1)}% of the load`);
      this.stopped.push({ id, atMs: this.nowMs, servingShare: share });
      this.monitor.forget(id);
    }
    this.service = this.service.filter((node) => !ids.includes(node.id));
    this.recordCount();
  }

  private newNode(readyAtMs: number): ServiceNode {
    return { id: `node-${this.nextNodeNumber++}`, readyAtMs, dataBytes: 0, operations: 0, logBytes: 0 };
  }

  private recordCount(): void {
    this.nodeCounts.push({ atMs: this.nowMs, nodes: this.service.length });
  }

  private timers(): TimerPort {
    return schedulerTimers(this.world.sim);
  }
}

export function scalingOf(world: PhantomWorld): ScalingScenario {
  return world.part('scaling', () => new ScalingScenario(world));
}

/** The scenario's scaling part if a step created one (the After hook must not create it). */
export function existingScaling(world: PhantomWorld): ScalingScenario | undefined {
  return world.hasPart('scaling') ? scalingOf(world) : undefined;
}
