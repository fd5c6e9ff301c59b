import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Message, NodeEnv, NodeId } from '../../src/runtime/ports';
import { RegionLatencyMatrix, Simulation } from '../../src/sim';

/**
 * Issue 11 §1: "the latency matrix between regions applies to every message between nodes
 * of those regions". Spanner's commit latency is set by the quorum's round trips, so the
 * matrix has to hold for every message, not for one service's links.
 */
function world(nodes: { id: string; region?: string }[]): { sim: Simulation; arrivals: Map<string, { from: NodeId; atMs: number }[]>; envs: Map<string, NodeEnv> } {
  const sim = new Simulation({ seed: 7 });
  const arrivals = new Map<string, { from: NodeId; atMs: number }[]>();
  const envs = new Map<string, NodeEnv>();
  for (const { id, region } of nodes) {
    arrivals.set(id, []);
    sim.addNode(
      id,
      (env) => {
        envs.set(id, env);
        return { onMessage: (from: NodeId, _message: Message) => arrivals.get(id)!.push({ from, atMs: sim.nowMs }) };
      },
      region === undefined ? {} : { region },
    );
  }
  return { sim, arrivals, envs };
}

const matrix = (): RegionLatencyMatrix =>
  new RegionLatencyMatrix(['east', 'west', 'eu'], [{ from: 'east', to: 'west', latencyMs: 20 }, { from: 'east', to: 'eu', latencyMs: 35 }, { from: 'west', to: 'eu', latencyMs: 45 }], { kind: 'constant', ms: 1 });

describe('Region latency matrix', () => {
  it('applies to every message between nodes of two regions, both ways, and in-region latency inside one', () => {
    const { sim, arrivals, envs } = world([{ id: 'e1', region: 'east' }, { id: 'e2', region: 'east' }, { id: 'w1', region: 'west' }, { id: 'u1', region: 'eu' }]);
    sim.network.setRegionLatencies(matrix());
    envs.get('e1')!.network.send('w1', { type: 'any.kind' });
    envs.get('e1')!.network.send('e2', { type: 'other.kind' });
    envs.get('u1')!.network.send('w1', { type: 'third.kind' });
    envs.get('w1')!.network.send('e1', { type: 'reply' });
    sim.runFor(100);
    assert.deepEqual(arrivals.get('w1'), [{ from: 'e1', atMs: 20 }, { from: 'u1', atMs: 45 }]);
    assert.deepEqual(arrivals.get('e2'), [{ from: 'e1', atMs: 1 }]);
    assert.deepEqual(arrivals.get('e1'), [{ from: 'w1', atMs: 20 }]);
  });

  it('leaves a node without a region on the default latency, and an explicit link setting wins', () => {
    const { sim, arrivals, envs } = world([{ id: 'e1', region: 'east' }, { id: 'w1', region: 'west' }, { id: 'loose' }]);
    sim.network.setDefaultLatency({ kind: 'constant', ms: 5 });
    sim.network.setRegionLatencies(matrix());
    sim.network.setLinkLatency('w1', 'e1', { kind: 'constant', ms: 3 });
    envs.get('e1')!.network.send('loose', { type: 'x' });
    envs.get('w1')!.network.send('e1', { type: 'x' });
    sim.runFor(100);
    assert.deepEqual(arrivals.get('loose'), [{ from: 'e1', atMs: 5 }]);
    assert.deepEqual(arrivals.get('e1'), [{ from: 'w1', atMs: 3 }]);
  });

  it('derives round trips from the matrix', () => {
    assert.equal(matrix().roundTripMs('east', 'eu'), 70);
    assert.equal(matrix().roundTripMs('east', 'east'), 2);
  });

  it('refuses a matrix with a missing pair, an unknown region or a bad value, naming it', () => {
    assert.throws(() => new RegionLatencyMatrix(['a', 'b', 'c'], [{ from: 'a', to: 'b', latencyMs: 1 }], { kind: 'constant', ms: 1 }), /no latency given between a and c/);
    assert.throws(() => new RegionLatencyMatrix(['a', 'b'], [{ from: 'a', to: 'x', latencyMs: 1 }], { kind: 'constant', ms: 1 }), /unknown region x/);
    assert.throws(() => new RegionLatencyMatrix(['a', 'b'], [{ from: 'a', to: 'b', latencyMs: -1 }], { kind: 'constant', ms: 1 }), /a → b must be a finite number/);
  });
});
