import type { NodeId, ProcessFactory } from '../runtime/ports';
import { Network } from './network';
import { type NodeMetadata, SimNode } from './node';
import { RandomStreams } from './random';
import { type RunUntilOptions, Scheduler } from './scheduler';
import { Trace } from './trace';

export interface AddNodeOptions {
  /** Start the process now (the default). */
  readonly start?: boolean;
  /**
   * The process is PhantomDB's own code and sends only plain data it built (never an object
   * it was handed by a user without copying it): its messages go by reference instead of as
   * the wire's copy (src/util/wire-copy.ts). Leave it off for anything else.
   */
  readonly plainMessages?: boolean;
}

export interface SimulationOptions {
  seed: number;
  /** Trace events kept for failure reports. */
  traceRetained?: number;
}

/**
 * One deterministic world: a virtual clock, seeded random streams, a network and nodes.
 * Same seed and same code give the same trace, byte for byte.
 */
export class Simulation {
  readonly seed: number;
  readonly scheduler = new Scheduler();
  readonly trace: Trace;
  readonly random: RandomStreams;
  readonly network: Network;
  private readonly nodeTable = new Map<NodeId, SimNode>();
  private disposed = false;

  constructor(options: SimulationOptions) {
    if (!Number.isInteger(options.seed) || options.seed < 0 || options.seed > 0xffffffff) {
      throw new RangeError(`a seed is an integer in [0, 2^32), got ${options.seed}`);
    }
    this.seed = options.seed;
    this.trace = new Trace(options.traceRetained ?? 500);
    this.random = new RandomStreams(options.seed);
    this.network = new Network(this.scheduler, this.trace, this.random.stream('network'));
    this.trace.record({ timeMs: 0, kind: 'sim.start', detail: { seed: options.seed } });
  }

  get nowMs(): number {
    return this.scheduler.nowMs;
  }

  /** Creates a node and, unless told otherwise, starts its process. */
  addNode(id: NodeId, factory: ProcessFactory, metadata: NodeMetadata = {}, options: AddNodeOptions = {}): SimNode {
    this.assertLive();
    if (this.nodeTable.has(id)) throw new Error(`a node named ${id} already exists`);
    const node = new SimNode(id, metadata, factory, this.scheduler, this.network, this.trace, this.random, options.plainMessages ?? false);
    this.nodeTable.set(id, node);
    if (metadata.region !== undefined) this.network.setNodeRegion(id, metadata.region);
    if (options.start ?? true) node.start();
    return node;
  }

  node(id: NodeId): SimNode {
    const node = this.nodeTable.get(id);
    if (!node) throw new Error(`no node named ${id} (nodes: ${[...this.nodeTable.keys()].join(', ') || 'none'})`);
    return node;
  }

  hasNode(id: NodeId): boolean {
    return this.nodeTable.has(id);
  }

  get nodes(): SimNode[] {
    return [...this.nodeTable.values()];
  }

  get nodeIds(): NodeId[] {
    return [...this.nodeTable.keys()];
  }

  runFor(durationMs: number): void {
    this.assertLive();
    this.scheduler.runFor(durationMs);
  }

  runUntil(predicate: () => boolean, options: RunUntilOptions): void {
    this.assertLive();
    this.scheduler.runUntil(predicate, options);
  }

  get isDisposed(): boolean {
    return this.disposed;
  }

  /** Drops all pending work; the simulation cannot be used afterwards. */
  dispose(): void {
    this.scheduler.clear();
    this.disposed = true;
  }

  private assertLive(): void {
    if (this.disposed) throw new Error('this simulation has been disposed');
  }
}
