import { defaultElasticOptions, ElasticCluster } from '../src/api/elastic-cluster';
import { RampWorkload } from '../src/api/ramp-workload';
import { Autoscaler, ResourceMonitor, resolvePolicy } from '../src/scaling';
import { startShardedStore } from './sharded-store';
import { ELASTIC_SAMPLE_INTERVAL_MS, ELASTIC_WINDOW_SAMPLES, schedulerTimers } from '../support/elastic-scenario';
import type { BenchRow } from './types';

const NODES = 3;
const SHARDS = 24;
const KEYS = 100;
const REQUESTS_PER_SECOND = 50;
const LOW_CLIENTS = 2;
const HIGH_CLIENTS = 12;
/** After the step the run lasts this long; the figure is when the cluster last became balanced in it. */
const OBSERVE_MS = 300_000;

/**
 * Issue 9 §5 on the real cluster: simulated time from a load step to a balanced cluster.
 * Three nodes serving 50 requests per second each hold 24 shards × 3 replicas; 2 closed-loop
 * clients become 12. The autoscaler (cpu target 50%, max 8 nodes, HPA's default scale-up
 * policy) adds nodes that join with the join token; the rebalancer moves replicas and
 * leaders to them at the executor's default throttle (2 moves at once, 200,000 B/s). The
 * figure: virtual time from the step until the cluster was last seen becoming balanced (no
 * node joining or draining, nothing moving, the planner finds nothing to move) within the
 * following 5 minutes, and balanced at their end. Then the load drops back to 2 clients
 * and the second figure is the virtual time until scale-in drained and stopped nodes down
 * to 3 and the cluster is balanced again (scale-down window 60 s).
 */
export function benchScalingCluster(): BenchRow[] {
  const { sim, cluster } = startShardedStore(9, NODES, SHARDS);
  try {
    const database = cluster.database;
    const policy = resolvePolicy({ minNodes: 3, maxNodes: 8, replicationFactor: 3, metrics: [{ metric: 'cpu', averageValue: 50 }], scaleDown: { stabilizationWindowSeconds: 60 } });
    const elastic = new ElasticCluster(cluster, { ...defaultElasticOptions, replicationFactor: 3, capacity: { serviceTimeMs: 1000 / REQUESTS_PER_SECOND, memoryBytes: 4_000_000, diskBytes: 64_000_000 } });
    const monitor = new ResourceMonitor({ intervalMs: ELASTIC_SAMPLE_INTERVAL_MS, windowSamples: ELASTIC_WINDOW_SAMPLES });
    const autoscaler = new Autoscaler(policy, { clock: { nowMs: () => sim.nowMs }, timers: schedulerTimers(sim), monitor, activity: elastic, actuator: elastic }, ELASTIC_SAMPLE_INTERVAL_MS);
    const load = new RampWorkload(sim, database, { maxClients: HIGH_CLIENTS, keys: KEYS, thinkTimeMs: { minMs: 10, maxMs: 40 } });
    elastic.start();
    autoscaler.start();
    load.setActiveClients(LOW_CLIENTS);
    sim.runFor(30_000);
    const stepMs = sim.nowMs;
    load.setActiveClients(HIGH_CLIENTS);
    let balancedSinceMs: number | undefined;
    sim.runUntil(() => {
      const balanced = elastic.balanced();
      if (!balanced) balancedSinceMs = undefined;
      else balancedSinceMs ??= sim.nowMs;
      return sim.nowMs >= stepMs + OBSERVE_MS;
    }, { withinMs: OBSERVE_MS + 1_000, waitingFor: 'the observation to end', pollMs: 250 });
    if (balancedSinceMs === undefined) throw new Error(`the cluster was not balanced ${OBSERVE_MS / 1000} s after the load step`);
    const moves = elastic.plans.reduce((sum, plan) => sum + plan.moves, 0);
    const peakNodes = elastic.liveIds().length;
    const dropMs = sim.nowMs;
    load.setActiveClients(LOW_CLIENTS);
    sim.runUntil(() => elastic.liveIds().length === NODES && elastic.balanced(), { withinMs: 900_000, waitingFor: 'scale-in back to 3 balanced nodes', pollMs: 250 });
    const drainMoves = elastic.plans.reduce((sum, plan) => sum + plan.moves, 0) - moves;
    return [{
      name: 'load step 2 → 12 clients on the real cluster: virtual time to a balanced cluster',
      value: Math.round((balancedSinceMs - stepMs) / 1000),
      unit: 'virtual s',
      note: `${NODES} → ${peakNodes} nodes, ${moves} moves; throttle 2 moves and 200,000 B/s; cpu target 50%, evaluation every 15 s`,
    }, {
      name: 'load drop 12 → 2 clients on the real cluster: virtual time to 3 balanced nodes',
      value: Math.round((sim.nowMs - dropMs) / 1000),
      unit: 'virtual s',
      note: `${peakNodes} → ${NODES} nodes drained and stopped, ${drainMoves} moves; 60 s scale-down window; same throttle`,
    }];
  } finally {
    sim.dispose();
  }
}
