import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { PhantomCluster } from '../../src/api';
import { checkLinearizability, findLostWrites, registerModel } from '../../src/check';
import { shardForKey } from '../../src/sharding/shard-map';
import { Simulation } from '../../src/sim';

/**
 * Raft thesis §6.3 (client sessions), across shards: each shard's state machine keeps its
 * own sessions, so (session, sequence) must name one operation across all shards, and a
 * late answer to an earlier operation must never complete a later one.
 */
function store(seed: number): { sim: Simulation; cluster: PhantomCluster } {
  const sim = new Simulation({ seed });
  const cluster = new PhantomCluster(sim, { clusterName: 'test', joinToken: 'test' });
  for (let i = 1; i <= 3; i++) cluster.addNode(`node-${i}`, { seeds: i === 1 ? [] : ['node-1'] });
  sim.runFor(1000);
  cluster.database.create({ shards: 2, replicationFactor: 3 });
  sim.runUntil(() => cluster.database.shardIds().every((shard) => cluster.database.hasStableLeader(shard)), { withinMs: 5000, waitingFor: 'leaders' });
  return { sim, cluster };
}

function keysOnDifferentShards(cluster: PhantomCluster): [string, string] {
  const map = cluster.database.shardMap;
  const first = 'k0';
  for (let i = 1; i < 1000; i++) if (shardForKey(map, `k${i}`)!.id !== shardForKey(map, first)!.id) return [first, `k${i}`];
  throw new Error('no two keys on different shards');
}

describe('Client sessions across shards', () => {
  it('a late reply from one shard does not complete an operation on another shard', () => {
    const { sim, cluster } = store(3);
    const [a, b] = keysOnDifferentShards(cluster);
    const alice = cluster.database.client('alice');
    const servers = ['node-1', 'node-2', 'node-3'];
    // Replies to alice are delayed past her deadline, so her first put ends unknown...
    for (const server of servers) sim.network.setLinkLatency(server, 'client:alice', { kind: 'constant', ms: 12_000 });
    const first = alice.put(a, 'one');
    sim.runUntil(() => first.done, { withinMs: 20_000, waitingFor: 'the first put' });
    assert.equal(first.outcome, 'unknown');
    // ...then her requests are cut off while the late reply to the first put is still on its way.
    for (const server of servers) sim.network.cutOneWay('client:alice', server);
    const second = alice.put(b, 'two');
    sim.runUntil(() => second.done, { withinMs: 20_000, waitingFor: 'the second put' });
    assert.notEqual(second.outcome, 'ok', 'the reply to the first put must not be taken for the second');
  });

  every('operations on two shards from one client are linearizable with no lost write', [1, 2, 3], (seed) => {
    const { sim, cluster } = store(seed);
    const [a, b] = keysOnDifferentShards(cluster);
    const alice = cluster.database.client('alice');
    const bob = cluster.database.client('bob');
    for (let i = 0; i < 20; i++) {
      const write = alice.put(i % 2 === 0 ? a : b, `v${i}`);
      sim.runUntil(() => write.done, { withinMs: 15_000, waitingFor: `write ${i}` });
    }
    for (const key of [a, b]) {
      const read = bob.get(key);
      sim.runUntil(() => read.done, { withinMs: 15_000, waitingFor: `read of ${key}` });
      assert.equal(read.outcome, 'ok');
    }
    const events = cluster.database.history.events;
    assert.equal(checkLinearizability(events, registerModel).verdict, 'linearizable');
    assert.deepEqual(findLostWrites(events), []);
  });
});

function every(name: string, seeds: number[], body: (seed: number) => void): void {
  for (const seed of seeds) it(`${name} (seed ${seed})`, () => body(seed));
}
