/*
 * Georeplication benchmarks (issue 5):
 *  - replicated writes per wall second across 3 regions (each write applied in all 3);
 *  - virtual time to converge after a partition during which N keys were written, both
 *    when the change backlog is kept (streams catch up) and when it was given up
 *    (anti-entropy repairs);
 *  - anti-entropy key states exchanged compared with the keys that actually differed
 *    (target ratio <= 2).
 */
import { ReplicatedRegions } from '../src/api/geo-regions';
import { GeoCluster } from '../src/api/geo-cluster';
import type { GeoTuning } from '../src/georep';
import type { GeoDeployment } from '../src/api/geo-deployment';
import { Simulation } from '../src/sim';
import { bestOf } from './sim';
import type { BenchRow } from './types';

const REGIONS = ['us-east', 'eu-west', 'ap-south'];
const LATENCIES = [
  { from: 'us-east', to: 'eu-west', latencyMs: 80 },
  { from: 'us-east', to: 'ap-south', latencyMs: 120 },
  { from: 'eu-west', to: 'ap-south', latencyMs: 100 },
];

/** Regions of 3 nodes each, 2 shards (the replicated-regions profile's deployment). */
const replicated = (): GeoDeployment => new ReplicatedRegions({ nodesPerRegion: 3, shardsPerRegion: 2 });

function cluster(seed: number, regions = REGIONS, tuning: Partial<GeoTuning> = {}, deployment?: GeoDeployment): { sim: Simulation; geo: GeoCluster } {
  const sim = new Simulation({ seed, traceRetained: 100 });
  const geo = new GeoCluster(sim, { regions, latencies: LATENCIES.filter(({ from, to }) => regions.includes(from) && regions.includes(to)), tuning, ...(deployment ? { deployment } : {}) });
  geo.defineKeyspace('bench', 'lww');
  geo.awaitReady();
  return { sim, geo };
}

/** Every region takes `perRegion` writes at `ratePerSecond`; the clock stops when every write is applied everywhere. */
function replicatedWrites(perRegion: number, ratePerSecond: number, deployment?: () => GeoDeployment): { elapsedMs: number; maxLagMs: number; meanLagMs: number; events: number; virtualMs: number } {
  let meanLagMs = 0;
  let maxLagMs = 0;
  let events = 0;
  let virtualMs = 0;
  const elapsedMs = bestOf(3, () => {
    const { sim, geo } = cluster(51, REGIONS, {}, deployment?.());
    const startMs = sim.nowMs;
    const spacingMs = 1000 / ratePerSecond;
    for (const region of REGIONS) {
      for (let i = 0; i < perRegion; i++) {
        sim.scheduler.schedule(i * spacingMs + (startMs - sim.nowMs), () => void geo.submit(region, { keyspace: 'bench', key: `k${(i * 7919) % 5000}`, operation: { kind: 'put', value: `${region}-${i}` } }));
      }
    }
    sim.runFor(perRegion * spacingMs);
    geo.quiesce();
    geo.awaitLagCleared(10_000);
    if (geo.history.count('ok') !== perRegion * REGIONS.length) throw new Error('some benchmark writes were not acknowledged');
    const summary = geo.lag.summary(sim.nowMs);
    maxLagMs = Math.max(...summary.map((row) => row.maxLagMs));
    meanLagMs = summary.reduce((sum, row) => sum + row.meanLagWhenPendingMs, 0) / summary.length;
    events = sim.scheduler.eventsExecuted;
    virtualMs = sim.nowMs;
  });
  return { elapsedMs, maxLagMs, meanLagMs, events, virtualMs };
}

/** ap-south is cut off while us-east writes N keys; returns virtual ms from heal to every region agreeing. */
function convergenceAfterPartition(keys: number, tuning: Partial<GeoTuning>, deployment?: () => GeoDeployment): { convergedMs: number; repaired: number } {
  const { sim, geo } = cluster(52, REGIONS, tuning, deployment?.());
  sim.runFor(500);
  geo.isolateRegion('ap-south');
  for (let i = 0; i < keys; i++) geo.submit('us-east', { keyspace: 'bench', key: `k${i}`, operation: { kind: 'put', value: `v${i}` } });
  sim.runFor(2_000);
  geo.quiesce();
  sim.network.heal();
  const report = geo.awaitConvergence(60_000);
  return { convergedMs: report.elapsedMs, repaired: geo.repairSessions().reduce((sum, session) => sum + session.keysExchanged, 0) };
}

/** Two regions hold `total` keys; eu-west misses `differing` updates past its backlog; anti-entropy repairs it. */
function antiEntropyRatio(total: number, differing: number): { exchanged: number; differingAtStart: number; ranges: number; digests: number; treeNodes: number } {
  const regions = ['us-east', 'eu-west'];
  const { sim, geo } = cluster(53, regions, { retainedChangesMax: 50 });
  geo.writeKeys('us-east', 'bench', total, (i) => `v1-${i}`, 2);
  geo.awaitConvergence(30_000);
  geo.isolateRegion('eu-west');
  // Spread over the key space, so the differing keys fall in many ranges.
  const stride = Math.floor(total / differing);
  for (let i = 0; i < differing; i++) geo.submit('us-east', { keyspace: 'bench', key: `key-${String(i * stride).padStart(6, '0')}`, operation: { kind: 'put', value: `v2-${i}` } });
  sim.runFor(1_000);
  geo.quiesce();
  const before = new Set(geo.antiEntropySessions.keys());
  sim.network.heal();
  geo.awaitConvergence(30_000);
  const sessions = [...geo.antiEntropySessions.values()].filter((session) => !before.has(session.session) && session.keysExchanged > 0);
  return {
    exchanged: sessions.reduce((sum, session) => sum + session.keysExchanged, 0),
    differingAtStart: sessions.reduce((sum, session) => sum + (session.keysDifferingAtStart ?? 0), 0),
    ranges: sessions.reduce((sum, session) => sum + session.leavesDiffering, 0),
    digests: sessions.reduce((sum, session) => sum + session.digestsSent, 0),
    treeNodes: sessions.reduce((sum, session) => sum + session.treeNodesCompared, 0),
  };
}

export function benchGeoReplication(): BenchRow[] {
  const rows: BenchRow[] = [];
  const perRegion = 10_000;
  const writes = replicatedWrites(perRegion, 1_000);
  rows.push({
    name: 'replicated writes per wall second (3 regions, each write applied in all 3)',
    value: Math.round((perRegion * REGIONS.length) / (writes.elapsedMs / 1000)),
    unit: 'writes/s',
    note: `${perRegion * REGIONS.length} writes at 1,000/s per region, ${(writes.virtualMs / 1000).toFixed(1)} simulated s, ${writes.events.toLocaleString('en-US')} events; max lag ${Math.round(writes.maxLagMs)} ms`,
  });
  for (const keys of [1_000, 10_000]) {
    const streamed = convergenceAfterPartition(keys, {});
    rows.push({ name: `converge after a partition, ${keys.toLocaleString('en-US')} keys written (backlog kept)`, value: Math.round(streamed.convergedMs), unit: 'virtual ms', note: 'streams resend the backlog' });
    const repaired = convergenceAfterPartition(keys, { retainedChangesMax: 100 });
    rows.push({ name: `converge after a partition, ${keys.toLocaleString('en-US')} keys written (backlog given up)`, value: Math.round(repaired.convergedMs), unit: 'virtual ms', note: `the burst exceeded the 100-change backlog of both other regions; anti-entropy sent ${repaired.repaired} key states to repair them` });
  }
  rows.push(...benchReplicatedRegions());
  for (const [total, differing] of [[20_000, 100], [20_000, 1_000], [20_000, 5_000]] as const) {
    const result = antiEntropyRatio(total, differing);
    rows.push({
      name: `anti-entropy: key states exchanged per differing key (${differing.toLocaleString('en-US')} of ${total.toLocaleString('en-US')})`,
      value: Math.round((result.exchanged / result.differingAtStart) * 100) / 100,
      unit: 'ratio',
      target: '<= 2',
      note: `${result.exchanged} states for ${result.differingAtStart} keys differing when the repair began (the last <= 50 changes were still streamed meanwhile); ${result.ranges} of 4096 ranges, ${result.digests} digests, ${result.treeNodes} tree nodes compared`,
    });
  }
  return rows;
}

/**
 * The same measurements with each region a sharded Raft store (3 nodes, 2 shards), beside
 * the one-node deployment in the same run: write throughput (a ratio), replication lag
 * (simulated ms: each change is committed by a quorum in its region and again in each
 * destination), and convergence after a partition.
 */
export function benchReplicatedRegions(): BenchRow[] {
  const perRegion = 2_000;
  const single = replicatedWrites(perRegion, 500);
  const many = replicatedWrites(perRegion, 500, replicated);
  const rows: BenchRow[] = [
    {
      name: 'regions of 3 nodes: replicated writes per wall second (3 regions x 3 nodes, 2 shards)',
      value: Math.round((perRegion * REGIONS.length) / (many.elapsedMs / 1000)),
      unit: 'writes/s',
      note: `${(single.elapsedMs / many.elapsedMs).toFixed(2)} of the one-node deployment's rate in this run; ${many.events.toLocaleString('en-US')} events against ${single.events.toLocaleString('en-US')}`,
    },
    { name: 'replication lag at 500 writes/s per region, one node per region (max over pairs)', value: Math.round(single.maxLagMs), unit: 'simulated ms', note: `mean while pending ${Math.round(single.meanLagMs)} ms; links of 80-120 ms` },
    { name: 'replication lag at 500 writes/s per region, regions of 3 nodes (max over pairs)', value: Math.round(many.maxLagMs), unit: 'simulated ms', note: `mean while pending ${Math.round(many.meanLagMs)} ms; adds a quorum commit in each region` },
  ];
  for (const [label, tuning] of [['backlog kept', {}], ['backlog given up', { retainedChangesMax: 100 }]] as const) {
    const result = convergenceAfterPartition(1_000, tuning, replicated);
    rows.push({ name: `regions of 3 nodes: converge after a partition, 1,000 keys written (${label})`, value: Math.round(result.convergedMs), unit: 'virtual ms', note: `anti-entropy sent ${result.repaired} key states` });
  }
  return rows;
}
