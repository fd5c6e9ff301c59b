import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { PhantomCluster } from '../../src/api';
import { defaultElasticOptions, ElasticCluster } from '../../src/api/elastic-cluster';
import { RampWorkload } from '../../src/api/ramp-workload';
import { ResourceMonitor } from '../../src/scaling';
import { Simulation } from '../../src/sim';

/**
 * The autoscaler's hands on the real cluster (issue 9 §1 and §3): readings from what nodes
 * really did, scale-out through the join handshake and the rebalancer, scale-in through a
 * drain, and a node stopped only when it holds nothing (HPA "Algorithm details" for the
 * missing and not-ready rules the readings feed).
 */
function cluster(nodes: number, shards: number, replicationFactor = 3, seed = 17): { sim: Simulation; phantom: PhantomCluster; elastic: ElasticCluster } {
  const sim = new Simulation({ seed });
  const phantom = new PhantomCluster(sim, { clusterName: 'unit', joinToken: 'unit-token' });
  for (let index = 1; index <= nodes; index++) phantom.addNode(`node-${index}`, { seeds: index === 1 ? [] : ['node-1'] });
  sim.runUntil(() => phantom.liveMembers().length === nodes && phantom.agreement(), { withinMs: 10_000, waitingFor: 'the nodes to join' });
  phantom.database.create({ shards, replicationFactor });
  sim.runUntil(() => phantom.database.shardIds().every((shard) => phantom.database.hasStableLeader(shard)), { withinMs: 10_000, waitingFor: 'leaders' });
  const elastic = new ElasticCluster(phantom, { ...defaultElasticOptions, replicationFactor, capacity: { serviceTimeMs: 20, memoryBytes: 4_000_000, diskBytes: 64_000_000 } });
  return { sim, phantom, elastic };
}

describe('readings come from what the nodes did', () => {
  it('cpu is requests handled × service time over the interval; data and log bytes are real; a paused node gives no sample', () => {
    const { sim, phantom, elastic } = cluster(3, 3);
    try {
      const load = new RampWorkload(sim, phantom.database, { maxClients: 4, keys: 20, thinkTimeMs: { minMs: 10, maxMs: 40 } });
      const monitor = new ResourceMonitor({ intervalMs: 5_000, windowSamples: 3 });
      load.setActiveClients(4);
      monitor.sample(sim.nowMs, elastic.liveIds(), elastic);
      const before = new Map(elastic.liveIds().map((id) => [id, phantom.database.kvOn(id)!.work.requestsHandled]));
      sim.runFor(5_000);
      monitor.sample(sim.nowMs, elastic.liveIds(), elastic);
      for (const id of elastic.liveIds()) {
        const handled = phantom.database.kvOn(id)!.work.requestsHandled - before.get(id)!;
        const sample = monitor.history.find((entry) => entry.node === id)!;
        // 50 requests/s of capacity: cpu % = handled / (50 × 5 s) × 100.
        assert.equal(sample.values.cpu, (100 * handled) / 250, `${id} cpu`);
        assert.equal(sample.values.requestsPerSecond, handled / 5, `${id} requests per second`);
        const activity = elastic.activity(id)!;
        assert.ok(activity.dataBytes > 0 && activity.raftLogBytes > 0, `${id} holds data (${activity.dataBytes} B) and a log (${activity.raftLogBytes} B)`);
      }
      assert.ok(load.counts.ok > 0, 'the clients did work');
      phantom.node('node-2').pause();
      assert.equal(elastic.activity('node-2'), undefined, 'a paused node gives no sample');
      phantom.node('node-2').resume();
    } finally {
      sim.dispose();
    }
  });
});

describe("a server's CPU", () => {
  it('queues requests beyond its capacity in arrival order: 10 writes sent at once to one shard take at least 10 × 20 ms', () => {
    const { sim, phantom } = cluster(3, 1);
    try {
      const client = phantom.database.client('burst');
      client.put('warm', 'up');
      sim.runFor(1_000);
      const startMs = sim.nowMs;
      const ends: number[] = [];
      for (let index = 0; index < 10; index++) phantom.database.client(`burst-${index}`).put(`key-${index}`, `value-${index}`, () => ends.push(sim.nowMs - startMs));
      sim.runUntil(() => ends.length === 10, { withinMs: 5_000, waitingFor: 'the burst' });
      assert.ok(ends[9] >= 200, `the last write ended after ${ends[9]} ms; a 20 ms service time queues 10 requests for at least 200 ms`);
      // Nine service times separate the first and the last at the server; the network adds a few ms of jitter either way.
      assert.ok(ends[9] - ends[0] >= 9 * 20 - 10, `writes ended ${ends.map((end) => end.toFixed(0)).join(', ')} ms after the burst: about one every 20 ms`);
    } finally {
      sim.dispose();
    }
  });
});

describe('scale-out and scale-in on the real cluster', () => {
  it('a new node joins with the join token, is joining (not ready) until it holds a voter, then the shards spread to it', () => {
    const { sim, phantom, elastic } = cluster(3, 6);
    try {
      elastic.start();
      elastic.scaleOut(1);
      assert.deepEqual(elastic.nodes().find((node) => node.id === 'node-4'), { id: 'node-4', ready: false });
      sim.runUntil(() => elastic.balanced(), { withinMs: 60_000, waitingFor: 'a balanced cluster', pollMs: 250 });
      assert.equal(elastic.stateOf('node-4'), 'serving');
      assert.ok(phantom.everyLiveMemberSees('node-4', 'alive'), 'node-4 is a member');
      assert.ok(phantom.database.shardMap.shards.filter((shard) => shard.replicas.includes('node-4')).length >= 4, 'node-4 holds its share of 18 replicas');
    } finally {
      sim.dispose();
    }
  });

  it('a drained node stops only once the map, the groups and its disk hold nothing of it; the placement nodes never drain', () => {
    const { sim, phantom, elastic } = cluster(4, 6);
    try {
      elastic.start();
      elastic.scaleIn(2);
      assert.deepEqual(elastic.drains[0].chosen, ['node-4'], 'placement nodes node-1..3 are protected; only node-4 may drain');
      let stoppedWhileHolding: string | undefined;
      sim.runUntil(() => {
        const holds = phantom.database.shardMap.shards.some((shard) => shard.replicas.includes('node-4') || (shard.learners ?? []).includes('node-4'));
        if (holds && elastic.stateOf('node-4') === 'stopped') stoppedWhileHolding = `stopped at ${sim.nowMs} ms while the map named it`;
        return elastic.stateOf('node-4') === 'stopped';
      }, { withinMs: 60_000, waitingFor: 'node-4 to be drained and stopped', pollMs: 10 });
      assert.equal(stoppedWhileHolding, undefined);
      assert.equal(phantom.node('node-4').state, 'stopped');
      assert.deepEqual((phantom.node('node-4').disk.get<{ groupId: string }[]>('raft/groups') ?? []).filter((spec) => spec.groupId !== 'placement'), []);
      assert.equal(elastic.liveIds().length, 3);
    } finally {
      sim.dispose();
    }
  });

  // Seeds 2, 3 and 5 once hung: the planner took the crashed node-7 (fewest replicas) for the
  // target of a drain move or a leadership transfer; the move waited on it, rolled back after
  // 3 s and was planned again, for ever, and the drained node never stopped.
  for (const seed of [2, 3, 5]) {
    it(`with a node down, the drain moves nothing to it and finishes; the down node's replicas are made again on running nodes (seed ${seed})`, () => {
      const { sim, phantom, elastic } = cluster(7, 6, 5, seed);
      try {
        elastic.start();
        phantom.node('node-7').crash();
        elastic.scaleIn(2);
        const [drained] = elastic.drains[0].chosen;
        assert.deepEqual(elastic.drains[0].chosen, [drained], 'the down node does not count toward the replication factor: 5 running nodes stay, so only one drains');
        sim.runUntil(() => elastic.stateOf(drained) === 'stopped' && elastic.executor.idle, { withinMs: 60_000, waitingFor: `${drained} to be drained and stopped`, pollMs: 100 });
        const running = ['node-1', 'node-2', 'node-3', 'node-4', 'node-5', 'node-6'].filter((id) => id !== drained);
        for (const shard of phantom.database.shardMap.shards) {
          assert.deepEqual([...shard.replicas].sort(), running, `${shard.id}'s voters: the five running nodes that stay`);
          assert.deepEqual(shard.learners ?? [], [], `${shard.id}'s learners`);
        }
        assert.deepEqual(elastic.problems, []);
      } finally {
        sim.dispose();
      }
    });
  }
});
