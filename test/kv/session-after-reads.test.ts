import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { PhantomCluster } from '../../src/api';
import { Simulation } from '../../src/sim';

/**
 * Client sessions (Raft thesis §6.3) on the real server: reads are served after a
 * ReadIndex round without a log entry, so the server never learns of a session from
 * reads. A client whose first operations on a shard were reads must still be able to
 * write there: its first write has to open the session at sequence 1. (Found by the load
 * test: with 80% reads, half of all writes ended "the session expired on the server".)
 */

function store(): { sim: Simulation; cluster: PhantomCluster } {
  const sim = new Simulation({ seed: 11 });
  const cluster = new PhantomCluster(sim, { clusterName: 'sessions', joinToken: 'sessions-token' });
  for (let index = 1; index <= 3; index++) cluster.addNode(`node-${index}`, { seeds: index === 1 ? [] : ['node-1'] });
  sim.runUntil(() => cluster.liveMembers().length === 3 && cluster.agreement(), { withinMs: 10_000, pollMs: 1 });
  cluster.database.create({ shards: 1, replicationFactor: 3 });
  sim.runUntil(() => cluster.database.shardIds().every((shard) => cluster.database.hasStableLeader(shard)), { withinMs: 5_000, pollMs: 1 });
  return { sim, cluster };
}

describe('Client sessions after reads', () => {
  it('a write after reads on a fresh session succeeds, and a retried write still applies once', () => {
    const { sim, cluster } = store();
    const client = cluster.database.client('reader-first');
    const reads = [client.get('x'), client.get('y')];
    const write = client.put('x', '1');
    const append = client.put('y', '2');
    sim.runUntil(() => append.done, { withinMs: 5_000 });
    assert.deepEqual(reads.map((read) => read.outcome), ['ok', 'ok']);
    assert.equal(write.outcome, 'ok', `the write after two reads: ${write.reason}`);
    assert.equal(append.outcome, 'ok', `the second write: ${append.reason}`);
    const check = cluster.database.client('checker').get('x');
    sim.runUntil(() => check.done, { withinMs: 5_000 });
    assert.deepEqual(check.result, { kind: 'get', value: '1' });
    sim.dispose();
  });
});
