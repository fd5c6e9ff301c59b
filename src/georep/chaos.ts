/**
 * A region-level nemesis: random partitions between regions, random clock skew and,
 * optionally, region failures (a region's replica crashes and restarts from its disk), drawn
 * from the simulation's seed (its own random stream, so adding it does not disturb other
 * streams). Partitions and failures come one at a time and are undone after a while; clocks
 * that were set are left where they are, as a real clock stays wrong until something
 * corrects it. The skew stays within ±maxClockSkewMs so that any two clocks stay within
 * twice that.
 */
import type { NodeId } from '../runtime/ports';
import type { Simulation } from '../sim';
import type { RegionId } from './causal-context';

export interface GeoChaosOptions {
  readonly regions: readonly RegionId[];
  readonly nodesOf: (region: RegionId) => readonly NodeId[];
  readonly maxClockSkewMs: number;
  readonly maxDriftPpm: number;
  readonly gapMs: { readonly minMs: number; readonly maxMs: number };
  readonly partitionMs: { readonly minMs: number; readonly maxMs: number };
  /** Crash one region's replica at a time and restart it after a while (default false). */
  readonly regionFailures?: boolean;
  /** The node of a region's replica (crashed on a region failure). */
  readonly replicaOf?: (region: RegionId) => NodeId;
  /** Every server node of a region of many nodes (all crash on a region failure); overrides replicaOf. */
  readonly serversOf?: (region: RegionId) => readonly NodeId[];
}

export interface ChaosEvent {
  readonly atMs: number;
  readonly description: string;
}

/** One injected fault with what it hit, for the nemesis audit (undone faults carry `endMs`). */
export interface GeoFault {
  readonly kind: 'partition' | 'region-failure' | 'clock-skew';
  readonly startMs: number;
  endMs?: number;
  readonly nodes?: readonly NodeId[];
  readonly sides?: readonly (readonly NodeId[])[];
  readonly description: string;
}

export class GeoChaos {
  readonly log: ChaosEvent[] = [];
  readonly faults: GeoFault[] = [];
  private openFault: { partition?: GeoFault; failure?: GeoFault } = {};
  private running = false;
  private partitionActive = false;
  private failedRegion: RegionId | undefined;
  private generation = 0;

  constructor(
    private readonly sim: Simulation,
    private readonly options: GeoChaosOptions,
  ) {
    if (options.regions.length < 2) throw new Error('chaos between regions needs at least two regions');
    if (!(options.maxClockSkewMs >= 0) || !(options.maxDriftPpm >= 0)) throw new RangeError('clock skew and drift bounds must be >= 0');
  }

  get isRunning(): boolean {
    return this.running;
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.generation++;
    this.scheduleNext(this.generation);
  }

  /** Stops injecting faults, heals the network and restarts a failed region; clocks keep their skew. */
  stop(): void {
    this.running = false;
    this.generation++;
    if (this.partitionActive) this.healPartition();
    if (this.failedRegion !== undefined) this.restartRegion();
  }

  private random() {
    return this.sim.random.stream('geo-chaos');
  }

  private scheduleNext(generation: number): void {
    const { minMs, maxMs } = this.options.gapMs;
    this.sim.scheduler.schedule(this.random().between(minMs, maxMs), () => {
      if (generation !== this.generation) return;
      const roll = this.random().next();
      if (this.options.regionFailures && this.failedRegion === undefined && roll < 0.3) this.failRegion(generation);
      else if (!this.partitionActive && roll < 0.7) this.partition(generation);
      else this.skewClock();
      this.scheduleNext(generation);
    });
  }

  private partition(generation: number): void {
    const random = this.random();
    const regions = random.shuffle([...this.options.regions]);
    const splitAt = 1 + random.int(regions.length - 1);
    const sides = [regions.slice(0, splitAt), regions.slice(splitAt)];
    const nodeSides = sides.map((side) => side.flatMap((region) => [...this.options.nodesOf(region)]));
    this.sim.network.partition(nodeSides);
    this.partitionActive = true;
    this.note(`regions split: ${sides.map((side) => side.join(', ')).join(' | ')}`);
    this.openFault.partition = this.fault({ kind: 'partition', sides: nodeSides, description: this.log[this.log.length - 1].description });
    const { minMs, maxMs } = this.options.partitionMs;
    this.sim.scheduler.schedule(random.between(minMs, maxMs), () => {
      if (generation === this.generation && this.partitionActive) this.healPartition();
    });
  }

  private failRegion(generation: number): void {
    const random = this.random();
    const region = random.pick(this.options.regions);
    const servers = this.serversOf(region);
    for (const node of servers) this.sim.node(node).crash();
    this.failedRegion = region;
    this.note(`region ${region} fails`);
    this.openFault.failure = this.fault({ kind: 'region-failure', nodes: servers, description: `region ${region} fails` });
    const { minMs, maxMs } = this.options.partitionMs;
    this.sim.scheduler.schedule(random.between(minMs, maxMs), () => {
      if (generation === this.generation && this.failedRegion !== undefined) this.restartRegion();
    });
  }

  private restartRegion(): void {
    const region = this.failedRegion!;
    for (const node of this.serversOf(region)) if (this.sim.node(node).state !== 'running') this.sim.node(node).start();
    this.failedRegion = undefined;
    this.note(`region ${region} comes back`);
    if (this.openFault.failure) this.openFault.failure.endMs = this.sim.nowMs;
    this.openFault.failure = undefined;
  }

  private serversOf(region: RegionId): readonly NodeId[] {
    if (this.options.serversOf) return this.options.serversOf(region);
    return [(this.options.replicaOf ?? ((name: RegionId) => name))(region)];
  }

  private healPartition(): void {
    this.sim.network.heal();
    this.partitionActive = false;
    this.note('network healed');
    if (this.openFault.partition) this.openFault.partition.endMs = this.sim.nowMs;
    this.openFault.partition = undefined;
  }

  private skewClock(): void {
    const random = this.random();
    const region = random.pick(this.options.regions);
    const offsetMs = Math.round(random.between(-this.options.maxClockSkewMs, this.options.maxClockSkewMs));
    const driftPpm = Math.round(random.between(-this.options.maxDriftPpm, this.options.maxDriftPpm));
    // The offset is set relative to true time now, including what drift accumulated so far.
    const offsetNowMs = offsetMs - (this.sim.nowMs * driftPpm) / 1_000_000;
    for (const node of this.options.nodesOf(region)) this.sim.node(node).setClock(offsetNowMs, driftPpm);
    this.note(`clocks in ${region} set ${offsetMs >= 0 ? '+' : ''}${offsetMs} ms, drift ${driftPpm} ppm`);
    // A clock that was set stays set: the fault has no end.
    this.fault({ kind: 'clock-skew', nodes: this.options.nodesOf(region), description: this.log[this.log.length - 1].description });
  }

  private fault(entry: Omit<GeoFault, 'startMs'>): GeoFault {
    const fault: GeoFault = { startMs: this.sim.nowMs, ...entry };
    this.faults.push(fault);
    return fault;
  }

  private note(description: string): void {
    this.log.push({ atMs: this.sim.nowMs, description });
    this.sim.trace.record({ timeMs: this.sim.nowMs, kind: 'geo.chaos', detail: { description } });
  }
}
