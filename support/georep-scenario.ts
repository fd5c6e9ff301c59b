/**
 * The georeplication part of a scenario: one builder per scenario (regions, keyspaces,
 * tuning, and how the regions are deployed), the final oracle, and the open-request check.
 *
 * How regions are deployed is a choice behind the one georeplication API: one node per
 * region by default; regions of many nodes (each a sharded Raft store) when a scenario
 * says so ("Given each region is a cluster of 3 nodes with 2 shards") or when the run's
 * world parameters ask for it for every scenario (the `replicated-regions` profile:
 * `{"geoRegions": {"nodes": 3, "shards": 2}}`), so the same features run both ways.
 */
import { ReplicatedRegions } from '../src/api/geo-regions';
import { type GeoCluster, GeoClusterBuilder } from '../src/georep';
import { registerOpenOperations } from './cleanup';
import type { PhantomWorld } from './world';

/** Bound, in virtual time, for the final oracle: after traffic stops, every region must agree within it. */
const FINAL_CONVERGENCE_BOUND_MS = 30_000;

export interface RegionShape {
  readonly nodes: number;
  readonly shards: number;
}

/** The deployment the run's world parameters ask for (`geoRegions`), if any. */
export function regionShapeFromParameters(parameters: unknown): RegionShape | undefined {
  const shape = (parameters as { geoRegions?: { nodes?: unknown; shards?: unknown } } | undefined)?.geoRegions;
  if (shape === undefined) return undefined;
  if (!Number.isInteger(shape.nodes) || !Number.isInteger(shape.shards)) throw new Error(`world parameter geoRegions needs whole numbers "nodes" and "shards", got ${JSON.stringify(shape)}`);
  return { nodes: shape.nodes as number, shards: shape.shards as number };
}

/** The scenario's georeplication setup; on first use it registers the convergence oracle. */
export function geoSetup(world: PhantomWorld): GeoClusterBuilder {
  return world.part('georep', () => {
    const builder = new GeoClusterBuilder(() => world.sim);
    const shape = regionShapeFromParameters(world.parameters);
    if (shape !== undefined) builder.deploy(new ReplicatedRegions({ nodesPerRegion: shape.nodes, shardsPerRegion: shape.shards }));
    world.addFinalCheck('every region converges and loses nothing', () => finalCheck(world, builder));
    registerOpenOperations(world, 'georeplication', () =>
      builder.isBuilt ? builder.cluster.regions.filter((region) => builder.cluster.outstandingRequests(region) > 0).map((region) => `${region}: ${builder.cluster.outstandingRequests(region)} client request(s) unanswered`) : [],
    );
    return builder;
  });
}

export function geo(world: PhantomWorld): GeoCluster {
  return geoSetup(world).cluster;
}

/** The regions of many nodes of the scenario (fails clearly when the regions have one node each). */
export function replicatedRegions(world: PhantomWorld): ReplicatedRegions {
  const deployment = geo(world).deployment;
  if (!(deployment instanceof ReplicatedRegions)) throw new Error(`In step "${world.currentStep}": this step needs regions of many nodes ("Given each region is a cluster of 3 nodes with 2 shards"); the regions are deployed as ${deployment.description}`);
  return deployment;
}

/** Stops traffic, waits for convergence, and checks counters, last-writer-wins outcomes and delivery; attaches the reports. */
function finalCheck(world: PhantomWorld, builder: GeoClusterBuilder): void {
  if (!builder.isBuilt) return;
  const cluster = builder.cluster;
  cluster.chaos?.stop();
  const possible = cluster.canConverge();
  if (!possible.ok) {
    world.attachText('georeplication oracle skipped', `The scenario ended with ${possible.why}, so convergence cannot be required.`);
    return;
  }
  cluster.quiesce();
  const report = cluster.awaitConvergence(FINAL_CONVERGENCE_BOUND_MS);
  const outcomes = cluster.verifyOutcomes();
  world.attachText('georeplication oracle', `deployment: ${cluster.deployment.description}\nconverged ${report.elapsedMs} ms after traffic stopped: ${report.replicas.length} regions agree on ${report.keysChecked} keys\n${outcomes}`);
  world.attachText('regions', cluster.statusTable());
  world.attachText('replication lag per region pair', cluster.lagTable());
}
