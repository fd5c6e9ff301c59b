import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { migrationPorts } from '../../src/api/migration-ports';
import { MigrationExecutor } from '../../src/rebalance/executor';
import { slotsOf } from '../../src/sharding/slots';
import { load, queryCluster } from './fixture';
import { tableT } from './generators';

describe('release starvation', { timeout: 600_000 }, () => {
  it('a split finishes while slow queries overlap back to back', () => {
    const { sim, cluster, engine } = queryCluster({ seed: 41, nodes: 4, shards: 3, snapshotThreshold: 20 });
    engine.createTable(tableT);
    const rows = Array.from({ length: 60 }, (_, index) => [index + 1, index % 4, index, 'x', true]);
    load(sim, engine, tableT, rows as never);
    const executor = new MigrationExecutor(migrationPorts(sim, cluster.database));
    const [first, second] = cluster.database.shardMap.shards;
    const slow = cluster.database.leaderOf(second.id)!;
    const lanes = ['q1', 'q2', 'q3'];
    for (const lane of lanes) engine.client(lane);
    for (const lane of lanes) {
      sim.network.setLinkLatency(`query-client:${lane}`, slow, { kind: 'constant', ms: 60 });
      sim.network.setLinkLatency(slow, `query-client:${lane}`, { kind: 'constant', ms: 60 });
    }
    let runs = 0;
    const errors: string[] = [];
    let stop = false;
    const loop = (lane: string): void => {
      if (stop) return;
      const run = engine.query('SELECT COUNT(*) FROM t', { client: lane, timeoutMs: 10_000 });
      const wait = (): void => (run.done ? (runs++, run.error && errors.push(run.error.message), loop(lane)) : void sim.scheduler.schedule(5, wait));
      wait();
    };
    lanes.forEach((lane, index) => sim.scheduler.schedule(index * 100, () => loop(lane)));
    sim.runFor(1_000);
    const firstSlots = [...slotsOf(first.slots)];
    executor.submit([{ kind: 'split', shard: first.id, newShard: 'shard-9', ranges: [{ start: firstSlots[200], endExclusive: firstSlots[firstSlots.length - 1] + 1 }], replicas: ['node-2', 'node-3', 'node-4'], reason: 'test: split' }]);
    const startMs = sim.nowMs;
    sim.runUntil(() => executor.idle || sim.nowMs - startMs > 30_000, { withinMs: 40_000, waitingFor: 'split' });
    stop = true;
    console.log('idle', executor.idle, 'after', sim.nowMs - startMs, 'runs', runs, 'errors', errors.slice(0,3), 'deferred', (executor as unknown as { releasesDeferred: number }).releasesDeferred);
    assert.ok(executor.idle);
  });
});
