/** A three-region georeplicated cluster on a fresh simulation, for the end-to-end unit tests. */
import { GeoCluster } from '../../src/api/geo-cluster';
import type { GeoTuning } from '../../src/georep';
import { Simulation } from '../../src/sim';

export const THREE_REGIONS = ['us-east', 'eu-west', 'ap-south'];

export function threeRegions(seed: number, tuning: Partial<GeoTuning> = {}): { sim: Simulation; geo: GeoCluster } {
  const sim = new Simulation({ seed });
  const geo = new GeoCluster(sim, {
    regions: THREE_REGIONS,
    latencies: [
      { from: 'us-east', to: 'eu-west', latencyMs: 80 },
      { from: 'us-east', to: 'ap-south', latencyMs: 120 },
      { from: 'eu-west', to: 'ap-south', latencyMs: 100 },
    ],
    tuning,
  });
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
