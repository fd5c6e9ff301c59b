/**
 * Collects a georeplicated cluster's configuration (regions and their latencies, tuning,
 * keyspaces) and builds the cluster on first use, so that a scenario can state its
 * configuration in any order before the first action.
 */
import type { Simulation } from '../sim';
import type { RegionId } from './causal-context';
import type { GeoTuning } from './config';
import type { GeoDeployment } from './deployment';
import { GeoCluster, type RegionLatency } from './geo-cluster';
import type { StrategyKind } from './strategies';

export class GeoClusterBuilder {
  private readonly latencies: RegionLatency[] = [];
  private readonly regionOrder: RegionId[] = [];
  private readonly tuning: Partial<GeoTuning> = {};
  private readonly keyspaces: [string, StrategyKind][] = [];
  private built: GeoCluster | undefined;
  private deployment: GeoDeployment | undefined;

  constructor(private readonly simulation: () => Simulation) {}

  get isBuilt(): boolean {
    return this.built !== undefined;
  }

  addLatency(from: RegionId, to: RegionId, latencyMs: number): void {
    this.assertNotBuilt('the region latencies');
    for (const region of [from, to]) if (!this.regionOrder.includes(region)) this.regionOrder.push(region);
    this.latencies.push({ from, to, latencyMs });
  }

  /** What serves each region (one node per region unless given). */
  deploy(deployment: GeoDeployment): void {
    this.assertNotBuilt('how the regions are deployed');
    this.deployment = deployment;
  }

  get deploymentDescription(): string {
    return this.built?.deployment.description ?? this.deployment?.description ?? 'one node per region';
  }

  tune(overrides: Partial<GeoTuning>): void {
    this.assertNotBuilt('the replication settings');
    Object.assign(this.tuning, overrides);
  }

  defineKeyspace(name: string, kind: StrategyKind): void {
    if (this.built) this.built.defineKeyspace(name, kind);
    else this.keyspaces.push([name, kind]);
  }

  /** The cluster, built now if it was not yet. */
  get cluster(): GeoCluster {
    if (!this.built) {
      if (this.regionOrder.length === 0) throw new Error('no regions yet: give the region latencies first ("Given regions with these one-way latencies:")');
      this.built = new GeoCluster(this.simulation(), { regions: this.regionOrder, latencies: this.latencies, tuning: this.tuning, ...(this.deployment ? { deployment: this.deployment } : {}) });
      for (const [name, kind] of this.keyspaces) this.built.defineKeyspace(name, kind);
      this.built.awaitReady();
    }
    return this.built;
  }

  private assertNotBuilt(what: string): void {
    if (this.built) throw new Error(`${what} must be given before the first action on the regions`);
  }
}
