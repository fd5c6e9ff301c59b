import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { migrationPorts } from '../../src/api/migration-ports';
import type { Row } from '../../src/query';
import { MigrationExecutor } from '../../src/rebalance/executor';
import { slotsOf } from '../../src/sharding/slots';
import { load, queryCluster } from './fixture';
import { tableT } from './generators';

/**
 * A split is not starved by queries that overlap back to back (src/kv/slot-fence.ts
 * `drain`, src/rebalance/executor.ts RELEASE_TRIES_BEFORE_DRAIN). A query's scan lock
 * keeps the slots it reads at the source until it ends, so the source may release a
 * range only in a moment when no query holds it. Three query clients that each run a
 * query reading a slow shard, one after another and staggered, leave no such moment:
 * before the drain rule the release was refused 248 times and the split had not finished
 * after 30 s. With it, the source stops granting new locks in the range after five
 * refusals, the running queries end, and the split goes on; the turned-away queries try
 * again and still count every row. (Vitess stops new transactions on a source shard
 * before its cut-over for the same reason.)
 */
describe('a split while slow queries overlap back to back', { timeout: 600_000 }, () => {
  it('finishes within 5 s, and every query counts every row', () => {
    const { sim, cluster, engine } = queryCluster({ seed: 41, nodes: 4, shards: 3, snapshotThreshold: 20 });
    engine.createTable(tableT);
    const rows: Row[] = Array.from({ length: 60 }, (_, index) => [index + 1, index % 4, index, 'x', true]);
    load(sim, engine, tableT, rows);
    const executor = new MigrationExecutor(migrationPorts(sim, cluster.database));
    const [first, second] = cluster.database.shardMap.shards;
    const slowLeader = cluster.database.leaderOf(second.id)!;
    const lanes = ['lane-1', 'lane-2', 'lane-3'];
    for (const lane of lanes) {
      engine.client(lane);
      sim.network.setLinkLatency(`query-client:${lane}`, slowLeader, { kind: 'constant', ms: 60 });
      sim.network.setLinkLatency(slowLeader, `query-client:${lane}`, { kind: 'constant', ms: 60 });
    }
    const answers: string[] = [];
    let stop = false;
    const loop = (lane: string): void => {
      if (stop) return;
      const run = engine.query('SELECT COUNT(*) FROM t', { client: lane, timeoutMs: 10_000 });
      const wait = (): void => {
        if (!run.done) return void sim.scheduler.schedule(5, wait);
        answers.push(run.error?.message ?? String(run.rows[0]?.[0]));
        loop(lane);
      };
      wait();
    };
    lanes.forEach((lane, index) => sim.scheduler.schedule(index * 100, () => loop(lane)));
    sim.runFor(1_000);
    const slots = [...slotsOf(first.slots)];
    executor.submit([{ kind: 'split', shard: first.id, newShard: 'shard-9', ranges: [{ start: slots[200], endExclusive: slots[slots.length - 1] + 1 }], replicas: ['node-2', 'node-3', 'node-4'], reason: 'test: split under overlapping queries' }]);
    const startMs = sim.nowMs;
    sim.runUntil(() => executor.idle || sim.nowMs - startMs > 30_000, { withinMs: 40_000, waitingFor: 'the split' });
    const tookMs = sim.nowMs - startMs;
    stop = true;
    sim.runFor(2_000);
    const progress = executor.progress(cluster.database.placement.finishedMoves());
    assert.ok(executor.idle && tookMs <= 5_000, `the split took ${Math.round(tookMs)} ms (bound 5,000) after ${progress.releasesDeferred} refused releases; ${answers.length} queries ran`);
    assert.equal(progress.rolledBack, 0);
    assert.ok(progress.releasesDeferred >= 1, 'no release was ever refused: the queries never overlapped the range');
    assert.ok(answers.length >= 10, `only ${answers.length} queries ran`);
    assert.deepEqual([...new Set(answers)], ['60'], 'every query counts all 60 rows');
  });
});
