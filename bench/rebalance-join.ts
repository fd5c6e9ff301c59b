import { migrationPorts } from '../src/api/migration-ports';
import { defaultExecutorOptions, MigrationExecutor } from '../src/rebalance/executor';
import { planRebalance } from '../src/rebalance/planner';
import { startShardedStore } from './sharded-store';
import type { BenchRow } from './types';

const NODES = 10;
const SHARDS = 10;
const KEYS = 2_000;

/**
 * Simulated time to rebalance after a node joins (issue 8 §6): 10 nodes hold 10 shards of
 * 3 replicas with 2,000 keys; an 11th node joins, the planner balances replica counts
 * (threshold 0.1), and the migration executor runs the plan at its default throttle (2
 * moves at once, 200,000 bytes per simulated second for snapshots and copies). The figure
 * is the simulated time from the plan's submission until the executor is idle.
 */
export function benchRebalanceJoin(): BenchRow[] {
  const { sim, cluster } = startShardedStore(8, NODES, SHARDS);
  try {
    const database = cluster.database;
    let written = 0;
    for (let key = 0; key < KEYS; key++) database.client(`loader-${key % 32}`).put(`key-${key}`, `value-${key}-${'x'.repeat(64)}`, () => written++);
    sim.runUntil(() => written === KEYS, { withinMs: 60_000, waitingFor: 'the keys to be written' });
    cluster.addNode(`node-${NODES + 1}`, { seeds: ['node-1'] });
    sim.runUntil(() => cluster.everyLiveMemberSees(`node-${NODES + 1}`, 'alive'), { withinMs: 10_000, waitingFor: 'the new node to join' });
    // Server nodes only (clients are simulated nodes too, but hold no replica).
    const nodes = cluster.nodeIds.filter((id) => database.raftOn(id) !== undefined).map((id) => ({ id }));
    const plan = planRebalance({ map: database.shardMap, nodes, policy: { measure: 'replicas', threshold: 0.1, replicationFactor: 3 } });
    const executor = new MigrationExecutor(migrationPorts(sim, database), defaultExecutorOptions);
    const startMs = sim.nowMs;
    executor.submit(plan.moves);
    sim.runUntil(() => executor.idle, { withinMs: 600_000, waitingFor: 'the plan to run' });
    const progress = executor.progress(database.placement.finishedMoves());
    const replicas = SHARDS * 3;
    return [
      { name: 'rebalance after 1 node joins 10 (10 shards x 3, 2,000 keys): simulated time to finish', value: Math.round(sim.nowMs - startMs), unit: 'simulated ms', note: `${plan.moves.length} moves (ideal ${(replicas / (NODES + 1)).toFixed(1)} replicas), ${progress.bytesMoved} bytes, throttle 2 moves and 200,000 B/s` },
    ];
  } finally {
    sim.dispose();
  }
}
