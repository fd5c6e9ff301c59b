import type { LatencyModel } from './latency-model';

/**
 * One-way latencies between regions, the one way the simulated network turns "where a
 * node is" into "how long a message takes" (issue 11 §1: the latency matrix applies to
 * every message between nodes of those regions, whatever service sends it).
 *
 * A message between two nodes of the same region takes `inRegion`; between two regions,
 * the matrix's entry for the pair. A pair given one way only holds both ways. A node
 * with no region (a client started without one) falls back to the network's default.
 */
export interface RegionLatencyRow {
  readonly from: string;
  readonly to: string;
  readonly latencyMs: number;
}

export class RegionLatencyMatrix {
  private readonly between = new Map<string, Map<string, LatencyModel>>();
  readonly regions: readonly string[];

  constructor(
    regions: readonly string[],
    rows: readonly RegionLatencyRow[],
    readonly inRegion: LatencyModel,
  ) {
    const known = new Set(regions);
    if (known.size !== regions.length) throw new Error(`a region is listed twice: ${regions.join(', ')}`);
    this.regions = [...regions];
    for (const { from, to, latencyMs } of rows) {
      for (const region of [from, to]) if (!known.has(region)) throw new Error(`latency row names unknown region ${region} (regions: ${regions.join(', ')})`);
      if (from === to) throw new Error(`a latency row needs two different regions, got ${from} twice`);
      if (!(latencyMs >= 0) || !Number.isFinite(latencyMs)) throw new RangeError(`latency ${from} → ${to} must be a finite number of ms >= 0, got ${latencyMs}`);
      this.set(from, to, latencyMs);
      if (this.between.get(to)?.get(from) === undefined) this.set(to, from, latencyMs);
    }
    for (const from of regions) {
      for (const to of regions) {
        if (from !== to && this.between.get(from)?.get(to) === undefined) throw new Error(`no latency given between ${from} and ${to}`);
      }
    }
  }

  /** The model for a message from a node in `from` to a node in `to`. */
  model(from: string, to: string): LatencyModel | undefined {
    if (from === to) return this.regions.includes(from) ? this.inRegion : undefined;
    return this.between.get(from)?.get(to);
  }

  /** Typical one-way latency in ms (the mean of the model), for bounds derived from the matrix. */
  oneWayMs(from: string, to: string): number {
    const model = this.model(from, to);
    if (model === undefined) throw new Error(`no latency known from region ${from} to region ${to}`);
    return meanOf(model);
  }

  /** Round trip in ms between two regions: there and back. */
  roundTripMs(from: string, to: string): number {
    return this.oneWayMs(from, to) + this.oneWayMs(to, from);
  }

  private set(from: string, to: string, latencyMs: number): void {
    let row = this.between.get(from);
    if (row === undefined) this.between.set(from, (row = new Map()));
    row.set(to, { kind: 'constant', ms: latencyMs });
  }
}

function meanOf(model: LatencyModel): number {
  switch (model.kind) {
    case 'constant':
      return model.ms;
    case 'uniform':
      return (model.minMs + model.maxMs) / 2;
    case 'exponential':
      return model.meanMs;
  }
}
