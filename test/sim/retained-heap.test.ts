import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import * as v8 from 'node:v8';
import * as vm from 'node:vm';
import { PhantomCluster } from '../../src/api';
import { Workload } from '../../src/api/workload';
import { Nemesis, Simulation } from '../../src/sim';

/**
 * Retained heap over many scenarios in one process (issue 12, §6). Each round is one
 * scenario's worth of simulation: a 3-node cluster with one 3-replica shard, 3 clients on
 * 3 keys for 2 simulated seconds, a nemesis, then disposal as the After hook does it.
 * Anything a simulation leaves reachable after disposal (module-level caches, listeners,
 * scheduled closures) grows the heap in proportion to the rounds.
 *
 * Bound: after a warm-up of 100 rounds, the heap retained after a full GC may grow by at
 * most 4 MB over the next 900 rounds (about 4.5 KB a round). One leaked simulation is
 * several hundred KB (trace ring, nodes, disks, Raft logs), so even one leak every ten
 * rounds would break it.
 */

const WARM_UP_ROUNDS = 100;
const ROUNDS = 1_000;
const GROWTH_BOUND_BYTES = 4 * 1024 * 1024;

v8.setFlagsFromString('--expose-gc');
const collectGarbage = vm.runInNewContext('gc') as () => void;

function retainedHeapBytes(): number {
  for (let pass = 0; pass < 3; pass++) collectGarbage();
  return process.memoryUsage().heapUsed;
}

function oneScenario(seed: number): number {
  const sim = new Simulation({ seed });
  const cluster = new PhantomCluster(sim, { clusterName: 'heap', joinToken: 'heap-token' });
  for (let index = 1; index <= 3; index++) cluster.addNode(`node-${index}`, { seeds: index === 1 ? [] : ['node-1'] });
  sim.runUntil(() => cluster.liveMembers().length === 3 && cluster.agreement(), { withinMs: 10_000, pollMs: 1 });
  cluster.database.create({ shards: 1, replicationFactor: 3 });
  const workload = new Workload(sim, cluster.database, { clients: 3, keys: 3, kinds: ['read', 'write', 'cas'], thinkTimeMs: { minMs: 5, maxMs: 50 } });
  const nemesis = new Nemesis(sim, { nodes: ['node-1', 'node-2', 'node-3'], faults: ['pause', 'loss'], gapMs: { minMs: 200, maxMs: 500 } });
  workload.start();
  nemesis.start();
  sim.runFor(2_000);
  nemesis.healAll();
  workload.stop();
  const operations = workload.counts.invoked;
  sim.dispose();
  assert.equal(sim.scheduler.pendingEvents, 0);
  return operations;
}

describe('Retained heap over 1,000 scenarios in one process', () => {
  it(`grows by at most ${GROWTH_BOUND_BYTES / 1024 / 1024} MB after ${WARM_UP_ROUNDS} warm-up rounds`, () => {
    let operations = 0;
    for (let round = 1; round <= WARM_UP_ROUNDS; round++) operations += oneScenario(round);
    const afterWarmUp = retainedHeapBytes();
    const samples: number[] = [];
    for (let round = WARM_UP_ROUNDS + 1; round <= ROUNDS; round++) {
      operations += oneScenario(round);
      if (round % 300 === 0) samples.push(retainedHeapBytes());
    }
    const final = retainedHeapBytes();
    const growth = final - afterWarmUp;
    const report = `retained heap ${(afterWarmUp / 1e6).toFixed(1)} MB after ${WARM_UP_ROUNDS} rounds, ${samples.map((bytes) => (bytes / 1e6).toFixed(1)).join(' / ')} MB at 300/600/900, ${(final / 1e6).toFixed(1)} MB after ${ROUNDS} (${operations} client operations in all)`;
    console.log(report);
    assert.ok(operations > ROUNDS * 10, `the rounds did real work: ${operations} operations`);
    assert.ok(growth <= GROWTH_BOUND_BYTES, `the heap grew by ${(growth / 1e6).toFixed(2)} MB: ${report}`);
  });
});
