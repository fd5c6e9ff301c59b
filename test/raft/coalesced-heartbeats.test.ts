/*
 * Coalesced heartbeats across the groups of a sharded store (CockroachDB: one heartbeat
 * message per node pair per tick carries every group's heartbeat, and one carries the
 * answers back). A Raft service ticks all its groups on one timer; each leader heartbeats
 * on the service's ticks that are multiples of its interval (RaftNode.tick), so the groups a
 * node leads send their heartbeats to a peer on the same tick, in one message. Before this
 * rule, each leader heartbeated on its own phase (counted from its election), and most
 * heartbeats of a busy store travelled alone: 1.1 million single heartbeats against 0.66
 * million coalesced ones in the scaling and join scenarios.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { PhantomCluster } from '../../src/api';
import { Workload } from '../../src/api/workload';
import { Simulation } from '../../src/sim';

function sentOf(sim: Simulation, type: string): number {
  return sim.network.typeCounters.get(type)?.sent ?? 0;
}

describe('heartbeats of the groups one node leads travel together', () => {
  test('under writes to 6 shards on 3 nodes, the tick heartbeats leave as one message per peer', () => {
    const sim = new Simulation({ seed: 11 });
    const cluster = new PhantomCluster(sim, { clusterName: 'coalesce', joinToken: 'coalesce-token' });
    for (let index = 1; index <= 3; index++) cluster.addNode(`node-${index}`, { seeds: index === 1 ? [] : ['node-1'] });
    sim.runUntil(() => cluster.liveMembers().length === 3 && cluster.agreement(), { withinMs: 10_000, pollMs: 1 });
    cluster.database.create({ shards: 6, replicationFactor: 3 });
    // Writes only: a read's ReadIndex round is a heartbeat of one group, sent at once.
    const workload = new Workload(sim, cluster.database, { clients: 6, keys: 24, kinds: ['write'], thinkTimeMs: { minMs: 5, maxMs: 20 } });
    workload.start();
    sim.runFor(2_000);
    const single = sentOf(sim, 'raft.heartbeat');
    const coalesced = sentOf(sim, 'raft.heartbeats');
    sim.runFor(3_000);
    workload.stop();
    const singleDuring = sentOf(sim, 'raft.heartbeat') - single;
    const coalescedDuring = sentOf(sim, 'raft.heartbeats') - coalesced;
    const leaders = new Map<string, number>();
    for (const shard of cluster.database.shardIds()) {
      const leader = cluster.database.leaderOf(shard);
      if (leader !== undefined) leaders.set(leader, (leaders.get(leader) ?? 0) + 1);
    }
    const report = `${singleDuring} single and ${coalescedDuring} coalesced heartbeat messages in 3 s; leaders: ${[...leaders].map(([node, count]) => `${node} ${count}`).join(', ')}`;
    // The bounds below assume this spread of leadership (each node leads 2 of the 6 groups).
    assert.deepEqual([...leaders.values()].sort(), [2, 2, 2], report);
    // Each node leads 2 groups and heartbeats every 30 ms to its 2 peers: 600 coalesced messages
    // in 3 s, and as many coalesced answers. Leaders on their own phases sent 710 single ones
    // against 486 coalesced; aligned, the singles left are rounds a leader starts between its
    // ticks (a read to confirm, a group waking up), which go at once, alone.
    assert.ok(coalescedDuring > 900, report);
    assert.ok(singleDuring < coalescedDuring / 10, report);
    sim.dispose();
  });
});
