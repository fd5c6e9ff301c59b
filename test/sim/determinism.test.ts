import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { NodeEnv } from '../../src/runtime/ports';
import { Simulation } from '../../src/sim';

/** A gossiping workload with random timers, loss and jitter: a good test of replay. */
function run(seed: number): { digest: string; events: number } {
  const sim = new Simulation({ seed });
  sim.network.setDefaultLatency({ kind: 'exponential', meanMs: 5, minMs: 1 });
  sim.network.setFaults({ lossProbability: 0.05, duplicateProbability: 0.02 });
  const ids = ['n1', 'n2', 'n3', 'n4', 'n5'];
  for (const id of ids) {
    sim.addNode(id, (env: NodeEnv) => {
      const tick = (): void => {
        env.network.send(env.random.pick(ids), { type: 'gossip' });
        env.timers.setTimer(env.random.int(20) + 1, tick);
      };
      tick();
      return { onMessage: (from) => env.trace('got', { from }) };
    });
  }
  sim.runFor(2000);
  sim.node('n3').crash();
  sim.runFor(500);
  sim.node('n3').start();
  sim.runFor(500);
  return { digest: sim.trace.digestHex(), events: sim.trace.eventCount };
}

describe('Determinism', () => {
  it('the same seed gives the same trace digest', () => {
    assert.deepEqual(run(1234), run(1234));
  });

  it('a different seed gives a different trace', () => {
    assert.notEqual(run(1234).digest, run(1235).digest);
  });
});
