/** A three-region georeplicated cluster on a fresh simulation, for the end-to-end unit tests. */
import { GeoCluster, type GeoClusterOptions } from '../../src/api/geo-cluster';
import { ReplicatedRegions } from '../../src/api/geo-regions';
import type { GeoTuning } from '../../src/georep';
import { Simulation } from '../../src/sim';

export const THREE_REGIONS = ['us-east', 'eu-west', 'ap-south'];

/** The one-way latencies between the three regions every georeplication test uses. */
export const THREE_REGION_LATENCIES = [
  { from: 'us-east', to: 'eu-west', latencyMs: 80 },
  { from: 'us-east', to: 'ap-south', latencyMs: 120 },
  { from: 'eu-west', to: 'ap-south', latencyMs: 100 },
];

/** The three regions on a fresh simulation, with `options` (a deployment, tuning) on top. */
export function threeRegionCluster(seed: number, options: Partial<GeoClusterOptions> = {}): { sim: Simulation; geo: GeoCluster } {
  const sim = new Simulation({ seed });
  return { sim, geo: new GeoCluster(sim, { regions: THREE_REGIONS, latencies: THREE_REGION_LATENCIES, ...options }) };
}

/** The three regions, each a sharded Raft store of 3 nodes and 2 shards; `profiles` is last-writer-wins. Ready when returned. */
export function replicatedThreeRegions(seed: number): { sim: Simulation; geo: GeoCluster; deployment: ReplicatedRegions } {
  const deployment = new ReplicatedRegions({ nodesPerRegion: 3, shardsPerRegion: 2 });
  const { sim, geo } = threeRegionCluster(seed, { deployment });
  geo.defineKeyspace('profiles', 'lww');
  geo.awaitReady();
  return { sim, geo, deployment };
}

export function threeRegions(seed: number, tuning: Partial<GeoTuning> = {}): { sim: Simulation; geo: GeoCluster } {
  const { sim, geo } = threeRegionCluster(seed, { tuning });
  geo.defineKeyspace('profiles', 'lww');
  geo.defineKeyspace('likes', 'pn-counter');
  geo.defineKeyspace('carts', 'multi-value');
  geo.defineKeyspace('tags', 'or-set');
  return { sim, geo };
}

/** Message loss and duplication on the links between regions' replicas only (clients stay reliable). */
export function lossyBetweenRegions(sim: Simulation, lossProbability: number, duplicateProbability: number): void {
  for (const from of THREE_REGIONS) {
    for (const to of THREE_REGIONS) if (from !== to) sim.network.setLinkFaults(from, to, { lossProbability, duplicateProbability });
  }
}
